// The two groups nested sharing runs over, behind one small interface: scalar
// field mod the group order, base/point multiply, add, and strict encodings.
// This layer knows curves, not signature schemes: a key record's scheme
// (protocols/keys/key-scheme.ts, KeyScheme) names its curve with sharingCurveOf.
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { CurvePoint, CurvePointCons } from '@noble/curves/abstract/curve.js'
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js'
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js'
import { bytesToNumberBE, equalBytes } from '@noble/curves/utils.js'
import { InvalidPointError, InvalidScalarError } from './errors.js'
import { loadAddon } from '../crypto/native-addons.js'

/** A group sharing runs over (not a key's signature scheme: several schemes may share one curve). */
export type CurveName = 'ed25519' | 'secp256k1'
export const CURVE_NAMES: readonly CurveName[] = ['ed25519', 'secp256k1']

/** A point of either group; a `Curve` rejects points of the other one at run time. */
export type Point = EdwardsPoint | WeierstrassPoint<bigint>

/** Injected randomness: returns exactly `n` uniformly random bytes. */
export type RandomBytes = (n: number) => Uint8Array

/** Bytes drawn per random scalar: 64 bytes reduced mod (order − 1) leave a bias below 2^-250. */
export const RANDOM_SCALAR_BYTES = 64
export const SCALAR_BYTES = 32

export interface Curve {
  readonly name: CurveName
  /** Prime order of the group (ℓ for ed25519, n for secp256k1); scalars live mod this. */
  readonly order: bigint
  /** Encoded point length: 32 (RFC 8032) or 33 (compressed SEC1). */
  readonly pointBytes: number
  /** Scalar field, all inputs and outputs reduced mod `order`. */
  readonly Fn: { create(a: bigint): bigint, add(a: bigint, b: bigint): bigint, sub(a: bigint, b: bigint): bigint,
    mul(a: bigint, b: bigint): bigint, neg(a: bigint): bigint, inv(a: bigint): bigint }
  readonly identity: Point
  /** `k·G` with the library's constant-time ladder (k may be secret); `0·G` is the identity. */
  mulBase(k: bigint): Point
  /** `k·P` for a public scalar `k` (variable time). */
  mulPublic(p: Point, k: bigint): Point
  addPoints(p: Point, q: Point): Point
  pointEquals(p: Point, q: Point): boolean
  /** Whether `p` is a point of this curve (not the other scheme's). */
  isPoint(p: unknown): p is Point
  /** Canonical encoding; throws for the identity, which has no encoding here. */
  encodePoint(p: Point): Uint8Array
  /** Strict decoding: exact length, canonical, on the curve, not the identity, (ed25519) torsion-free. */
  decodePoint(bytes: Uint8Array): Point
  /** 32 bytes: little-endian for ed25519 (RFC 8032/9591), big-endian for secp256k1. */
  encodeScalar(k: bigint): Uint8Array
  /** Inverse of `encodeScalar`; rejects values >= order (no silent reduction). */
  decodeScalar(bytes: Uint8Array): bigint
  /** A uniform non-zero scalar from `RANDOM_SCALAR_BYTES` injected bytes. */
  randomScalar(randomBytes: RandomBytes): bigint
}

type AnyCons<P extends CurvePoint<bigint, P>> = CurvePointCons<P> & { fromBytes(bytes: Uint8Array): P }

/**
 * Whether an encoding is a point of the prime-order subgroup: a check that replaces
 * noble's isTorsionFree (a full multiplication by the order, most of a reshare's
 * cost at a new member: every dealer's commitments). Undefined: use noble's.
 */
type SubgroupCheck = (bytes: Uint8Array) => boolean

/**
 * libsodium's crypto_core_ed25519_is_valid_point (canonical, on the curve, in the
 * prime-order subgroup, not of small order) when sodium-native loads, whatever FROST's
 * backend: it accepts exactly the points noble's check accepts (sharing-checks.test.ts),
 * so the choice is not the operator's, and the curves stay constants (decisions/0005).
 */
function sodiumSubgroupCheck (): SubgroupCheck | undefined {
  const sodium = loadAddon<{ crypto_core_ed25519_is_valid_point: (p: Uint8Array) => boolean }>('sodium-native')
  return 'lib' in sodium ? p => sodium.lib.crypto_core_ed25519_is_valid_point(p) : undefined
}

function makeCurve<P extends CurvePoint<bigint, P>> (name: CurveName, Cons: AnyCons<P>, pointBytes: number, inSubgroup?: SubgroupCheck): Curve {
  const Fn = Cons.Fn
  const order = Fn.ORDER
  const check = (p: unknown): P => {
    if (!(p instanceof Cons)) throw new InvalidPointError(`not a ${name} point`)
    return p as P
  }
  const curve = {
    name,
    order,
    pointBytes,
    Fn: {
      create: (a: bigint) => Fn.create(a),
      add: (a: bigint, b: bigint) => Fn.add(a, b),
      sub: (a: bigint, b: bigint) => Fn.sub(a, b),
      mul: (a: bigint, b: bigint) => Fn.mul(a, b),
      neg: (a: bigint) => Fn.neg(a),
      inv: (a: bigint) => {
        if (Fn.is0(a)) throw new RangeError('cannot invert zero')
        return Fn.inv(a)
      }
    },
    identity: Cons.ZERO,
    // noble's multiply() rejects 0; the zero test only branches on k = 0, never on other bits.
    mulBase (k: bigint): P {
      const reduced = Fn.create(k)
      return Fn.is0(reduced) ? Cons.ZERO : Cons.BASE.multiply(reduced)
    },
    mulPublic: (p: unknown, k: bigint): P => check(p).multiplyUnsafe(Fn.create(k)),
    addPoints: (p: unknown, q: unknown): P => check(p).add(check(q)),
    pointEquals: (p: unknown, q: unknown): boolean => check(p).equals(check(q)),
    isPoint: (p: unknown): p is P => p instanceof Cons,
    encodePoint (p: unknown): Uint8Array {
      const point = check(p)
      if (point.is0()) throw new InvalidPointError(`${name}: the identity has no encoding`)
      return point.toBytes()
    },
    decodePoint (bytes: Uint8Array): P {
      if (!(bytes instanceof Uint8Array) || bytes.length !== pointBytes) {
        throw new InvalidPointError(`${name}: a point is ${pointBytes} bytes`)
      }
      let point: P
      try {
        point = Cons.fromBytes(bytes)
      } catch (err) {
        throw new InvalidPointError(`${name}: not a point: ${(err as Error).message}`)
      }
      if (point.is0()) throw new InvalidPointError(`${name}: the identity is not accepted`)
      // Only matters for ed25519 (cofactor 8); secp256k1 has cofactor 1 and this is always true.
      if (!(inSubgroup?.(bytes) ?? point.isTorsionFree())) throw new InvalidPointError(`${name}: point has a small-order (torsion) component`)
      if (!equalBytes(point.toBytes(), bytes)) throw new InvalidPointError(`${name}: non-canonical point encoding`)
      return point
    },
    encodeScalar (k: bigint): Uint8Array {
      if (!Fn.isValid(k)) throw new InvalidScalarError(`${name}: scalar out of range 0..order-1`)
      return Fn.toBytes(k)
    },
    decodeScalar (bytes: Uint8Array): bigint {
      if (!(bytes instanceof Uint8Array) || bytes.length !== SCALAR_BYTES) {
        throw new InvalidScalarError(`${name}: a scalar is ${SCALAR_BYTES} bytes`)
      }
      try {
        return Fn.fromBytes(bytes)
      } catch {
        throw new InvalidScalarError(`${name}: scalar is not below the group order`)
      }
    },
    randomScalar (randomBytes: RandomBytes): bigint {
      const bytes = randomBytes(RANDOM_SCALAR_BYTES)
      if (!(bytes instanceof Uint8Array) || bytes.length !== RANDOM_SCALAR_BYTES) {
        throw new RangeError(`randomBytes(${RANDOM_SCALAR_BYTES}) returned ${bytes?.length} bytes`)
      }
      // Same reduction as noble's mapHashToField: uniform in 1..order-1, never zero.
      return (bytesToNumberBE(bytes) % (order - 1n)) + 1n
    }
  }
  // The interface is written over the union `Point`; each curve guards membership at run time (check()).
  return curve as unknown as Curve
}

const CURVES: Record<CurveName, Curve> = {
  ed25519: makeCurve('ed25519', ed25519.Point, 32, sodiumSubgroupCheck()),
  secp256k1: makeCurve('secp256k1', secp256k1.Point, 33)
}

/** The curve named `name`; throws for anything else (names arrive from the wire as strings). */
export function curveFor (name: CurveName): Curve {
  // hasOwn, not `in`: a string like "toString" must not reach Object.prototype.
  if (typeof name !== 'string' || !Object.hasOwn(CURVES, name)) throw new RangeError(`unknown curve ${String(name)}`)
  return CURVES[name]
}
