// A key's state at the active epoch (protocols/lifecycle/reshare.ts KeyState):
// the owner's record for a key made in this epoch, or the confirmed epoch
// record of its last reshare for a key made earlier. Signing (holders,
// commitments, the share's epoch and digest) and the next reshare both start
// from it. The owner's record keeps what never changes: owner key, policy.
import { isUsable, recordDigest } from '../../../protocols/new-user/registry-entry.js'
import { epochRecordDigest, type KeyState } from '../../../protocols/lifecycle/reshare.js'
import { confirmedHolders } from '../../../protocols/sign/select-party.js'
import type { Genesis } from '../../../protocols/wire/genesis.js'
import type { KeyRecord } from '../../../protocols/wire/key-record.js'
import type { EpochEntry } from '../../../protocols/wire/lifecycle.js'
import type { RegistryEntry } from '../../../protocols/new-user/registry-entry.js'
import type { KeyStore } from '../../store/index.js'

/** Where confirmed epoch entries are kept: `epoch-entry/<epoch>/<keyId>`. */
export const EPOCH_ENTRY_PREFIX = 'epoch-entry/'

export function epochEntryKey (epoch: number, keyId: string): string {
  return `${EPOCH_ENTRY_PREFIX}${epoch}/${keyId}`
}

/** Where `peerId` sits among a key's holders (`holders[c-1][m-1]`), if it holds a share. */
export function holderSlot (holders: ReadonlyArray<readonly string[]>, peerId: string): { committee: number, member: number } | undefined {
  for (const [c, members] of holders.entries()) {
    const m = members.indexOf(peerId)
    if (m >= 0) return { committee: c + 1, member: m + 1 }
  }
  return undefined
}

export function keyStateOf (record: KeyRecord): KeyState {
  return {
    keyId: record.keyId,
    scheme: record.scheme,
    epoch: record.epoch,
    groupPublicKey: record.groupPublicKey,
    commitments: record.commitments,
    holders: record.holders,
    params: record.params,
    digest: recordDigest(record)
  }
}

/** The state an epoch entry (checked by checkEpochEntry when it was kept) gives its key, under that epoch's genesis. */
export function keyStateOfEntry (entry: EpochEntry, genesis: Genesis): KeyState {
  const { record } = entry
  const { committees, tc, tm } = genesis.params
  return {
    keyId: record.keyId,
    scheme: record.scheme,
    epoch: record.epoch,
    groupPublicKey: record.groupPublicKey,
    commitments: record.commitments,
    holders: record.holders,
    params: { committees, tc, tm },
    digest: epochRecordDigest(record)
  }
}

interface RegistryView { keyIds: () => string[], get: (keyId: string) => RegistryEntry | undefined }

/** Every key's state at the active epoch: the owner's record, or the active epoch's entry. */
export class KeyStates {
  private readonly entries = new Map<string, EpochEntry>()
  private movingTo: number | undefined

  /**
   * The epoch this node's store is moving to (update_node_set's activation has
   * begun): until the node restarts on it, the active epoch's shares may be
   * gone already, and a signer answers `wrong-epoch` rather than `no-share`.
   */
  get leavingFor (): number | undefined { return this.movingTo }

  /** Activation marks the move before its batch, and clears the mark if the batch fails. */
  markLeaving (epoch: number | undefined): void {
    this.movingTo = epoch
  }

  constructor (private readonly init: { store: KeyStore, active: Genesis, registry: RegistryView }) {}

  get epoch (): number { return this.init.active.epoch }

  /** Loads the entries of the active epoch (kept, checked, when the epoch was pending). */
  async load (): Promise<void> {
    for await (const [, value] of this.init.store.iterate(`${EPOCH_ENTRY_PREFIX}${this.epoch}/`)) {
      const entry = JSON.parse(new TextDecoder().decode(value)) as EpochEntry
      this.entries.set(entry.record.keyId, entry)
    }
  }

  /** The state `record`'s key signs with at the active epoch; undefined when the key was not reshared to it. */
  stateOf (record: KeyRecord): KeyState | undefined {
    if (record.epoch === this.epoch) return keyStateOf(record)
    const entry = this.entries.get(record.keyId)
    return entry === undefined ? undefined : keyStateOfEntry(entry, this.init.active)
  }

  /** The active epoch's entry of a key made in an earlier epoch. */
  entryOf (keyId: string): EpochEntry | undefined {
    return this.entries.get(keyId)
  }

  /** The key's holders at `epoch` when it was reshared to it and that is the active epoch (the record names its own epoch's). */
  holdersAt (keyId: string, epoch: number): ReadonlyArray<readonly string[]> | undefined {
    return epoch === this.epoch ? this.entries.get(keyId)?.record.holders : undefined
  }

  /** Keys made in an earlier epoch that were reshared to the active one. */
  entryKeyIds (): Set<string> {
    return new Set(this.entries.keys())
  }

  /**
   * The key's holders at the active epoch that confirmed their share: receipts in the registry entry
   * for a key made in this epoch (they may still arrive, merged from each committee's leader), or in
   * the active epoch's entry for a reshared key (fixed when it was kept). Parties come from these only.
   */
  confirmedOf (entry: RegistryEntry): Set<string> {
    if (entry.record.epoch === this.epoch) return confirmedHolders(entry.record.holders, entry.receipts)
    const reshared = this.entries.get(entry.record.keyId)
    return reshared === undefined ? new Set() : confirmedHolders(reshared.record.holders, reshared.receipts)
  }

  /** Whether the key can sign at the active epoch: confirmed by tc committees, or reshared to this epoch. */
  usable (entry: RegistryEntry): boolean {
    return entry.record.epoch === this.epoch ? isUsable(entry) : this.entries.has(entry.record.keyId)
  }

  /** Keys that can sign at the active epoch: the ones the next reshare must carry. */
  usableKeyIds (): string[] {
    return this.init.registry.keyIds().filter(k => { const e = this.init.registry.get(k); return e !== undefined && this.usable(e) })
  }
}
