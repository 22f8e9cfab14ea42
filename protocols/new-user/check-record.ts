// Checks of a key record against the network it claims to belong to: the
// owner's signature and key id, network, genesis digest, epoch, parameters,
// holders, commitments and (ecdsa-secp256k1) the Ethereum address. Run by committee leaders, members and every node's
// registry alike; a failure is a NewUserRejection naming the key.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { verifyBody } from '../crypto/owner-auth.js'
import { pointFromHex, SharingError, verifyNestedPublic, type NestedPublic, type Point } from '../sharing/index.js'
import { canonicalJson } from '../wire/canonical.js'
import { deriveKeyId, KEY_RECORD_KIND, type KeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { sharingCurveOf } from '../keys/key-scheme.js'
import { addressMismatch } from '../keys/record-address.js'

export type RejectionCode =
  | 'wrong-network' | 'wrong-genesis' | 'wrong-epoch' | 'wrong-params' | 'bad-key-id' | 'bad-owner-signature'
  | 'wrong-holders' | 'wrong-committee' | 'wrong-shares' | 'bad-commitments' | 'bad-share' | 'bad-receipt'
  | 'not-my-committee' | 'conflict' | 'equivocation' | 'game-incomplete' | 'unconfirmed' | 'internal'
  | 'bad-address'
  // DKG mode (docs/protocols/new_user.md#dkg)
  | 'expired' | 'lifetime-too-long' | 'bad-dealers' | 'bad-dealer' | 'bad-dealer-share' | 'replayed' | 'unknown-session'

export class NewUserRejection extends Error {
  constructor (readonly code: RejectionCode, reason: string) {
    super(reason)
    this.name = new.target.name
  }
}

/** A DKG dealer published something that fails a check, or sealed a sub-share that does not match: `dealer` is blamed. */
export class DealerFault extends NewUserRejection {
  constructor (readonly dealer: string, code: 'bad-dealer' | 'bad-dealer-share', reason: string) {
    super(code, reason)
  }
}

/** SHA-256 of the canonical record (signature included): what members compare in the game. */
export function recordDigest (record: KeyRecord): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(record))))
}

/** Owner signature and key id only: what can be checked without knowing the network. */
export function checkRecordSignature (record: KeyRecord): void {
  if (deriveKeyId(record.scheme, record.groupPublicKey) !== record.keyId) {
    throw new NewUserRejection('bad-key-id', `key ${record.keyId}: key id does not match scheme and group public key`)
  }
  if (!verifyBody(KEY_RECORD_KIND, record, record.ownerAuthKey)) {
    throw new NewUserRejection('bad-owner-signature', `key ${record.keyId}: owner signature on the key record does not verify`)
  }
}

/** Everything about a record that this network can check; returns its decoded commitments. */
export function checkRecord (record: KeyRecord, membership: Membership): NestedPublic {
  const fail = (code: RejectionCode, reason: string): never => { throw new NewUserRejection(code, `key ${record.keyId}: ${reason}`) }
  if (record.network !== membership.network) fail('wrong-network', `record is for network ${record.network}, this is ${membership.network}`)
  if (record.genesisDigest !== membership.genesisDigest) {
    fail('wrong-genesis', `record was dealt against genesis ${record.genesisDigest.slice(0, 16)}…, this network's is ${membership.genesisDigest.slice(0, 16)}…: the client was given a different membership (e.g. swapped encryption keys)`)
  }
  if (record.epoch !== membership.epoch) fail('wrong-epoch', `record is for epoch ${record.epoch}, this network is at epoch ${membership.epoch}`)
  const p = membership.params
  if (record.params.committees !== p.committees || record.params.tc !== p.tc || record.params.tm !== p.tm) {
    fail('wrong-params', `record params ${JSON.stringify(record.params)} differ from the network's ${JSON.stringify(p)}`)
  }
  checkRecordSignature(record)
  const holdersExpected = membership.committees.map(c => c.map(m => m.peerId))
  if (JSON.stringify(record.holders) !== JSON.stringify(holdersExpected)) fail('wrong-holders', 'record holders differ from the network membership')
  let nested: NestedPublic
  try {
    const curveName = sharingCurveOf(record.scheme)
    const dec = (hex: string): Point => pointFromHex(curveName, hex)
    nested = {
      scheme: curveName,
      groupPublicKey: dec(record.groupPublicKey),
      outer: { commitments: record.commitments.outer.map(dec) },
      committees: record.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) }))
    }
    verifyNestedPublic({ scheme: curveName, committees: p.committees, tc: p.tc, tm: p.tm, members: membership.committees.map(c => c.length) }, nested)
  } catch (err) {
    if (err instanceof SharingError) fail('bad-commitments', err.message)
    throw err
  }
  // After the commitments: the group key is a point of the curve by now.
  const wrongAddress = addressMismatch(record)
  if (wrongAddress !== undefined) fail('bad-address', wrongAddress)
  return nested
}
