// The key registry every node keeps (DESIGN 5): owner-signed records with the
// holders' receipts, persisted in the store, gossiped on TOPIC_REGISTRY, and
// caught up by anti-entropy (registry-sync.ts) with each genesis peer on
// (re)connect and with a random peer every REGISTRY_SYNC_INTERVAL_MS. Only entries that pass
// checkRegistryEntry (the record fits this network, receipts from tc
// committees × tm members) are stored or relayed. A deleted key leaves an
// owner-signed tombstone (delete_user) that travels the same ways and wins
// over the key: a tombstoned key is never stored again. Tombstones are kept
// for good (docs/protocols/delete_user.md#how-long-a-tombstone-stays): a key's
// tombstone takes the place of its entry, so entries and tombstones together
// are the keys ever registered, reported against MAX_REGISTRY_KEYS.
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { MAX_DIRECT_MESSAGE_BYTES, MAX_REGISTRY_KEYS, TOPIC_REGISTRY } from '../../protocols/constants.js'
import { checkErasureReceipt, checkTombstone, deleteDigest, mergeErasureReceipts, type HoldersAt } from '../../protocols/delete-user/tombstone.js'
import { NewUserRejection } from '../../protocols/new-user/check-record.js'
import { checkRegistryEntry, mergeReceipts, recordDigest, type RegistryEntry } from '../../protocols/new-user/registry-entry.js'
import { RegistryDigestTree } from '../../protocols/registry/digest-tree.js'
import type { Tombstone } from '../../protocols/wire/delete-user.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import type { Membership } from '../../protocols/wire/membership.js'
import { RegistryGossipSchema, type RegistryGossip } from '../../protocols/wire/registry-sync.js'
import { gossipDecoder } from '../../protocols/wire/tolerant.js'
import type { Logger } from '../log.js'
import type { RetentionMetrics } from '../metrics/index.js'
import type { ShardsigLibp2p } from '../p2p/create-libp2p.js'
import type { KeyStore } from '../store/index.js'
import { KeyedLock } from './keyed-lock.js'
import { KeyDeletedError, RecordConflictError } from './registry-errors.js'
import { RegistrySync, type HeldEntry } from './registry-sync.js'

/** This topic's gossip, read tolerantly (protocols/wire/tolerant.ts); made once. */
const decodeRegistryGossip = gossipDecoder(RegistryGossipSchema)

const REGISTRY_PREFIX = 'registry/'
const TOMBSTONE_PREFIX = 'tombstone/'
/** The gossip message is an entry plus a small envelope. */
const MAX_REGISTRY_GOSSIP_BYTES = MAX_DIRECT_MESSAGE_BYTES

export type AddResult = 'added' | 'updated' | 'unchanged'

export interface RegistryInit {
  libp2p: ShardsigLibp2p
  store: KeyStore
  /** The membership of each epoch this node knows (the genesis chain): records and tombstones are checked against their own epoch's. */
  memberships: { membershipAt: (epoch: number) => Membership | undefined }
  /** Genesis peers other than us: the only ones whose gossip counts, and whom we sync with. */
  peers: ReadonlySet<string>
  log: Logger
  /** A key's holders at an epoch after its record's (a confirmed reshare), to check erasure receipts of that epoch. */
  epochHolders?: (keyId: string, epoch: number) => ReadonlyArray<readonly string[]> | undefined
  metrics?: RetentionMetrics
  /** Default MAX_REGISTRY_KEYS: beyond it the registry reports, and drops nothing. */
  maxKeys?: number
}

export class KeyRegistry {
  private readonly entries = new Map<string, HeldEntry>()
  private readonly tombstones = new Map<string, Tombstone>()
  /** What this node holds, by bucket: anti-entropy compares it with a peer's before any summary. */
  private readonly tree = new RegistryDigestTree()
  private readonly tombstoneListeners: Array<(t: Tombstone) => void> = []
  private readonly entryListeners: Array<(entry: RegistryEntry) => void> = []
  /** Merges of one key run one after another: each reads, awaits the store, then writes. */
  private readonly mergeLock = new KeyedLock()
  private readonly sync: RegistrySync

  constructor (private readonly init: RegistryInit) {
    this.sync = new RegistrySync({
      libp2p: init.libp2p,
      peers: init.peers,
      log: init.log,
      held: {
        entries: this.entries,
        tombstones: this.tombstones,
        tree: this.tree,
        takeEntry: async entry => {
          checkRegistryEntry(entry, this.membershipOf(entry.record))
          return await this.merge(entry) !== 'unchanged'
        },
        takeTombstone: async tombstone => await this.addTombstone(tombstone, { gossip: false }) !== 'unchanged'
      }
    })
  }

  /** The membership a record was made under; a record of an epoch this node does not know is refused. */
  private membershipOf (record: KeyRecord): Membership {
    const membership = this.init.memberships.membershipAt(record.epoch)
    if (membership === undefined) throw new NewUserRejection('wrong-epoch', `key ${record.keyId}: record is for epoch ${record.epoch}, which this node does not know`)
    return membership
  }

  async start (): Promise<void> {
    for await (const [, value] of this.init.store.iterate(TOMBSTONE_PREFIX)) {
      const tombstone = JSON.parse(new TextDecoder().decode(value)) as Tombstone
      this.tombstones.set(tombstone.record.keyId, tombstone)
      this.tree.set(tombstone.record.keyId, { kind: 'tombstone', receipts: tombstone.receipts.length })
    }
    for await (const [, value] of this.init.store.iterate(REGISTRY_PREFIX)) {
      const entry = JSON.parse(new TextDecoder().decode(value)) as RegistryEntry
      if (this.tombstones.has(entry.record.keyId)) continue
      const digest = recordDigest(entry.record)
      this.entries.set(entry.record.keyId, { entry, digest })
      this.tree.set(entry.record.keyId, { kind: 'entry', recordDigest: digest, receipts: entry.receipts.length })
    }
    this.init.metrics?.retained('registry_keys', () => this.keyCount, this.maxKeys)
    this.init.metrics?.retained('tombstones', () => this.tombstones.size)
    this.warnIfOverCap()
    const { libp2p } = this.init
    libp2p.services.pubsub.topicValidators.set(TOPIC_REGISTRY, this.validate)
    libp2p.services.pubsub.addEventListener('message', this.onMessage)
    libp2p.services.pubsub.subscribe(TOPIC_REGISTRY)
    await this.sync.start()
  }

  async stop (): Promise<void> {
    // Anti-entropy stops starting rounds at once; gossip goes while its handler is being removed.
    const syncStopped = this.sync.stop()
    const { pubsub } = this.init.libp2p.services
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(TOPIC_REGISTRY)
    await syncStopped
  }

  get (keyId: string): RegistryEntry | undefined {
    return this.entries.get(keyId)?.entry
  }

  digestOf (keyId: string): string | undefined {
    return this.entries.get(keyId)?.digest
  }

  size (): number {
    return this.entries.size
  }

  /** Registered and deleted keys: what memory and start-up cost grow with. */
  get keyCount (): number {
    return this.entries.size + this.tombstones.size
  }

  private get maxKeys (): number {
    return this.init.maxKeys ?? MAX_REGISTRY_KEYS
  }

  /** At start, and each time a new key passes the cap: nothing is dropped, an operator must look. */
  private warnIfOverCap (): void {
    if (this.keyCount > this.maxKeys) {
      this.init.log.warn({ keys: this.keyCount, cap: this.maxKeys },
        'the registry holds more keys (registered and deleted) than its cap; it keeps them all, in memory (docs/operations.md#retained-state)')
    }
  }

  /** Every registered (not deleted) key id. */
  keyIds (): string[] {
    return [...this.entries.keys()]
  }

  tombstone (keyId: string): Tombstone | undefined {
    return this.tombstones.get(keyId)
  }

  allTombstones (): Tombstone[] {
    return [...this.tombstones.values()]
  }

  /** Called whenever a key's entry is added or gains receipts (by any path: the CL, gossip, anti-entropy). */
  onEntry (listener: (entry: RegistryEntry) => void): void {
    this.entryListeners.push(listener)
  }

  /** Called once per key when its tombstone first arrives (by any path), and again as erasure receipts add up. */
  onTombstone (listener: (t: Tombstone) => void): void {
    this.tombstoneListeners.push(listener)
  }

  /**
   * Adds or extends a tombstone after checkTombstone (throws DeleteRejection):
   * the key's entry goes, the tombstone is kept (synced) and gossiped. Receipts
   * of an epoch whose holders this node does not know are left out.
   */
  async addTombstone (offered: Tombstone, opts: { gossip: boolean }): Promise<AddResult> {
    const tombstone = this.checkTombstoneNews(offered)
    const keyId = tombstone.record.keyId
    const result = await this.mergeLock.run(keyId, async (): Promise<AddResult> => {
      const held = this.tombstones.get(keyId)
      // The first delete that arrived is the one kept; later ones for the key only confirm it.
      const base = held ?? tombstone
      const receipts = mergeErasureReceipts(base.receipts, held === undefined || held.request.requestId === tombstone.request.requestId ? tombstone.receipts : [])
      if (held !== undefined && receipts.length === held.receipts.length) return 'unchanged'
      const merged: Tombstone = { ...base, receipts }
      await this.init.store.putJson(TOMBSTONE_PREFIX + keyId, merged, { sync: true })
      await this.init.store.delete(REGISTRY_PREFIX + keyId)
      this.tombstones.set(keyId, merged)
      this.entries.delete(keyId)
      this.tree.set(keyId, { kind: 'tombstone', receipts: merged.receipts.length })
      return held === undefined ? 'added' : 'updated'
    })
    if (result !== 'unchanged') {
      const merged = this.tombstones.get(keyId)!
      for (const listener of this.tombstoneListeners) listener(merged)
      if (opts.gossip) await this.publish({ v: 1, kind: 'tombstone', tombstone: merged }, keyId)
    }
    return result
  }

  /**
   * checkTombstone, but only for what is new: a tombstone for the delete we
   * already hold (same record and request) needs only its new receipts
   * checked. Receipts arrive one holder at a time, each in a tombstone.
   */
  private checkTombstoneNews (tombstone: Tombstone): Tombstone {
    const { record } = tombstone
    const holdersAt: HoldersAt = epoch => epoch === record.epoch ? record.holders : this.init.epochHolders?.(record.keyId, epoch)
    const held = this.tombstones.get(record.keyId)
    if (held !== undefined) {
      const digest = deleteDigest(held.request)
      if (digest === deleteDigest(tombstone.request) && recordDigest(held.record) === recordDigest(record)) {
        const known = new Set(held.receipts.map(r => r.signature))
        return { ...tombstone, receipts: tombstone.receipts.filter(r => known.has(r.signature) || checkErasureReceipt(held.record, digest, r, holdersAt)) }
      }
    }
    return { ...tombstone, receipts: checkTombstone(tombstone, this.membershipOf(record), holdersAt) }
  }

  private async publish (msg: RegistryGossip, keyId: string): Promise<void> {
    await this.init.libp2p.services.pubsub.publish(TOPIC_REGISTRY, new TextEncoder().encode(JSON.stringify(msg))).catch((err: Error) => {
      // Anti-entropy delivers it later to whoever missed it.
      this.init.log.debug({ keyId, err: err.message }, 'registry publish failed')
    })
  }

  /** Adds an entry after checkRegistryEntry (throws NewUserRejection or RecordConflictError) and gossips it. */
  async add (entry: RegistryEntry, opts: { gossip: boolean }): Promise<AddResult> {
    checkRegistryEntry(entry, this.membershipOf(entry.record))
    if (this.tombstones.has(entry.record.keyId)) throw new KeyDeletedError(entry.record.keyId)
    const result = await this.merge(entry)
    if (opts.gossip && result !== 'unchanged') {
      const held = this.entries.get(entry.record.keyId)!
      await this.publish({ v: 1, kind: 'key', entry: held.entry }, entry.record.keyId)
    }
    return result
  }

  private async merge (entry: RegistryEntry): Promise<AddResult> {
    return await this.mergeLock.run(entry.record.keyId, async () => await this.mergeNow(entry))
  }

  private async mergeNow (entry: RegistryEntry): Promise<AddResult> {
    const keyId = entry.record.keyId
    // A deleted key stays deleted, whoever still offers it.
    if (this.tombstones.has(keyId)) return 'unchanged'
    const digest = recordDigest(entry.record)
    const held = this.entries.get(keyId)
    if (held !== undefined && held.digest !== digest) throw new RecordConflictError(keyId)
    const receipts = mergeReceipts(held?.entry.receipts ?? [], entry.receipts)
    if (held !== undefined && receipts.length === held.entry.receipts.length) return 'unchanged'
    const merged: RegistryEntry = { record: entry.record, receipts }
    // Served from memory at once, written (synced) behind: the entry is checked and public, and a
    // write lost to a crash comes back by anti-entropy. Waiting for the sync first left a key dealt a
    // moment ago unknown to managers for a synced write's time (several ms under load) after its receipts arrived.
    this.entries.set(keyId, { entry: merged, digest })
    this.tree.set(keyId, { kind: 'entry', recordDigest: digest, receipts: merged.receipts.length })
    await this.init.store.putJson(REGISTRY_PREFIX + keyId, merged, { sync: true })
    if (held === undefined && this.keyCount === this.maxKeys + 1) this.warnIfOverCap()
    for (const listener of this.entryListeners) listener(merged)
    return held === undefined ? 'added' : 'updated'
  }

  private readonly validate = (_from: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed' || msg.data.byteLength > MAX_REGISTRY_GOSSIP_BYTES) return TopicValidatorResult.Reject
    // Only members of the network publish registry entries (the CL that collected the receipts).
    if (!this.init.peers.has(msg.from.toString())) return TopicValidatorResult.Reject
    const decoded = decodeRegistryGossip(msg.data)
    // A kind of a newer minor version: not ours to judge (docs/protocols/versioning.md).
    if (decoded.kind === 'unknown-kind') return TopicValidatorResult.Ignore
    if (decoded.kind === 'invalid') return TopicValidatorResult.Reject
    const gossip = decoded.value
    if (gossip.kind === 'tombstone') {
      const held = this.tombstones.get(gossip.tombstone.record.keyId)
      if (held !== undefined && mergeErasureReceipts(held.receipts, gossip.tombstone.receipts).length === held.receipts.length) return TopicValidatorResult.Ignore
      try {
        this.checkTombstoneNews(gossip.tombstone)
      } catch {
        return TopicValidatorResult.Reject
      }
      return TopicValidatorResult.Accept
    }
    const entry = gossip.entry
    try {
      checkRegistryEntry(entry, this.membershipOf(entry.record))
    } catch {
      return TopicValidatorResult.Reject
    }
    if (this.tombstones.has(entry.record.keyId)) return TopicValidatorResult.Ignore
    const held = this.entries.get(entry.record.keyId)
    // A second, different record for a key: keep the first, do not spread the other.
    if (held !== undefined && held.digest !== recordDigest(entry.record)) return TopicValidatorResult.Ignore
    return TopicValidatorResult.Accept
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    if (evt.detail.topic !== TOPIC_REGISTRY) return
    const decoded = decodeRegistryGossip(evt.detail.data)
    if (decoded.kind !== 'ok') return
    const gossip = decoded.value
    if (gossip.kind === 'tombstone') {
      // gossipsub forwards it already: no republish.
      this.addTombstone(gossip.tombstone, { gossip: false }).catch((err: Error) => {
        this.init.log.warn({ keyId: gossip.tombstone.record.keyId, err: err.message }, 'tombstone from gossip not stored')
      })
      return
    }
    const entry = gossip.entry
    this.merge(entry).catch((err: Error) => {
      this.init.log.warn({ keyId: entry.record.keyId, err: err.message }, 'registry entry from gossip not stored')
    })
  }

  /** Anti-entropy with `peer`, or the one already running: what a caller that needs a key now awaits. */
  async pull (peer: string): Promise<number> {
    return await this.sync.pull(peer)
  }

  /** One anti-entropy round with `peer`: how many entries and tombstones it brought. */
  async syncWith (peer: string): Promise<number> {
    return await this.sync.syncWith(peer)
  }

  /** Whether one sync with a peer has run to its end: this node holds every key that peer held then. */
  get synced (): boolean { return this.sync.synced }

  /** Called once, when the first sync with a peer ran to its end. */
  onSynced (listener: () => void): void {
    this.sync.onSynced(listener)
  }
}

