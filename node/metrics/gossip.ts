// Counts what this node's gossip topic validators answer, by topic kind
// (heartbeat, registry, committee: a bounded label, whatever the topic string).
// Messages gossipsub drops before any validator (duplicates, bad signatures,
// a graylisted sender) are not counted.
import { TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub'
import { TOPIC_HEARTBEAT, TOPIC_REGISTRY } from '../../protocols/constants.js'
import type { NodeMetrics, TopicKind } from './metrics.js'

const COMMITTEE_TOPIC = /^\/shardsig\/1\/committee\/\d{1,6}$/

export function topicKind (topic: string): TopicKind {
  if (topic === TOPIC_HEARTBEAT) return 'heartbeat'
  if (topic === TOPIC_REGISTRY) return 'registry'
  return COMMITTEE_TOPIC.test(topic) ? 'committee' : 'other'
}

/**
 * Wraps every validator installed so far (heartbeat, registry and committee
 * services set theirs when they start): call it once they all have started.
 * One place, so the services themselves stay free of metrics.
 */
export function countGossipValidations (pubsub: Pick<GossipSub, 'topicValidators'>, metrics: Pick<NodeMetrics, 'gossipReceived' | 'gossipRejected' | 'gossipIgnored'>): void {
  for (const [topic, validate] of [...pubsub.topicValidators]) {
    const labels = { topic: topicKind(topic) }
    pubsub.topicValidators.set(topic, async (from, msg) => {
      metrics.gossipReceived.inc(labels)
      const verdict = await validate(from, msg)
      if (verdict === TopicValidatorResult.Reject) metrics.gossipRejected.inc(labels)
      if (verdict === TopicValidatorResult.Ignore) metrics.gossipIgnored.inc(labels)
      return verdict
    })
  }
}
