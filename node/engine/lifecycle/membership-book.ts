// This node's memberships (docs/protocols/lifecycle.md, decisions/0008): the
// active genesis, and during update_node_set the pending update with the keys'
// confirmed epoch entries. Both are persisted (synced) and travel on
// TOPIC_MEMBERSHIP; every update and entry is checked before it is kept.
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { MAX_GOSSIP_MESSAGE_BYTES, TOPIC_MEMBERSHIP } from '../../../protocols/constants.js'
import { LifecycleRejection } from '../../../protocols/lifecycle/errors.js'
import { checkMembershipUpdate, membershipChanges, type MembershipChanges } from '../../../protocols/lifecycle/membership-update.js'
import { checkEpochEntry, type KeyState } from '../../../protocols/lifecycle/reshare.js'
import { genesisDigest, type Genesis } from '../../../protocols/wire/genesis.js'
import { MembershipGossipSchema, type EpochEntry, type MembershipGossip, type MembershipUpdate } from '../../../protocols/wire/lifecycle.js'
import { membershipOf, type Membership } from '../../../protocols/wire/membership.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import type { KeyStore } from '../../store/index.js'
import { EPOCH_ENTRY_PREFIX, epochEntryKey } from './key-state.js'
import { gossipDecoder } from '../../../protocols/wire/tolerant.js'

/** This topic's gossip, read tolerantly (protocols/wire/tolerant.ts); made once. */
const decodeMembershipGossip = gossipDecoder(MembershipGossipSchema)

export const PENDING_UPDATE_KEY = 'membership/pending'

/** Epoch entries are a record and up to every member's receipt: larger than game messages. */
const MAX_MEMBERSHIP_GOSSIP_BYTES = 4 * MAX_GOSSIP_MESSAGE_BYTES

export interface Pending {
  update: MembershipUpdate
  genesis: Genesis
  /** genesisDigest(genesis), computed once. */
  digest: string
  membership: Membership
  changes: MembershipChanges
}

export interface MembershipBookInit {
  libp2p: ShardsigLibp2p
  store: KeyStore
  genesis: Genesis
  /** The resharing state of a key this node holds at the active epoch, or undefined. */
  stateOf: (keyId: string) => KeyState | undefined
  /** Called after an update or an entry was kept. */
  onChanged?: () => void
  log: Logger
}

export class MembershipBook {
  private pendingUpdate: Pending | undefined
  private readonly entries = new Map<string, EpochEntry>()
  private readonly members: Set<string>
  /**
   * Epoch entries the topic validator checked, by the message's data: gossipsub hands the same
   * message to the validator and then to the listener, and checkEpochEntry (a record's
   * commitments, every receipt's signature) is the costliest step of resharing at a node.
   */
  private readonly checkedEntries = new WeakMap<Uint8Array, EpochEntry>()

  constructor (private readonly init: MembershipBookInit) {
    this.members = new Set(init.genesis.nodes.map(n => n.peerId))
  }

  get active (): Genesis { return this.init.genesis }
  get pending (): Pending | undefined { return this.pendingUpdate }

  async start (): Promise<void> {
    const held = await this.init.store.getJson<MembershipUpdate>(PENDING_UPDATE_KEY)
    if (held !== undefined) {
      try {
        this.pendingUpdate = this.pendingOf(held)
        for await (const [, value] of this.init.store.iterate(`${EPOCH_ENTRY_PREFIX}${held.genesis.epoch}/`)) {
          const entry = JSON.parse(new TextDecoder().decode(value)) as EpochEntry
          this.entries.set(entry.record.keyId, entry)
        }
      } catch (err) {
        this.init.log.warn({ err: (err as Error).message }, 'stored membership update no longer applies; ignored')
      }
    }
    const { pubsub } = this.init.libp2p.services
    pubsub.topicValidators.set(TOPIC_MEMBERSHIP, this.validate)
    pubsub.addEventListener('message', this.onMessage)
    pubsub.subscribe(TOPIC_MEMBERSHIP)
  }

  stop (): void {
    const { pubsub } = this.init.libp2p.services
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(TOPIC_MEMBERSHIP)
  }

  private pendingOf (update: MembershipUpdate): Pending {
    const genesis = checkMembershipUpdate(update, this.init.genesis)
    return { update, genesis, digest: genesisDigest(genesis), membership: membershipOf(genesis), changes: membershipChanges(this.init.genesis, genesis) }
  }

  /**
   * Takes an update (checked against the active genesis), keeps it synced and gossips it.
   * The same update again is 'unchanged'; another one while one is pending is refused:
   * an epoch moves once.
   */
  async accept (update: MembershipUpdate, opts: { gossip: boolean }): Promise<'added' | 'unchanged'> {
    const pending = this.pendingOf(update)
    if (this.pendingUpdate !== undefined) {
      if (this.pendingUpdate.digest === pending.digest) return 'unchanged'
      throw new LifecycleRejection('wrong-epoch', `another update to epoch ${this.pendingUpdate.genesis.epoch} (${this.pendingUpdate.digest.slice(0, 16)}…) is pending`)
    }
    // Taken before the write: the same update arriving meanwhile (gossip, and each reshare request carries it) is 'unchanged'.
    this.pendingUpdate = pending
    try {
      await this.init.store.putJson(PENDING_UPDATE_KEY, update, { sync: true })
    } catch (err) {
      this.pendingUpdate = undefined
      throw err
    }
    this.init.log.info({ epoch: pending.genesis.epoch, genesisDigest: pending.digest, ...pending.changes }, 'membership update pending; resharing to it')
    if (opts.gossip) await this.publish({ v: 1, kind: 'update', update })
    this.init.onChanged?.()
    return 'added'
  }

  entryOf (keyId: string): EpochEntry | undefined {
    return this.entries.get(keyId)
  }

  confirmedKeys (): Set<string> {
    return new Set(this.entries.keys())
  }

  /** Keeps a confirmed epoch entry for the pending epoch (checkEpochEntry throws LifecycleRejection) and gossips it. */
  async addEntry (entry: EpochEntry, opts: { gossip: boolean, checked?: boolean }): Promise<'added' | 'unchanged'> {
    if (opts.checked !== true) this.checkEntry(entry)
    if (this.entries.has(entry.record.keyId)) return 'unchanged'
    await this.init.store.putJson(epochEntryKey(entry.record.epoch, entry.record.keyId), entry, { sync: true })
    this.entries.set(entry.record.keyId, entry)
    if (opts.gossip) await this.publish({ v: 1, kind: 'epoch-entry', entry })
    this.init.onChanged?.()
    return 'added'
  }

  private checkEntry (entry: EpochEntry): void {
    const pending = this.pendingUpdate
    if (pending === undefined) throw new LifecycleRejection('wrong-epoch', `no membership update is pending here; an epoch ${entry.record.epoch} entry for key ${entry.record.keyId} does not apply`)
    const state = this.init.stateOf(entry.record.keyId)
    if (state === undefined) throw new LifecycleRejection('bad-epoch-record', `key ${entry.record.keyId} is not in this node's registry`)
    checkEpochEntry(entry, state, pending.membership)
  }

  private async publish (msg: MembershipGossip): Promise<void> {
    await this.init.libp2p.services.pubsub.publish(TOPIC_MEMBERSHIP, new TextEncoder().encode(JSON.stringify(msg))).catch((err: Error) => {
      this.init.log.debug({ err: err.message, kind: msg.kind }, 'membership publish failed')
    })
  }

  private readonly validate = (_from: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed' || msg.data.byteLength > MAX_MEMBERSHIP_GOSSIP_BYTES) return TopicValidatorResult.Reject
    if (!this.members.has(msg.from.toString())) return TopicValidatorResult.Reject
    const decoded = decodeMembershipGossip(msg.data)
    // A kind of a newer minor version: not ours to judge (docs/protocols/versioning.md).
    if (decoded.kind === 'unknown-kind') return TopicValidatorResult.Ignore
    if (decoded.kind === 'invalid') return TopicValidatorResult.Reject
    const gossip = decoded.value
    try {
      if (gossip.kind === 'update') {
        const pending = this.pendingOf(gossip.update)
        if (this.pendingUpdate !== undefined) return this.pendingUpdate.digest === pending.digest ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
        return TopicValidatorResult.Accept
      }
      if (this.entries.has(gossip.entry.record.keyId)) return TopicValidatorResult.Ignore
      this.checkEntry(gossip.entry)
      this.checkedEntries.set(msg.data, gossip.entry)
      return TopicValidatorResult.Accept
    } catch {
      return TopicValidatorResult.Reject
    }
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    if (evt.detail.topic !== TOPIC_MEMBERSHIP) return
    const checked = this.checkedEntries.get(evt.detail.data)
    if (checked !== undefined) {
      this.addEntry(checked, { gossip: false, checked: true }).catch((err: Error) => { this.init.log.debug({ err: err.message, kind: 'epoch-entry' }, 'membership gossip not kept') })
      return
    }
    const decoded = decodeMembershipGossip(evt.detail.data)
    if (decoded.kind !== 'ok') return
    const gossip = decoded.value
    const done = gossip.kind === 'update' ? this.accept(gossip.update, { gossip: false }) : this.addEntry(gossip.entry, { gossip: false })
    done.catch((err: Error) => { this.init.log.debug({ err: err.message, kind: gossip.kind }, 'membership gossip not kept') })
  }
}
