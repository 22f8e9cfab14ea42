// What every signer checks about a sign request on its own (DESIGN 5, sign
// step 4), before it contributes anything: the owner's signature, expiry and
// lifetime, the message the key's scheme signs (a 32-byte digest for ECDSA),
// the key's policy, and that this build signs the key's scheme at all. Pure:
// time is passed in.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { canonicalJson } from '../wire/canonical.js'
import { MAX_SIGN_REQUEST_LIFETIME_MS, SIGN_CLOCK_SKEW_MS } from '../constants.js'
import { verifyBody } from '../crypto/owner-auth.js'
import { validateParty, InvalidPartyError } from '../sharing/index.js'
import type { KeyRecord } from '../wire/key-record.js'
import { SIGN_REQUEST_KIND, type PartyMember, type SignRequest } from '../wire/sign.js'
import { digestBytesOf, sharingCurveOf, signingProtocolOf, type SigningProtocol } from '../keys/key-scheme.js'

export type SignRejectionCode =
  | 'unknown-key' | 'bad-owner-signature' | 'expired' | 'lifetime-too-long' | 'message-too-large'
  | 'prefix-mismatch' | 'rate-limited' | 'no-share' | 'invalid-party' | 'completed-before'
  | 'claimed-by-other-coordinator' | 'leased-by-other-coordinator' | 'conflict' | 'deleted' | 'internal'
  | 'no-contribution' | 'session-abandoned' | 'wrong-epoch' | 'presign-unknown'
  // The key's scheme (protocols/keys/key-scheme.ts): an ECDSA message that is not a digest; a scheme this build does not sign.
  | 'message-not-digest' | 'scheme-not-signable'

/**
 * The threshold protocols this build signs with. DKLs23 (ecdsa-secp256k1 keys, DESIGN 11) joins
 * when the signing engine drives it; until then its keys are refused (scheme-not-signable).
 */
export const SIGNING_PROTOCOLS_BUILT: readonly SigningProtocol[] = ['frost', 'dkls23']

export class SignRejection extends Error {
  constructor (readonly code: SignRejectionCode, reason: string) {
    super(reason)
    this.name = 'SignRejection'
  }
}

export function checkSignRequest (request: SignRequest, record: KeyRecord, nowMs: number): void {
  const fail = (code: SignRejectionCode, reason: string): never => { throw new SignRejection(code, `request ${request.requestId}: ${reason}`) }
  if (request.keyId !== record.keyId) fail('unknown-key', `names key ${request.keyId}, checked against ${record.keyId}`)
  if (!verifyBody(SIGN_REQUEST_KIND, request, record.ownerAuthKey)) fail('bad-owner-signature', 'the owner signature does not verify')
  if (request.expiresAt + SIGN_CLOCK_SKEW_MS < nowMs) fail('expired', `expired at ${new Date(request.expiresAt).toISOString()}`)
  if (request.expiresAt - nowMs > MAX_SIGN_REQUEST_LIFETIME_MS + SIGN_CLOCK_SKEW_MS) {
    fail('lifetime-too-long', `expires ${Math.round((request.expiresAt - nowMs) / 1000)} s from now; at most ${MAX_SIGN_REQUEST_LIFETIME_MS / 1000} s allowed`)
  }
  const message = hexToBytes(request.message)
  // Before the signable check, so that the rule holds unchanged once DKLs23 signs these keys.
  const digestBytes = digestBytesOf(record.scheme)
  if (digestBytes !== undefined && message.length !== digestBytes) {
    fail('message-not-digest', `a ${record.scheme} key signs a ${digestBytes}-byte digest the client computed (keccak-256 for Ethereum, SHA-256 otherwise); the message is ${message.length} bytes`)
  }
  if (message.length > record.policy.maxMessageBytes) fail('message-too-large', `message is ${message.length} bytes; the key's policy allows ${record.policy.maxMessageBytes}`)
  const prefix = record.policy.messagePrefix
  if (prefix !== undefined && !request.message.startsWith(prefix)) fail('prefix-mismatch', `message does not start with the prefix ${prefix} the key's policy requires`)
  checkSignable(record)
}

/** Throws SignRejection `scheme-not-signable` unless this build runs the protocol that signs the key's scheme. */
export function checkSignable (record: Pick<KeyRecord, 'keyId' | 'scheme'>): void {
  const protocol = signingProtocolOf(record.scheme)
  if (!SIGNING_PROTOCOLS_BUILT.includes(protocol)) {
    throw new SignRejection('scheme-not-signable', `key ${record.keyId} is a ${record.scheme} key, signed with ${protocol}, which this node does not run yet: nothing was signed`)
  }
}

/** The party must be exactly tc committees × tm members of this key, each at its own slot. */
export function checkParty (party: readonly PartyMember[], record: Pick<KeyRecord, 'scheme' | 'holders' | 'params'>): void {
  for (const p of party) {
    if (record.holders[p.committee - 1]?.[p.member - 1] !== p.peerId) {
      throw new SignRejection('invalid-party', `party names ${p.peerId} as committee ${p.committee} member ${p.member}, which it does not hold`)
    }
  }
  const byCommittee = new Map<number, number[]>()
  for (const p of party) byCommittee.set(p.committee, [...(byCommittee.get(p.committee) ?? []), p.member])
  try {
    validateParty({ scheme: sharingCurveOf(record.scheme), committees: record.params.committees, tc: record.params.tc, tm: record.params.tm, members: record.holders.map(h => h.length) }, byCommittee)
  } catch (err) {
    if (err instanceof InvalidPartyError) throw new SignRejection('invalid-party', err.message)
    throw err
  }
}

/**
 * What makes two requests "the same request": key, message and request id. A
 * client retrying (or failing over) re-signs with a later expiry, which is the
 * same request; another message under the same id is a conflict.
 */
export function requestIdentity (request: SignRequest): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson({ keyId: request.keyId, message: request.message, requestId: request.requestId }))))
}
