// Structural checks shared by the round functions: the commitments (or shares) name exactly the
// session's signers, once each; the RFC's flat commitment_list and its digest are built from them.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { FrostContext } from './context.js'
import { commitmentElements } from './elements.js'
import { SigningSetError } from './errors.js'
import type { ElementCommitment } from './rfc9591.js'
import type { SigningSession } from './session.js'
import { signerTag, type SignerId, type SigningCommitments } from './types.js'

/** Items keyed by signer; throws `SigningSetError` unless they are exactly the party, once each. */
export function bySigner<T extends SignerId> (session: SigningSession, items: readonly T[], what: string): Map<string, T> {
  const out = new Map<string, T>()
  const unexpected: SignerId[] = []
  const duplicated: SignerId[] = []
  const inParty = new Set(session.signers.map(signerTag))
  for (const item of items) {
    const tag = signerTag(item)
    const id = { committee: item.committee, member: item.member }
    if (!inParty.has(tag)) unexpected.push(id)
    else if (out.has(tag)) duplicated.push(id)
    else out.set(tag, item)
  }
  const missing = session.signers.filter(s => !out.has(signerTag(s))).map(s => ({ committee: s.committee, member: s.member }))
  if (missing.length > 0 || unexpected.length > 0 || duplicated.length > 0) {
    throw new SigningSetError(what, missing, unexpected, duplicated)
  }
  return out
}

/**
 * RFC 9591's commitment_list for the session, as validated elements: each signer's commitments
 * under each of its flat identifiers (a lone signer's pair appears under both of its identifiers).
 * Throws `SigningSetError` (structure) before `InvalidWireError` (a point that does not decode).
 */
export function elementCommitmentList (ctx: FrostContext, session: SigningSession, commitments: readonly SigningCommitments[]): ElementCommitment[] {
  const byTag = bySigner(session, commitments, 'commitments')
  return session.signers.flatMap(s => {
    const c = byTag.get(signerTag(s))
    if (c === undefined) throw new Error('unreachable: bySigner checked every signer')
    const { hiding, binding } = commitmentElements(ctx, session.scheme, c)
    return s.flatIds.map(identifier => ({ identifier, hiding, binding }))
  })
}

/**
 * SHA-256 of the session's commitment list in session order, for a signer to send with its share:
 * the coordinator compares digests to see equivocation (two signers signed over different lists)
 * instead of mistaking it for an invalid share. Input, as UTF-8 text:
 * `shardsig/v1/frost-commitment-list\n<scheme>\n<group key hex>\n` then one line per signer
 * `<committee>/<member> <hiding hex> <binding hex>\n`. Throws `SigningSetError` like the rounds.
 */
export function commitmentListDigest (session: SigningSession, commitments: readonly SigningCommitments[]): Uint8Array {
  const byTag = bySigner(session, commitments, 'commitments')
  let text = `shardsig/v1/frost-commitment-list\n${session.scheme}\n${bytesToHex(session.groupKeyBytes)}\n`
  for (const s of session.signers) {
    const c = byTag.get(signerTag(s))
    if (c === undefined) throw new Error('unreachable: bySigner checked every signer')
    text += `${s.committee}/${s.member} ${bytesToHex(c.hiding)} ${bytesToHex(c.binding)}\n`
  }
  return sha256(utf8ToBytes(text))
}
