// Verifies a final signature with the scheme's ordinary single-key verifier, independent of the
// FROST rounds: RFC 8032 Ed25519 through node:crypto (OpenSSL), BIP340 Schnorr through the group
// backend (libsecp256k1 when it loads) following BIP340's verification algorithm step by step.
import { bigintFromBE } from './bytes.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { InvalidGroupKeyError, type Point, type CurveName } from '../sharing/index.js'
import type { FrostContext } from './context.js'
import { encodeOnce } from './elements.js'
import { suiteFor } from './suite.js'

export const SIGNATURE_BYTES = 64

/**
 * Whether `signature` (64 bytes: R ‖ z for ed25519, BIP340 r ‖ s for secp256k1) signs `message`
 * under the group key. Throws `InvalidGroupKeyError` for a secp256k1 key with odd Y.
 */
export function verifySignature (ctx: FrostContext, scheme: CurveName, groupPublicKey: Point, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyEncoded(ctx, scheme, encodeOnce(ctx, scheme, groupPublicKey), message, signature)
}

/** `verifySignature` for an encoded group key (32 bytes ed25519; 33 bytes, prefix 02, secp256k1). */
export function verifyEncoded (ctx: FrostContext, scheme: CurveName, groupKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (scheme === 'secp256k1' && groupKey[0] !== 0x02) throw new InvalidGroupKeyError('secp256k1 group key has odd Y; BIP340 needs even Y')
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false
  switch (scheme) {
    // OpenSSL checks S < ℓ and the cofactorless equation [S]B = R + [k]A, comparing R by its bytes,
    // so non-canonical R and small-order components in R fail; A is a checked group key.
    case 'ed25519': return ctx.ed25519.verifyStrict(signature, message, bytesToHex(groupKey))
    case 'secp256k1': return verifyBip340(ctx, groupKey, message, signature)
    default: throw new RangeError(`unknown scheme ${String(scheme)}`)
  }
}

/** BIP340 Verify: P = lift_x(x), e = H_challenge(r ‖ x ‖ m), R = s·G − e·P, even Y and x(R) = r. */
function verifyBip340 (ctx: FrostContext, groupKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const group = ctx.group('secp256k1')
  const suite = suiteFor('secp256k1')
  const n = suite.order
  const r = signature.subarray(0, 32)
  const s = bigintFromBE(signature.subarray(32))
  if (s >= n) return false
  try {
    const id = bytesToHex(groupKey)
    const P = ctx.secp256k1Keys.get(id) ?? ctx.secp256k1Keys.set(id, group.decode(groupKey))
    const rPoint = new Uint8Array(33)
    rPoint[0] = 0x02
    rPoint.set(r, 1)
    const e = suite.challenge(rPoint, groupKey, message)
    const R = e === 0n ? group.mulBase(signature.subarray(32)) : group.addBase(group.mul(P, n - e), s)
    const encoded = group.encode(R)
    return encoded[0] === 0x02 && Buffer.compare(encoded.subarray(1), r) === 0
  } catch {
    // R at infinity, s = 0 with e = 0, or a key that does not decode: not a valid signature.
    return false
  }
}
