// delete_user on a node (docs/protocols/delete_user.md): take an owner-signed
// delete from a client, turn it into a tombstone in the registry (which
// gossips it and brings it to nodes that were down by anti-entropy); on every
// tombstone, by whatever path it came, erase this node's share of the key and,
// as a holder, add a signed erasure receipt. The client's answer reports the
// receipts gathered within a short wait.
import { setTimeout as sleep } from 'node:timers/promises'
import { PROTOCOL_VERSION, DELETE_RECEIPTS_WAIT_MS } from '../../protocols/constants.js'
import { signAsPeer } from '../../protocols/crypto/peer-signature.js'
import { checkDeleteRequest, deleteDigest } from '../../protocols/delete-user/tombstone.js'
import { ERASURE_RECEIPT_KIND, type DeleteUserRequest, type DeleteUserResult, type ErasureReceipt, type Tombstone } from '../../protocols/wire/delete-user.js'
import type { KeyState } from '../../protocols/lifecycle/reshare.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import type { Logger } from '../log.js'
import type { ShareStore } from './new-user/share-store.js'
import type { KeyRegistry } from './registry.js'
import { holderSlot } from './lifecycle/key-state.js'

const RECEIPT_POLL_MS = 100

/** The key does not exist here (never registered, or not yet): 404. */
export class UnknownKeyError extends Error {
  constructor (readonly keyId: string) {
    super(`no key ${keyId} in this node's registry`)
    this.name = 'UnknownKeyError'
  }
}

/** The key is deleted: 410 with what the tombstone says. */
export class KeyGoneError extends Error {
  constructor (readonly result: DeleteUserResult) {
    super(`key ${result.keyId} was deleted by its owner (request ${result.requestId}); ${result.erased} of ${result.holders.length} holders confirmed erasure`)
    this.name = 'KeyGoneError'
  }
}

export interface DeletionInit {
  registry: KeyRegistry
  /** Where each key's shares are now (a key reshared since its record names other holders). */
  keyStates: { stateOf: (record: KeyRecord) => KeyState | undefined }
  shares: ShareStore
  selfPeerId: string
  /** The Ed25519 seed of this node's libp2p key, to sign erasure receipts. */
  seed: Uint8Array
  log: Logger
  now?: () => number
}

/** Who holds a key's shares now: its holders at the active epoch when it was reshared to it, else its record's. */
export interface CurrentHolders { epoch: number, holders: ReadonlyArray<readonly string[]> }

export function currentHoldersOf (record: KeyRecord, keyStates?: { stateOf: (record: KeyRecord) => KeyState | undefined }): CurrentHolders {
  const state = keyStates?.stateOf(record)
  return state === undefined ? { epoch: record.epoch, holders: record.holders } : { epoch: state.epoch, holders: state.holders }
}

/** The client's view of a tombstone: which of the key's current holders confirmed erasure. */
export function resultOf (t: Tombstone, current: CurrentHolders = currentHoldersOf(t.record)): DeleteUserResult {
  const erased = new Set(t.receipts.filter(r => r.epoch === current.epoch).map(r => `${r.committee}/${r.member}`))
  const holders = current.holders.flatMap((members, c) => members.map((peerId, m) => ({ epoch: current.epoch, committee: c + 1, member: m + 1, peerId, erased: erased.has(`${c + 1}/${m + 1}`) })))
  return { keyId: t.record.keyId, requestId: t.request.requestId, erased: holders.filter(h => h.erased).length, holders, receipts: t.receipts }
}

export class DeletionService {
  private readonly now: () => number

  constructor (private readonly init: DeletionInit) {
    this.now = init.now ?? Date.now
    init.registry.onTombstone(t => {
      this.erase(t).catch((err: Error) => { init.log.error({ keyId: t.record.keyId, err: err.message }, 'could not erase a deleted key\'s share') })
    })
  }

  /** Startup: tombstones that arrived while we could not erase (a crash between the two writes) are acted on again. */
  async catchUp (): Promise<void> {
    for (const t of this.init.registry.allTombstones()) await this.erase(t)
  }

  /**
   * POST /delete_user: throws UnknownKeyError, KeyGoneError (already deleted) or DeleteRejection.
   * `admit` gets the owner auth key once the owner's signature verified, and throws to refuse (a per-owner quota).
   */
  async request (request: DeleteUserRequest, opts: { waitMs?: number, admit?: (ownerAuthKey: string) => void } = {}): Promise<DeleteUserResult> {
    const { registry } = this.init
    const waitMs = opts.waitMs ?? DELETE_RECEIPTS_WAIT_MS
    const gone = registry.tombstone(request.keyId)
    if (gone !== undefined) throw new KeyGoneError(this.resultOf(gone))
    const entry = registry.get(request.keyId)
    if (entry === undefined) throw new UnknownKeyError(request.keyId)
    checkDeleteRequest(request, entry.record, this.now())
    opts.admit?.(entry.record.ownerAuthKey)
    const current = currentHoldersOf(entry.record, this.init.keyStates)
    await registry.addTombstone({ record: entry.record, request, receipts: [] }, { gossip: true })
    // Erasure receipts arrive by gossip as the holders act; wait a little for all of them.
    const deadline = this.now() + waitMs
    for (;;) {
      const result = resultOf(registry.tombstone(request.keyId)!, current)
      if (result.erased === result.holders.length || this.now() >= deadline) return result
      await sleep(RECEIPT_POLL_MS)
    }
  }

  /** The client's view of a tombstone, against the key's holders now. */
  resultOf (t: Tombstone): DeleteUserResult {
    return resultOf(t, currentHoldersOf(t.record, this.init.keyStates))
  }

  private async erase (t: Tombstone): Promise<void> {
    const keyId = t.record.keyId
    const erased = await this.init.shares.erase(keyId)
    if (erased > 0) this.init.log.info({ keyId, requestId: t.request.requestId, shares: erased }, 'share of a deleted key erased')
    // As a holder of the key now (at the active epoch, or its record's when it was never reshared).
    const current = currentHoldersOf(t.record, this.init.keyStates)
    const slot = holderSlot(current.holders, this.init.selfPeerId)
    if (slot === undefined || t.receipts.some(r => r.peerId === this.init.selfPeerId && r.epoch === current.epoch)) return
    const receipt = signAsPeer<Omit<ErasureReceipt, 'signature'>>(ERASURE_RECEIPT_KIND, {
      v: PROTOCOL_VERSION, keyId, epoch: current.epoch, committee: slot.committee, member: slot.member, peerId: this.init.selfPeerId, deleteDigest: deleteDigest(t.request)
    }, this.init.seed)
    await this.init.registry.addTombstone({ ...t, receipts: [receipt] }, { gossip: true })
  }
}
