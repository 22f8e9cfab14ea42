// Whether a node is healthy, and why not (GET /health, docs/protocols/http.md#get-health):
// pure, from the genesis parameters, the node's live set and what its store
// checks found. The node (node/engine/network-view.ts) gathers the inputs.
import { MAX_HEALTH_KEY_IDS } from '../constants.js'
import type { HealthReason, HealthStatus } from '../wire/http.js'

export interface HealthMember { peerId: string, committee: number }

/** What the node's store checks found (node/engine/health): failed operations and unreadable share records. */
export interface LocalFindings {
  store: { failures: number, lastFailureAt: number, lastFailure: string, windowMs: number } | null
  /** Share records that do not authenticate, one per key and epoch. */
  unreadableShares: ReadonlyArray<{ keyId: string, epoch: number }>
}

export interface HealthInput {
  params: { committees: number, tc: number, tm: number }
  members: readonly HealthMember[]
  self: HealthMember
  /** Members heard from within the liveness window, the node itself included. */
  live: ReadonlySet<string>
  /**
   * The node started less than ROLES_WARMUP_MS ago: a member not heard from yet may only be
   * late. Too few live peers then reads `starting`, not `degraded`.
   */
  warmingUp: boolean
  local: LocalFindings
}

export interface HealthAssessment {
  status: HealthStatus
  /** In a fixed order: peers, store, shares. Empty when `ok`. */
  reasons: HealthReason[]
}

export function assessHealth (input: HealthInput): HealthAssessment {
  const reasons: HealthReason[] = []
  const peers = peersReason(input)
  if (peers !== undefined) reasons.push(peers)
  const store = storeReason(input.local.store)
  if (store !== undefined) reasons.push(store)
  const shares = sharesReason(input.local.unreadableShares)
  if (shares !== undefined) reasons.push(shares)
  const status: HealthStatus = reasons.length === 0
    ? 'ok'
    : input.warmingUp && reasons.every(r => r.code === 'peers') ? 'starting' : 'degraded'
  return { status, reasons }
}

/** Live members per committee (1..committees), from the live set. */
export function liveMembersByCommittee (params: { committees: number }, members: readonly HealthMember[], live: ReadonlySet<string>): number[] {
  const counts = new Array<number>(params.committees).fill(0)
  for (const m of members) {
    if (live.has(m.peerId) && m.committee >= 1 && m.committee <= params.committees) counts[m.committee - 1]!++
  }
  return counts
}

function peersReason (input: HealthInput): HealthReason | undefined {
  const { params, self } = input
  const counts = liveMembersByCommittee(params, input.members, input.live)
  const committeeLive = counts[self.committee - 1] ?? 0
  const committeesReady = counts.filter(n => n >= params.tm).length
  const serves = committeeLive >= params.tm
  const signs = committeesReady >= params.tc
  if (serves && signs) return undefined
  const problems: string[] = []
  if (!serves) problems.push(`${committeeLive} member${committeeLive === 1 ? '' : 's'} of its committee ${self.committee} live (itself included), fewer than tm = ${params.tm}: the committee cannot sign`)
  if (!signs) problems.push(`${committeesReady} of ${params.committees} committees with tm = ${params.tm} live members, fewer than tc = ${params.tc}: no key can sign`)
  const starting = input.warmingUp ? ' (it started moments ago: heartbeats may still be on the way)' : ''
  return {
    code: 'peers',
    detail: `this node sees ${problems.join('; and ')}${starting}`,
    committee: self.committee,
    committeeLive,
    committeesReady,
    tm: params.tm,
    tc: params.tc
  }
}

function storeReason (store: LocalFindings['store']): HealthReason | undefined {
  if (store === null || store.failures === 0) return undefined
  const window = store.windowMs % 1000 === 0 ? `${store.windowMs / 1000} s` : `${store.windowMs} ms`
  return {
    code: 'store',
    detail: `${store.failures} store operation${store.failures === 1 ? '' : 's'} failed in the last ${window}; the last: ${store.lastFailure}`,
    failures: store.failures,
    lastFailureAt: store.lastFailureAt
  }
}

function sharesReason (unreadable: LocalFindings['unreadableShares']): HealthReason | undefined {
  if (unreadable.length === 0) return undefined
  const keyIds = [...new Set(unreadable.map(s => s.keyId))].sort()
  const named = keyIds.slice(0, MAX_HEALTH_KEY_IDS)
  const more = keyIds.length > named.length ? ` and ${keyIds.length - named.length} more` : ''
  const records = unreadable.length
  return {
    code: 'shares',
    detail: `${records} share record${records === 1 ? '' : 's'} of ${keyIds.length} key${keyIds.length === 1 ? '' : 's'} do${records === 1 ? 'es' : ''} not authenticate ` +
      `(${named.join(', ')}${more}): this node cannot sign with ${keyIds.length === 1 ? 'that key' : 'those keys'}`,
    keys: keyIds.length,
    keyIds: named
  }
}
