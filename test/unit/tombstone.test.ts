// delete_user's pure checks (protocols/delete-user/tombstone.ts): only the
// key's owner deletes it, only while the request is fresh; a tombstone carries
// only receipts its holders signed for this very delete.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../../protocols/constants.js'
import { signAsPeer } from '../../protocols/crypto/peer-signature.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { checkDeleteRequest, checkErasureReceipt, deleteDigest, mergeErasureReceipts } from '../../protocols/delete-user/tombstone.js'
import { DELETE_USER_KIND, ERASURE_RECEIPT_KIND, type DeleteUserRequest, type ErasureReceipt } from '../../protocols/wire/delete-user.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

const T0 = 1_800_000_000_000
const owner = ed25519.utils.randomSecretKey()
const stranger = ed25519.utils.randomSecretKey()

async function holder (): Promise<{ peerId: string, seed: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  return { peerId: peerIdFromPrivateKey(key).toString(), seed: key.raw.subarray(0, 32) }
}

const request = (by: Uint8Array, over: Partial<DeleteUserRequest> = {}): DeleteUserRequest =>
  signBody(DELETE_USER_KIND, { v: PROTOCOL_VERSION, keyId: 'ab'.repeat(16), requestId: 'delete-0001', expiresAt: T0 + 30_000, ...over }, by) as DeleteUserRequest

describe('checkDeleteRequest', () => {
  const record = { keyId: 'ab'.repeat(16), ownerAuthKey: bytesToHex(ed25519.getPublicKey(owner)) } as KeyRecord
  it('accepts the owner\'s fresh request', () => { expect(() => { checkDeleteRequest(request(owner), record, T0) }).not.toThrow() })
  it('refuses a request signed by anyone else', () => { expect(() => { checkDeleteRequest(request(stranger), record, T0) }).toThrow(/owner signature/) })
  it('refuses a replay after expiry, and a request that would live too long', () => {
    expect(() => { checkDeleteRequest(request(owner), record, T0 + 60_000) }).toThrow(/expired/)
    expect(() => { checkDeleteRequest(request(owner, { expiresAt: T0 + 3_600_000 }), record, T0) }).toThrow(/lifetime/)
  })
  it('refuses a request for another key', () => { expect(() => { checkDeleteRequest(request(owner, { keyId: 'cd'.repeat(16) }), record, T0) }).toThrow(/names key/) })
})

describe('erasure receipts', () => {
  it('count only when signed by the holder of the slot they name, for this delete', async () => {
    const [a, b] = [await holder(), await holder()]
    const record = { keyId: 'ab'.repeat(16), epoch: 0, holders: [[a.peerId, b.peerId]] } as unknown as KeyRecord
    const digest = deleteDigest(request(owner))
    const receipt = (h: { peerId: string, seed: Uint8Array }, member: number, over: Partial<ErasureReceipt> = {}): ErasureReceipt =>
      signAsPeer(ERASURE_RECEIPT_KIND, { v: PROTOCOL_VERSION, keyId: record.keyId, epoch: 0, committee: 1, member, peerId: h.peerId, deleteDigest: digest, ...over }, h.seed) as ErasureReceipt
    expect(checkErasureReceipt(record, digest, receipt(a, 1))).toBe(true)
    expect(() => { checkErasureReceipt(record, digest, receipt(a, 2)) }).toThrow(/does not hold/)
    expect(() => { checkErasureReceipt(record, digest, receipt(a, 1, { deleteDigest: 'ee'.repeat(32) })) }).toThrow(/another delete/)
    expect(() => { checkErasureReceipt(record, digest, { ...receipt(b, 2), peerId: a.peerId, member: 1 }) }).toThrow(/does not verify/)
    expect(mergeErasureReceipts([receipt(b, 2)], [receipt(a, 1), receipt(b, 2)]).map(r => r.member)).toEqual([1, 2])
  })

  it('of a key reshared since its record: checked against the holders of the epoch they name, left out when those are unknown', async () => {
    const [a, b, c] = [await holder(), await holder(), await holder()]
    const record = { keyId: 'ab'.repeat(16), epoch: 0, holders: [[a.peerId, b.peerId]] } as unknown as KeyRecord
    const digest = deleteDigest(request(owner))
    const receipt = (h: { peerId: string, seed: Uint8Array }, epoch: number, member: number): ErasureReceipt =>
      signAsPeer(ERASURE_RECEIPT_KIND, { v: PROTOCOL_VERSION, keyId: record.keyId, epoch, committee: 1, member, peerId: h.peerId, deleteDigest: digest }, h.seed) as ErasureReceipt
    // At epoch 1, c holds slot 1/1 and b slot 1/2.
    const holdersAt = (epoch: number): string[][] | undefined => epoch === 0 ? record.holders : epoch === 1 ? [[c.peerId, b.peerId]] : undefined
    expect(checkErasureReceipt(record, digest, receipt(c, 1, 1), holdersAt)).toBe(true)
    expect(checkErasureReceipt(record, digest, receipt(a, 0, 1), holdersAt)).toBe(true)
    // a held 1/1 at epoch 0, not at epoch 1; c held nothing at epoch 0.
    expect(() => checkErasureReceipt(record, digest, receipt(a, 1, 1), holdersAt)).toThrow(/at epoch 1, which it does not hold/)
    expect(() => checkErasureReceipt(record, digest, receipt(c, 0, 1), holdersAt)).toThrow(/does not hold/)
    // Without the epoch's holders (the record's only): not judged, left out.
    expect(checkErasureReceipt(record, digest, receipt(c, 1, 1))).toBe(false)
    expect(checkErasureReceipt(record, digest, receipt(c, 2, 1), holdersAt)).toBe(false)
    // Slots of different epochs do not replace each other.
    expect(mergeErasureReceipts([receipt(a, 0, 1)], [receipt(c, 1, 1), receipt(b, 1, 2)]).map(r => `${r.epoch}/${r.member}`)).toEqual(['0/1', '1/1', '1/2'])
  })
})
