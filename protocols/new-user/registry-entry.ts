// A registry entry = an owner-signed key record + the members' signed
// receipts. Checked here in full before any node stores or relays it, so a
// node cannot forge a record or a holder.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { verifyBody } from '../crypto/owner-auth.js'
import { verifyPeerSignature } from '../crypto/peer-signature.js'
import { canonicalJson } from '../wire/canonical.js'
import { deriveKeyId, KEY_RECORD_KIND, KeyRecordSchema, type KeyRecord } from '../wire/key-record.js'
import { RECEIPT_KIND, ReceiptSchema, type Receipt } from '../wire/new-user.js'

export const RegistryEntrySchema = z.strictObject({
  record: KeyRecordSchema,
  receipts: z.array(ReceiptSchema).max(64 * 64)
})
export type RegistryEntry = z.infer<typeof RegistryEntrySchema>

/** SHA-256 of the canonical record (signature included): what members compare in the game. */
export function recordDigest (record: KeyRecord): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(record))))
}

export class InvalidRecordError extends Error {
  constructor (readonly keyId: string, readonly code: string, reason: string) {
    super(`key ${keyId}: ${reason}`)
    this.name = 'InvalidRecordError'
  }
}

/** Owner signature and key id of a record; throws InvalidRecordError naming the key. */
export function checkRecordSignature (record: KeyRecord): void {
  if (deriveKeyId(record.scheme, record.groupPublicKey) !== record.keyId) {
    throw new InvalidRecordError(record.keyId, 'bad-key-id', 'key id does not match scheme and group public key')
  }
  if (!verifyBody(KEY_RECORD_KIND, record, record.ownerAuthKey)) {
    throw new InvalidRecordError(record.keyId, 'bad-owner-signature', 'owner signature on the key record does not verify')
  }
}

/** A receipt is valid for a record if its signer holds the slot it names and it covers this record. */
export function checkReceipt (record: KeyRecord, digest: string, receipt: Receipt): void {
  const holder = record.holders[receipt.committee - 1]?.[receipt.member - 1]
  if (receipt.keyId !== record.keyId || holder !== receipt.peerId) {
    throw new InvalidRecordError(record.keyId, 'bad-receipt', `receipt from ${receipt.peerId} names committee ${receipt.committee} member ${receipt.member}, which it does not hold`)
  }
  if (receipt.recordDigest !== digest) {
    throw new InvalidRecordError(record.keyId, 'bad-receipt', `receipt from ${receipt.peerId} covers a different record`)
  }
  if (!verifyPeerSignature(RECEIPT_KIND, receipt, receipt.peerId)) {
    throw new InvalidRecordError(record.keyId, 'bad-receipt', `receipt signature of ${receipt.peerId} does not verify`)
  }
}

export function checkRegistryEntry (entry: RegistryEntry, network: string): void {
  if (entry.record.network !== network) {
    throw new InvalidRecordError(entry.record.keyId, 'wrong-network', `record is for network ${entry.record.network}, not ${network}`)
  }
  checkRecordSignature(entry.record)
  const digest = recordDigest(entry.record)
  for (const r of entry.receipts) checkReceipt(entry.record, digest, r)
}

/** Union of two receipt lists, one per (committee, member), in slot order. */
export function mergeReceipts (a: readonly Receipt[], b: readonly Receipt[]): Receipt[] {
  const bySlot = new Map<string, Receipt>()
  for (const r of [...a, ...b]) {
    const slot = `${r.committee}/${r.member}`
    if (!bySlot.has(slot)) bySlot.set(slot, r)
  }
  return [...bySlot.values()].sort((x, y) => x.committee - y.committee || x.member - y.member)
}
