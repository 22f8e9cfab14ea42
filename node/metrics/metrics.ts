// The Prometheus metrics of one node (GET /metrics): one registry per node,
// never prom-client's global one (a scenario test runs nine nodes in one
// process). Names carry their unit; every label takes values from a small
// fixed set, never a key id, request id or peer id. docs/operations.md lists them.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import {
  peerQuotaOf, PROTOCOL_DKG, PROTOCOL_ECDSA_PAIR, PROTOCOL_MEMBERSHIP_SYNC, PROTOCOL_NEW_USER, PROTOCOL_PARTY, PROTOCOL_REGISTRY_SYNC, PROTOCOL_RESHARE, PROTOCOL_SIGN
} from '../../protocols/constants.js'
import type { CulpritReason } from '../../protocols/sign/judge.js'
import { HTTP_API, routeLabel, type HttpRoute } from '../../protocols/wire/http-api.js'
import type { KeyScheme } from '../../protocols/wire/key-record.js'
import { registerProcessMemoryGauges } from './process-memory.js'
import { retentionMetrics, type RetentionMetrics } from './retention.js'

/** Every key scheme (protocols/keys/key-scheme.ts): the `scheme` label's values. */
export const SCHEMES = ['ed25519', 'secp256k1', 'ecdsa-secp256k1'] as const satisfies readonly KeyScheme[]
export const OUTCOMES = ['completed', 'failed'] as const
export type Outcome = typeof OUTCOMES[number]
export const FLOWS = ['sign', 'new_user', 'reshare'] as const
export type Flow = typeof FLOWS[number]
/** Every reason a blame record can carry (sign culprits, new_user equivocation, DKG and reshare dealers); anything else counts as `other`. */
export const BLAME_REASONS = [
  'silent', 'invalid-share', 'equivocated-commitments', 'misreported-commitments', 'false-report',
  'false-rejection', 'no-share', 'rate-limited', 'malformed-answer', 'session-abandoned', 'equivocation', 'bad-dealer', 'bad-dealer-share', 'other'
] as const satisfies ReadonlyArray<CulpritReason | 'equivocation' | 'bad-dealer' | 'bad-dealer-share' | 'other'>
export const TOPIC_KINDS = ['heartbeat', 'registry', 'committee', 'other'] as const
export type TopicKind = typeof TOPIC_KINDS[number]
export const STORE_OPS = ['get', 'put', 'delete', 'batch', 'iterate'] as const
export type StoreOp = typeof STORE_OPS[number]

/** Sign requests live up to a minute; most finish well under a second. */
const REQUEST_SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
/** A store operation: an unsynced put is tens of µs, a synced one a few ms. */
const STORE_SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
/** monitorEventLoopDelay's sampling interval. */
const EVENT_LOOP_RESOLUTION_MS = 10

/** What the CM records about a sign request it coordinated (node/engine/sign/coordinator.ts). */
export interface SignMetrics {
  signFinished: (scheme: KeyScheme, outcome: Outcome, seconds: number, sessions: number) => void
  /** A session started: with presignatures made ahead, or with a round-1 exchange among its members. */
  signSessionStarted: (scheme: KeyScheme, round1: Round1Kind) => void
}
export const ROUND1_KINDS = ['presigned', 'exchanged'] as const
export type Round1Kind = typeof ROUND1_KINDS[number]
/** What a CL records about a new_user bundle it relayed (node/engine/new-user/leader.ts). */
export interface NewUserMetrics {
  newUserFinished: (scheme: KeyScheme, outcome: Outcome, seconds: number) => void
}
/** Which end of a DKLs23 pair setup this node was (node/engine/ecdsa/service.ts). */
export const PAIR_SETUP_ROLES = ['initiator', 'responder'] as const
export type PairSetupRole = typeof PAIR_SETUP_ROLES[number]
/** DKLs23 pair setups this node finished, by role and outcome. */
export interface EcdsaPairMetrics {
  pairSetupFinished: (role: PairSetupRole, outcome: Outcome) => void
}
/** Every blame record this node writes (node/engine/blame.ts). */
export interface BlameMetrics {
  blamed: (reason: string, flow: Flow) => void
}

/**
 * Whose quota refused a request: an HTTP client's address or an owner key's bucket
 * (node/api/quotas.ts), the CM's unfinished requests in all or of one owner
 * (node/engine/sign/coordinator.ts), a peer's bucket on a direct protocol (node/p2p/peer-quotas.ts).
 */
export const QUOTA_KINDS = ['client', 'owner', 'pending', 'owner-pending', 'peer'] as const
export type QuotaKind = typeof QUOTA_KINDS[number]
/** Requests a quota refused; `route` is an HTTP route (`POST /sign_request`) or a direct protocol id. */
export interface QuotaMetrics {
  quotaRefused: (route: string, quota: QuotaKind) => void
}
/** Route label of every refusal that is not one of quotaSeries() (never expected; keeps the label set fixed). */
const OTHER_ROUTE = 'other'

/** Every (route, quota) pair a node can refuse; each series exists from the start at 0. */
export function quotaSeries (): Array<{ route: string, quota: QuotaKind }> {
  const series: Array<{ route: string, quota: QuotaKind }> = []
  for (const route of Object.values(HTTP_API) as HttpRoute[]) {
    if (route.quota === undefined) continue
    series.push({ route: routeLabel(route), quota: 'client' })
    if (route.quota.owner !== undefined) series.push({ route: routeLabel(route), quota: 'owner' })
  }
  series.push({ route: routeLabel(HTTP_API.signRequest), quota: 'pending' }, { route: routeLabel(HTTP_API.signRequest), quota: 'owner-pending' })
  const protocols = [PROTOCOL_PARTY, PROTOCOL_SIGN, PROTOCOL_NEW_USER, PROTOCOL_DKG, PROTOCOL_RESHARE, PROTOCOL_REGISTRY_SYNC, PROTOCOL_MEMBERSHIP_SYNC, PROTOCOL_ECDSA_PAIR]
  for (const protocol of protocols) if (peerQuotaOf(protocol) !== undefined) series.push({ route: protocol, quota: 'peer' })
  return series
}

export interface NodeMetrics extends SignMetrics, NewUserMetrics, BlameMetrics, QuotaMetrics, RetentionMetrics, EcdsaPairMetrics {
  readonly registry: Registry
  readonly gossipReceived: Counter<'topic'>
  readonly gossipRejected: Counter<'topic'>
  readonly gossipIgnored: Counter<'topic'>
  readonly storeDuration: Histogram<'op'>
  readonly storeErrors: Counter<'op'>
  /** Stops the event-loop monitor. */
  stop: () => void
}

export interface BuildInfo {
  version: string
  nodeId: string
  cryptoBackend: { name: string, ed25519: string, secp256k1: string }
}

export function createNodeMetrics (build: BuildInfo): NodeMetrics {
  const registry = new Registry()
  const registers = [registry]

  const signDuration = new Histogram({
    name: 'shardsig_sign_request_duration_seconds',
    help: 'Sign requests this node coordinated as a CM, from acceptance to completed or failed, by scheme and outcome.',
    labelNames: ['scheme', 'outcome'] as const,
    buckets: REQUEST_SECONDS_BUCKETS,
    registers
  })
  const retries = new Counter({
    name: 'shardsig_sign_party_retries_total',
    help: 'Signing sessions this CM ran beyond the first of a request (a party was replaced after blame or a refusal).',
    labelNames: ['scheme'] as const,
    registers
  })
  const sessionsStarted = new Counter({
    name: 'shardsig_sign_sessions_total',
    help: 'Signing sessions this node started as a CM, by scheme and round 1: presigned (presignatures the members made ahead) or exchanged (the members exchanged commitments in the session).',
    labelNames: ['scheme', 'round1'] as const,
    registers
  })
  const newUserDuration = new Histogram({
    name: 'shardsig_new_user_duration_seconds',
    help: 'new_user bundles this node relayed as a CL, from the checked bundle to the answer, by scheme and outcome (failed: fewer than tm receipts).',
    labelNames: ['scheme', 'outcome'] as const,
    buckets: REQUEST_SECONDS_BUCKETS,
    registers
  })
  const blame = new Counter({
    name: 'shardsig_blame_events_total',
    help: 'Blame records this node wrote, by reason and flow.',
    labelNames: ['reason', 'flow'] as const,
    registers
  })
  const gossipReceived = new Counter({
    name: 'shardsig_gossip_messages_received_total',
    help: 'Gossip messages that reached this node\'s topic validators, by topic kind.',
    labelNames: ['topic'] as const,
    registers
  })
  const gossipRejected = new Counter({
    name: 'shardsig_gossip_messages_rejected_total',
    help: 'Gossip messages this node\'s topic validators rejected (the sender is penalised), by topic kind.',
    labelNames: ['topic'] as const,
    registers
  })
  const gossipIgnored = new Counter({
    name: 'shardsig_gossip_messages_ignored_total',
    help: 'Gossip messages this node\'s topic validators ignored (another epoch, a second record for a key), by topic kind.',
    labelNames: ['topic'] as const,
    registers
  })
  const storeDuration = new Histogram({
    name: 'shardsig_store_operation_duration_seconds',
    help: 'Operations on the node\'s sealed store (sealing included), by operation; iterate is a whole prefix scan.',
    labelNames: ['op'] as const,
    buckets: STORE_SECONDS_BUCKETS,
    registers
  })
  const storeErrors = new Counter({
    name: 'shardsig_store_operation_errors_total',
    help: 'Store operations that threw, by operation.',
    labelNames: ['op'] as const,
    registers
  })
  const quotaRefusals = new Counter({
    name: 'shardsig_quota_refusals_total',
    help: 'Requests a quota refused, by route (an HTTP route such as "POST /sign_request", or a direct protocol id) and quota: client (an address\'s bucket), owner (an owner key\'s bucket), pending (the CM\'s unfinished requests), owner-pending (one owner\'s share of them), peer (a peer\'s bucket on a direct protocol).',
    labelNames: ['route', 'quota'] as const,
    registers
  })
  const pairSetups = new Counter({
    name: 'shardsig_ecdsa_pair_setups_total',
    help: 'DKLs23 pair setups this node finished, by role (initiator: it asked; responder: it answered) and outcome (failed: no answer in time, a refusal, or a message that failed its checks).',
    labelNames: ['role', 'outcome'] as const,
    registers
  })
  new Gauge({
    name: 'shardsig_build_info',
    help: 'Always 1; the labels say which build runs: package version, node id, FROST group-operation backend.',
    labelNames: ['version', 'node_id', 'crypto_backend', 'ed25519', 'secp256k1'] as const,
    registers
  }).set({
    version: build.version,
    node_id: build.nodeId,
    crypto_backend: build.cryptoBackend.name,
    ed25519: build.cryptoBackend.ed25519,
    secp256k1: build.cryptoBackend.secp256k1
  }, 1)
  const loop = eventLoopGauges(registry)
  registerProcessMemoryGauges(registry)
  const retention = retentionMetrics(registry)

  // Every series exists from the start at 0, so rate() and alerts see the first event too.
  for (const scheme of SCHEMES) {
    retries.inc({ scheme }, 0)
    for (const round1 of ROUND1_KINDS) sessionsStarted.inc({ scheme, round1 }, 0)
    for (const outcome of OUTCOMES) {
      signDuration.zero({ scheme, outcome })
      newUserDuration.zero({ scheme, outcome })
    }
  }
  for (const flow of FLOWS) for (const reason of BLAME_REASONS) blame.inc({ reason, flow }, 0)
  for (const role of PAIR_SETUP_ROLES) for (const outcome of OUTCOMES) pairSetups.inc({ role, outcome }, 0)
  for (const topic of TOPIC_KINDS) for (const c of [gossipReceived, gossipRejected, gossipIgnored]) c.inc({ topic }, 0)
  for (const op of STORE_OPS) {
    storeDuration.zero({ op })
    storeErrors.inc({ op }, 0)
  }
  const knownQuotaSeries = new Set<string>()
  for (const { route, quota } of quotaSeries()) {
    quotaRefusals.inc({ route, quota }, 0)
    knownQuotaSeries.add(`${route}\n${quota}`)
  }

  return {
    ...retention,
    registry,
    gossipReceived,
    gossipRejected,
    gossipIgnored,
    storeDuration,
    storeErrors,
    signFinished: (scheme, outcome, seconds, sessions) => {
      signDuration.observe({ scheme, outcome }, seconds)
      if (sessions > 1) retries.inc({ scheme }, sessions - 1)
    },
    signSessionStarted: (scheme, round1) => { sessionsStarted.inc({ scheme, round1 }) },
    newUserFinished: (scheme, outcome, seconds) => { newUserDuration.observe({ scheme, outcome }, seconds) },
    pairSetupFinished: (role, outcome) => { pairSetups.inc({ role, outcome }) },
    quotaRefused: (route, quota) => {
      quotaRefusals.inc({ route: knownQuotaSeries.has(`${route}\n${quota}`) ? route : OTHER_ROUTE, quota })
    },
    blamed: (reason, flow) => {
      blame.inc({ reason: (BLAME_REASONS as readonly string[]).includes(reason) ? reason : 'other', flow })
    },
    stop: () => { loop.disable() }
  }
}

/**
 * Event-loop delay since the previous scrape, under the names prom-client's
 * collectDefaultMetrics uses (dashboards know them). Our own monitor rather
 * than collectDefaultMetrics: that one never stops its monitor or its GC
 * observer, and a test process starts and stops many nodes.
 */
function eventLoopGauges (registry: Registry): IntervalHistogram {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS })
  histogram.enable()
  const stats: Array<[string, string, (h: IntervalHistogram) => number]> = [
    ['min', 'Smallest', h => h.min],
    ['max', 'Largest', h => h.max],
    ['mean', 'Mean', h => h.mean],
    ['stddev', 'Standard deviation of the', h => h.stddev],
    ['p50', 'Median', h => h.percentile(50)],
    ['p90', '90th percentile of the', h => h.percentile(90)],
    ['p99', '99th percentile of the', h => h.percentile(99)]
  ]
  const gauges: Gauge[] = []
  // The first gauge's collect fills them all (it runs first), then starts a new window.
  const collectAll = (): void => {
    stats.forEach(([, , value], i) => {
      const v = histogram.count === 0 ? 0 : value(histogram) / 1e9
      gauges[i]?.set(Number.isFinite(v) ? v : 0)
    })
    histogram.reset()
  }
  stats.forEach(([stat, what], i) => {
    gauges.push(new Gauge({
      name: `nodejs_eventloop_lag_${stat}_seconds`,
      help: `${what} event-loop delay since the previous scrape, in seconds.`,
      registers: [registry],
      ...(i === 0 ? { collect: collectAll } : {})
    }))
  })
  return histogram
}
