// Verifies a final signature with the scheme's ordinary single-key verifier, independent of the
// FROST backend: RFC 8032 Ed25519 (strict decoding, not ZIP-215) or BIP340 Schnorr.
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr } from '@noble/curves/secp256k1.js'
import { encodePoint, xOnlyPublicKey, type Point, type Scheme } from '../sharing/index.js'

export const SIGNATURE_BYTES = 64

/**
 * Whether `signature` (64 bytes: R ‖ z for ed25519, BIP340 r ‖ s for secp256k1) signs `message`
 * under the group key. Throws `InvalidGroupKeyError` for a secp256k1 key with odd Y.
 */
export function verifySignature (scheme: Scheme, groupPublicKey: Point, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false
  switch (scheme) {
    case 'ed25519': {
      const key = encodePoint(scheme, groupPublicKey)
      return falseOnThrow(() => ed25519.verify(signature, message, key, { zip215: false }))
    }
    case 'secp256k1': {
      const key = xOnlyPublicKey(groupPublicKey)
      return falseOnThrow(() => schnorr.verify(signature, message, key))
    }
    default:
      throw new RangeError(`unknown scheme ${String(scheme)}`)
  }
}

// noble throws for some malformed signatures (e.g. an R that is not a point) instead of returning false.
function falseOnThrow (check: () => boolean): boolean {
  try {
    return check()
  } catch {
    return false
  }
}
