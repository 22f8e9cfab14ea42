// PeerAdmission (node/p2p/admission.ts) on real libp2p nodes on 127.0.0.1: a
// node built with its gater holds connections with the peers it admits and
// with nobody else, whichever side dials.
import { describe, expect, it } from 'vitest'
import { PeerAdmission, type RefusalDirection } from '../../node/p2p/admission.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { waitUntil } from '../helpers/in-process-cluster.js'
import { useLibp2pNodes } from '../helpers/libp2p-nodes.js'

const nodes = useLibp2pNodes()
const peer = async (): Promise<ShardsigLibp2p> => await nodes.start()
const gated = async (admission: PeerAdmission): Promise<ShardsigLibp2p> => await nodes.start({ committees: 1, gater: admission.gater() })

/** Whether `from` can open a stream to `to` (identify's protocol, which every node serves). */
async function reaches (from: ShardsigLibp2p, to: ShardsigLibp2p): Promise<boolean> {
  try {
    const stream = await from.dialProtocol(to.getMultiaddrs(), '/ipfs/id/1.0.0', { signal: AbortSignal.timeout(5_000) })
    stream.abort(new Error('probe done'))
    return true
  } catch {
    return false
  }
}

describe('PeerAdmission', () => {
  it('a member connects both ways; a stranger is refused both ways and each refusal is reported', async () => {
    const member = await peer()
    const stranger = await peer()
    const refusals: Array<[string, RefusalDirection]> = []
    const admission = new PeerAdmission({ members: [member.peerId.toString()], onRefused: (p, d) => { refusals.push([p, d]) } })
    const node = await gated(admission)
    admission.start(node)
    try {
      expect(await reaches(member, node)).toBe(true)
      expect(await reaches(node, member)).toBe(true)
      expect(await reaches(stranger, node)).toBe(false)
      expect(await reaches(node, stranger)).toBe(false)
      expect(node.getConnections(stranger.peerId)).toHaveLength(0)
      expect(refusals.filter(([p]) => p === stranger.peerId.toString()).map(([, d]) => d).sort()).toEqual(['inbound', 'outbound'])
      expect(refusals.some(([p]) => p === member.peerId.toString())).toBe(false)
    } finally {
      admission.stop()
    }
  })

  it('the nodes of a pending update are admitted while it is pending, and closed out when it no longer names them', async () => {
    const joiner = await peer()
    const admission = new PeerAdmission({ members: [] })
    const node = await gated(admission)
    admission.start(node)
    try {
      expect(await reaches(joiner, node)).toBe(false)
      admission.admitPending([joiner.peerId.toString()])
      expect(await reaches(joiner, node)).toBe(true)
      admission.admitPending([])
      await waitUntil(() => node.getConnections(joiner.peerId).length === 0, AbortSignal.timeout(5_000), () => 'the joiner is still connected')
      expect(await reaches(joiner, node)).toBe(false)
    } finally {
      admission.stop()
    }
  })

  it('a node the last update removed is admitted for its catch-up window only, then disconnected', async () => {
    const removed = await peer()
    const admission = new PeerAdmission({ members: [], removed: [removed.peerId.toString()] })
    const node = await gated(admission)
    // The window is a parameter; the real one is REMOVED_NODE_CATCH_UP_MS (10 min).
    expect(await reaches(removed, node)).toBe(true)
    admission.start(node, 0)
    try {
      await waitUntil(() => node.getConnections(removed.peerId).length === 0, AbortSignal.timeout(5_000), () => 'the removed node is still connected')
      expect(await reaches(removed, node)).toBe(false)
    } finally {
      admission.stop()
    }
  })
})
