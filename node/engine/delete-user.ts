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
import type { Logger } from '../log.js'
import type { ShareStore } from './new-user/share-store.js'
import type { KeyRegistry } from './registry.js'

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
  shares: ShareStore
  selfPeerId: string
  /** The Ed25519 seed of this node's libp2p key, to sign erasure receipts. */
  seed: Uint8Array
  log: Logger
  now?: () => number
}

export function resultOf (t: Tombstone): DeleteUserResult {
  const erased = new Set(t.receipts.map(r => `${r.committee}/${r.member}`))
  const holders = t.record.holders.flatMap((members, c) => members.map((peerId, m) => ({ committee: c + 1, member: m + 1, peerId, erased: erased.has(`${c + 1}/${m + 1}`) })))
  return { keyId: t.record.keyId, requestId: t.request.requestId, erased: erased.size, holders, receipts: t.receipts }
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

  /** POST /delete_user: throws UnknownKeyError, KeyGoneError (already deleted) or DeleteRejection. */
  async request (request: DeleteUserRequest, waitMs: number = DELETE_RECEIPTS_WAIT_MS): Promise<DeleteUserResult> {
    const { registry } = this.init
    const gone = registry.tombstone(request.keyId)
    if (gone !== undefined) throw new KeyGoneError(resultOf(gone))
    const entry = registry.get(request.keyId)
    if (entry === undefined) throw new UnknownKeyError(request.keyId)
    checkDeleteRequest(request, entry.record, this.now())
    await registry.addTombstone({ record: entry.record, request, receipts: [] }, { gossip: true })
    // Erasure receipts arrive by gossip as the holders act; wait a little for all of them.
    const deadline = this.now() + waitMs
    for (;;) {
      const t = registry.tombstone(request.keyId)!
      if (t.receipts.length === entry.record.holders.flat().length || this.now() >= deadline) return resultOf(t)
      await sleep(RECEIPT_POLL_MS)
    }
  }

  private async erase (t: Tombstone): Promise<void> {
    const keyId = t.record.keyId
    const erased = await this.init.shares.erase(keyId)
    if (erased > 0) this.init.log.info({ keyId, requestId: t.request.requestId, shares: erased }, 'share of a deleted key erased')
    const slot = this.slotOf(t)
    if (slot === undefined || t.receipts.some(r => r.peerId === this.init.selfPeerId)) return
    const receipt = signAsPeer<Omit<ErasureReceipt, 'signature'>>(ERASURE_RECEIPT_KIND, {
      v: PROTOCOL_VERSION, keyId, committee: slot.committee, member: slot.member, peerId: this.init.selfPeerId, deleteDigest: deleteDigest(t.request)
    }, this.init.seed)
    await this.init.registry.addTombstone({ ...t, receipts: [receipt] }, { gossip: true })
  }

  private slotOf (t: Tombstone): { committee: number, member: number } | undefined {
    for (const [c, members] of t.record.holders.entries()) {
      const m = members.indexOf(this.init.selfPeerId)
      if (m >= 0) return { committee: c + 1, member: m + 1 }
    }
    return undefined
  }
}
