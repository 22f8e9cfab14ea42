// This node's view of the network: membership from genesis, liveness from
// heartbeats, roles elected from both. Answers the discovery endpoints.
import type { Genesis, GenesisNode } from '../../protocols/wire/genesis.js'
import type { BlameRecord, Endpoint, Health, Peers, WhoCl, WhoCm } from '../../protocols/wire/http.js'
import { assessHealth, type HealthAssessment, type LocalFindings } from '../../protocols/health/assess.js'
import { electRoles, rolesOf, type Roles } from '../../protocols/roles/index.js'
import type { LivenessTracker } from './liveness.js'
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'

/**
 * How long after its start a node elects roles as if every member it has not
 * heard from yet were live.
 * Until it has listened that long it cannot tell a member that is down from one
 * whose heartbeats have not reached it yet (its dials and gossipsub mesh form in
 * the first seconds): counting only the peers heard so far would make it a
 * manager or leader in its own view that no settled node agrees with, and it
 * would take requests the others then refuse it (docs/protocols/roles.md).
 */
export const ROLES_WARMUP_MS = 2 * LIVENESS_WINDOW_MS

export interface NetworkViewInit {
  genesis: Genesis
  self: GenesisNode
  liveness: LivenessTracker
  /** Peer ids we hold an open connection to. */
  connectedPeers: () => ReadonlySet<string>
  /** Keys in the registry and recent blame, for /health. */
  keyCount: () => number
  recentBlame: () => BlameRecord[]
  /** What the node's store checks found (node/engine/health); none when absent (tests without a store). */
  findings?: () => LocalFindings
  startedAtMs: number
  now?: () => number
}

export class NetworkView {
  private readonly byPeerId: Map<string, GenesisNode>
  private readonly now: () => number

  constructor (private readonly init: NetworkViewInit) {
    this.byPeerId = new Map(init.genesis.nodes.map(n => [n.peerId, n]))
    this.now = init.now ?? Date.now
  }

  /** Whether `peerId` is a node of the active epoch. */
  isMember (peerId: string): boolean {
    return this.byPeerId.has(peerId)
  }

  /** The nodes of the active epoch. */
  members (): ReadonlySet<string> {
    return new Set(this.byPeerId.keys())
  }

  get selfPeerId (): string {
    return this.init.self.peerId
  }

  get epoch (): number {
    return this.init.genesis.epoch
  }

  liveSet (): Set<string> {
    return this.init.liveness.liveSet(this.byPeerId.keys(), this.now())
  }

  /** Whether this node is a communication manager in its current view. */
  isManager (peerId = this.selfPeerId): boolean {
    return this.roles().managers.includes(peerId)
  }

  roles (): Roles {
    const { genesis } = this.init
    const now = this.now()
    const live = this.liveSet()
    // Warming up: a member not heard from since this node started may just not have reached it yet.
    // One heard from and then silent for a liveness window is down, warm-up or not.
    if (now - this.init.startedAtMs < ROLES_WARMUP_MS) {
      for (const p of this.byPeerId.keys()) if (this.init.liveness.lastHeardAgoMs(p, now) === null) live.add(p)
    }
    return electRoles({
      epoch: genesis.epoch,
      members: genesis.nodes.map(n => ({ peerId: n.peerId, committee: n.committee })),
      live,
      committees: genesis.params.committees,
      managers: genesis.params.managers
    })
  }

  whoCl (): WhoCl {
    const roles = this.roles()
    return {
      epoch: roles.epoch,
      committees: roles.committees.map(c => ({
        committee: c.committee,
        leader: this.endpoint(c.leader),
        backup: this.endpoint(c.backup)
      }))
    }
  }

  whoCm (): WhoCm {
    const roles = this.roles()
    return { epoch: roles.epoch, managers: roles.managers.map(p => this.endpoint(p)).filter(e => e !== null) }
  }

  /**
   * Whether this node can do its part, and why not (protocols/health/assess.ts). During the
   * roles warm-up too few live peers read `starting`: the node cannot tell yet whether they are
   * down or their heartbeats have not reached it (the roles count them live meanwhile).
   */
  assessHealth (live: ReadonlySet<string> = this.liveSet()): HealthAssessment {
    const { self, genesis } = this.init
    return assessHealth({
      params: genesis.params,
      members: genesis.nodes,
      self,
      live,
      warmingUp: this.now() - this.init.startedAtMs < ROLES_WARMUP_MS,
      local: this.init.findings?.() ?? { store: null, unreadableShares: [] }
    })
  }

  health (): Health {
    const { self, genesis } = this.init
    const live = this.liveSet()
    const { status, reasons } = this.assessHealth(live)
    return {
      status,
      reasons,
      nodeId: self.nodeId,
      peerId: self.peerId,
      committee: self.committee,
      epoch: genesis.epoch,
      uptimeMs: Math.max(0, Math.round(this.now() - this.init.startedAtMs)),
      peers: { live: live.size, connected: this.init.connectedPeers().size, total: genesis.nodes.length },
      roles: rolesOf(this.roles(), self.peerId),
      keys: this.init.keyCount(),
      blame: this.init.recentBlame()
    }
  }

  peers (): Peers {
    const { self, genesis, liveness } = this.init
    const now = this.now()
    const connected = this.init.connectedPeers()
    return {
      self: { nodeId: self.nodeId, peerId: self.peerId },
      peers: genesis.nodes.filter(n => n.peerId !== self.peerId).map(n => ({
        nodeId: n.nodeId,
        peerId: n.peerId,
        committee: n.committee,
        http: n.http,
        connected: connected.has(n.peerId),
        live: liveness.isLive(n.peerId, now),
        lastHeartbeatAgoMs: liveness.lastHeardAgoMs(n.peerId, now)
      }))
    }
  }

  private endpoint (peerId: string | null): Endpoint | null {
    if (peerId === null) return null
    const node = this.byPeerId.get(peerId)
    return node === undefined ? null : { peerId, http: node.http }
  }
}
