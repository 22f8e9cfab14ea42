// A seeded PRNG for fault schedules and load, so a failing chaos run can be
// replayed: the seed is printed, and CHAOS_SEED=<seed> runs the same choices
// (the timing of real processes still varies; the choices do not).
import { randomInt } from 'node:crypto'

export interface Rng {
  readonly seed: number
  /** Uniform in [0, 1). */
  next: () => number
  /** Uniform integer in [min, max]. */
  int: (min: number, max: number) => number
  pick: <T>(items: readonly T[]) => T
  bytes: (n: number) => Uint8Array
}

/** mulberry32: small, fast and good enough to choose faults (not for keys). */
export function createRng (seed: number): Rng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    seed,
    next,
    int,
    pick: items => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[int(0, items.length - 1)]!
    },
    bytes: n => Uint8Array.from({ length: n }, () => int(0, 255))
  }
}

/** CHAOS_SEED when set (a replay), else a fresh one; printed with the scenario's name. */
export function scenarioRng (scenario: string): Rng {
  const fromEnv = process.env.CHAOS_SEED
  const seed = fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : randomInt(2 ** 31)
  if (!Number.isSafeInteger(seed)) throw new Error(`CHAOS_SEED must be an integer, got ${fromEnv}`)
  console.info(`chaos ${scenario}: seed ${seed} (replay with CHAOS_SEED=${seed})`)
  return createRng(seed)
}

/** The long run (`npm run chaos`) sets CHAOS_LONG=1; `npm test` runs the short version. */
export const LONG_RUN = process.env.CHAOS_LONG === '1'

/** `short` in `npm test`, `long` in `npm run chaos`. */
export function scaled (short: number, long: number): number {
  return LONG_RUN ? long : short
}
