// Coordinator side: each signer's verifying share for this session, from public registry data
// only — Y_{c,m} from its committee's inner commitments, scaled by the same κ/λ_flat as its share.
import { curveFor, encodePoint, publicShare, type CommitteePublic, type Point } from '../sharing/index.js'
import type { SigningSession } from './session.js'
import { signerTag, type SignerId } from './types.js'

export interface SignerVerifyingShare extends SignerId {
  /** (κ/λ_flat)·Y_{c,m}: what this signer's signature share is checked against (RFC 9591 §5.4 PK_i). */
  verifyingShare: Point
}

/**
 * The verifying share of every signer of `session`, in session order. `committees` is the key's
 * registry data (each committee's inner commitments G_{c,k}); only the party's committees are read.
 */
export function verifyingShares (session: SigningSession, committees: readonly CommitteePublic[]): SignerVerifyingShare[] {
  const curve = curveFor(session.scheme)
  return session.signers.map(s => {
    const inner = committees.find(c => c.committee === s.committee)?.innerCommitments
    if (inner === undefined) throw new RangeError(`no inner commitments for committee ${s.committee}`)
    const y = publicShare(session.scheme, inner, s.member)
    return { committee: s.committee, member: s.member, verifyingShare: curve.mulPublic(y, s.factor) }
  })
}

/** Flat identifier → encoded verifying share, as the backend wants it. */
export function verifyingShareBytes (session: SigningSession, shares: readonly SignerVerifyingShare[]): Record<string, Uint8Array> {
  const byTag = new Map(shares.map(v => [signerTag(v), v.verifyingShare]))
  const out: Record<string, Uint8Array> = {}
  for (const s of session.signers) {
    const point = byTag.get(signerTag(s))
    if (point === undefined) throw new RangeError(`no verifying share for committee ${s.committee} member ${s.member}`)
    const bytes = encodePoint(session.scheme, point)
    for (const identifier of s.identifiers) out[identifier] = bytes
  }
  return out
}
