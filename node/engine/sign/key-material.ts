// The public material of a registered key that signing needs — the owner's
// record, the key's state at the active epoch (holders, commitments, the
// share's epoch and digest), its decoded commitments, its sharing parameters
// and which holders confirmed their share — checked once and cached.
import { checkRecord } from '../../../protocols/new-user/check-record.js'
import type { KeyState } from '../../../protocols/lifecycle/reshare.js'
import { partyOfSlots, pointFromHex, type NestedPublic, type SharingParams } from '../../../protocols/sharing/index.js'
import { SignRejection } from '../../../protocols/sign/check-request.js'
import type { KeyRecord } from '../../../protocols/wire/key-record.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { KeyStates } from '../lifecycle/key-state.js'
import type { KeyRegistry } from '../registry.js'
import { sharingCurveOf } from '../../../protocols/keys/key-scheme.js'

export interface KeyMaterial {
  /** The owner's record: owner key, policy, scheme, group key. */
  record: KeyRecord
  /** Who holds the key at the active epoch and with which commitments (the record's own, or its last reshare's). */
  state: KeyState
  nested: NestedPublic
  params: SharingParams
  /** The holders at that epoch that confirmed their share (KeyStates.confirmedOf): parties are chosen from these only. */
  confirmed: ReadonlySet<string>
}

export class KeyMaterials {
  /** With the count of the registry entry's receipts it was made from: more receipts (merged later) refresh `confirmed`. */
  private readonly cache = new Map<string, { material: KeyMaterial, receipts: number }>()

  constructor (
    private readonly registry: KeyRegistry,
    private readonly memberships: { membershipAt: (epoch: number) => Membership | undefined },
    private readonly states: KeyStates
  ) {}

  /** The epoch this node is switching to (activation begun, restart not yet done), if any. */
  get leavingFor (): number | undefined {
    return this.states.leavingFor
  }

  /** The key's material, or a SignRejection: unknown, deleted, not yet confirmed by tc committees, or not reshared to the active epoch. */
  get (keyId: string): KeyMaterial {
    if (this.registry.tombstone(keyId) !== undefined) {
      this.cache.delete(keyId)
      throw new SignRejection('deleted', `key ${keyId} was deleted by its owner`)
    }
    const entry = this.registry.get(keyId)
    if (entry === undefined) throw new SignRejection('unknown-key', `no key ${keyId} in this node's registry`)
    const cached = this.cache.get(keyId)
    if (cached !== undefined && cached.receipts === entry.receipts.length) return cached.material
    if (cached !== undefined) {
      const material = { ...cached.material, confirmed: this.states.confirmedOf(entry) }
      this.cache.set(keyId, { material, receipts: entry.receipts.length })
      return material
    }
    if (!this.states.usable(entry)) {
      throw new SignRejection('unknown-key', entry.record.epoch === this.states.epoch
        ? `key ${keyId} is not confirmed by ${entry.record.params.tc} committees yet`
        : `key ${keyId} was made in epoch ${entry.record.epoch} and is not reshared to epoch ${this.states.epoch}`)
    }
    const { record } = entry
    const state = this.states.stateOf(record)!
    const material = { record, state, nested: this.nestedOf(record, state), params: paramsOf(state), confirmed: this.states.confirmedOf(entry) }
    this.cache.set(keyId, { material, receipts: entry.receipts.length })
    return material
  }

  private nestedOf (record: KeyRecord, state: KeyState): NestedPublic {
    if (state.epoch === record.epoch) {
      const membership = this.memberships.membershipAt(record.epoch)
      if (membership === undefined) throw new SignRejection('unknown-key', `key ${record.keyId}: epoch ${record.epoch} is unknown here`)
      return checkRecord(record, membership)
    }
    // An epoch entry's commitments were checked (checkEpochEntry) before the entry was kept.
    const dec = (hex: string): ReturnType<typeof pointFromHex> => pointFromHex(sharingCurveOf(state.scheme), hex)
    return {
      scheme: sharingCurveOf(state.scheme),
      groupPublicKey: dec(state.groupPublicKey),
      outer: { commitments: state.commitments.outer.map(dec) },
      committees: state.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) }))
    }
  }
}

function paramsOf (state: KeyState): SharingParams {
  return { scheme: sharingCurveOf(state.scheme), committees: state.params.committees, tc: state.params.tc, tm: state.params.tm, members: state.holders.map(h => h.length) }
}

/** The party as the sharing module wants it: committee → member positions. */
export const partyMap = partyOfSlots
