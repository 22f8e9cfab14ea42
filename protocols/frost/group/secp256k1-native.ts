// secp256k1 on libsecp256k1 through the `secp256k1` addon (v5, prebuilt): publicKeyCreate,
// publicKeyTweakMul/TweakAdd/Combine/Negate, and privateKeyTweakMul/TweakAdd/Negate for the
// secret scalars (constant time in libsecp256k1). Elements are 33-byte compressed points.
import { bigintFromBE, bigintToBE32 } from '../bytes.js'
import { InvalidPointError } from '../../sharing/index.js'
import { bigintResponse, mod } from './scalars.js'
import type { Element, GroupBackend, ResponseInput } from './types.js'

/** The part of the addon's API used here (`secp256k1/bindings`, which never falls back to JS). */
export interface Secp256k1Native {
  publicKeyCreate (seckey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyVerify (pubkey: Uint8Array): boolean
  publicKeyNegate (pubkey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyCombine (pubkeys: Uint8Array[], compressed?: boolean): Uint8Array
  publicKeyTweakAdd (pubkey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyTweakMul (pubkey: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array
  privateKeyNegate (seckey: Uint8Array): Uint8Array
  privateKeyTweakAdd (seckey: Uint8Array, tweak: Uint8Array): Uint8Array
  privateKeyTweakMul (seckey: Uint8Array, tweak: Uint8Array): Uint8Array
}

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export function nativeSecp256k1 (lib: Secp256k1Native): GroupBackend {
  const el = (b: Uint8Array): Element => b as unknown as Element
  const bytes = (p: Element): Uint8Array => p as unknown as Uint8Array
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
      if (!(b instanceof Uint8Array) || b.length !== 33 || (b[0] !== 2 && b[0] !== 3)) {
        throw new InvalidPointError('secp256k1: a point is 33 bytes, compressed SEC1')
      }
      if (!lib.publicKeyVerify(b)) throw new InvalidPointError('secp256k1: not a point of the curve')
      return el(Uint8Array.from(b))
    },
    encode: bytes,
    mulBase: (k: Uint8Array) => el(lib.publicKeyCreate(k, true)),
    mul: (p: Element, k: bigint) => el(lib.publicKeyTweakMul(bytes(p), scalar(k), true)),
    addBase: (p: Element, k: bigint) => el(lib.publicKeyTweakAdd(bytes(p), scalar(k), true)),
    sum (points: readonly Element[]): Element {
      if (points.length === 0) throw new RangeError('sum of no points')
      // Throws when the sum is the point at infinity.
      return el(lib.publicKeyCombine(points.map(bytes), true))
    },
    negate: (p: Element) => el(lib.publicKeyNegate(bytes(p), true)),
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
