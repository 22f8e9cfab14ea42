// The devnet's choice of sharing parameters, and that every choice is a valid genesis.
import { describe, expect, it } from 'vitest'
import { chooseParams } from '../../devnet/params.js'
import { DevnetUsageError } from '../../devnet/errors.js'
import { GenesisSchema, assignCommittee } from '../../protocols/wire/genesis.js'

function genesisFor (nodes: number, committees?: number): unknown {
  const params = chooseParams(nodes, committees)
  return {
    version: 1,
    network: 'devnet',
    epoch: 0,
    params,
    nodes: Array.from({ length: nodes }, (_, i) => ({
      nodeId: `node-${i + 1}`,
      peerId: `peer-${i + 1}`,
      multiaddrs: [`/ip4/127.0.0.1/tcp/${7101 + i}`],
      http: `http://127.0.0.1:${7201 + i}`,
      encryptionPublicKey: '00'.repeat(32),
      committee: assignCommittee(i, params.committees)
    }))
  }
}

describe('chooseParams', () => {
  it('gives the design defaults for 9 nodes: 3 committees, tc = 2, tm = 2, 3 managers', () => {
    expect(chooseParams(9)).toEqual({ committees: 3, tc: 2, tm: 2, managers: 3 })
  })

  it('uses one committee below 6 nodes and three from 6 on', () => {
    expect(chooseParams(1)).toEqual({ committees: 1, tc: 1, tm: 1, managers: 1 })
    expect(chooseParams(3)).toEqual({ committees: 1, tc: 1, tm: 2, managers: 1 })
    expect(chooseParams(5)).toEqual({ committees: 1, tc: 1, tm: 3, managers: 2 })
    expect(chooseParams(6)).toEqual({ committees: 3, tc: 2, tm: 2, managers: 2 })
  })

  it('takes tm as a majority of the largest committee, so any two parties share a signer', () => {
    // 10 nodes in 3 committees: sizes 4, 3, 3; a majority of 4 is 3, which every committee can field.
    expect(chooseParams(10)).toEqual({ committees: 3, tc: 2, tm: 3, managers: 3 })
    // 12 nodes in 5 committees: sizes 3, 3, 2, 2, 2; a majority of 3 is 2.
    expect(chooseParams(12, 5)).toEqual({ committees: 5, tc: 3, tm: 2, managers: 3 })
    for (let n = 1; n <= 30; n++) {
      const p = chooseParams(n)
      const largest = Math.ceil(n / p.committees)
      if (largest >= 2 && Math.floor(n / p.committees) >= Math.floor(largest / 2) + 1) expect(2 * p.tm, `n=${n}`).toBeGreaterThan(largest)
    }
  })

  it('keeps tc within the committee count', () => {
    expect(chooseParams(2, 2).tc).toBe(2)
    expect(chooseParams(4, 4)).toEqual({ committees: 4, tc: 3, tm: 1, managers: 1 })
  })

  it('produces a valid genesis for every node count and committee count', () => {
    for (let nodes = 1; nodes <= 30; nodes++) {
      for (let committees = 1; committees <= nodes; committees++) {
        const result = GenesisSchema.safeParse(genesisFor(nodes, committees))
        expect(result.success, `${nodes} nodes, ${committees} committees`).toBe(true)
      }
    }
  })

  it('refuses sizes beyond its bounds at once, whatever a peer sends (a committees of 2^31 once ran a node out of memory)', () => {
    const valid = genesisFor(9) as { params: Record<string, number> }
    for (const params of [{ committees: 2 ** 31 }, { tc: 2 ** 31 }, { tm: 2 ** 31 }, { managers: 2 ** 31 }]) {
      const result = GenesisSchema.safeParse({ ...valid, params: { ...valid.params, ...params } })
      expect(result.success, JSON.stringify(params)).toBe(false)
      expect(result.error!.issues.length).toBeLessThan(10)
    }
  })

  it('rejects impossible sizes with a usage error', () => {
    expect(() => chooseParams(0)).toThrow(DevnetUsageError)
    expect(() => chooseParams(100)).toThrow(/1 to 99/)
    expect(() => chooseParams(3, 4)).toThrow(/committee count/)
    expect(() => chooseParams(2.5)).toThrow(DevnetUsageError)
  })
})
