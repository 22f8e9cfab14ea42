// Signing parties and their nested coefficients κ = λ_c·μ_m (DESIGN section 2):
// a party is exactly tc committees, each with exactly tm of its members.
import { curveFor, type CurveName } from './curves.js'
import type { SharingParams } from './deal.js'
import { InvalidPartyError } from './errors.js'
import { lagrangeAtZero } from './polynomial.js'

/** Committee → the members of it that sign. */
export type Party = ReadonlyMap<number, readonly number[]>

export interface PartySigner { committee: number, member: number, kappa: bigint }

/** The party a list of (committee, member) slots makes, e.g. a sign party's members or a reshare quorum. */
export function partyOfSlots (slots: Iterable<{ committee: number, member: number }>): Map<number, number[]> {
  const party = new Map<number, number[]>()
  for (const s of slots) party.set(s.committee, [...(party.get(s.committee) ?? []), s.member])
  return party
}

/**
 * Signer (c, m)'s coefficient `κ = λ_c(committeeSet) · μ_m(memberSet)`, both Lagrange
 * coefficients at 0, so that `x = Σ κ·s_{c,m}` over the party.
 */
export function signingCoefficient (
  scheme: CurveName, committeeSet: readonly number[], committee: number, memberSet: readonly number[], member: number
): bigint {
  const curve = curveFor(scheme)
  return curve.Fn.mul(lagrangeAtZero(curve, committeeSet, committee), lagrangeAtZero(curve, memberSet, member))
}

function ascending (xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b)
}

/**
 * Returns the party with committees and members in ascending order, or throws
 * `InvalidPartyError` (naming the committee when one is at fault). Accepted: exactly `tc`
 * distinct committees in 1..C, each with exactly `tm` distinct members in 1..size(c).
 * More would reconstruct too, but costs every signer work and gives no extra safety.
 */
export function validateParty (params: SharingParams, party: Party): Party {
  const { committees: C, tc, tm, members } = params
  if (party.size !== tc) throw new InvalidPartyError(`a party has exactly ${tc} committees, got ${party.size}`)
  const out = new Map<number, number[]>()
  for (const committee of ascending([...party.keys()])) {
    if (!Number.isSafeInteger(committee) || committee < 1 || committee > C) {
      throw new InvalidPartyError(`committee ${committee} is outside 1..${C}`, committee)
    }
    const size = members[committee - 1] ?? 0
    const chosen = party.get(committee) ?? []
    if (chosen.length !== tm) {
      throw new InvalidPartyError(`committee ${committee} has ${chosen.length} signers, needs exactly ${tm}`, committee)
    }
    if (new Set(chosen).size !== chosen.length) throw new InvalidPartyError(`committee ${committee} repeats a member`, committee)
    for (const m of chosen) {
      if (!Number.isSafeInteger(m) || m < 1 || m > size) {
        throw new InvalidPartyError(`committee ${committee} member ${m} is outside 1..${size}`, committee)
      }
    }
    out.set(committee, ascending(chosen))
  }
  return out
}

/** Every signer of a valid party with its κ, committees then members ascending. */
export function partyCoefficients (params: SharingParams, party: Party): PartySigner[] {
  const valid = validateParty(params, party)
  const committeeSet = [...valid.keys()]
  const signers: PartySigner[] = []
  for (const [committee, memberSet] of valid) {
    for (const member of memberSet) {
      signers.push({ committee, member, kappa: signingCoefficient(params.scheme, committeeSet, committee, memberSet, member) })
    }
  }
  return signers
}
