// Junk on every gossip topic (issues #6, #17): generated messages from an
// attacker holding a genesis member's identity, published over real
// gossipsub to a real node. The node's topic validators refuse every one
// (none reaches the node's handlers), the sender's peer score drops until it
// is graylisted on every topic (the membership topic included), and honest
// nodes keep a score of 0 and stay live. A stranger cannot publish at all:
// its connection is refused (test/hostile/direct.test.ts, test/e2e/admission.test.ts).
import { fc, it } from '@fast-check/vitest'
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import type { KeyFile } from '../../cli/key-file.js'
import { readIdentityFile } from '../../node/identity.js'
import type { ShardsigNode } from '../../node/node.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { committeeTopic, TOPIC_HEARTBEAT, TOPIC_MEMBERSHIP, TOPIC_REGISTRY } from '../../protocols/constants.js'
import { signMembershipUpdate } from '../../protocols/lifecycle/membership-update.js'
import { describeLiveness, startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { makeKey } from '../helpers/keys.js'
import { newOwner } from '../helpers/owner.js'
import { nearMiss, wrongValue } from './http-cases.js'
import { connect, startAttacker } from './p2p-attacker.js'
import { caseCount, figure, Tally } from './support.js'

/** Junk messages per attacker and topic (once graylisted, the victim drops the rest unread). */
const MESSAGES = caseCount(300, 2_000)
const BATCH = 30
/** gossipsub's default graylist threshold: below it, everything the peer sends is dropped. */
const GRAYLIST_THRESHOLD = -80
const BORROWED = 2

let cluster: InProcessCluster
let victim: ShardsigNode
let key: KeyFile
let member: ShardsigLibp2p
let templates: Record<string, unknown> = {}
const topics = [TOPIC_HEARTBEAT, TOPIC_REGISTRY, TOPIC_MEMBERSHIP, committeeTopic(1)]
/** What the victim's validators answered for messages from the attackers, and what reached its handlers. */
const verdicts = new Tally()
let delivered = 0
const published = new Tally()

/** `getScore` is on gossipsub's class, not on the interface it exports. */
function scoreOf (node: ShardsigNode, peerId: string): number {
  return (node.libp2p.services.pubsub as unknown as { getScore: (id: string) => number }).getScore(peerId)
}

function attackerIds (): Set<string> {
  return new Set([member.peerId.toString()])
}

beforeAll(async () => {
  cluster = await startInProcessCluster(3, { basePortFrom: 26500 })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  victim = cluster.nodes[0]!
  key = await makeKey(victim.http.url, 'ed25519')
  await waitUntil(() => victim.registry.get(key.keyId) !== undefined, AbortSignal.timeout(10_000))
  const entry = victim.registry.get(key.keyId)!
  templates = {
    [TOPIC_HEARTBEAT]: { v: 1, kind: 'heartbeat', nodeId: 'node-2', epoch: 0, seq: 7 },
    [TOPIC_REGISTRY]: { v: 1, kind: 'key', entry: { ...entry, receipts: entry.receipts.slice(0, 1) } },
    // an update signed by a key that is not the operator's
    [TOPIC_MEMBERSHIP]: { v: 1, kind: 'update', update: signMembershipUpdate(victim.genesis, { ...victim.genesis, epoch: 1 }, newOwner(), 'ef'.repeat(32)) },
    // a game message whose digest is not the record's: refused whoever sends it
    [committeeTopic(1)]: { v: 1, kind: 'game', keyId: key.keyId, committee: 1, member: 3, recordDigest: 'ab'.repeat(32), record: entry.record }
  }

  // Count the victim's verdicts on attacker messages by wrapping its real validators.
  const pubsub = victim.libp2p.services.pubsub
  for (const topic of topics) {
    const validate = pubsub.topicValidators.get(topic)!
    pubsub.topicValidators.set(topic, async (from: PeerId, msg: Message) => {
      const verdict = await validate(from, msg)
      if (msg.type === 'signed' && attackerIds().has(msg.from.toString())) verdicts.add(verdict)
      return verdict
    })
  }
  pubsub.addEventListener('message', evt => {
    if (evt.detail.type === 'signed' && attackerIds().has(evt.detail.from.toString())) delivered++
  })

  const borrowed = await readIdentityFile(cluster.configs[BORROWED]!.identityFile, cluster.configs[BORROWED]!.passphrase)
  await cluster.stop(BORROWED)
  member = await startAttacker(borrowed.libp2pKey)
  for (const topic of topics) member.services.pubsub.subscribe(topic)
  await connect(member, victim)
  // Publish only once the attacker knows the victim takes these topics (else the messages go nowhere).
  await waitUntil(() => topics.every(t => member.services.pubsub.getSubscribers(t).some(p => p.equals(victim.libp2p.peerId))),
    AbortSignal.timeout(10_000), () => 'the attacker does not see the victim subscribed')
}, 90_000)

afterAll(async () => {
  await member?.stop()
  await cluster?.close()
})

const payload = (topic: string): fc.Arbitrary<Uint8Array> => fc.oneof(
  fc.uint8Array({ maxLength: 3_000 }),
  fc.oneof(fc.jsonValue({ maxDepth: 4 }), wrongValue).map(v => new TextEncoder().encode(JSON.stringify(v) ?? 'null')),
  { weight: 3, arbitrary: nearMiss(templates[topic]).map(s => new TextEncoder().encode(s)) }
)
let arbitrary: fc.Arbitrary<[string, Uint8Array]> | undefined
const lazyJunk = fc.constant(null).chain(() => (arbitrary ??= fc.constantFrom(...topics).chain(t => fc.tuple(fc.constant(t), payload(t)))))

describe('junk on the gossip topics', () => {
  let scoreBefore: number | undefined

  it.prop([fc.array(lazyJunk, { minLength: BATCH, maxLength: BATCH })], { numRuns: Math.ceil(MESSAGES * topics.length / BATCH), endOnFailure: true })(
    'no junk message is accepted or reaches the node\'s handlers',
    async (batch) => {
      scoreBefore ??= scoreOf(victim, member.peerId.toString())
      for (const [topic, data] of batch) {
        published.add(topic)
        await member.services.pubsub.publish(topic, data).catch(() => {})
      }
      expect(verdicts.get(TopicValidatorResult.Accept)).toBe(0)
      expect(delivered).toBe(0)
    },
    120_000
  )

  it('the validators rejected what they saw, the sender\'s score dropped below the graylist, honest nodes stay at 0', async () => {
    // Messages in flight are validated shortly; the sender ends graylisted.
    await waitUntil(() => scoreOf(victim, member.peerId.toString()) < GRAYLIST_THRESHOLD, AbortSignal.timeout(10_000),
      () => String(scoreOf(victim, member.peerId.toString())))
    figure('gossip', {
      published: published.total(),
      verdicts: verdicts.toString(),
      delivered,
      memberScore: `${scoreBefore}→${scoreOf(victim, member.peerId.toString()).toFixed(0)}`
    })
    expect(verdicts.get(TopicValidatorResult.Reject)).toBeGreaterThan(0)
    expect(verdicts.get(TopicValidatorResult.Accept)).toBe(0)
    expect(delivered).toBe(0)
    // Graylisted: far fewer messages reached the validators than were sent.
    expect(verdicts.total()).toBeLessThan(published.total())
    // Honest nodes: every one scores every other at 0 or above, and all are live.
    for (const node of cluster.running()) {
      for (const other of cluster.running()) {
        if (other !== node) expect(scoreOf(node, other.identity.peerId)).toBeGreaterThanOrEqual(0)
      }
    }
    expect(victim.view.liveSet().has(cluster.nodes[1]!.identity.peerId)).toBe(true)
  }, 30_000)

  it('node-3 comes back with its own identity and is live again once its borrowed score decays', async () => {
    await member.stop()
    await cluster.start(BORROWED)
    // The score of node-3's peer id carries the attacker's rejected messages; it decays ×0.9 a second once connected.
    const borrowedPeer = cluster.nodes[BORROWED]!.identity.peerId
    await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3) && scoreOf(victim, borrowedPeer) > GRAYLIST_THRESHOLD,
      AbortSignal.timeout(45_000), () => `${describeLiveness(cluster)}; score of node-3 at node-1 ${scoreOf(victim, borrowedPeer)}`)
  }, 60_000)

  it('junk on the membership topic alone graylists its sender too (issue #17: that topic had no score parameters)', async () => {
    // Another member's identity, so no earlier score counts: node-2's, while node-2 is down.
    const lender = 1
    const lent = await readIdentityFile(cluster.configs[lender]!.identityFile, cluster.configs[lender]!.passphrase)
    await cluster.stop(lender)
    const flooder = await startAttacker(lent.libp2pKey)
    try {
      flooder.services.pubsub.subscribe(TOPIC_MEMBERSHIP)
      await connect(flooder, victim)
      await waitUntil(() => flooder.services.pubsub.getSubscribers(TOPIC_MEMBERSHIP).some(p => p.equals(victim.libp2p.peerId)),
        AbortSignal.timeout(10_000), () => 'the flooder does not see the victim subscribed')
      const junk = fc.sample(payload(TOPIC_MEMBERSHIP), { numRuns: 50, seed: 17 })
      for (const data of junk) await flooder.services.pubsub.publish(TOPIC_MEMBERSHIP, data).catch(() => {})
      await waitUntil(() => scoreOf(victim, flooder.peerId.toString()) < GRAYLIST_THRESHOLD, AbortSignal.timeout(10_000),
        () => `score of the flooder at node-1: ${scoreOf(victim, flooder.peerId.toString())}`)
    } finally {
      await flooder.stop()
      await cluster.start(lender)
    }
  }, 60_000)
})
