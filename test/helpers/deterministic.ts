// Deterministic inputs for crypto tests: replayable randomness and every party of a structure.
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import type { Party, RandomBytes, SharingParams } from '../../protocols/sharing/index.js'

/** Deterministic randomBytes: SHA-256(seed "/" counter) blocks, so every run replays. */
export function seeded (seed: string): RandomBytes {
  let counter = 0
  return (n: number) => {
    const out = new Uint8Array(n)
    for (let off = 0; off < n; off += 32) out.set(sha256(utf8ToBytes(`${seed}/${counter++}`)).subarray(0, n - off), off)
    return out
  }
}

export function subsets<T> (xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]]
  if (xs.length < k) return []
  const [head, ...rest] = xs as [T, ...T[]]
  return [...subsets(rest, k - 1).map(s => [head, ...s]), ...subsets(rest, k)]
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1)

/** Every party of exactly tc committees × tm members. */
export function allParties (p: SharingParams): Party[] {
  let parties: Array<Map<number, number[]>> = []
  for (const cs of subsets(range(p.committees), p.tc)) {
    let acc: Array<Map<number, number[]>> = [new Map()]
    for (const c of cs) {
      const choices = subsets(range(p.members[c - 1] ?? 0), p.tm)
      acc = acc.flatMap(m => choices.map(ms => new Map([...m, [c, ms]])))
    }
    parties = parties.concat(acc)
  }
  return parties
}
