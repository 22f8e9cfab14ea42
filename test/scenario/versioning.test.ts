// A node reads a newer minor version of the protocols (docs/protocols/versioning.md,
// issue #17): real in-process nodes, and a peer holding a member's identity
// (that member's node stopped meanwhile) that speaks as a newer build would —
// optional fields this build does not know, and message kinds it does not know.
// Fields are kept and the message handled; unknown kinds are ignored without
// penalty (gossipsub's own scoring, on every topic). The previous build itself is
// tested in test/e2e/rolling-upgrade.test.ts; a newer build's heartbeats, with
// fields and kinds this build does not know, under faults, in the simulator's
// liveness-newer-build scenario (test/sim/liveness.test.ts).
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readIdentityFile } from '../../node/identity.js'
import type { ShardsigNode } from '../../node/node.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { committeeTopic, PROTOCOL_PARTY, TOPIC_HEARTBEAT, TOPIC_MEMBERSHIP, TOPIC_REGISTRY } from '../../protocols/constants.js'
import { describeLiveness, startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { connect, exchange, frame, startAttacker } from '../hostile/p2p-attacker.js'

/** The member whose identity the newer peer borrows (node-3); the victim is node-1. */
const BORROWED = 2
const TOPICS = [TOPIC_HEARTBEAT, TOPIC_REGISTRY, TOPIC_MEMBERSHIP, committeeTopic(1)]

let cluster: InProcessCluster
let victim: ShardsigNode
let newer: ShardsigLibp2p
const verdicts: Array<{ topic: string, verdict: TopicValidatorResult }> = []

function scoreOf (node: ShardsigNode, peerId: string): number {
  return (node.libp2p.services.pubsub as unknown as { getScore: (id: string) => number }).getScore(peerId)
}

beforeAll(async () => {
  cluster = await startInProcessCluster(3, { basePortFrom: 27700 })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  victim = cluster.nodes[0]!
  const borrowed = await readIdentityFile(cluster.configs[BORROWED]!.identityFile, cluster.configs[BORROWED]!.passphrase)
  await cluster.stop(BORROWED)
  // Record the victim's real validators' verdicts on the newer peer's messages.
  const pubsub = victim.libp2p.services.pubsub
  for (const topic of TOPICS) {
    const validate = pubsub.topicValidators.get(topic)!
    pubsub.topicValidators.set(topic, async (from: PeerId, msg: Message) => {
      const verdict = await validate(from, msg)
      if (msg.type === 'signed' && msg.from.equals(newer?.peerId)) verdicts.push({ topic, verdict })
      return verdict
    })
  }
  newer = await startAttacker(borrowed.libp2pKey)
  for (const topic of TOPICS) newer.services.pubsub.subscribe(topic)
  await connect(newer, victim)
  await waitUntil(() => TOPICS.every(t => newer.services.pubsub.getSubscribers(t).some(p => p.equals(victim.libp2p.peerId))),
    AbortSignal.timeout(10_000), () => 'the newer peer does not see the victim subscribed')
}, 90_000)

afterAll(async () => {
  await newer?.stop()
  await cluster?.close()
})

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('a newer minor version on the wire', () => {
  it('a message kind this build does not know is ignored on every topic, and its sender is not penalised', async () => {
    for (const topic of TOPICS) await newer.services.pubsub.publish(topic, encode({ v: 1, kind: 'from-a-newer-build', detail: { a: 1 } }))
    await waitUntil(() => TOPICS.every(t => verdicts.some(v => v.topic === t)), AbortSignal.timeout(10_000), () => JSON.stringify(verdicts))
    for (const topic of TOPICS) expect(verdicts.filter(v => v.topic === topic).map(v => v.verdict), topic).toEqual([TopicValidatorResult.Ignore])
    expect(scoreOf(victim, newer.peerId.toString())).toBeGreaterThanOrEqual(0)
  })

  it('a direct request with a field this build does not know gets its ordinary answer, not "malformed"', async () => {
    const completed = { kind: 'completed', keyId: 'ab'.repeat(16), requestId: 'newer-build-01', signature: 'cd'.repeat(64), at: 1 }
    const outcome = await exchange(newer, peerIdFromString(victim.identity.peerId), PROTOCOL_PARTY, frame(JSON.stringify(completed)), { timeoutMs: 10_000, maxReplyBytes: 64 * 1024 })
    expect(outcome).toEqual({ kind: 'reply', json: expect.objectContaining({ kind: 'noted' }) })
  })
})
