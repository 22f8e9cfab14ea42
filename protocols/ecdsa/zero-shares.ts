// Zero-sharing (DKLs23, ePrint 2023/765, Functionality 3.4 and its realisation on page 7):
// every pair of parties shares a seed; in a session each party adds, per counterparty,
// ±PRF(seed, sid) (+ for the party with the lower tag, − for the other), so the
// shares of the whole party sum to zero while each one alone is uniform to anyone who
// lacks one of its seeds. Signing adds a zero-share to each party's additive key share
// so that the shares entering the multiplications are fresh in every session
// (Protocol 3.6 step 5).
//
// A pair's seed is the XOR of one 32-byte contribution from each side, exchanged at
// pair setup (pair-setup.ts) over the pair's confidential channel: a cheating side
// can choose the XOR but learns nothing it did not know, since the seed is its own too.
import { hashToScalar } from './hash.js'
import { add, sub } from './scalar.js'

export const ZERO_SEED_BYTES = 32

/** One counterparty's seed, as this party holds it. */
export interface ZeroSeed {
  counterparty: string
  seed: Uint8Array
}

/** The pair's seed from both contributions (order-independent). */
export function zeroSeed (mine: Uint8Array, theirs: Uint8Array): Uint8Array {
  if (mine.length !== ZERO_SEED_BYTES || theirs.length !== ZERO_SEED_BYTES) throw new RangeError(`a zero-share seed contribution is ${ZERO_SEED_BYTES} bytes`)
  const out = new Uint8Array(ZERO_SEED_BYTES)
  for (let i = 0; i < ZERO_SEED_BYTES; i++) out[i] = mine[i]! ^ theirs[i]!
  return out
}

/** The pair's fragment in session `sid`: ±PRF(seed, sid). */
export function zeroShareFragment (seed: Uint8Array, sid: Uint8Array): bigint {
  return hashToScalar('zero-share', [seed, sid])
}

/**
 * Party `me`'s zero-share in session `sid` among `counterparties` (the party without `me`):
 * Σ over counterparties of +fragment when `me` sorts before it, −fragment otherwise.
 * Throws when a counterparty has no seed: a missing pair state is set up, never guessed.
 */
export function zeroShare (me: string, counterparties: readonly string[], seeds: ReadonlyMap<string, Uint8Array>, sid: Uint8Array): bigint {
  let share = 0n
  for (const other of counterparties) {
    if (other === me) throw new RangeError(`zero-share: ${me} is its own counterparty`)
    const seed = seeds.get(other)
    if (seed === undefined) throw new RangeError(`zero-share: no seed shared with ${other}`)
    const fragment = zeroShareFragment(seed, sid)
    share = me < other ? add(share, fragment) : sub(share, fragment)
  }
  return share
}
