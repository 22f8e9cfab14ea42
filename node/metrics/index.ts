// Public API of the node's Prometheus metrics (docs/operations.md).
export {
  createNodeMetrics, quotaSeries, BLAME_REASONS, FLOWS, OUTCOMES, PAIR_SETUP_ROLES, QUOTA_KINDS, ROUND1_KINDS, SCHEMES, STORE_OPS, TOPIC_KINDS,
  type BlameMetrics, type BuildInfo, type Flow, type NewUserMetrics, type NodeMetrics, type Outcome, type QuotaKind, type QuotaMetrics, type Round1Kind,
  type SignMetrics, type StoreOp, type TopicKind
} from './metrics.js'
export { RETAINED_KINDS, type RetainedKind, type RetentionMetrics } from './retention.js'
export { registerStateGauges, DIRECT_PROTOCOLS, type StateSources } from './state-gauges.js'
export { instrumentStore } from './store.js'
export { countGossipValidations, topicKind } from './gossip.js'
export { countRefusedConnections } from './admission.js'
export { packageVersion } from './version.js'
