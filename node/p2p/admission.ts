// Which peers may hold a libp2p connection with this node (docs/protocols/roles.md#admission):
// the nodes of its memberships, nobody else. The gater refuses every other peer
// id as soon as the Noise handshake has proved it, before any protocol runs, so
// an outsider can neither read gossip nor weigh on gossipsub's peer scores.
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { ShardsigLibp2p } from './create-libp2p.js'

/**
 * How long after a node starts on an epoch it still admits the nodes that the
 * update into that epoch removed. A removed node that missed the activation
 * learns it by membership sync (it then erases its shares and stops); after
 * this window it is refused like any outsider.
 */
export const REMOVED_NODE_CATCH_UP_MS = 10 * 60_000

export type RefusalDirection = 'inbound' | 'outbound'

export interface PeerAdmissionInit {
  /** The nodes of the active epoch (and, at a joining node, the active epoch it waits to join). */
  members: Iterable<string>
  /** Nodes of the epoch before the active one that the active one no longer names: admitted for REMOVED_NODE_CATCH_UP_MS. */
  removed?: Iterable<string>
  /** Called once per refused connection attempt (metrics, logs). */
  onRefused?: (peerId: string, direction: RefusalDirection) => void
}

export class PeerAdmission {
  readonly #members: ReadonlySet<string>
  #removed: ReadonlySet<string>
  #pending: ReadonlySet<string> = new Set()
  #catchUpTimer: NodeJS.Timeout | undefined
  #libp2p: ShardsigLibp2p | undefined

  constructor (private readonly init: PeerAdmissionInit) {
    this.#members = new Set(init.members)
    this.#removed = new Set([...(init.removed ?? [])].filter(p => !this.#members.has(p)))
  }

  admits (peerId: string): boolean {
    return this.#members.has(peerId) || this.#pending.has(peerId) || this.#removed.has(peerId)
  }

  /** The nodes of a pending membership update: nodes it adds may connect from now on. */
  admitPending (peers: Iterable<string>): void {
    this.#pending = new Set(peers)
    this.#closeUnadmitted()
  }

  /** The gater libp2p asks: outbound by peer id before dialing, both directions once Noise proved the peer id. */
  gater (): ConnectionGater {
    const deny = (direction: RefusalDirection) => (peerId: PeerId): boolean => {
      const id = peerId.toString()
      if (this.admits(id)) return false
      this.init.onRefused?.(id, direction)
      return true
    }
    return {
      denyDialPeer: deny('outbound'),
      denyOutboundEncryptedConnection: deny('outbound'),
      denyInboundEncryptedConnection: deny('inbound')
    }
  }

  /**
   * Starts the removed nodes' catch-up window on `libp2p` (the instance this
   * gater serves): when it ends they are no longer admitted and any
   * connection they still hold is closed.
   */
  start (libp2p: ShardsigLibp2p, catchUpMs = REMOVED_NODE_CATCH_UP_MS): void {
    this.#libp2p = libp2p
    if (this.#removed.size === 0) return
    this.#catchUpTimer = setTimeout(() => { this.#endCatchUp() }, catchUpMs)
    this.#catchUpTimer.unref()
  }

  stop (): void {
    if (this.#catchUpTimer !== undefined) clearTimeout(this.#catchUpTimer)
    this.#catchUpTimer = undefined
  }

  #endCatchUp (): void {
    this.#removed = new Set()
    this.#closeUnadmitted()
  }

  /** Connections made while a peer was admitted do not outlive its admission. */
  #closeUnadmitted (): void {
    for (const connection of this.#libp2p?.getConnections() ?? []) {
      if (!this.admits(connection.remotePeer.toString())) void connection.close().catch(() => {})
    }
  }
}
