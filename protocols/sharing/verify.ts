// Feldman checks on a nested deal (DESIGN section 2): a member checks its
// sub-share, anyone checks the public record, and public shares Y_{c,m} for FROST.
import { curveFor, type Point, type CurveName } from './curves.js'
import type { NestedPublic, SharingParams } from './deal.js'
import { dealsEvenY, hasEvenY } from './encoding.js'
import { InconsistentCommitteeError, InvalidGroupKeyError, InvalidParamsError, InvalidSubShareError } from './errors.js'
import { evaluateCommitments } from './polynomial.js'
import type { SecretScalar } from './secret.js'

function assertIndex (what: string, i: number): void {
  if (!Number.isSafeInteger(i) || i < 1) throw new InvalidParamsError(`${what} must be an integer >= 1, got ${i}`)
}

/** `Y_{c,m} = Σ_k G_{c,k} m^k`, the public share of member `m`: equals `s_{c,m}·G` for an honest deal. */
export function publicShare (scheme: CurveName, innerCommitments: readonly Point[], member: number): Point {
  assertIndex('member', member)
  return evaluateCommitments(curveFor(scheme), innerCommitments, member)
}

/**
 * Member `member` checks its sub-share against its committee's inner commitments:
 * `share·G == Σ_k G_{c,k} m^k`. Throws `InvalidSubShareError` naming the member (and the
 * committee when given); the dealer or the relay of that share is to blame.
 */
export function verifySubShare (
  scheme: CurveName, innerCommitments: readonly Point[], member: number, share: SecretScalar, committee?: number
): void {
  const curve = curveFor(scheme)
  if (!curve.pointEquals(curve.mulBase(share.expose()), publicShare(scheme, innerCommitments, member))) {
    throw new InvalidSubShareError(member, committee)
  }
}

/**
 * The inner sharing of committee `c` starts at the outer sharing's value at c:
 * `G_{c,0} == Σ_j F_j c^j`. Throws `InconsistentCommitteeError` naming the committee.
 */
export function verifyCommitteeConsistency (
  scheme: CurveName, outerCommitments: readonly Point[], committee: number, innerCommitments: readonly Point[]
): void {
  assertIndex('committee', committee)
  const curve = curveFor(scheme)
  const first = innerCommitments[0]
  if (first === undefined) throw new InconsistentCommitteeError(committee, 'no inner commitments')
  if (!curve.pointEquals(first, evaluateCommitments(curve, outerCommitments, committee))) {
    throw new InconsistentCommitteeError(committee)
  }
}

/**
 * Checks a whole public record against its parameters: X = F_0, tc outer and tm inner
 * commitments, committees 1..C in order, each consistent, and (secp256k1) X with even Y.
 * Every node runs this before accepting a key into its registry.
 */
export function verifyNestedPublic (params: SharingParams, record: NestedPublic): void {
  const { scheme, tc, tm } = params
  const curve = curveFor(scheme)
  if (record.scheme !== scheme) throw new InvalidParamsError(`record is for ${record.scheme}, expected ${scheme}`)
  const outer = record.outer.commitments
  if (outer.length !== tc) throw new InvalidParamsError(`expected ${tc} outer commitments, got ${outer.length}`)
  const f0 = outer[0]
  if (f0 === undefined || !curve.pointEquals(f0, record.groupPublicKey)) {
    throw new InvalidGroupKeyError('group public key differs from the outer commitment F_0')
  }
  if (dealsEvenY(scheme) && !hasEvenY(record.groupPublicKey)) {
    throw new InvalidGroupKeyError('secp256k1 group key has odd Y; BIP340 needs even Y')
  }
  if (record.committees.length !== params.committees) {
    throw new InvalidParamsError(`expected ${params.committees} committees, got ${record.committees.length}`)
  }
  record.committees.forEach((c, i) => {
    if (c.committee !== i + 1) throw new InconsistentCommitteeError(i + 1, `listed as committee ${c.committee}`)
    if (c.innerCommitments.length !== tm) {
      throw new InconsistentCommitteeError(c.committee, `expected ${tm} inner commitments, got ${c.innerCommitments.length}`)
    }
    verifyCommitteeConsistency(scheme, outer, c.committee, c.innerCommitments)
  })
}
