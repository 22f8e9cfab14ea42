// secp256k1 on libsecp256k1 through the `secp256k1` addon (v5, prebuilt): publicKeyCreate,
// publicKeyTweakMul/TweakAdd/Combine/Negate, and privateKeyTweakMul/TweakAdd/Negate for the
// secret scalars (constant time in libsecp256k1).
//
// Elements are 65-byte uncompressed points (04 ‖ x ‖ y), and their encoding is the 33-byte
// compressed form: the addon parses every point it is given, and parsing a compressed one costs a
// square root (~6 µs) where an uncompressed one costs an on-curve check (~0.3 µs). The square root
// is paid once, in `decode`, where points enter; a sum of the 8 points of a group commitment fell
// from ~56 to ~12 µs (docs/performance.md).
import { bigintFromBE, bigintToBE32 } from '../bytes.js'
import { InvalidPointError } from '../../sharing/index.js'
import { bigintResponse, mod } from './scalars.js'
import type { Element, GroupBackend, ResponseInput } from './types.js'

/** The part of the addon's API used here (`secp256k1/bindings`, which never falls back to JS). */
export interface Secp256k1Native {
  publicKeyCreate (seckey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyConvert (pubkey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyNegate (pubkey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyCombine (pubkeys: Uint8Array[], compressed?: boolean): Uint8Array
  publicKeyTweakAdd (pubkey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyTweakMul (pubkey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array
  privateKeyNegate (seckey: Uint8Array): Uint8Array
  privateKeyTweakAdd (seckey: Uint8Array, tweak: Uint8Array): Uint8Array
  privateKeyTweakMul (seckey: Uint8Array, tweak: Uint8Array): Uint8Array
}

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
/** SEC1 uncompressed: 04 ‖ x ‖ y, 32 bytes each, big-endian. */
const UNCOMPRESSED_BYTES = 65
const COMPRESSED_BYTES = 33
/** The addon's `compressed` flag: elements stay uncompressed between operations. */
const UNCOMPRESSED = false

export function nativeSecp256k1 (lib: Secp256k1Native): GroupBackend {
  const el = (b: Uint8Array): Element => b as unknown as Element
  const bytes = (p: Element): Uint8Array => p as unknown as Uint8Array
  /** SEC1 compression of an uncompressed point: 02 or 03 by the parity of y, then x. */
  const compress = (u: Uint8Array): Uint8Array => {
    const out = new Uint8Array(COMPRESSED_BYTES)
    out[0] = 0x02 | (u[UNCOMPRESSED_BYTES - 1]! & 1)
    out.set(u.subarray(1, COMPRESSED_BYTES), 1)
    return out
  }
  const scalar = (k: bigint): Uint8Array => bigintToBE32(k)

  /** z = ±(slots·d + ρ·e) + w·s with libsecp256k1's scalar functions; each call works on a copy. */
  function constantTime (r: ResponseInput): Uint8Array {
    const t = lib.privateKeyTweakMul(Uint8Array.from(r.binding), scalar(mod(r.rhoSum, ORDER)))
    const d = r.slots === 1 ? Uint8Array.from(r.hiding) : lib.privateKeyTweakMul(Uint8Array.from(r.hiding), scalar(BigInt(r.slots)))
    lib.privateKeyTweakAdd(t, d)
    if (r.negateNonces) lib.privateKeyNegate(t)
    const ws = lib.privateKeyTweakMul(Uint8Array.from(r.share), scalar(mod(r.weight, ORDER)))
    lib.privateKeyTweakAdd(t, ws)
    d.fill(0)
    ws.fill(0)
    return t
  }

  return Object.freeze({
    scheme: 'secp256k1' as const,
    name: 'secp256k1-native',
    order: ORDER,
    decode (b: Uint8Array): Element {
      // Compressed SEC1 only; the library parses (x < p, on the curve). Cofactor 1: no torsion.
      if (!(b instanceof Uint8Array) || b.length !== COMPRESSED_BYTES || (b[0] !== 2 && b[0] !== 3)) {
        throw new InvalidPointError('secp256k1: a point is 33 bytes, compressed SEC1')
      }
      let u: Uint8Array
      try {
        // The library parses (x < p, on the curve) and decompresses: the one square root per point.
        u = lib.publicKeyConvert(b, UNCOMPRESSED)
      } catch {
        throw new InvalidPointError('secp256k1: not a point of the curve')
      }
      return el(u)
    },
    encode: (p: Element) => compress(bytes(p)),
    mulBase: (k: Uint8Array) => el(lib.publicKeyCreate(k, UNCOMPRESSED)),
    mul: (p: Element, k: bigint) => el(lib.publicKeyTweakMul(bytes(p), scalar(k), UNCOMPRESSED)),
    addBase: (p: Element, k: bigint) => el(lib.publicKeyTweakAdd(bytes(p), scalar(k), UNCOMPRESSED)),
    sum (points: readonly Element[]): Element {
      if (points.length === 0) throw new RangeError('sum of no points')
      // Throws when the sum is the point at infinity.
      return el(lib.publicKeyCombine(points.map(bytes), UNCOMPRESSED))
    },
    negate: (p: Element) => el(lib.publicKeyNegate(bytes(p), UNCOMPRESSED)),
    // Affine coordinates are unique: equal points have equal uncompressed bytes.
    equals: (p: Element, q: Element) => Buffer.compare(bytes(p), bytes(q)) === 0,
    // 48 bytes reduced mod n: libsecp256k1 has no wide reduction, so this one is bigint.
    nonce: (wide: Uint8Array) => scalar(bigintFromBE(wide) % ORDER),
    response (r: ResponseInput): Uint8Array {
      try {
        return constantTime(r)
      } catch {
        // libsecp256k1 refuses a zero operand or result (probability ~2^-256 each): plain arithmetic.
        return scalar(bigintResponse(r, ORDER, bigintFromBE))
      }
    }
  } satisfies GroupBackend)
}
