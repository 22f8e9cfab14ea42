// Rendezvous (highest-random-weight) hashing for role election, DESIGN section 4.
// The exact byte encoding and ranking order are specified in docs/protocols/roles.md.
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

/** Fixed prefix of every role-hash preimage; separates these digests from any other sha256 use. */
export const ROLE_HASH_DOMAIN = 'shardsig/v1/role\n'

/**
 * Preimage of a role hash: the domain prefix, then each field as a 4-byte
 * big-endian length of its UTF-8 bytes followed by those bytes. Length
 * prefixes make the encoding injective whatever characters a field holds.
 */
export function encodeRoleHashInput (fields: readonly string[]): Uint8Array {
  const parts = [utf8ToBytes(ROLE_HASH_DOMAIN)]
  for (const field of fields) {
    const bytes = utf8ToBytes(field)
    const prefix = new Uint8Array(4)
    new DataView(prefix.buffer).setUint32(0, bytes.length, false)
    parts.push(prefix, bytes)
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** Epochs and committees enter the hash as canonical decimal (no sign, no leading zeros). */
function decimal (name: string, value: number, min: number): string {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`)
  return String(value)
}

/** Committee-leader weight H(epoch, "cl", c, peerId). */
export function clWeight (epoch: number, committee: number, peerId: string): Uint8Array {
  return sha256(encodeRoleHashInput([decimal('epoch', epoch, 0), 'cl', decimal('committee', committee, 1), peerId]))
}

/** Communication-manager weight H(epoch, "cm", peerId). */
export function cmWeight (epoch: number, peerId: string): Uint8Array {
  return sha256(encodeRoleHashInput([decimal('epoch', epoch, 0), 'cm', peerId]))
}

/** Lexicographic byte order; a proper prefix sorts first. */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/**
 * Candidates ordered by descending weight `key(peerId)` (highest random
 * weight first). Equal weights fall back to ascending peer id, compared as
 * UTF-8 bytes, so the order is total and independent of input order.
 * `key` is injectable so tests can force ties; production passes clWeight/cmWeight.
 */
export function rankByRendezvous (candidates: readonly string[], key: (peerId: string) => Uint8Array): string[] {
  const seen = new Set<string>()
  const weighted = candidates.map(peerId => {
    if (seen.has(peerId)) throw new RangeError(`duplicate candidate ${peerId}`)
    seen.add(peerId)
    return { peerId, weight: key(peerId), id: utf8ToBytes(peerId) }
  })
  weighted.sort((a, b) => compareBytes(b.weight, a.weight) || compareBytes(a.id, b.id))
  return weighted.map(w => w.peerId)
}
