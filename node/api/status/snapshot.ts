// One snapshot of this node's view for GET /status and the status stream:
// its own health, nodes with liveness and roles, committee leaders, managers, recent requests and blame.
import type { Genesis } from '../../../protocols/wire/genesis.js'
import type { RoleName } from '../../../protocols/wire/http.js'
import type { NodeRef, RecentSignRequest, Status, StatusNode } from '../../../protocols/wire/status.js'
import type { NetworkView } from '../../engine/network-view.js'

export interface StatusSource {
  view: NetworkView
  genesis: Genesis
  /** Requests this node finished as a manager, newest first; none when absent. */
  recentSignRequests?: () => RecentSignRequest[]
}

export function statusSnapshot (src: StatusSource): Status {
  const { view, genesis } = src
  // Liveness before roles: a node that is down here was down when the roles were elected too,
  // so the page never shows a dead node as down and as a leader in one snapshot.
  const peers = new Map(view.peers().peers.map(p => [p.peerId, p]))
  const health = view.health()
  const roles = view.roles()
  const ref = (peerId: string | null): NodeRef | null => {
    if (peerId === null) return null
    const node = genesis.nodes.find(n => n.peerId === peerId)
    return node === undefined ? null : { nodeId: node.nodeId, peerId }
  }
  const rolesOf = (peerId: string): RoleName[] => {
    const held: RoleName[] = []
    if (roles.committees.some(c => c.leader === peerId)) held.push('leader')
    if (roles.committees.some(c => c.backup === peerId)) held.push('backup')
    if (roles.managers.includes(peerId)) held.push('manager')
    return held
  }
  const nodes = genesis.nodes.map((n): StatusNode => {
    const self = n.peerId === view.selfPeerId
    const seen = peers.get(n.peerId)
    return {
      nodeId: n.nodeId,
      peerId: n.peerId,
      committee: n.committee,
      http: n.http,
      self,
      live: self || seen?.live === true,
      connected: self || seen?.connected === true,
      lastHeartbeatAgoMs: self ? 0 : seen?.lastHeartbeatAgoMs ?? null,
      roles: rolesOf(n.peerId)
    }
  })
  return {
    at: Date.now(),
    network: genesis.network,
    epoch: genesis.epoch,
    params: { ...genesis.params },
    self: { nodeId: health.nodeId, peerId: health.peerId, committee: health.committee, uptimeMs: health.uptimeMs, keys: health.keys },
    health: { status: health.status, reasons: health.reasons ?? [] },
    nodes,
    committees: roles.committees.map(c => ({ committee: c.committee, leader: ref(c.leader), backup: ref(c.backup) })),
    managers: roles.managers.map(ref).filter((m): m is NodeRef => m !== null),
    recentSignRequests: src.recentSignRequests?.() ?? [],
    blame: health.blame
  }
}
