// Nested dealing by nodes (DESIGN section 9): a node deals a scalar to a
// committee structure exactly as a client deals a key (section 2), and the
// receivers add up what several dealers sent. Sums of Feldman sharings are
// Feldman sharings of the sum with the commitments added pointwise, so each
// receiver checks every dealer's sub-share on its own and everyone can check
// the summed record. Used by DKG (every dealer deals a random scalar) and by
// resharing (holder i deals w_i = κ_i·s_i, checked by C_{i,0} = κ_i·Y_i).
import { curveFor, type Point, type RandomBytes, type CurveName } from './curves.js'
import type { CommitteeDeal, CommitteePublic, SharingParams } from './deal.js'
import { validateParams } from './deal.js'
import { InvalidDealerError, InvalidParamsError, SharingError } from './errors.js'
import { commitPolynomial, evaluatePolynomial, randomPolynomial } from './polynomial.js'
import { SecretScalar } from './secret.js'
import { publicShare, verifyCommitteeConsistency } from './verify.js'

/** The public part of one dealer's nested sharing: `outer[0] = w·G`, and every committee's inner commitments. */
export interface Contribution {
  scheme: CurveName
  outer: Point[]
  committees: CommitteePublic[]
}

/** One dealer's whole sharing of `w`: the contribution plus every member's sub-share. */
export interface DealtContribution extends Contribution {
  committees: CommitteeDeal[]
}

/**
 * Deals `w` to the structure `params` (outer polynomial over committees, inner over
 * members), with no even-Y rule: a dealer's scalar is one term of a sum, and only the
 * sum is a key. Randomness is drawn in the order of `dealNested` (a_1.., then b_{c,k}).
 */
export function dealScalar (params: SharingParams, w: SecretScalar, randomBytes: RandomBytes): DealtContribution {
  validateParams(params)
  const { scheme, tc, tm, members } = params
  const curve = curveFor(scheme)
  const f = randomPolynomial(curve, curve.Fn.create(w.expose()), tc - 1, randomBytes)
  const committees: CommitteeDeal[] = members.map((size, i) => {
    const committee = i + 1
    const g = randomPolynomial(curve, evaluatePolynomial(curve, f, committee), tm - 1, randomBytes)
    const shares = []
    for (let member = 1; member <= size; member++) shares.push({ member, share: new SecretScalar(evaluatePolynomial(curve, g, member)) })
    return { committee, innerCommitments: commitPolynomial(curve, g), shares }
  })
  return { scheme, outer: commitPolynomial(curve, f), committees }
}

/** The contribution without its sub-shares. */
export function contributionPublic (dealt: Contribution): Contribution {
  return {
    scheme: dealt.scheme,
    outer: [...dealt.outer],
    committees: dealt.committees.map(c => ({ committee: c.committee, innerCommitments: [...c.innerCommitments] }))
  }
}

/**
 * Checks the shape and Feldman consistency of one dealer's contribution against the
 * structure: `tc` outer commitments, committees 1..C in order with `tm` inner commitments
 * each, `G_{c,0} = Σ_j F_j c^j`. Throws `InvalidDealerError` naming `dealer`.
 */
export function verifyContribution (params: SharingParams, contribution: Contribution, dealer: string): void {
  const { scheme, tc, tm, committees: C } = params
  const fail = (detail: string): never => { throw new InvalidDealerError(dealer, detail) }
  if (contribution.scheme !== scheme) fail(`dealt for ${contribution.scheme}, expected ${scheme}`)
  if (contribution.outer.length !== tc) fail(`${contribution.outer.length} outer commitments, expected ${tc}`)
  if (contribution.committees.length !== C) fail(`${contribution.committees.length} committees, expected ${C}`)
  contribution.committees.forEach((c, i) => {
    if (c.committee !== i + 1) fail(`committee ${i + 1} is listed as ${c.committee}`)
    if (c.innerCommitments.length !== tm) fail(`committee ${c.committee} has ${c.innerCommitments.length} inner commitments, expected ${tm}`)
    try {
      verifyCommitteeConsistency(scheme, contribution.outer, c.committee, c.innerCommitments)
    } catch (err) {
      if (err instanceof SharingError) fail(err.message)
      throw err
    }
  })
}

function zip (contributions: readonly Contribution[], combine: (points: Point[]) => Point): Contribution {
  const first = contributions[0]
  if (first === undefined) throw new InvalidParamsError('no contributions to add up')
  const same = contributions.every(c => c.scheme === first.scheme && c.outer.length === first.outer.length &&
    c.committees.length === first.committees.length &&
    c.committees.every((k, i) => k.innerCommitments.length === first.committees[i]!.innerCommitments.length))
  if (!same) throw new InvalidParamsError('contributions of different shapes cannot be added')
  return {
    scheme: first.scheme,
    outer: first.outer.map((_, j) => combine(contributions.map(c => c.outer[j]!))),
    committees: first.committees.map((k, i) => ({
      committee: k.committee,
      innerCommitments: k.innerCommitments.map((_, j) => combine(contributions.map(c => c.committees[i]!.innerCommitments[j]!)))
    }))
  }
}

/** Σ of the contributions, commitment by commitment: the public part of the summed sharing. */
export function sumContributions (contributions: readonly Contribution[]): Contribution {
  const curve = curveFor(contributions[0]?.scheme ?? 'ed25519')
  return zip(contributions, points => points.reduce((acc, p) => curve.addPoints(acc, p), curve.identity))
}

/** `−C` for every commitment: the public part of the negated sharing (BIP340 even Y). */
export function negateContribution (contribution: Contribution): Contribution {
  const curve = curveFor(contribution.scheme)
  const minusOne = curve.Fn.neg(1n)
  return zip([contribution], ([p]) => curve.mulPublic(p!, minusOne))
}

/** Whether two contributions are the same points, commitment by commitment. */
export function contributionsEqual (a: Contribution, b: Contribution): boolean {
  if (a.scheme !== b.scheme || a.outer.length !== b.outer.length || a.committees.length !== b.committees.length) return false
  const curve = curveFor(a.scheme)
  const same = (p: readonly Point[], q: readonly Point[]): boolean => p.length === q.length && p.every((x, i) => curve.pointEquals(x, q[i]!))
  return same(a.outer, b.outer) && a.committees.every((c, i) => c.committee === b.committees[i]!.committee && same(c.innerCommitments, b.committees[i]!.innerCommitments))
}

/**
 * The public check on a resharing dealer (DESIGN 9, step 1): holder i of the old
 * structure deals `w_i = κ_i·s_i`, so its constant term must be `κ_i·Y_i`, where `Y_i`
 * is its public share under the old record. Then `Σ C_{i,0} = Σ κ_i·Y_i = X` over a
 * valid old party: the group key cannot change. Throws `InvalidDealerError` naming `dealer`.
 */
export function checkResharingConstant (scheme: CurveName, dealer: string, contribution: Contribution, kappa: bigint, oldPublicShare: Point): void {
  const curve = curveFor(scheme)
  const constant = contribution.outer[0]
  if (constant === undefined || !curve.pointEquals(constant, curve.mulPublic(oldPublicShare, kappa))) {
    throw new InvalidDealerError(dealer, 'constant commitment C_{i,0} differs from κ_i·Y_i (the dealer did not reshare its own share)')
  }
}

/** What one dealer sent a receiver: its contribution and the opened sub-share for the receiver's slot. */
export interface ReceivedSubShare {
  dealer: string
  contribution: Contribution
  share: SecretScalar
}

/**
 * A receiver (committee, member) checks each dealer's sub-share against that dealer's
 * inner commitments for its committee and returns the sum. Throws `InvalidDealerError`
 * naming the first dealer whose sub-share does not match.
 */
export function combineSubShares (scheme: CurveName, committee: number, member: number, received: readonly ReceivedSubShare[]): SecretScalar {
  if (received.length === 0) throw new InvalidParamsError('no sub-shares to add up')
  const curve = curveFor(scheme)
  let sum = 0n
  for (const { dealer, contribution, share } of received) {
    const inner = contribution.committees[committee - 1]?.innerCommitments
    if (inner === undefined) throw new InvalidDealerError(dealer, `no commitments for committee ${committee}`)
    if (!curve.pointEquals(curve.mulBase(share.expose()), publicShare(scheme, inner, member))) {
      throw new InvalidDealerError(dealer, `sub-share for committee ${committee} member ${member} does not match its inner commitments`)
    }
    sum = curve.Fn.add(sum, share.expose())
  }
  return new SecretScalar(sum)
}

/** `−s`: a holder's share of the negated sharing. */
export function negateShare (scheme: CurveName, share: SecretScalar): SecretScalar {
  return new SecretScalar(curveFor(scheme).Fn.neg(share.expose()))
}
