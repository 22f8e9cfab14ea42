// assessHealth (protocols/health/assess.ts) at its boundaries: exactly tm live
// in the node's own committee, exactly tc committees with tm live, the roles
// warm-up, store failures and unreadable shares.
import { describe, expect, it } from 'vitest'
import { assessHealth, liveMembersByCommittee, type HealthInput, type LocalFindings } from '../../protocols/health/assess.js'
import { MAX_HEALTH_KEY_IDS } from '../../protocols/constants.js'
import { HealthReasonSchema } from '../../protocols/wire/http.js'
import { fakeGenesis } from '../helpers/genesis.js'

// 9 nodes, 3 committees of 3 (peer-1, 4, 7 in committee 1; 2, 5, 8 in 2; 3, 6, 9 in 3), tc = tm = 2.
const genesis = fakeGenesis(9, 3, { tc: 2, tm: 2 })
const self = genesis.nodes[0]!
const NONE: LocalFindings = { store: null, unreadableShares: [] }

function input (live: number[], opts: Partial<HealthInput> = {}): HealthInput {
  return {
    params: genesis.params,
    members: genesis.nodes,
    self,
    live: new Set(live.map(i => `peer-${i}`)),
    warmingUp: false,
    local: NONE,
    ...opts
  }
}

describe('assessHealth: peers', () => {
  it('counts live members per committee, the node itself included', () => {
    expect(liveMembersByCommittee(genesis.params, genesis.nodes, new Set(['peer-1', 'peer-4', 'peer-2']))).toEqual([2, 1, 0])
  })

  it('everyone live: ok, no reasons', () => {
    expect(assessHealth(input([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toEqual({ status: 'ok', reasons: [] })
  })

  it('exactly tm live in its own committee and exactly tc committees with tm live: ok', () => {
    // Committee 1: peer-1, peer-4 (tm = 2); committee 2: peer-2, peer-5; committee 3: none.
    expect(assessHealth(input([1, 4, 2, 5])).status).toBe('ok')
  })

  it('one fewer than tm in its own committee: degraded, though tc other committees could sign', () => {
    const { status, reasons } = assessHealth(input([1, 2, 5, 3, 6]))
    expect(status).toBe('degraded')
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatchObject({ code: 'peers', committee: 1, committeeLive: 1, committeesReady: 2, tm: 2, tc: 2 })
    expect(reasons[0]!.detail).toMatch(/1 member of its committee 1 live .*fewer than tm = 2/)
    expect(reasons[0]!.detail).not.toMatch(/tc =/)
  })

  it('its own committee fine but one fewer than tc committees with tm live: degraded, cannot sign', () => {
    // Committee 1 has 2, committee 2 has 1, committee 3 has 1.
    const { status, reasons } = assessHealth(input([1, 4, 2, 3]))
    expect(status).toBe('degraded')
    expect(reasons[0]).toMatchObject({ code: 'peers', committeeLive: 2, committeesReady: 1 })
    expect(reasons[0]!.detail).toMatch(/1 of 3 committees with tm = 2 live members, fewer than tc = 2/)
  })

  it('alone (gossip broken: live 1): degraded on both counts', () => {
    const [reason] = assessHealth(input([1])).reasons
    expect(reason).toMatchObject({ code: 'peers', committeeLive: 1, committeesReady: 0 })
    expect(reason!.detail).toContain('; and ')
  })

  it('tm = 1, tc = 1: a node alone in a one-committee network is ok', () => {
    const solo = fakeGenesis(1, 1, { tc: 1, tm: 1 })
    expect(assessHealth({ ...input([]), params: solo.params, members: solo.nodes, self: solo.nodes[0]!, live: new Set(['peer-1']) }).status).toBe('ok')
  })

  it('during the roles warm-up too few live peers read starting, and the same view after it degraded', () => {
    const starting = assessHealth(input([1], { warmingUp: true }))
    expect(starting.status).toBe('starting')
    expect(starting.reasons.map(r => r.code)).toEqual(['peers'])
    expect(starting.reasons[0]!.detail).toMatch(/started moments ago/)
    expect(assessHealth(input([1], { warmingUp: false })).status).toBe('degraded')
    // Enough peers heard already: ok, warm-up or not.
    expect(assessHealth(input([1, 4, 2, 5], { warmingUp: true })).status).toBe('ok')
  })

  it('a store or share finding is degraded even during the warm-up', () => {
    const local: LocalFindings = { store: null, unreadableShares: [{ keyId: 'ab'.repeat(16), epoch: 0 }] }
    const a = assessHealth(input([1], { warmingUp: true, local }))
    expect(a.status).toBe('degraded')
    expect(a.reasons.map(r => r.code)).toEqual(['peers', 'shares'])
  })
})

describe('assessHealth: store and shares', () => {
  const all = [1, 2, 3, 4, 5, 6, 7, 8, 9]

  it('store failures within the window: degraded, with the count and the last failure', () => {
    const local: LocalFindings = { store: { failures: 3, lastFailureAt: 1_700_000_000_000, lastFailure: 'get: LEVEL_IO_ERROR', windowMs: 60_000 }, unreadableShares: [] }
    const { status, reasons } = assessHealth(input(all, { local }))
    expect(status).toBe('degraded')
    expect(reasons).toEqual([{ code: 'store', failures: 3, lastFailureAt: 1_700_000_000_000, detail: '3 store operations failed in the last 60 s; the last: get: LEVEL_IO_ERROR' }])
  })

  it('unreadable shares: degraded, naming how many keys and which, sorted, each once', () => {
    const a = 'aa'.repeat(16)
    const b = 'bb'.repeat(16)
    const local: LocalFindings = { store: null, unreadableShares: [{ keyId: b, epoch: 0 }, { keyId: a, epoch: 0 }, { keyId: b, epoch: 1 }] }
    const [reason] = assessHealth(input(all, { local })).reasons
    expect(reason).toMatchObject({ code: 'shares', keys: 2, keyIds: [a, b] })
    expect(reason!.detail).toBe(`3 share records of 2 keys do not authenticate (${a}, ${b}): this node cannot sign with those keys`)
    expect(HealthReasonSchema.parse(reason)).toEqual(reason)
  })

  it(`names at most ${MAX_HEALTH_KEY_IDS} key ids and counts the rest`, () => {
    const keyIds = Array.from({ length: MAX_HEALTH_KEY_IDS + 5 }, (_, i) => i.toString(16).padStart(32, '0'))
    const [reason] = assessHealth(input(all, { local: { store: null, unreadableShares: keyIds.map(keyId => ({ keyId, epoch: 0 })) } })).reasons
    expect(reason).toMatchObject({ code: 'shares', keys: MAX_HEALTH_KEY_IDS + 5 })
    expect((reason as { keyIds: string[] }).keyIds).toEqual(keyIds.slice(0, MAX_HEALTH_KEY_IDS))
    expect(reason!.detail).toContain('and 5 more')
  })

  it('lists the reasons in a fixed order: peers, store, shares', () => {
    const local: LocalFindings = { store: { failures: 1, lastFailureAt: 1, lastFailure: 'put: disk full', windowMs: 60_000 }, unreadableShares: [{ keyId: 'cd'.repeat(16), epoch: 2 }] }
    expect(assessHealth(input([1], { local })).reasons.map(r => r.code)).toEqual(['peers', 'store', 'shares'])
  })
})
