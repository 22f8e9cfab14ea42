// edwards25519 on libsodium through the `sodium-native` addon: crypto_scalarmult_ed25519_*_noclamp,
// crypto_core_ed25519_add/sub/is_valid_point, crypto_core_ed25519_scalar_reduce. Elements are
// their canonical 32-byte encodings; libsodium decodes (and checks) them inside every call.
import { bigintFromLE, bigintToLE32 } from '../bytes.js'
import { InvalidPointError } from '../../sharing/index.js'
import { bigintResponse } from './scalars.js'
import type { Element, GroupBackend } from './types.js'

/** The part of sodium-native's API used here (it ships no types of its own). */
export interface SodiumEd25519 {
  crypto_core_ed25519_is_valid_point (p: Uint8Array): boolean
  crypto_core_ed25519_add (r: Uint8Array, p: Uint8Array, q: Uint8Array): void
  crypto_core_ed25519_sub (r: Uint8Array, p: Uint8Array, q: Uint8Array): void
  crypto_core_ed25519_scalar_reduce (r: Uint8Array, s: Uint8Array): void
  crypto_core_ed25519_scalar_negate (r: Uint8Array, s: Uint8Array): void
  crypto_scalarmult_ed25519_base_noclamp (q: Uint8Array, n: Uint8Array): void
  crypto_scalarmult_ed25519_noclamp (q: Uint8Array, n: Uint8Array, p: Uint8Array): void
}

const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n
/** The identity's encoding (y = 1): never an Element, only a sum that must be refused. */
const IDENTITY = bigintToLE32(1n)

export function sodiumEd25519 (sodium: SodiumEd25519): GroupBackend {
  const el = (b: Uint8Array): Element => b as unknown as Element
  const bytes = (p: Element): Uint8Array => p as unknown as Uint8Array
  const notIdentity = (b: Uint8Array, what: string): Element => {
    if (b.every((x, i) => x === IDENTITY[i])) throw new InvalidPointError(`ed25519: ${what} is the identity`)
    return el(b)
  }
  return Object.freeze({
    scheme: 'ed25519' as const,
    name: 'sodium-native',
    order: ORDER,
    decode (b: Uint8Array): Element {
      // is_valid_point: canonical, on the curve, in the prime-order subgroup, not of small order.
      if (!(b instanceof Uint8Array) || b.length !== 32) throw new InvalidPointError('ed25519: a point is 32 bytes')
      if (!sodium.crypto_core_ed25519_is_valid_point(b)) {
        throw new InvalidPointError('ed25519: not a canonical point of the prime-order subgroup (or the identity)')
      }
      return el(Uint8Array.from(b))
    },
    encode: bytes,
    mulBase (k: Uint8Array): Element {
      const q = new Uint8Array(32)
      sodium.crypto_scalarmult_ed25519_base_noclamp(q, k) // constant time; throws for k = 0
      return el(q)
    },
    mul (p: Element, k: bigint): Element {
      const q = new Uint8Array(32)
      sodium.crypto_scalarmult_ed25519_noclamp(q, bigintToLE32(k), bytes(p))
      return el(q)
    },
    addBase (p: Element, k: bigint): Element {
      if (k === 0n) return p
      const kg = new Uint8Array(32)
      sodium.crypto_scalarmult_ed25519_base_noclamp(kg, bigintToLE32(k))
      const q = new Uint8Array(32)
      sodium.crypto_core_ed25519_add(q, kg, bytes(p))
      return notIdentity(q, 'k·G + P')
    },
    sum (points: readonly Element[]): Element {
      const [first, ...rest] = points
      if (first === undefined) throw new RangeError('sum of no points')
      let acc = bytes(first)
      for (const p of rest) {
        const q = new Uint8Array(32)
        sodium.crypto_core_ed25519_add(q, acc, bytes(p))
        acc = q
      }
      return notIdentity(acc, 'the sum')
    },
    negate (p: Element): Element {
      const q = new Uint8Array(32)
      sodium.crypto_core_ed25519_sub(q, IDENTITY, bytes(p))
      return el(q)
    },
    equals: (p: Element, q: Element) => Buffer.compare(bytes(p), bytes(q)) === 0,
    nonce (wide: Uint8Array): Uint8Array {
      const k = new Uint8Array(32)
      sodium.crypto_core_ed25519_scalar_reduce(k, wide) // constant time
      return k
    },
    // libsodium has constant-time scalar add/negate, but sodium-native does not bind
    // crypto_core_ed25519_scalar_mul: the products are bigint, as in noble (docs/decisions/0005).
    response: r => bigintToLE32(bigintResponse(r, ORDER, bigintFromLE))
  } satisfies GroupBackend)
}
