// Per-peer quotas on the direct protocols: one token bucket per (protocol,
// peer id), at the rates of protocols/constants.ts (peerQuotaOf), taken by
// handleJson (direct.ts) for every request on a stream or a channel before the
// protocol's handler sees it. A refused request gets the protocol's own
// refusal. One PeerQuotas per libp2p node, like its channels: node.ts installs
// one that counts refusals; a node without one gets the defaults.
import { MAX_QUOTA_PEERS, peerQuotaOf, type QuotaRate } from '../../protocols/constants.js'
import { KeyedBuckets, type KeyedTake } from '../../protocols/limits/keyed-buckets.js'
import type { ShardsigLibp2p } from './create-libp2p.js'

export interface PeerQuotasInit {
  /** Milliseconds on a clock that does not go back; default performance.now. */
  now?: () => number
  /** The rate of a protocol; default peerQuotaOf. A protocol without one is not limited. */
  rateOf?: (protocol: string) => QuotaRate | undefined
  /** Default MAX_QUOTA_PEERS. */
  maxPeers?: number
  /** Each refusal (metrics). No peer id: a label must not take one. */
  onRefused?: (protocol: string) => void
}

export class PeerQuotas {
  private readonly byProtocol = new Map<string, KeyedBuckets | null>()
  private readonly now: () => number

  constructor (private readonly init: PeerQuotasInit = {}) {
    this.now = init.now ?? (() => performance.now())
  }

  /** One token of `peerId`'s bucket for `protocol`. */
  take (protocol: string, peerId: string): KeyedTake {
    let buckets = this.byProtocol.get(protocol)
    if (buckets === undefined) {
      const rate = (this.init.rateOf ?? peerQuotaOf)(protocol)
      buckets = rate === undefined ? null : new KeyedBuckets(rate, this.init.maxPeers ?? MAX_QUOTA_PEERS)
      this.byProtocol.set(protocol, buckets)
    }
    if (buckets === null) return { ok: true }
    const taken = buckets.take(peerId, this.now())
    if (!taken.ok) this.init.onRefused?.(protocol)
    return taken
  }
}

const perNode = new WeakMap<ShardsigLibp2p, PeerQuotas>()

/** The node's quotas: the ones installed with usePeerQuotas, else defaults (created on first use). */
export function peerQuotasOf (libp2p: ShardsigLibp2p): PeerQuotas {
  let q = perNode.get(libp2p)
  if (q === undefined) {
    q = new PeerQuotas()
    perNode.set(libp2p, q)
  }
  return q
}

/** Installs `quotas` for `libp2p` (before its handlers take requests: buckets drawn on before are dropped). */
export function usePeerQuotas (libp2p: ShardsigLibp2p, quotas: PeerQuotas): void {
  perNode.set(libp2p, quotas)
}
