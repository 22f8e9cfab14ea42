// DKLs23 pair states between real nodes (node/engine/ecdsa/): three nodes in one process, real
// libp2p on 127.0.0.1 and real stores. Every member of a party asking for its keys at once ends
// with one setup per pair (the same id at both ends) whose keys multiply; a restarted node
// reads its states back from its store; a burnt setup is set up again and the other end takes
// the new one; the setups ahead cover every pair; a peer that never answers fails the caller's
// deadline with the typed error naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import { PROTOCOL_ECDSA_PAIR } from '../../protocols/constants.js'
import type { ShardsigNode } from '../../node/node.js'
import { PairSetupFailedError } from '../../node/engine/ecdsa/errors.js'
import { startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { pairMultiplies } from '../helpers/ecdsa-pairs.js'

const idOf = (node: ShardsigNode, peer: ShardsigNode): string | undefined => {
  const keys = node.ecdsaPairs.keysWith(peer.identity.peerId)
  return keys === undefined ? undefined : bytesToHex(keys.id)
}

describe('ECDSA pair states on three real nodes', () => {
  let cluster: InProcessCluster
  const node = (i: number): ShardsigNode => cluster.nodes[i]!
  const peerIds = (): string[] => cluster.running().map(n => n.identity.peerId)

  beforeAll(async () => {
    cluster = await startInProcessCluster(3, { basePortFrom: 24600 })
    // Connected, so the first setups do not wait for a dial.
    await waitUntil(() => cluster.running().every(n => n.libp2p.getConnections().length >= 2), AbortSignal.timeout(15_000))
  }, 60_000)

  afterAll(async () => { await cluster?.close() })

  it('every member asking at once: one setup per pair, the same id at both ends, keys that multiply', async () => {
    const got = await Promise.all(cluster.running().map(async n => await n.ecdsaPairs.keysFor(peerIds(), AbortSignal.timeout(15_000))))
    for (let a = 0; a < 3; a++) {
      expect([...got[a]!.keys()].sort()).toEqual(peerIds().filter(p => p !== node(a).identity.peerId).sort())
      for (let b = a + 1; b < 3; b++) {
        const ab = got[a]!.get(node(b).identity.peerId)!
        const ba = got[b]!.get(node(a).identity.peerId)!
        expect(bytesToHex(ab.id)).toBe(bytesToHex(ba.id))
        expect(idOf(node(a), node(b))).toBe(bytesToHex(ab.id))
        expect(pairMultiplies(ab, ba)).toBe(true)
      }
    }
    // Asked again, nothing is set up anew.
    const again = await node(0).ecdsaPairs.keysFor(peerIds(), AbortSignal.timeout(1_000))
    expect(bytesToHex(again.get(node(1).identity.peerId)!.id)).toBe(idOf(node(1), node(0)))
  })

  it('a restarted node reads its states back from its store', async () => {
    const before = idOf(node(1), node(0))
    expect(before).toBeDefined()
    await cluster.stop(1, { graceful: true })
    const restarted = await cluster.start(1)
    expect(idOf(restarted, node(0))).toBe(before)
    expect(idOf(restarted, node(2))).toBe(idOf(node(2), restarted))
    const keys = await restarted.ecdsaPairs.keysFor([node(0).identity.peerId], AbortSignal.timeout(1_000))
    expect(bytesToHex(keys.get(node(0).identity.peerId)!.id)).toBe(before)
    expect(pairMultiplies(keys.get(node(0).identity.peerId)!, node(0).ecdsaPairs.keysWith(restarted.identity.peerId)!)).toBe(true)
  }, 30_000)

  it('a burnt setup is set up again, and the other end replaces its state with the new one', async () => {
    const old = idOf(node(0), node(1))!
    node(0).ecdsaPairs.keysWith(node(1).identity.peerId)!.alice.ote.burn()
    expect(node(0).ecdsaPairs.keysWith(node(1).identity.peerId)).toBeUndefined()
    const keys = await node(0).ecdsaPairs.keysFor([node(1).identity.peerId, node(2).identity.peerId], AbortSignal.timeout(15_000))
    const renewed = keys.get(node(1).identity.peerId)!
    expect(bytesToHex(renewed.id)).not.toBe(old)
    expect(idOf(node(1), node(0))).toBe(bytesToHex(renewed.id))
    expect(pairMultiplies(renewed, node(1).ecdsaPairs.keysWith(node(0).identity.peerId)!)).toBe(true)
    // The pair with node 3 was fine and is untouched.
    expect(bytesToHex(keys.get(node(2).identity.peerId)!.id)).toBe(idOf(node(2), node(0)))
  })

  it('the setups ahead set up every missing pair, the lower peer id of each asking', async () => {
    for (const n of cluster.running()) for (const p of peerIds()) if (p !== n.identity.peerId) await n.ecdsaPairs.forget(p)
    const passes = await Promise.all(cluster.running().map(async n => await n.ecdsaPairs.setUpAhead()))
    const [low, mid] = [...cluster.running()].sort((x, y) => x.identity.peerId < y.identity.peerId ? -1 : 1)
    const passOf = (n: ShardsigNode): { completed: string[], failed: string[] } => passes[cluster.running().indexOf(n)]!
    expect(passOf(low!).completed).toHaveLength(2)
    expect(passOf(mid!).completed).toHaveLength(1)
    expect(passes.flatMap(p => p.failed)).toEqual([])
    for (let a = 0; a < 3; a++) {
      for (let b = a + 1; b < 3; b++) {
        expect(idOf(node(a), node(b))).toBeDefined()
        expect(idOf(node(a), node(b))).toBe(idOf(node(b), node(a)))
      }
    }
  }, 30_000)

  it('a peer that never answers fails the caller\'s deadline with PairSetupFailedError naming it', async () => {
    const silent = node(2)
    // Node 3 takes the stream and never answers (a hung peer).
    await silent.libp2p.unhandle(PROTOCOL_ECDSA_PAIR)
    let release = (): void => {}
    const held = new Promise<void>(resolve => { release = resolve })
    await silent.libp2p.handle(PROTOCOL_ECDSA_PAIR, async () => { await held })
    try {
      await node(0).ecdsaPairs.forget(silent.identity.peerId)
      const started = Date.now()
      const err = await node(0).ecdsaPairs.keysFor([node(1).identity.peerId, silent.identity.peerId], AbortSignal.timeout(1_500)).catch((e: unknown) => e)
      const elapsed = Date.now() - started
      expect(err).toBeInstanceOf(PairSetupFailedError)
      expect((err as PairSetupFailedError).peer).toBe(silent.identity.peerId)
      expect((err as PairSetupFailedError).failure).toBe('deadline')
      expect(elapsed).toBeGreaterThanOrEqual(1_400)
      expect(elapsed).toBeLessThan(3_000)
      // The pair that could be had is still there.
      expect(idOf(node(0), node(1))).toBeDefined()
    } finally {
      release()
    }
  })
})
