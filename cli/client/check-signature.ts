// The client's own check of a signature by a key, with verifiers that share
// no code with the signing engine: node:crypto (OpenSSL, RFC 8032) for
// ed25519, noble for BIP340 and for ECDSA over secp256k1 (SEC1 §4.1.4, low-s
// as EIP-2 requires, and for r‖s‖v the recovery of SEC1 §4.1.6 must give the
// key). `shardsig verify` answers with it; `sign` checks ECDSA results by it.
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import type { KeyScheme } from '../../protocols/keys/key-scheme.js'
import { DIGEST_BYTES, RECOVERABLE_SIGNATURE_BYTES, SIGNATURE_BYTES } from '../../protocols/ecdsa/ecdsa-signature.js'

/** A key as the check needs it: its scheme and group public key (hex: 32 bytes ed25519, 33 compressed secp256k1). */
export interface PublicKeyRef { scheme: KeyScheme, groupPublicKey: string }

export type SignatureVerdict = { valid: true } | { valid: false, reason: string }

/** FROST signatures (Ed25519 R‖S, BIP340 x(R)‖s) are this long. */
const FROST_SIGNATURE_BYTES = 64
/** DER SubjectPublicKeyInfo of an Ed25519 key, before its 32 raw bytes (RFC 8410). */
const SPKI_ED25519_PREFIX = hexToBytes('302a300506032b6570032100')
const HEX = /^(?:[0-9a-f]{2})*$/

/**
 * Whether `signatureHex` is the key's signature on `signed`: the message itself for a FROST key, the
 * 32-byte digest for an ECDSA one. Never throws on bad input: a verdict with the reason.
 */
export function checkSignature (key: PublicKeyRef, signed: Uint8Array, signatureHex: string): SignatureVerdict {
  const hex = signatureHex.replace(/^0x/i, '').toLowerCase()
  if (!HEX.test(hex)) return { valid: false, reason: 'the signature is not hex' }
  const signature = hexToBytes(hex)
  switch (key.scheme) {
    case 'ed25519': return checkEd25519(key.groupPublicKey, signed, signature)
    case 'secp256k1': return checkBip340(key.groupPublicKey, signed, signature)
    case 'ecdsa-secp256k1': return checkEcdsa(key.groupPublicKey, signed, signature)
  }
}

function lengthVerdict (scheme: KeyScheme, signature: Uint8Array, allowed: string): SignatureVerdict {
  return { valid: false, reason: `${scheme.startsWith('e') ? 'an' : 'a'} ${scheme} signature is ${allowed} bytes, this one is ${signature.length}` }
}

function checkEd25519 (publicKeyHex: string, message: Uint8Array, signature: Uint8Array): SignatureVerdict {
  if (signature.length !== FROST_SIGNATURE_BYTES) return lengthVerdict('ed25519', signature, String(FROST_SIGNATURE_BYTES))
  let valid: boolean
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, hexToBytes(publicKeyHex)]), format: 'der', type: 'spki' })
    valid = nodeVerify(null, message, key, signature)
  } catch (err) {
    return { valid: false, reason: `the key ${publicKeyHex} is no Ed25519 public key (${(err as Error).message})` }
  }
  return valid ? { valid: true } : { valid: false, reason: 'the Ed25519 signature does not verify (RFC 8032)' }
}

function checkBip340 (publicKeyHex: string, message: Uint8Array, signature: Uint8Array): SignatureVerdict {
  if (signature.length !== FROST_SIGNATURE_BYTES) return lengthVerdict('secp256k1', signature, String(FROST_SIGNATURE_BYTES))
  // BIP340 keys are x-only: the group key's x (its Y is even by construction, and BIP340 lifts x to even Y anyway).
  const key = hexToBytes(publicKeyHex)
  const xOnly = key.length === 33 ? key.subarray(1) : key
  let valid: boolean
  try {
    valid = schnorr.verify(signature, message, xOnly)
  } catch {
    valid = false
  }
  return valid ? { valid: true } : { valid: false, reason: 'the BIP340 signature does not verify' }
}

function checkEcdsa (publicKeyHex: string, digest: Uint8Array, signature: Uint8Array): SignatureVerdict {
  if (signature.length !== SIGNATURE_BYTES && signature.length !== RECOVERABLE_SIGNATURE_BYTES) {
    return lengthVerdict('ecdsa-secp256k1', signature, `${SIGNATURE_BYTES} (r‖s) or ${RECOVERABLE_SIGNATURE_BYTES} (r‖s‖v)`)
  }
  if (digest.length !== DIGEST_BYTES) return { valid: false, reason: `an ECDSA signature signs a ${DIGEST_BYTES}-byte digest, the message is ${digest.length} bytes` }
  let parsed: ReturnType<typeof secp256k1.Signature.fromBytes>
  let publicKey: Uint8Array
  try {
    publicKey = secp256k1.Point.fromBytes(hexToBytes(publicKeyHex)).toBytes(true)
  } catch (err) {
    return { valid: false, reason: `the key ${publicKeyHex} is no secp256k1 public key (${(err as Error).message})` }
  }
  const rs = signature.subarray(0, SIGNATURE_BYTES)
  try {
    parsed = secp256k1.Signature.fromBytes(rs, 'compact')
  } catch {
    return { valid: false, reason: 'r or s is not in [1, n-1]' }
  }
  if (parsed.hasHighS()) return { valid: false, reason: 's is above n/2: not low-s (EIP-2, BIP 62)' }
  if (!secp256k1.verify(rs, digest, publicKey, { prehash: false, lowS: true, format: 'compact' })) {
    return { valid: false, reason: 'the ECDSA signature does not verify for this key and digest' }
  }
  if (signature.length === SIGNATURE_BYTES) return { valid: true }
  const v = signature[SIGNATURE_BYTES]!
  if (v > 3) return { valid: false, reason: `v = ${v} is no recovery id (0 to 3)` }
  let recovered: string
  try {
    recovered = bytesToHex(parsed.addRecoveryBit(v).recoverPublicKey(digest).toBytes(true))
  } catch {
    return { valid: false, reason: `v = ${v} recovers no public key` }
  }
  return recovered === bytesToHex(publicKey) ? { valid: true } : { valid: false, reason: `v = ${v} recovers another key (${recovered})` }
}
