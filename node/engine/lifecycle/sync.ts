// Membership anti-entropy (docs/protocols/lifecycle.md): gossip is missed by a
// node that was down or cut off, so on every (re)connect to a member, and while
// an update is pending every MEMBERSHIP_SYNC_INTERVAL_MS with one random member,
// a node compares what it holds (`summary`) and fetches what it lacks (`get`):
// the pending update and its keys' epoch entries. Everything fetched goes
// through the same checks as gossip (MembershipBook.accept / addEntry).
import type { PeerId } from '@libp2p/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  MAX_DIRECT_MESSAGE_BYTES, MAX_REGISTRY_SYNC_MESSAGE_BYTES, MEMBERSHIP_SYNC_BATCH_BYTES, MEMBERSHIP_SYNC_INTERVAL_MS,
  PROTOCOL_MEMBERSHIP_SYNC, REGISTRY_SYNC_TIMEOUT_MS
} from '../../../protocols/constants.js'
import { genesisDigest } from '../../../protocols/wire/genesis.js'
import {
  MAX_MEMBERSHIP_SYNC_GET_KEYS, MembershipSyncRequestSchema, MembershipSyncResponseSchema,
  type EpochEntry, type MembershipSyncRequest, type MembershipSyncResponse, type MembershipUpdate
} from '../../../protocols/wire/lifecycle.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { handleJson, requestJson } from '../../p2p/direct.js'
import type { MembershipBook } from './membership-book.js'
import { deadline } from '../../deadline.js'

/** What this node offers a peer for one update: the update and its epoch entries. */
interface Offer {
  update: MembershipUpdate
  digest: string
  keyIds: () => Set<string>
  entryOf: (keyId: string) => EpochEntry | undefined
}

export interface MembershipSyncInit {
  libp2p: ShardsigLibp2p
  book: MembershipBook
  /** This node's active epoch and, when it activated one, the update into it with its entries: offered to a peer still one epoch behind. */
  epoch: number
  activated?: { update: MembershipUpdate, keyIds: () => Set<string>, entryOf: (keyId: string) => EpochEntry | undefined }
  /** Members of the active epoch: the peers asked, and answered (with the nodes the pending update adds). */
  peers: ReadonlySet<string>
  /** A joining node asks every MEMBERSHIP_SYNC_INTERVAL_MS even with no update pending: it waits for the one that adds it. */
  joining?: boolean
  /**
   * Nodes of the epoch before the active one: answered too, so that one the update removed and that missed an
   * entry still learns every entry, activates, erases its shares and stops (it was left at the old epoch in CI).
   */
  previousMembers?: ReadonlySet<string>
  log: Logger
}

/** SHA-256 of the sorted key ids joined by "\n": two nodes with the same digest hold the same entries. */
function keySetDigest (keyIds: Iterable<string>): string {
  return bytesToHex(sha256(new TextEncoder().encode([...keyIds].sort().join('\n'))))
}

const NOTHING: MembershipSyncResponse = { kind: 'summary' }

export class MembershipSync {
  private readonly syncing = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor (private readonly init: MembershipSyncInit) {}

  private joins (peerId: string): boolean {
    return this.init.book.pending?.genesis.nodes.some(n => n.peerId === peerId) === true
  }

  async start (): Promise<void> {
    const { libp2p, log } = this.init
    await handleJson({
      libp2p,
      protocol: PROTOCOL_MEMBERSHIP_SYNC,
      requestSchema: MembershipSyncRequestSchema,
      malformed: (): MembershipSyncResponse => NOTHING,
      overQuota: (): MembershipSyncResponse => NOTHING,
      // Members, and nodes the pending update adds (joining: they learn the update and its entries here).
      handle: async (req, { peerId }) => this.init.peers.has(peerId) || this.joins(peerId) || this.init.previousMembers?.has(peerId) === true ? this.answer(req) : NOTHING,
      timeoutMs: REGISTRY_SYNC_TIMEOUT_MS,
      // Requests are small (a summary, or at most MAX_MEMBERSHIP_SYNC_GET_KEYS key ids); answers may be large.
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      log
    })
    libp2p.addEventListener('peer:identify', this.onIdentify)
    this.timer = setInterval(() => {
      if (this.init.book.pending === undefined && this.init.joining !== true) return
      const connected = libp2p.getConnections().map(c => c.remotePeer.toString()).filter(p => this.init.peers.has(p))
      const peer = connected[Math.floor(Math.random() * connected.length)]
      if (peer !== undefined) this.pull(peer)
    }, MEMBERSHIP_SYNC_INTERVAL_MS)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.init.libp2p.removeEventListener('peer:identify', this.onIdentify)
    await this.init.libp2p.unhandle(PROTOCOL_MEMBERSHIP_SYNC)
  }

  /** The update a peer at `askerEpoch` (or knowing `digest`) should hear of: the one this node activated when the peer is one epoch behind, else this node's pending one. */
  private offer (opts: { askerEpoch?: number, digest?: string }): Offer | undefined {
    const { book, activated, epoch } = this.init
    if (activated !== undefined) {
      const digest = genesisDigest(activated.update.genesis)
      if (opts.digest === digest || (opts.digest === undefined && opts.askerEpoch === epoch - 1)) return { ...activated, digest }
    }
    const pending = book.pending
    if (pending === undefined) return undefined
    const digest = pending.digest
    if (opts.digest !== undefined && opts.digest !== digest) return undefined
    return { update: pending.update, digest, keyIds: () => book.confirmedKeys(), entryOf: k => book.entryOf(k) }
  }

  private answer (req: MembershipSyncRequest): MembershipSyncResponse {
    if (req.kind === 'summary') {
      const offer = this.offer({ askerEpoch: req.epoch, digest: req.pending })
      if (offer === undefined) return NOTHING
      const same = req.pending === offer.digest
      const held = offer.keyIds()
      const differs = same && (req.count !== held.size || req.digest !== keySetDigest(held))
      return { kind: 'summary', update: offer.update, ...(differs ? { keyIds: [...held] } : {}) }
    }
    const offer = this.offer({ digest: req.pending })
    if (offer === undefined) return { kind: 'entries', entries: [], more: false }
    const entries: EpochEntry[] = []
    let bytes = 0
    for (const keyId of req.keyIds) {
      const entry = offer.entryOf(keyId)
      if (entry === undefined) continue
      const size = JSON.stringify(entry).length
      if (entries.length > 0 && bytes + size > MEMBERSHIP_SYNC_BATCH_BYTES) return { kind: 'entries', entries, more: true }
      entries.push(entry)
      bytes += size
    }
    return { kind: 'entries', entries, more: false }
  }

  /** Compares with `peer` and fetches what this node lacks; one pull per peer at a time. */
  pull (peer: string): void {
    if (this.syncing.has(peer) || this.stopped) return
    this.syncing.add(peer)
    this.pullFrom(peer)
      .catch((err: Error) => { this.init.log.debug({ peer, err: err.message }, 'membership sync failed') })
      .finally(() => { this.syncing.delete(peer) })
  }

  private async ask (peer: string, req: MembershipSyncRequest): Promise<MembershipSyncResponse> {
    return await requestJson(this.init.libp2p, peer, PROTOCOL_MEMBERSHIP_SYNC, req, MembershipSyncResponseSchema, {
      signal: deadline(REGISTRY_SYNC_TIMEOUT_MS), maxBytes: MAX_REGISTRY_SYNC_MESSAGE_BYTES
    })
  }

  private summary (): MembershipSyncRequest {
    const { book } = this.init
    const held = book.confirmedKeys()
    return { kind: 'summary', epoch: this.init.epoch, ...(book.pending !== undefined ? { pending: book.pending.digest } : {}), count: held.size, digest: keySetDigest(held) }
  }

  private async pullFrom (peer: string): Promise<void> {
    const { book } = this.init
    let answer = await this.ask(peer, this.summary())
    if (answer.kind !== 'summary' || answer.update === undefined) return
    if (book.pending === undefined) {
      await book.accept(answer.update, { gossip: false })
      // Now that the update is known, compare entries.
      answer = await this.ask(peer, this.summary())
      if (answer.kind !== 'summary') return
    }
    const pending = book.pending
    if (pending === undefined || answer.keyIds === undefined) return
    const held = book.confirmedKeys()
    let missing = answer.keyIds.filter(k => !held.has(k))
    let added = 0
    while (missing.length > 0 && !this.stopped) {
      const batch = missing.slice(0, MAX_MEMBERSHIP_SYNC_GET_KEYS)
      const got = await this.ask(peer, { kind: 'get', pending: pending.digest, keyIds: batch })
      if (got.kind !== 'entries' || got.entries.length === 0) break
      for (const entry of got.entries) {
        // An entry whose key this node has not synced into its registry yet is refused; a later pull brings it again.
        if (await book.addEntry(entry, { gossip: false }).catch(() => 'refused') === 'added') added++
      }
      const fetched = new Set(got.entries.map(e => e.record.keyId))
      missing = missing.filter(k => !fetched.has(k))
    }
    if (added > 0) this.init.log.info({ peer, entries: added }, 'epoch entries caught up by membership sync')
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => {
    const peer = evt.detail.peerId.toString()
    if (this.init.peers.has(peer)) this.pull(peer)
  }
}
