// GF(2^208) of the KOS consistency check (protocols/ecdsa/gf2-208.ts): field laws on random
// elements, known products, agreement with a plain bigint polynomial product, and Rabin's
// irreducibility test for x^208 + x^9 + x^3 + x + 1 in bigint polynomial arithmetic.
import { describe, expect, it } from 'vitest'
import {
  gf208Add, gf208Equal, gf208FromBytes, gf208Mul, gf208MulAccumulate, gf208Multiplier, gf208Reduce, gf208ToBytes, gf208Wide, type Gf208
} from '../../../protocols/ecdsa/gf2-208.js'
import { seeded } from '../../helpers/deterministic.js'

const F = (1n << 208n) | (1n << 9n) | (1n << 3n) | (1n << 1n) | 1n

const deg = (a: bigint): number => a === 0n ? -1 : a.toString(2).length - 1

function clmul (a: bigint, b: bigint): bigint {
  let r = 0n
  for (; b !== 0n; b >>= 1n, a <<= 1n) if ((b & 1n) === 1n) r ^= a
  return r
}

function polyMod (a: bigint, f: bigint): bigint {
  const df = deg(f)
  for (let d = deg(a); d >= df; d = deg(a)) a ^= f << BigInt(d - df)
  return a
}

function polyGcd (a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, polyMod(a, b)]
  return a
}

/** x^(2^k) mod f by k squarings. */
function xToTwoToThe (k: number, f: bigint): bigint {
  let r = 2n
  for (let i = 0; i < k; i++) r = polyMod(clmul(r, r), f)
  return r
}

function toBig (a: Gf208): bigint {
  let r = 0n
  for (let w = a.length - 1; w >= 0; w--) r = (r << 32n) | BigInt(a[w]!)
  return r
}

function fromBig (v: bigint): Gf208 {
  const bytes = new Uint8Array(26)
  for (let k = 0; k < 26; k++) bytes[k] = Number((v >> BigInt(8 * k)) & 0xffn)
  return gf208FromBytes(bytes)
}

const random = seeded('gf2-208')
const randomElement = (): Gf208 => gf208FromBytes(random(26))
const monomial = (k: number): Gf208 => fromBig(1n << BigInt(k))

describe('GF(2^208)', () => {
  it('reads and writes its 26 wire bytes, bit k of the element at byte k >> 3 bit k & 7', () => {
    const bytes = random(26)
    expect(gf208ToBytes(gf208FromBytes(bytes))).toEqual(bytes)
    expect(gf208ToBytes(monomial(9))).toEqual(Uint8Array.from([0, 2, ...new Array<number>(24).fill(0)]))
    expect(toBig(monomial(207))).toBe(1n << 207n)
    expect(() => gf208FromBytes(new Uint8Array(25))).toThrow(RangeError)
  })

  it('knows small products, the reduction by f included', () => {
    const x = monomial(1)
    expect(toBig(gf208Mul(x, x))).toBe(4n)
    expect(toBig(gf208Mul(fromBig(3n), fromBig(3n)))).toBe(5n) // (x + 1)^2 = x^2 + 1
    expect(toBig(gf208Mul(monomial(207), x))).toBe((1n << 9n) | 8n | 2n | 1n) // x^208 = x^9 + x^3 + x + 1
    expect(toBig(gf208Mul(monomial(200), monomial(20)))).toBe((1n << 21n) | (1n << 15n) | (1n << 13n) | (1n << 12n)) // x^220 = x^12 · x^208
  })

  it('has 1 as identity and 0 as absorbing element', () => {
    for (let i = 0; i < 20; i++) {
      const a = randomElement()
      expect(gf208Mul(a, fromBig(1n))).toEqual(a)
      expect(toBig(gf208Mul(a, fromBig(0n)))).toBe(0n)
      expect(toBig(gf208Add(a, a))).toBe(0n)
    }
  })

  it('agrees with the bigint polynomial product mod f on random elements', () => {
    for (let i = 0; i < 200; i++) {
      const a = randomElement()
      const b = randomElement()
      expect(toBig(gf208Mul(a, b))).toBe(polyMod(clmul(toBig(a), toBig(b)), F))
    }
    const ones = fromBig((1n << 208n) - 1n) // every word and window full: the widest product
    expect(toBig(gf208Mul(ones, ones))).toBe(polyMod(clmul((1n << 208n) - 1n, (1n << 208n) - 1n), F))
  })

  it('is commutative and distributive, and a sum of products reduces once', () => {
    for (let i = 0; i < 50; i++) {
      const [a, b, c] = [randomElement(), randomElement(), randomElement()]
      expect(gf208Equal(gf208Mul(a, b), gf208Mul(b, a))).toBe(true)
      expect(gf208Mul(a, gf208Add(b, c))).toEqual(gf208Add(gf208Mul(a, b), gf208Mul(a, c)))
      const wide = gf208Wide()
      gf208MulAccumulate(wide, gf208Multiplier(b), a)
      gf208MulAccumulate(wide, gf208Multiplier(c), a)
      expect(gf208Reduce(wide)).toEqual(gf208Mul(a, gf208Add(b, c)))
    }
  })

  it('satisfies the Frobenius identity a^(2^208) = a', () => {
    for (let i = 0; i < 5; i++) {
      const a = randomElement()
      let r = a
      for (let k = 0; k < 208; k++) r = gf208Mul(r, r)
      expect(r).toEqual(a)
    }
  })

  it('is a field: x^208 + x^9 + x^3 + x + 1 is irreducible (Rabin\'s test, 208 = 2^4 · 13)', () => {
    expect(xToTwoToThe(208, F)).toBe(2n)
    for (const p of [2, 13]) expect(polyGcd(F, xToTwoToThe(208 / p, F) ^ 2n)).toBe(1n)
    // The test can fail: a reducible neighbour with the same shape does not pass.
    const reducible = (1n << 208n) | 1n // (x^13 + 1)^16
    expect(xToTwoToThe(208, reducible) === 2n && [2, 13].every(p => polyGcd(reducible, xToTwoToThe(208 / p, reducible) ^ 2n) === 1n)).toBe(false)
  })
})
