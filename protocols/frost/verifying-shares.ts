// Coordinator side: each signer's verifying share for this session, from public registry data
// only — Y_{c,m} from its committee's inner commitments (RFC 9591 §5.4 PK_i; κ is applied in the check).
import { publicShare, type CommitteePublic, type Point } from '../sharing/index.js'
import type { ComputedShares, FrostContext } from './context.js'
import { encodeOnce, publicShareElement } from './elements.js'
import type { Element } from './group/types.js'
import type { SigningSession } from './session.js'
import { signerTag, type SignerId } from './types.js'

export interface SignerVerifyingShare extends SignerId {
  /** Y_{c,m} = s_{c,m}·G for an honest deal: what this signer's share is checked against, with its κ. */
  verifyingShare: Point
}

/**
 * The verifying share of every signer of `session`, in session order. `committees` is the key's
 * registry data (each committee's inner commitments G_{c,k}); only the party's committees are read.
 * The group work is done once per key record and member, and the whole answer is reused while the
 * registry data holds the same point objects; the `verifyingShare` point itself is only computed
 * (with noble) if someone reads it. What was computed is remembered by the Frost (`ctx`).
 */
export function verifyingShares (ctx: FrostContext, session: SigningSession, committees: readonly CommitteePublic[]): SignerVerifyingShare[] {
  const inners = session.signers.map(s => {
    const inner = committees.find(c => c.committee === s.committee)?.innerCommitments
    if (inner === undefined) throw new RangeError(`no inner commitments for committee ${s.committee}`)
    return inner
  })
  const byRegistry = ctx.computedShares.get(session.signers)
  const known = byRegistry?.get(committees)
  const points = inners.flat()
  if (known !== undefined && known.inners.every((inner, i) => inner === inners[i]) &&
    known.points.length === points.length && known.points.every((p, i) => p === points[i])) {
    return [...known.shares]
  }
  const shares = session.signers.map((s, i) => {
    const inner = inners[i]!
    const element = publicShareElement(ctx, session.scheme, inner, s.member)
    const snapshot = [...inner]
    let point: Point | undefined
    const share = Object.freeze({
      committee: s.committee,
      member: s.member,
      get verifyingShare (): Point {
        point ??= publicShare(session.scheme, snapshot, s.member)
        return point
      }
    }) as SignerVerifyingShare
    ctx.verifyingShareElements.set(share, { scheme: session.scheme, point: undefined, element })
    return share
  })
  const forShape = byRegistry ?? new WeakMap<readonly CommitteePublic[], ComputedShares>()
  forShape.set(committees, { inners, points, shares })
  ctx.computedShares.set(session.signers, forShape)
  return [...shares]
}

/** The validated element of a verifying share: remembered, or decoded from its point. */
export function verifyingShareElement (ctx: FrostContext, session: SigningSession, share: SignerVerifyingShare): Element {
  const known = ctx.verifyingShareElements.get(share)
  // Ours have a getter-only point (`point` undefined here); a hand-made one may have been changed.
  if (known !== undefined && known.scheme === session.scheme && (known.point === undefined || known.point === share.verifyingShare)) return known.element
  const element = ctx.group(session.scheme).decode(encodeOnce(ctx, session.scheme, share.verifyingShare))
  ctx.verifyingShareElements.set(share, { scheme: session.scheme, point: share.verifyingShare, element })
  return element
}

/** Signer tag → its verifying share; throws `RangeError` for a signer of the session without one. */
export function verifyingSharesBySigner (session: SigningSession, shares: readonly SignerVerifyingShare[]): Map<string, SignerVerifyingShare> {
  const byTag = new Map(shares.map(v => [signerTag(v), v]))
  for (const s of session.signers) {
    if (!byTag.has(signerTag(s))) throw new RangeError(`no verifying share for committee ${s.committee} member ${s.member}`)
  }
  return byTag
}
