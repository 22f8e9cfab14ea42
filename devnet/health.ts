// What the devnet asks a node over HTTP (/health, /who_cl, /who_cm, /peers),
// parsed with the schemas the node builds its answers from, and the pure
// check "do the running nodes agree on the roles". Agreement: every expected node answers /health
// under its own peer id (and, for `up`, says `ok`), all
// who_cl bodies deep-equal, all who_cm bodies deep-equal, every committee has
// a leader, and no role is held by a node outside the expected set (a killed
// node keeps its roles in everyone's view until the liveness window passes).
import { isDeepStrictEqual } from 'node:util'
import type { z } from 'zod'
import {
  HealthSchema, PeersSchema, WhoClSchema, WhoCmSchema, type Health, type Peers, type RoleName, type WhoCl, type WhoCm
} from '../protocols/wire/http.js'
import { getJson } from './http.js'

export { HealthSchema, PeersSchema, WhoClSchema, WhoCmSchema }
export type { Health, Peers, WhoCl, WhoCm }
export type Role = RoleName

/** GET /health answers 503 with a Health body when the node is not ok (starting or degraded). */
export const HEALTH_STATUSES = [200, 503] as const

export async function fetchParsed<T> (url: string, schema: z.ZodType<T>, signal?: AbortSignal, acceptStatuses?: readonly number[], tlsFingerprint?: string): Promise<T> {
  const body = await getJson(url, { ...(signal !== undefined ? { signal } : {}), ...(acceptStatuses !== undefined ? { acceptStatuses } : {}), ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {}) })
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`GET ${url}: unexpected body (${issue !== undefined ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`)
  }
  return parsed.data
}

export interface NodeRef { index: number, peerId: string, http: string, tlsFingerprint?: string }

/** One node's answers in one poll round; `error` set when any of them failed. */
export interface NodeView {
  index: number
  health?: Health
  whoCl?: WhoCl
  whoCm?: WhoCm
  /** The bodies as sent, compared for agreement (parsing drops unknown fields). */
  rawWhoCl?: unknown
  rawWhoCm?: unknown
  error?: string
}

export async function fetchView (node: NodeRef, signal?: AbortSignal): Promise<NodeView> {
  const opts = { ...(signal !== undefined ? { signal } : {}), ...(node.tlsFingerprint !== undefined ? { tlsFingerprint: node.tlsFingerprint } : {}) }
  const [health, whoCl, whoCm] = await Promise.allSettled([
    fetchParsed(`${node.http}/health`, HealthSchema, signal, HEALTH_STATUSES, node.tlsFingerprint),
    getJson(`${node.http}/who_cl`, opts),
    getJson(`${node.http}/who_cm`, opts)
  ])
  const view: NodeView = { index: node.index }
  const errors: string[] = []
  if (health.status === 'fulfilled') view.health = health.value
  else errors.push(message(health.reason))
  if (whoCl.status === 'fulfilled') {
    view.rawWhoCl = whoCl.value
    const parsed = WhoClSchema.safeParse(whoCl.value)
    if (parsed.success) view.whoCl = parsed.data
    else errors.push(`GET ${node.http}/who_cl: unexpected body`)
  } else errors.push(message(whoCl.reason))
  if (whoCm.status === 'fulfilled') {
    view.rawWhoCm = whoCm.value
    const parsed = WhoCmSchema.safeParse(whoCm.value)
    if (parsed.success) view.whoCm = parsed.data
    else errors.push(`GET ${node.http}/who_cm: unexpected body`)
  } else errors.push(message(whoCm.reason))
  if (errors.length > 0) view.error = [...new Set(errors)].join('; ')
  return view
}

function message (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e.code !== undefined && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message
}

/** How far a wait for agreement has come, for a progress line. */
export interface Progress {
  healthy: number
  total: number
  agreed: boolean
  reason?: string
  elapsedMs: number
}

export interface Agreement {
  /** Nodes expected to take part. */
  total: number
  healthy: number
  agreed: boolean
  /** Why not agreed, for progress and timeout messages. */
  reason?: string
  unhealthy: Array<{ index: number, reason: string }>
  /** The common view when agreed. */
  whoCl?: WhoCl
  whoCm?: WhoCm
}

/** Every peer id holding a role in the view. */
export function roleHolders (whoCl: WhoCl, whoCm: WhoCm): Set<string> {
  const holders = new Set<string>()
  for (const c of whoCl.committees) {
    if (c.leader !== null) holders.add(c.leader.peerId)
    if (c.backup !== null) holders.add(c.backup.peerId)
  }
  for (const m of whoCm.managers) holders.add(m.peerId)
  return holders
}

/** "degraded: peers (…); shares (…)" from a Health that is not ok. */
export function healthSummary (health: Health): string {
  const reasons = (health.reasons ?? []).map(r => `${r.code} (${r.detail})`).join('; ')
  return reasons === '' ? health.status : `${health.status}: ${reasons}`
}

/**
 * Pure: do the `expected` nodes agree on the roles? `views` are their answers,
 * `all` every node of the devnet (to name a role holder that is not expected).
 * `requireOk` (devnet up): a node whose /health is not `ok` (starting, degraded) is not healthy
 * yet; otherwise any node that answers under its own peer id is (a degraded one still elects roles).
 */
export function assessAgreement (views: readonly NodeView[], expected: readonly NodeRef[], all: readonly NodeRef[] = expected, opts: { requireOk?: boolean } = {}): Agreement {
  const unhealthy: Agreement['unhealthy'] = []
  const answered: Array<NodeView & { whoCl: WhoCl, whoCm: WhoCm }> = []
  for (const node of expected) {
    const view = views.find(v => v.index === node.index)
    if (view === undefined) unhealthy.push({ index: node.index, reason: 'not asked' })
    else if (view.error !== undefined) unhealthy.push({ index: node.index, reason: view.error })
    else if (view.health === undefined || view.whoCl === undefined || view.whoCm === undefined) unhealthy.push({ index: node.index, reason: 'incomplete answer' })
    else if (view.health.peerId !== node.peerId) unhealthy.push({ index: node.index, reason: `answers as peer ${view.health.peerId}, expected ${node.peerId}` })
    else if (opts.requireOk === true && view.health.status !== 'ok') unhealthy.push({ index: node.index, reason: `/health ${healthSummary(view.health)}` })
    else answered.push(view as NodeView & { whoCl: WhoCl, whoCm: WhoCm })
  }
  const base = { total: expected.length, healthy: answered.length, unhealthy }
  if (expected.length === 0) return { ...base, agreed: false, reason: 'no node is running' }
  if (unhealthy.length > 0) {
    return { ...base, agreed: false, reason: `${nodeList(unhealthy.map(u => u.index))} not healthy` }
  }

  const first = answered[0] as NodeView & { whoCl: WhoCl, whoCm: WhoCm }
  for (const v of answered.slice(1)) {
    if (!isDeepStrictEqual(v.rawWhoCl, first.rawWhoCl)) return { ...base, agreed: false, reason: `node ${first.index} and node ${v.index} disagree on who_cl` }
    if (!isDeepStrictEqual(v.rawWhoCm, first.rawWhoCm)) return { ...base, agreed: false, reason: `node ${first.index} and node ${v.index} disagree on who_cm` }
  }
  const leaderless = first.whoCl.committees.filter(c => c.leader === null).map(c => c.committee)
  if (leaderless.length > 0) return { ...base, agreed: false, reason: `committee ${leaderless.join(', ')} has no leader` }

  const expectedPeers = new Set(expected.map(n => n.peerId))
  for (const peerId of roleHolders(first.whoCl, first.whoCm)) {
    if (!expectedPeers.has(peerId)) {
      const holder = all.find(n => n.peerId === peerId)
      return { ...base, agreed: false, reason: `${holder !== undefined ? `node ${holder.index}` : `peer ${peerId}`} still holds a role but is not among the running nodes` }
    }
  }
  return { ...base, agreed: true, whoCl: first.whoCl, whoCm: first.whoCm }
}

/** "node 3" or "nodes 1, 4, 7". */
export function nodeList (indices: readonly number[]): string {
  return indices.length === 1 ? `node ${indices[0]}` : `nodes ${indices.join(', ')}`
}
