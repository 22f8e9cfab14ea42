// delete_user's checks (docs/protocols/delete_user.md), pure: a delete request
// must be the key owner's, unexpired and not too long-lived; a tombstone must
// carry a record of this network, the owner's request for that key, and only
// erasure receipts signed by the holders they name (of the epoch they name).
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_SIGN_REQUEST_LIFETIME_MS, SIGN_CLOCK_SKEW_MS } from '../constants.js'
import { verifyBody } from '../crypto/owner-auth.js'
import { verifyPeerSignature } from '../crypto/peer-signature.js'
import { checkRecord } from '../new-user/check-record.js'
import { canonicalJson } from '../wire/canonical.js'
import { DELETE_USER_KIND, ERASURE_RECEIPT_KIND, type DeleteUserRequest, type ErasureReceipt, type Tombstone } from '../wire/delete-user.js'
import type { KeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'

export type DeleteRejectionCode = 'bad-owner-signature' | 'expired' | 'lifetime-too-long' | 'wrong-key' | 'bad-receipt' | 'bad-record'

export class DeleteRejection extends Error {
  constructor (readonly code: DeleteRejectionCode, reason: string) {
    super(reason)
    this.name = 'DeleteRejection'
  }
}

/** SHA-256 of the canonical request (signature included): what erasure receipts point at. */
export function deleteDigest (request: DeleteUserRequest): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(request))))
}

/** A fresh request from the client: the owner's signature, and a deadline in the near future. */
export function checkDeleteRequest (request: DeleteUserRequest, record: KeyRecord, nowMs: number): void {
  if (request.keyId !== record.keyId) throw new DeleteRejection('wrong-key', `the request names key ${request.keyId}, not ${record.keyId}`)
  if (!verifyBody(DELETE_USER_KIND, request, record.ownerAuthKey)) {
    throw new DeleteRejection('bad-owner-signature', `delete of key ${record.keyId}: the owner signature does not verify`)
  }
  if (request.expiresAt + SIGN_CLOCK_SKEW_MS < nowMs) {
    throw new DeleteRejection('expired', `delete of key ${record.keyId}: request ${request.requestId} expired at ${new Date(request.expiresAt).toISOString()}`)
  }
  if (request.expiresAt - nowMs > MAX_SIGN_REQUEST_LIFETIME_MS + SIGN_CLOCK_SKEW_MS) {
    throw new DeleteRejection('lifetime-too-long', `delete of key ${record.keyId}: at most ${MAX_SIGN_REQUEST_LIFETIME_MS / 1000} s of lifetime allowed`)
  }
}

/**
 * The holders of a key at an epoch, as far as this node knows them: the
 * record's for its own epoch, a confirmed epoch entry's for a later one
 * (docs/protocols/lifecycle.md). Undefined: this node cannot check a receipt of that epoch.
 */
export type HoldersAt = (epoch: number) => ReadonlyArray<readonly string[]> | undefined

/** The record's own holders only: what a node that knows no reshare of the key can check. */
export function recordHolders (record: KeyRecord): HoldersAt {
  return epoch => epoch === record.epoch ? record.holders : undefined
}

/**
 * Throws DeleteRejection unless the receipt is for this key and delete and
 * signed by the holder of the slot it names at its epoch. Returns false,
 * without judging it, for a receipt of an epoch whose holders are unknown here.
 */
export function checkErasureReceipt (record: KeyRecord, digest: string, receipt: ErasureReceipt, holdersAt: HoldersAt = recordHolders(record)): boolean {
  if (receipt.keyId !== record.keyId) throw new DeleteRejection('bad-receipt', `erasure receipt from ${receipt.peerId} is for key ${receipt.keyId}, not ${record.keyId}`)
  const holders = holdersAt(receipt.epoch)
  if (holders === undefined) return false
  if (holders[receipt.committee - 1]?.[receipt.member - 1] !== receipt.peerId) {
    throw new DeleteRejection('bad-receipt', `erasure receipt from ${receipt.peerId} names committee ${receipt.committee} member ${receipt.member} of key ${receipt.keyId} at epoch ${receipt.epoch}, which it does not hold`)
  }
  if (receipt.deleteDigest !== digest) throw new DeleteRejection('bad-receipt', `erasure receipt from ${receipt.peerId} is for another delete request`)
  if (!verifyPeerSignature(ERASURE_RECEIPT_KIND, receipt, receipt.peerId)) throw new DeleteRejection('bad-receipt', `erasure receipt signature of ${receipt.peerId} does not verify`)
  return true
}

/**
 * A tombstone from a peer. Its request may have expired since: what counts is
 * that the owner signed a delete of this very key; expiry only bounds when a
 * node may *start* a delete (checkDeleteRequest). Returns the receipts this
 * node could check (the others name holders of an epoch it does not know, and
 * are left out: the delete itself stands on the owner's signature).
 */
export function checkTombstone (tombstone: Tombstone, membership: Membership, holdersAt: HoldersAt = recordHolders(tombstone.record)): Tombstone['receipts'] {
  try {
    checkRecord(tombstone.record, membership)
  } catch (err) {
    throw new DeleteRejection('bad-record', (err as Error).message)
  }
  const { record, request } = tombstone
  if (request.keyId !== record.keyId) throw new DeleteRejection('wrong-key', `tombstone for key ${record.keyId} carries a delete of key ${request.keyId}`)
  if (!verifyBody(DELETE_USER_KIND, request, record.ownerAuthKey)) throw new DeleteRejection('bad-owner-signature', `tombstone for key ${record.keyId}: the owner signature does not verify`)
  const digest = deleteDigest(request)
  return tombstone.receipts.filter(r => checkErasureReceipt(record, digest, r, holdersAt))
}

/** Union of two receipt lists, one per holder slot of an epoch, in epoch and slot order. */
export function mergeErasureReceipts (a: readonly ErasureReceipt[], b: readonly ErasureReceipt[]): ErasureReceipt[] {
  const bySlot = new Map<string, ErasureReceipt>()
  for (const r of [...a, ...b]) if (!bySlot.has(`${r.epoch}/${r.committee}/${r.member}`)) bySlot.set(`${r.epoch}/${r.committee}/${r.member}`, r)
  return [...bySlot.values()].sort((x, y) => x.epoch - y.epoch || x.committee - y.committee || x.member - y.member)
}
