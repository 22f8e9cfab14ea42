// A registry entry = an owner-signed key record + the members' signed
// receipts. Checked here in full before any node stores or relays it, so a
// node cannot forge a record, a holder, or a key nobody holds.
import { z } from 'zod'
import { verifyPeerSignature } from '../crypto/peer-signature.js'
import { KeyRecordSchema, type KeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { RECEIPT_KIND, ReceiptSchema, type Receipt } from '../wire/new-user.js'
import { checkRecord, NewUserRejection, recordDigest } from './check-record.js'

export { recordDigest } from './check-record.js'

export const RegistryEntrySchema = z.strictObject({
  record: KeyRecordSchema,
  receipts: z.array(ReceiptSchema).max(64 * 64)
})
export type RegistryEntry = z.infer<typeof RegistryEntrySchema>

/** GET /keys/:keyId: the entry plus what its receipts add up to. */
export const KeyInfoSchema = z.strictObject({
  ...RegistryEntrySchema.shape,
  confirmedCommittees: z.array(z.int()),
  /** The key can sign at the node's active epoch: tc committees confirmed it, or it was reshared to that epoch. */
  usable: z.boolean(),
  /** Who holds the key's shares now: the record's holders, or those of the epoch it was last reshared to. */
  current: z.strictObject({ epoch: z.int(), holders: z.array(z.array(z.string())) })
})
export type KeyInfo = z.infer<typeof KeyInfoSchema>

/** A receipt is valid for a record if its signer holds the slot it names and it covers this record. */
export function checkReceipt (record: KeyRecord, digest: string, receipt: Receipt): void {
  const holder = record.holders[receipt.committee - 1]?.[receipt.member - 1]
  const fail = (reason: string): never => { throw new NewUserRejection('bad-receipt', `key ${record.keyId}: ${reason}`) }
  if (receipt.keyId !== record.keyId || holder !== receipt.peerId) {
    fail(`receipt from ${receipt.peerId} names committee ${receipt.committee} member ${receipt.member}, which it does not hold`)
  }
  if (receipt.recordDigest !== digest) fail(`receipt from ${receipt.peerId} covers a different record`)
  if (!verifyPeerSignature(RECEIPT_KIND, receipt, receipt.peerId)) fail(`receipt signature of ${receipt.peerId} does not verify`)
}

/** Committees whose members signed at least tm distinct receipts. */
export function confirmedCommittees (record: KeyRecord, receipts: readonly Receipt[]): number[] {
  const members = new Map<number, Set<number>>()
  for (const r of receipts) members.set(r.committee, (members.get(r.committee) ?? new Set()).add(r.member))
  return [...members].filter(([, m]) => m.size >= record.params.tm).map(([c]) => c).sort((a, b) => a - b)
}

/**
 * The whole entry against this network: the record (checkRecord), every
 * receipt, and receipts of tm members from at least one committee. Each
 * committee's leader only collects its own committee's receipts, so entries
 * arrive per committee and merge; one confirmed committee is proof that real
 * members verified real sub-shares of this record, which nobody can fake
 * without the key. The key is usable once `isUsable` (tc committees).
 */
export function checkRegistryEntry (entry: RegistryEntry, membership: Membership): void {
  checkRecord(entry.record, membership)
  const digest = recordDigest(entry.record)
  for (const r of entry.receipts) checkReceipt(entry.record, digest, r)
  if (confirmedCommittees(entry.record, entry.receipts).length === 0) {
    throw new NewUserRejection('unconfirmed', `key ${entry.record.keyId}: no committee confirmed the record with ${entry.record.params.tm} receipts`)
  }
}

/** Enough committees confirmed the key for a party to sign with it. */
export function isUsable (entry: RegistryEntry): boolean {
  return confirmedCommittees(entry.record, entry.receipts).length >= entry.record.params.tc
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
