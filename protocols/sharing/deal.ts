// Nested dealing (DESIGN section 2): an outer Shamir split of x over committees,
// then an inner split of each committee share over that committee's members.
import { curveFor, CURVE_NAMES, type Point, type RandomBytes, type CurveName } from './curves.js'
import { dealsEvenY, hasEvenY } from './encoding.js'
import { InvalidParamsError, InvalidScalarError } from './errors.js'
import { dealScalar } from './dealer.js'
import { SecretScalar } from './secret.js'

export interface SharingParams {
  scheme: CurveName
  /** C, the number of committees; committees are numbered 1..C. */
  committees: number
  /** Committees needed to sign (outer threshold), 1..C. */
  tc: number
  /** Members needed per committee (inner threshold), at least 1 and at most each committee's size. */
  tm: number
  /** Size of each committee, in committee order; length C. Members are numbered 1..size. */
  members: readonly number[]
}

export interface DealInput extends SharingParams {
  /** The key to share; a fresh random one when absent. secp256k1: negated first if x·G has odd Y. */
  secret?: SecretScalar
}

export interface MemberShare { member: number, share: SecretScalar }

export interface CommitteePublic {
  committee: number
  /** `G_{c,k} = b_{c,k}·G`, k = 0..tm-1; `G_{c,0} = s_c·G`. */
  innerCommitments: Point[]
}

export interface CommitteeDeal extends CommitteePublic { shares: MemberShare[] }

/** Everything about a dealt key that anyone may see: the public record. */
export interface NestedPublic {
  scheme: CurveName
  /** X = x·G = outer.commitments[0]; secp256k1: always even Y. */
  groupPublicKey: Point
  /** `F_j = a_j·G`, j = 0..tc-1. */
  outer: { commitments: Point[] }
  committees: CommitteePublic[]
}

/** The dealer's output: the public record plus one sealed-to-be sub-share per member. */
export interface NestedDeal extends NestedPublic {
  committees: CommitteeDeal[]
  /** secp256k1: true when the dealt key is the negation of `secret` (or of the drawn key). */
  secretNegated: boolean
}

function isCount (n: unknown, min: number): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= min
}

/** Throws `InvalidParamsError` unless 1 <= tc <= C, members has C entries and tm <= every committee size. */
export function validateParams (params: SharingParams): void {
  const { scheme, committees: C, tc, tm, members } = params
  if (!CURVE_NAMES.includes(scheme)) throw new InvalidParamsError(`unknown scheme ${String(scheme)}`)
  if (!isCount(C, 1)) throw new InvalidParamsError(`committees must be an integer >= 1, got ${C}`)
  if (!isCount(tc, 1) || tc > C) throw new InvalidParamsError(`tc must be an integer in 1..${C}, got ${tc}`)
  if (!isCount(tm, 1)) throw new InvalidParamsError(`tm must be an integer >= 1, got ${tm}`)
  if (!Array.isArray(members) || members.length !== C) {
    throw new InvalidParamsError(`members must list the size of each of the ${C} committees`)
  }
  members.forEach((size, i) => {
    if (!isCount(size, tm)) throw new InvalidParamsError(`committee ${i + 1} has ${size} members, needs an integer >= tm = ${tm}`)
  })
}

/**
 * Deals `x` (or a fresh key) to `C` committees. Randomness is drawn in a fixed order (secret
 * if absent, outer coefficients a_1.., then each committee's b_{c,1}.. in committee order),
 * so one seed always gives one deal. The intermediate scalars (a_j, s_c, b_{c,k}) are
 * JS bigints and cannot be wiped; they are dropped on return.
 */
export function dealNested (input: DealInput, randomBytes: RandomBytes): NestedDeal {
  validateParams(input)
  const { scheme } = input
  const curve = curveFor(scheme)
  let x = input.secret === undefined ? curve.randomScalar(randomBytes) : curve.Fn.create(input.secret.expose())
  if (x === 0n) throw new InvalidScalarError('the secret must not be zero')

  // BIP340 keys are x-only with even Y; deal -x when x·G has odd Y so that X itself is the key.
  let secretNegated = false
  if (dealsEvenY(scheme) && !hasEvenY(curve.mulBase(x))) {
    x = curve.Fn.neg(x)
    secretNegated = true
  }

  const dealt = dealScalar(input, new SecretScalar(x), randomBytes)
  const groupPublicKey = dealt.outer[0]
  if (groupPublicKey === undefined) throw new Error('unreachable: tc >= 1 gives at least one commitment')
  return { scheme, groupPublicKey, outer: { commitments: dealt.outer }, committees: dealt.committees, secretNegated }
}

/** The public record of a deal, with every sub-share left out. */
export function publicPart (deal: NestedPublic): NestedPublic {
  return {
    scheme: deal.scheme,
    groupPublicKey: deal.groupPublicKey,
    outer: { commitments: [...deal.outer.commitments] },
    committees: deal.committees.map(c => ({ committee: c.committee, innerCommitments: [...c.innerCommitments] }))
  }
}
