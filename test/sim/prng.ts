// The simulator's only source of randomness: sfc32 (Chris Doty-Humphrey's "small fast
// counting" generator from PractRand; 128 bits of state, period ≥ 2^32, passes BigCrush),
// seeded from one 32-bit run seed. Every fault, delay and crypto byte of a run comes from
// it, so a run is a pure function of its seed (FoundationDB's and TigerBeetle's rule).
import type { Random } from '../../protocols/machine/types.js'

const UINT32 = 2 ** 32

/** splitmix32's finaliser: spreads a seed's bits so that seeds 1, 2, 3 start far apart. */
function mix32 (x: number): number {
  x = (x + 0x9e3779b9) | 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** FNV-1a over a label, so a forked stream is named, not numbered by the order of forks. */
function hashLabel (label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor (readonly seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= UINT32) throw new RangeError(`seed ${seed} is not a 32-bit unsigned integer`)
    this.#a = mix32(seed)
    this.#b = mix32(this.#a ^ 0x6a09e667)
    this.#c = mix32(this.#b ^ 0xbb67ae85)
    this.#d = 1
    // sfc32's authors discard the first outputs so the state mixes before use.
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  nextUint32 (): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  float (): number {
    return this.nextUint32() / UINT32
  }

  /** Uniform integer in [min, max] (both included). */
  int (min: number, max: number): number {
    if (max < min) throw new RangeError(`empty range ${min} … ${max}`)
    return min + Math.floor(this.float() * (max - min + 1))
  }

  chance (p: number): boolean {
    return p > 0 && this.float() < p
  }

  pick<T> (xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list')
    return xs[this.int(0, xs.length - 1)] as T
  }

  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      const w = this.nextUint32()
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (w >>> (8 * j)) & 0xff
    }
    return out
  }

  /**
   * An independent stream named `label`, drawn from this one's seed (not its position): a
   * node's crypto bytes do not shift when a fault is added to the schedule.
   */
  fork (label: string): Prng {
    return new Prng(mix32(this.seed ^ hashLabel(label)))
  }

  /** A machine's `Random` over this stream. */
  random (): Random {
    return n => this.bytes(n)
  }
}
