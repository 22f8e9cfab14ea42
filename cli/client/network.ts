// The network as one node sees it, plus what every node says of itself: the
// data behind `shardsig status` (and a script's --json). Each node is asked
// with a short deadline; one that does not answer is shown as such.
import { HTTP_API } from '../../protocols/wire/http-api.js'
import type { BlameRecord, HealthReason, HealthStatus, RoleName } from '../../protocols/wire/http.js'
import { callRoute } from './http.js'

/** Per-node /health deadline: a table of nine must not wait on one stalled node. */
export const NODE_HEALTH_TIMEOUT_MS = 2_000

export interface NodeStatus {
  nodeId: string
  peerId: string
  committee: number
  member: number
  http: string
  /** The roles the asked node elects for it. */
  roles: RoleName[]
  /** Live in the asked node's view (a heartbeat within the liveness window). */
  live: boolean
  lastHeartbeatAgoMs: number | null
  /** It answered /health itself. */
  answers: boolean
  /** What its /health says of itself (`ok`, `starting`, `degraded`), and why when not ok. */
  health?: HealthStatus
  reasons?: HealthReason[]
  keys?: number
  uptimeMs?: number
  cryptoBackend?: string
  /** The newest blame this node recorded. */
  lastBlame?: BlameRecord & { culpritNodeId?: string }
  error?: string
}

export interface NetworkStatus {
  askedNode: string
  network: string
  epoch: number
  params: { committees: number, tc: number, tm: number }
  nodes: NodeStatus[]
  at: number
}

export async function networkStatus (node: string, signal?: AbortSignal): Promise<NetworkStatus> {
  const base = node.replace(/\/$/, '')
  const [membership, peers, whoCl, whoCm, self] = await Promise.all([
    callRoute(base, HTTP_API.members, {}, { signal }),
    callRoute(base, HTTP_API.peers, {}, { signal }),
    callRoute(base, HTTP_API.whoCl, {}, { signal }),
    callRoute(base, HTTP_API.whoCm, {}, { signal }),
    callRoute(base, HTTP_API.health, {}, { signal })
  ])
  const nodeIdOf = new Map(membership.committees.flat().map(m => [m.peerId, m.nodeId]))
  const rolesOf = (peerId: string): RoleName[] => {
    const roles: RoleName[] = []
    for (const c of whoCl.committees) {
      if (c.leader?.peerId === peerId) roles.push('leader')
      if (c.backup?.peerId === peerId) roles.push('backup')
    }
    if (whoCm.managers.some(m => m.peerId === peerId)) roles.push('manager')
    return roles
  }
  const members = membership.committees.flatMap((committee, c) => committee.map((m, i) => ({ ...m, committee: c + 1, member: i + 1 })))
  const nodes = await Promise.all(members.map(async (m): Promise<NodeStatus> => {
    const seen = peers.peers.find(p => p.peerId === m.peerId)
    const isSelf = m.peerId === self.peerId
    const row: NodeStatus = {
      nodeId: m.nodeId, peerId: m.peerId, committee: m.committee, member: m.member, http: m.http,
      roles: rolesOf(m.peerId), live: isSelf || seen?.live === true, lastHeartbeatAgoMs: isSelf ? 0 : seen?.lastHeartbeatAgoMs ?? null, answers: false
    }
    try {
      const health = isSelf ? self : await callRoute(m.http, HTTP_API.health, {}, { signal, timeoutMs: NODE_HEALTH_TIMEOUT_MS })
      const blame = health.blame[0]
      return {
        ...row,
        answers: true,
        health: health.status,
        reasons: health.reasons ?? [],
        keys: health.keys,
        uptimeMs: health.uptimeMs,
        ...(health.cryptoBackend !== undefined ? { cryptoBackend: health.cryptoBackend.name } : {}),
        ...(blame !== undefined ? { lastBlame: { ...blame, ...(nodeIdOf.has(blame.culprit) ? { culpritNodeId: nodeIdOf.get(blame.culprit)! } : {}) } } : {})
      }
    } catch (err) {
      return { ...row, error: (err as Error).message }
    }
  }))
  return { askedNode: base, network: membership.network, epoch: whoCl.epoch, params: membership.params, nodes, at: Date.now() }
}
