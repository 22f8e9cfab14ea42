// The key registry's anti-entropy (DESIGN 5): answers PROTOCOL_REGISTRY_SYNC
// from what the registry holds, and pulls what a genesis peer holds that this
// node lacks, on every (re)connect and with a random peer every
// REGISTRY_SYNC_INTERVAL_MS. Roots first, then the summaries of the buckets
// whose digests differ (protocols/registry/digest-tree.ts). It reads the
// registry's holdings and hands what peers offer back to it (node/engine/registry.ts).
import type { PeerId } from '@libp2p/interface'
import {
  MAX_REGISTRY_SYNC_MESSAGE_BYTES, PROTOCOL_REGISTRY_SYNC, REGISTRY_SYNC_BATCH_BYTES, REGISTRY_SYNC_INTERVAL_MS, REGISTRY_SYNC_TIMEOUT_MS
} from '../../protocols/constants.js'
import { DeleteRejection } from '../../protocols/delete-user/tombstone.js'
import { NewUserRejection } from '../../protocols/new-user/check-record.js'
import type { RegistryEntry } from '../../protocols/new-user/registry-entry.js'
import { bucketOf, differingBuckets, type RegistryDigestTree } from '../../protocols/registry/digest-tree.js'
import type { Tombstone } from '../../protocols/wire/delete-user.js'
import {
  SUMMARY_CHUNK_KEYS, SyncRequestSchema, SyncResponseSchema, type EntriesResponse, type SyncRequest, type SyncResponse
} from '../../protocols/wire/registry-sync.js'
import { deadline } from '../deadline.js'
import type { Logger } from '../log.js'
import type { ShardsigLibp2p } from '../p2p/create-libp2p.js'
import { handleJson, requestJson } from '../p2p/direct.js'
import { RecordConflictError } from './registry-errors.js'

/** A registered key as the registry holds it: its entry and its record's digest. */
export interface HeldEntry { entry: RegistryEntry, digest: string }

/** What anti-entropy reads of the registry, and how it hands over what a peer offered (both true when it was news). */
export interface SyncedHoldings {
  entries: ReadonlyMap<string, HeldEntry>
  tombstones: ReadonlyMap<string, Tombstone>
  /** What the registry holds, by bucket: compared with a peer's before any summary. */
  tree: Pick<RegistryDigestTree, 'root' | 'bucketDigests' | 'itemsOf'>
  /** Checks and stores an entry; throws NewUserRejection or RecordConflictError. */
  takeEntry: (entry: RegistryEntry) => Promise<boolean>
  /** Checks and stores a tombstone without gossiping it; throws DeleteRejection. */
  takeTombstone: (tombstone: Tombstone) => Promise<boolean>
}

export interface RegistrySyncInit {
  libp2p: ShardsigLibp2p
  /** Genesis peers other than us: the only ones we sync with. */
  peers: ReadonlySet<string>
  log: Logger
  held: SyncedHoldings
}

export class RegistrySync {
  private readonly syncedListeners: Array<() => void> = []
  private syncedOnce = false
  /** The sync running with each peer: a second ask for one joins it. */
  private readonly syncing = new Map<string, Promise<number>>()
  private stopped = false
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly init: RegistrySyncInit) {}

  async start (): Promise<void> {
    const { libp2p } = this.init
    await handleJson({
      libp2p,
      protocol: PROTOCOL_REGISTRY_SYNC,
      requestSchema: SyncRequestSchema,
      malformed: () => ({ kind: 'entries', entries: [], more: false }),
      // Nothing this time: the asker syncs again on its next round.
      overQuota: () => ({ kind: 'entries', entries: [], more: false }),
      handle: async (req) => this.answer(req),
      timeoutMs: REGISTRY_SYNC_TIMEOUT_MS,
      maxBytes: MAX_REGISTRY_SYNC_MESSAGE_BYTES,
      log: this.init.log
    })
    libp2p.addEventListener('peer:identify', this.onIdentify)
    // Gossip can be missed without a reconnect (a dropped message, a full queue): sync now and then anyway.
    this.timer = setInterval(() => {
      const connected = libp2p.getConnections().map(c => c.remotePeer.toString()).filter(p => this.init.peers.has(p))
      const peer = connected[Math.floor(Math.random() * connected.length)]
      if (peer !== undefined) this.startSync(peer)
    }, REGISTRY_SYNC_INTERVAL_MS)
    this.timer.unref()
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.init.libp2p.removeEventListener('peer:identify', this.onIdentify)
    await this.init.libp2p.unhandle(PROTOCOL_REGISTRY_SYNC)
  }

  /** Whether one sync with a peer has run to its end: this node holds every key that peer held then. */
  get synced (): boolean { return this.syncedOnce }

  /** Called once, when the first sync with a peer ran to its end. */
  onSynced (listener: () => void): void {
    this.syncedListeners.push(listener)
  }

  private answer (req: SyncRequest): SyncResponse {
    if (req.kind === 'digests') {
      const root = this.init.held.tree.root()
      return root === req.root ? { kind: 'digests', root } : { kind: 'digests', root, buckets: this.init.held.tree.bucketDigests() }
    }
    return this.entriesFor(req)
  }

  /**
   * Entries (and tombstones) the asker lacks or holds with fewer receipts, in the buckets it
   * names (every key when it names none), up to REGISTRY_SYNC_BATCH_BYTES of JSON.
   */
  private entriesFor (req: Extract<SyncRequest, { kind: 'summary' }>): EntriesResponse {
    const { tree, entries: heldEntries, tombstones: heldTombstones } = this.init.held
    const theirs = new Map(req.have.map(h => [h.keyId, h]))
    const theirTombstones = new Map((req.tombstones ?? []).map(t => [t.keyId, t.receipts]))
    const keyIds = req.buckets === undefined ? undefined : req.buckets.flatMap(b => [...tree.itemsOf(b).keys()])
    const tombstoned = keyIds === undefined ? [...heldTombstones.values()] : keyIds.flatMap(k => heldTombstones.get(k) ?? [])
    const held = keyIds === undefined ? [...heldEntries.values()] : keyIds.flatMap(k => heldEntries.get(k) ?? [])
    const entries: RegistryEntry[] = []
    const tombstones: Tombstone[] = []
    let bytes = 0
    // Tombstones first: a deletion matters more than a key the asker lacks.
    for (const t of tombstoned) {
      if ((theirTombstones.get(t.record.keyId) ?? -1) >= t.receipts.length) continue
      const size = JSON.stringify(t).length
      if (tombstones.length > 0 && bytes + size > REGISTRY_SYNC_BATCH_BYTES) return { kind: 'entries', entries, tombstones, more: true }
      tombstones.push(t)
      bytes += size
    }
    for (const h of held) {
      const t = theirs.get(h.entry.record.keyId)
      if (t !== undefined && (t.recordDigest !== h.digest || t.receipts >= h.entry.receipts.length)) continue
      const size = JSON.stringify(h.entry).length
      if (entries.length > 0 && bytes + size > REGISTRY_SYNC_BATCH_BYTES) return { kind: 'entries', entries, tombstones, more: true }
      entries.push(h.entry)
      bytes += size
    }
    return { kind: 'entries', entries, tombstones, more: false }
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId }>): void => {
    const peer = evt.detail.peerId.toString()
    if (this.init.peers.has(peer)) this.startSync(peer)
  }

  private startSync (peer: string): void {
    if (this.stopped) return
    this.pull(peer).catch((err: Error) => { this.init.log.debug({ peer, err: err.message }, 'registry sync failed') })
  }

  /** syncWith `peer`, or the sync with it already running: what a caller that needs a key now awaits. */
  async pull (peer: string): Promise<number> {
    let running = this.syncing.get(peer)
    if (running === undefined) {
      running = this.syncWith(peer).finally(() => { this.syncing.delete(peer) })
      this.syncing.set(peer, running)
    }
    return await running
  }

  /**
   * Pulls every entry `peer` has that we lack (or hold with fewer receipts): roots first, then
   * the summaries of the buckets whose digests differ. A peer that does not know digests (a
   * build before them answers an empty `entries`) gets one summary of every key, as before.
   */
  async syncWith (peer: string): Promise<number> {
    const { tree } = this.init.held
    const answer = await this.ask(peer, { kind: 'digests', root: tree.root() })
    let pulled = 0
    if (answer.kind === 'entries') {
      pulled = await this.pullSummaries(peer, undefined)
    } else if (answer.buckets !== undefined) {
      for (const buckets of this.summaryChunks(differingBuckets(tree.bucketDigests(), answer.buckets))) {
        pulled += await this.pullSummaries(peer, buckets)
      }
    }
    if (!this.stopped && !this.syncedOnce) {
      this.syncedOnce = true
      for (const listener of this.syncedListeners) listener()
    }
    return pulled
  }

  private async ask (peer: string, req: SyncRequest): Promise<SyncResponse> {
    return await requestJson(this.init.libp2p, peer, PROTOCOL_REGISTRY_SYNC, req, SyncResponseSchema,
      { signal: deadline(REGISTRY_SYNC_TIMEOUT_MS), maxBytes: MAX_REGISTRY_SYNC_MESSAGE_BYTES })
  }

  /** Differing buckets grouped so that each summary lists at most SUMMARY_CHUNK_KEYS of our keys (one bucket alone may list more). */
  private summaryChunks (buckets: number[]): number[][] {
    const chunks: number[][] = []
    let keys = 0
    for (const b of buckets) {
      const size = this.init.held.tree.itemsOf(b).size
      if (chunks.length === 0 || (keys > 0 && keys + size > SUMMARY_CHUNK_KEYS)) { chunks.push([]); keys = 0 }
      chunks.at(-1)!.push(b)
      keys += size
    }
    return chunks
  }

  /** Summaries of what we hold in `buckets` (every key when undefined), page after page, until the peer has nothing more for us. */
  private async pullSummaries (peer: string, buckets: number[] | undefined): Promise<number> {
    const held = this.init.held
    let pulled = 0
    for (;;) {
      if (this.stopped) return pulled
      const keyIds = buckets === undefined ? undefined : new Set(buckets.flatMap(b => [...held.tree.itemsOf(b).keys()]))
      const have = [...held.entries.values()].filter(h => keyIds?.has(h.entry.record.keyId) ?? true)
        .map(h => ({ keyId: h.entry.record.keyId, recordDigest: h.digest, receipts: h.entry.receipts.length }))
      const tombstones = [...held.tombstones.values()].filter(t => keyIds?.has(t.record.keyId) ?? true)
        .map(t => ({ keyId: t.record.keyId, receipts: t.receipts.length }))
      const res = await this.ask(peer, { kind: 'summary', have, tombstones, ...(buckets !== undefined ? { buckets } : {}) })
      if (res.kind !== 'entries') return pulled
      let progressed = false
      for (const tombstone of res.tombstones ?? []) {
        try {
          if (await held.takeTombstone(tombstone)) { pulled++; progressed = true }
        } catch (err) {
          if (!(err instanceof DeleteRejection)) throw err
          this.init.log.warn({ peer, keyId: tombstone.record.keyId, err: err.message }, 'peer offered an invalid tombstone')
        }
      }
      for (const entry of res.entries) {
        // Only what we asked about: a peer cannot make us take keys outside the buckets.
        if (buckets !== undefined && !buckets.includes(bucketOf(entry.record.keyId))) continue
        try {
          if (await held.takeEntry(entry)) { pulled++; progressed = true }
        } catch (err) {
          if (!(err instanceof NewUserRejection || err instanceof RecordConflictError)) throw err
          this.init.log.warn({ peer, keyId: entry.record.keyId, err: err.message }, 'peer offered an invalid registry entry')
        }
      }
      if (!res.more || !progressed) return pulled
    }
  }
}
