// The random oracles and the PRG of DKLs23 (ePrint 2023/765, §2 "random oracle" and the
// PRG of the OT extension), on node:crypto: every hash is SHA-256 or SHAKE256 under a
// domain tag, every input part length-prefixed so no two part lists hash alike.
//
// Tags name the step that hashes (`ot/base/h`, `ote/chi`, `mul/gadget`…); each is
// prefixed with HASH_DOMAIN so no other protocol of the project shares an oracle.
import { createHash } from 'node:crypto'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigintFromBE } from '../frost/bytes.js'

export const HASH_DOMAIN = 'shardsig/ecdsa-dkls23/v1/'
/** SHA-256 output. */
export const HASH_BYTES = 32
/** Bytes drawn per hashed scalar: 64 bytes mod n leave a bias below 2^-256. */
export const WIDE_SCALAR_BYTES = 64

const ORDER = secp256k1.Point.Fn.ORDER

function absorb (h: ReturnType<typeof createHash>, tag: string, parts: readonly Uint8Array[]): void {
  const len = new Uint8Array(4)
  const view = new DataView(len.buffer)
  const tagBytes = Buffer.from(HASH_DOMAIN + tag, 'utf8')
  view.setUint32(0, tagBytes.length)
  h.update(len).update(tagBytes)
  for (const p of parts) {
    view.setUint32(0, p.length)
    h.update(len).update(p)
  }
}

/** SHA-256 of the tag and the length-prefixed parts: 32 bytes. */
export function taggedHash (tag: string, parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  absorb(h, tag, parts)
  return new Uint8Array(h.digest())
}

/** SHAKE256 of the tag and the parts, `bytes` long: the PRG (seed in the parts) and wide hashes. */
export function taggedXof (tag: string, parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const h = createHash('shake256', { outputLength: bytes })
  absorb(h, tag, parts)
  return new Uint8Array(h.digest())
}

/** A scalar mod n from the oracle (64 bytes reduced; may be 0 with probability 2^-256). */
export function hashToScalar (tag: string, parts: readonly Uint8Array[]): bigint {
  return bigintFromBE(taggedXof(tag, parts, WIDE_SCALAR_BYTES)) % ORDER
}

/** `count` scalars from one oracle call: the same as `count` calls with an index part, at a fraction of the cost. */
export function hashToScalars (tag: string, parts: readonly Uint8Array[], count: number): bigint[] {
  const wide = taggedXof(tag, parts, count * WIDE_SCALAR_BYTES)
  const out = new Array<bigint>(count)
  for (let i = 0; i < count; i++) out[i] = bigintFromBE(wide.subarray(i * WIDE_SCALAR_BYTES, (i + 1) * WIDE_SCALAR_BYTES)) % ORDER
  return out
}

/** A 4-byte big-endian integer: indices and counters as hash parts. */
export function u32 (n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** UTF-8 bytes of a label or an identifier, as a hash part. */
export const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'))
