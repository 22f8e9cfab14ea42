// Wire encodings (DESIGN section 7: bytes as lowercase hex) of points and scalars,
// and the BIP340 x-only view of a secp256k1 group key.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { curveFor, SCALAR_BYTES, type Point, type CurveName } from './curves.js'
import { InvalidGroupKeyError, InvalidPointError, InvalidScalarError } from './errors.js'

const LOWER_HEX = /^(?:[0-9a-f]{2})*$/

function strictHex (hex: string, bytes: number, what: string, Err: new (m: string) => Error): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== bytes * 2 || !LOWER_HEX.test(hex)) {
    throw new Err(`${what} must be ${bytes * 2} lowercase hex characters`)
  }
  return hexToBytes(hex)
}

export function encodePoint (scheme: CurveName, p: Point): Uint8Array {
  return curveFor(scheme).encodePoint(p)
}

export function decodePoint (scheme: CurveName, bytes: Uint8Array): Point {
  return curveFor(scheme).decodePoint(bytes)
}

export function encodeScalar (scheme: CurveName, k: bigint): Uint8Array {
  return curveFor(scheme).encodeScalar(k)
}

export function decodeScalar (scheme: CurveName, bytes: Uint8Array): bigint {
  return curveFor(scheme).decodeScalar(bytes)
}

/** 64 (ed25519) or 66 (secp256k1, compressed SEC1) lowercase hex characters. */
export function pointToHex (scheme: CurveName, p: Point): string {
  return bytesToHex(encodePoint(scheme, p))
}

/** Strict inverse of `pointToHex`: uppercase, odd length, wrong length and every `decodePoint` failure throw. */
export function pointFromHex (scheme: CurveName, hex: string): Point {
  const curve = curveFor(scheme)
  return curve.decodePoint(strictHex(hex, curve.pointBytes, `${scheme} point`, InvalidPointError))
}

/** 64 lowercase hex characters of the 32-byte scalar encoding (LE for ed25519, BE for secp256k1). */
export function scalarToHex (scheme: CurveName, k: bigint): string {
  return bytesToHex(encodeScalar(scheme, k))
}

export function scalarFromHex (scheme: CurveName, hex: string): bigint {
  return decodeScalar(scheme, strictHex(hex, SCALAR_BYTES, `${scheme} scalar`, InvalidScalarError))
}

/**
 * Whether keys shared over this curve are always dealt with even Y (compressed prefix 02):
 * secp256k1's are, for BIP340's x-only keys, whichever scheme the key then signs with
 * (an ECDSA key loses nothing by it: x is still uniform, only its sign is fixed).
 */
export function dealsEvenY (curve: CurveName): boolean {
  return curve === 'secp256k1'
}

/** secp256k1 only: whether the point's affine Y is even (compressed prefix 02). */
export function hasEvenY (p: Point): boolean {
  return curveFor('secp256k1').encodePoint(p)[0] === 0x02
}

/**
 * The 32-byte BIP340 x-only key of a secp256k1 group key, for `schnorr.verify`. Group keys
 * are published as 33-byte compressed points with prefix 02; an odd-Y key is refused rather
 * than silently mapped to its negation, because its shares would then sign for the wrong key.
 */
export function xOnlyPublicKey (groupPublicKey: Point): Uint8Array {
  const bytes = curveFor('secp256k1').encodePoint(groupPublicKey)
  if (bytes[0] !== 0x02) throw new InvalidGroupKeyError('secp256k1 group key has odd Y; BIP340 needs even Y')
  return bytes.subarray(1)
}
