// Coordinator side: each signer's verifying share for this session, from public registry data
// only — Y_{c,m} from its committee's inner commitments (RFC 9591 §5.4 PK_i; κ is applied in the check).
import { publicShare, type CommitteePublic, type Point } from '../sharing/index.js'
import { encodeOnce, publicShareElement } from './elements.js'
import { groupFor } from './group/select.js'
import type { Element, GroupBackend } from './group/types.js'
import type { SigningSession } from './session.js'
import { signerTag, type SignerId } from './types.js'

export interface SignerVerifyingShare extends SignerId {
  /** Y_{c,m} = s_{c,m}·G for an honest deal: what this signer's share is checked against, with its κ. */
  verifyingShare: Point
}

/** Elements of the verifying shares this module handed out; others are decoded when used. */
const elements = new WeakMap<SignerVerifyingShare, { group: GroupBackend, point: Point | undefined, element: Element }>()

interface Computed { group: GroupBackend, inners: ReadonlyArray<readonly Point[]>, points: readonly Point[], shares: readonly SignerVerifyingShare[] }
/** The last result per party shape (sessions of one shape share their `signers` array) and registry data. */
const computed = new WeakMap<readonly unknown[], WeakMap<readonly CommitteePublic[], Computed>>()

/**
 * The verifying share of every signer of `session`, in session order. `committees` is the key's
 * registry data (each committee's inner commitments G_{c,k}); only the party's committees are read.
 * The group work is done once per key record and member, and the whole answer is reused while the
 * registry data holds the same point objects; the `verifyingShare` point itself is only computed
 * (with noble) if someone reads it.
 */
export function verifyingShares (session: SigningSession, committees: readonly CommitteePublic[]): SignerVerifyingShare[] {
  const group = groupFor(session.scheme)
  const inners = session.signers.map(s => {
    const inner = committees.find(c => c.committee === s.committee)?.innerCommitments
    if (inner === undefined) throw new RangeError(`no inner commitments for committee ${s.committee}`)
    return inner
  })
  const byRegistry = computed.get(session.signers)
  const known = byRegistry?.get(committees)
  const points = inners.flat()
  if (known !== undefined && known.group === group && known.inners.every((inner, i) => inner === inners[i]) &&
    known.points.length === points.length && known.points.every((p, i) => p === points[i])) {
    return [...known.shares]
  }
  const shares = session.signers.map((s, i) => {
    const inner = inners[i]!
    const element = publicShareElement(session.scheme, inner, s.member)
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
    elements.set(share, { group, point: undefined, element })
    return share
  })
  const forShape = byRegistry ?? new WeakMap<readonly CommitteePublic[], Computed>()
  forShape.set(committees, { group, inners, points, shares })
  computed.set(session.signers, forShape)
  return [...shares]
}

/** The validated element of a verifying share: remembered, or decoded from its point. */
export function verifyingShareElement (session: SigningSession, share: SignerVerifyingShare): Element {
  const group = groupFor(session.scheme)
  const known = elements.get(share)
  // Ours have a getter-only point (`point` undefined here); a hand-made one may have been changed.
  if (known !== undefined && known.group === group && (known.point === undefined || known.point === share.verifyingShare)) return known.element
  const element = group.decode(encodeOnce(session.scheme, share.verifyingShare))
  elements.set(share, { group, point: share.verifyingShare, element })
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
