// Both groups on @noble/curves (audited, pure TypeScript): the fallback when a native addon does
// not load, and what SHARDSIG_CRYPTO_BACKEND=noble selects. Elements are noble point objects, so
// a point is decoded (and checked) once, not at every operation.
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigintFromBE, bigintFromLE, bigintToBE32, bigintToLE32 } from '../bytes.js'
import type { EdwardsPoint } from '@noble/curves/abstract/edwards.js'
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js'
import { curveFor, InvalidPointError, type CurveName } from '../../sharing/index.js'
import { bigintResponse } from './scalars.js'
import type { Element, GroupBackend } from './types.js'

type P = EdwardsPoint | WeierstrassPoint<bigint>

function nobleGroup (scheme: CurveName): GroupBackend {
  const curve = curveFor(scheme)
  const Cons = scheme === 'ed25519' ? ed25519.Point : secp256k1.Point
  const le = scheme === 'ed25519'
  const value = le ? bigintFromLE : bigintFromBE
  const toBytes = (k: bigint) => le ? bigintToLE32(k) : bigintToBE32(k)
  const el = (p: P): Element => p as unknown as Element
  const point = (e: Element): P => e as unknown as P
  const nonZero = (p: P, what: string): Element => {
    if (p.is0()) throw new InvalidPointError(`${scheme}: ${what} is the identity`)
    return el(p)
  }
  // The union's methods take their own kind of point; every Element here is of this curve.
  const add = (p: P, q: P): P => (p as EdwardsPoint).add(q as EdwardsPoint)
  return Object.freeze({
    scheme,
    name: 'noble',
    order: curve.order,
    decode: (b: Uint8Array) => el(curve.decodePoint(b) as P), // strict: see protocols/sharing/curves.ts
    encode: (p: Element) => point(p).toBytes(),
    mulBase (k: Uint8Array): Element {
      return nonZero(Cons.BASE.multiply(value(k)) as P, 'k·G') // noble's constant-time ladder
    },
    mul: (p: Element, k: bigint) => nonZero(point(p).multiplyUnsafe(k) as P, 'k·P'),
    addBase: (p: Element, k: bigint) => nonZero(k === 0n ? point(p) : add(Cons.BASE.multiplyUnsafe(k) as P, point(p)), 'k·G + P'),
    sum (points: readonly Element[]): Element {
      const [first, ...rest] = points
      if (first === undefined) throw new RangeError('sum of no points')
      return nonZero(rest.reduce<P>((acc, p) => add(acc, point(p)), point(first)), 'the sum')
    },
    negate: (p: Element) => el(point(p).negate() as P),
    equals: (p: Element, q: Element) => (point(p) as EdwardsPoint).equals(point(q) as EdwardsPoint),
    nonce: (wide: Uint8Array) => toBytes(value(wide) % curve.order),
    response: r => toBytes(bigintResponse(r, curve.order, value))
  } satisfies GroupBackend)
}

export const nobleEd25519 = (): GroupBackend => nobleGroup('ed25519')
export const nobleSecp256k1 = (): GroupBackend => nobleGroup('secp256k1')
