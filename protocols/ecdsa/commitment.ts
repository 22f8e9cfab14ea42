// The commitment functionality of DKLs23 (ePrint 2023/765, §2, "Commitments", page 7):
// a random-oracle commitment H(tag, sid, committer, salt, message) with a fresh salt of
// 2λ = 256 bits. Binding by collision resistance, hiding by the salt; bound to the
// session id and the committer so a commitment cannot be replayed into another
// session or claimed by another party.
import { timingSafeEqual } from 'node:crypto'
import type { Random } from '../machine/types.js'
import { HASH_BYTES, taggedHash, utf8 } from './hash.js'

export const COMMITMENT_SALT_BYTES = 32

export interface Commitment {
  commitment: Uint8Array
  salt: Uint8Array
}

const digest = (sid: Uint8Array, committer: string, salt: Uint8Array, message: Uint8Array): Uint8Array =>
  taggedHash('commit', [sid, utf8(committer), salt, message])

/** Commits `committer` to `message` in session `sid`: send `commitment` now, `salt` (and the message) at the opening. */
export function commit (sid: Uint8Array, committer: string, message: Uint8Array, random: Random): Commitment {
  const salt = random(COMMITMENT_SALT_BYTES)
  return { commitment: digest(sid, committer, salt, message), salt }
}

/** Whether (`message`, `salt`) opens `commitment` of `committer` in `sid`. */
export function verifyCommitment (sid: Uint8Array, committer: string, message: Uint8Array, salt: Uint8Array, commitment: Uint8Array): boolean {
  if (commitment.length !== HASH_BYTES || salt.length !== COMMITMENT_SALT_BYTES) return false
  return timingSafeEqual(digest(sid, committer, salt, message), commitment)
}
