// A node's pair keys as bytes, for its sealed store (node/engine/ecdsa/pair-store.ts): the
// setup id, this side's OT-extension sender setup (Δ and the 256 seeds it chose), its receiver
// setup (both seeds of each of 256 base OTs), the zero seed, and the pair they belong to. The
// public gadgets are not stored: pairKeysFrom recomputes them from the pair. These bytes are
// secret: only the store's sealing ever sees them, and the caller wipes them after use.
//
//   version u8 (1) ‖ context, me, peer (each u16 length ‖ UTF-8) ‖ id (PAIR_ID_BYTES)
//   ‖ Δ (KAPPA_BYTES) ‖ chosen seeds (KAPPA_BITS × OTE_SEED_BYTES)
//   ‖ seeds0, seeds1 (each KAPPA_BITS × OTE_SEED_BYTES) ‖ zero seed (ZERO_SEED_BYTES)
import { OteReceiverSetup, OteSenderSetup, OTE_SEED_BYTES } from './ot-extension-secrets.js'
import { KAPPA_BITS, KAPPA_BYTES } from './ot-params.js'
import { pairKeysFrom, PAIR_ID_BYTES, type PairContext } from './pair-setup.js'
import type { PairKeys } from './sign.js'
import { ZERO_SEED_BYTES } from './zero-shares.js'

export const PAIR_KEYS_CODEC_VERSION = 1
/** Longest context or node id the encoding takes (a u16 length; far above any real one). */
export const MAX_PAIR_NAME_BYTES = 1_024
const SEEDS_BYTES = KAPPA_BITS * OTE_SEED_BYTES
/** Bytes after the three names. */
const FIXED_BYTES = PAIR_ID_BYTES + KAPPA_BYTES + 3 * SEEDS_BYTES + ZERO_SEED_BYTES

/** Stored pair keys that do not decode (a record of another format, or cut short). */
export class PairKeysDecodeError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'PairKeysDecodeError'
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** The keys and their pair as bytes. Throws OteSetupBurnedError for a burnt setup: a burnt setup is never stored. */
export function encodePairKeys (pair: PairContext, keys: PairKeys): Uint8Array {
  const names = [pair.context, pair.me, pair.peer].map(s => encoder.encode(s))
  for (const n of names) if (n.length > MAX_PAIR_NAME_BYTES) throw new RangeError(`a pair's context or node id is at most ${MAX_PAIR_NAME_BYTES} bytes`)
  if (keys.id.length !== PAIR_ID_BYTES) throw new RangeError(`a pair setup id is ${PAIR_ID_BYTES} bytes`)
  if (keys.zeroSeed.length !== ZERO_SEED_BYTES) throw new RangeError(`a zero seed is ${ZERO_SEED_BYTES} bytes`)
  const sender = keys.alice.ote.expose()
  const receiver = keys.bob.ote.expose()
  const out = new Uint8Array(1 + names.reduce((n, b) => n + 2 + b.length, 0) + FIXED_BYTES)
  const view = new DataView(out.buffer)
  let at = 0
  out[at++] = PAIR_KEYS_CODEC_VERSION
  for (const n of names) {
    view.setUint16(at, n.length)
    out.set(n, at + 2)
    at += 2 + n.length
  }
  const put = (b: Uint8Array): void => { out.set(b, at); at += b.length }
  put(keys.id)
  put(sender.correlation)
  for (const s of sender.seeds) put(s)
  for (const s of receiver.seeds0) put(s)
  for (const s of receiver.seeds1) put(s)
  put(keys.zeroSeed)
  // The exposed copies are ours: wipe them (the output is the caller's to wipe).
  for (const b of [sender.correlation, ...sender.seeds, ...receiver.seeds0, ...receiver.seeds1]) b.fill(0)
  return out
}

/** encodePairKeys's inverse: the pair and its keys, gadgets recomputed. */
export function decodePairKeys (bytes: Uint8Array): { pair: PairContext, keys: PairKeys } {
  if (bytes.length < 1 || bytes[0] !== PAIR_KEYS_CODEC_VERSION) throw new PairKeysDecodeError(`stored pair keys of version ${bytes[0] ?? 'none'}, not ${PAIR_KEYS_CODEC_VERSION}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let at = 1
  const names: string[] = []
  for (let i = 0; i < 3; i++) {
    if (at + 2 > bytes.length) throw new PairKeysDecodeError('stored pair keys cut short in their names')
    const n = view.getUint16(at)
    if (at + 2 + n > bytes.length) throw new PairKeysDecodeError('stored pair keys cut short in their names')
    try {
      names.push(decoder.decode(bytes.subarray(at + 2, at + 2 + n)))
    } catch {
      throw new PairKeysDecodeError('a stored pair name is not UTF-8')
    }
    at += 2 + n
  }
  if (bytes.length - at !== FIXED_BYTES) throw new PairKeysDecodeError(`stored pair keys are ${bytes.length} bytes, not ${at + FIXED_BYTES}`)
  const take = (n: number): Uint8Array => { const b = bytes.subarray(at, at + n); at += n; return b }
  const seeds = (): Uint8Array[] => Array.from({ length: KAPPA_BITS }, () => take(OTE_SEED_BYTES))
  const pair: PairContext = { context: names[0]!, me: names[1]!, peer: names[2]! }
  const id = take(PAIR_ID_BYTES)
  const correlation = take(KAPPA_BYTES)
  const chosen = seeds()
  const seeds0 = seeds()
  const seeds1 = seeds()
  const zeroSeed = Uint8Array.from(take(ZERO_SEED_BYTES))
  // The setups copy what they are given, so nothing here aliases `bytes`, which the caller may wipe.
  return { pair, keys: pairKeysFrom(pair, id, new OteSenderSetup(correlation, chosen), new OteReceiverSetup(seeds0, seeds1), zeroSeed) }
}
