// Keeps a connection open to every genesis peer: dials the ones we are not
// connected to, with per-peer exponential backoff, and redials after a peer
// that went away comes back.
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import {
  DIAL_BACKOFF_INITIAL_MS, DIAL_BACKOFF_MAX_MS, DIAL_CHECK_INTERVAL_MS, DIAL_TIMEOUT_MS
} from '../../protocols/constants.js'
import type { Logger } from '../log.js'
import type { ShardsigLibp2p } from './create-libp2p.js'
import { deadline } from '../deadline.js'

export interface DialTarget { peerId: string, multiaddrs: string[] }

interface PeerDialState {
  peerId: PeerId
  addrs: Multiaddr[]
  nextAttemptAt: number
  backoffMs: number
  dialing: boolean
}

export class GenesisDialer {
  private readonly peers: PeerDialState[]
  private timer: NodeJS.Timeout | undefined
  private readonly controller = new AbortController()

  constructor (private readonly libp2p: ShardsigLibp2p, targets: DialTarget[], private readonly log: Logger) {
    const self = libp2p.peerId.toString()
    this.peers = targets.filter(t => t.peerId !== self).map(t => ({
      peerId: peerIdFromString(t.peerId),
      addrs: t.multiaddrs.map(a => multiaddr(`${a}/p2p/${t.peerId}`)),
      nextAttemptAt: 0,
      backoffMs: DIAL_BACKOFF_INITIAL_MS,
      dialing: false
    }))
  }

  start (): void {
    // A peer that disconnects is retried promptly rather than after its old backoff.
    this.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.tick()
    this.timer = setInterval(() => { this.tick() }, DIAL_CHECK_INTERVAL_MS)
    this.timer.unref()
  }

  stop (): void {
    this.controller.abort()
    this.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
    if (this.timer !== undefined) clearInterval(this.timer)
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const state = this.peers.find(p => p.peerId.equals(evt.detail))
    if (state === undefined) return
    state.backoffMs = DIAL_BACKOFF_INITIAL_MS
    state.nextAttemptAt = 0
  }

  private tick (): void {
    const now = Date.now()
    for (const state of this.peers) {
      if (state.dialing || now < state.nextAttemptAt) continue
      if (this.libp2p.getConnections(state.peerId).length > 0) {
        state.backoffMs = DIAL_BACKOFF_INITIAL_MS
        continue
      }
      void this.dial(state)
    }
  }

  private async dial (state: PeerDialState): Promise<void> {
    state.dialing = true
    try {
      const signal = deadline(DIAL_TIMEOUT_MS, this.controller.signal)
      await this.libp2p.dial(state.addrs, { signal })
      state.backoffMs = DIAL_BACKOFF_INITIAL_MS
      this.log.debug({ peer: state.peerId.toString() }, 'connected to genesis peer')
    } catch (err) {
      if (this.controller.signal.aborted) return
      state.nextAttemptAt = Date.now() + state.backoffMs
      this.log.debug({ peer: state.peerId.toString(), retryInMs: state.backoffMs, err: (err as Error).message }, 'dial failed')
      state.backoffMs = Math.min(state.backoffMs * 2, DIAL_BACKOFF_MAX_MS)
    } finally {
      state.dialing = false
    }
  }
}
