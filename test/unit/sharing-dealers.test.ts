// Nested dealing by nodes (protocols/sharing/dealer.ts, DESIGN 9): dealers'
// sharings add up, any valid party of the new structure reconstructs the same
// key, and one wrong dealer is detected and named. Tests reconstruct; production
// code never does.
import { describe, expect, it } from 'vitest'
import { fc, test } from '@fast-check/vitest'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  checkResharingConstant, combineSubShares, contributionPublic, contributionsEqual, curveFor, dealNested, dealScalar,
  hasEvenY, InvalidDealerError, lagrangeAtZero, negateContribution, negateShare, partyCoefficients, proveKnowledge,
  publicShare, CURVE_NAMES, SecretScalar, sumContributions, verifyContribution, verifyKnowledge, verifyNestedPublic,
  type Contribution, type DealtContribution, type Party, type CurveName, type SharingParams
} from '../../protocols/sharing/index.js'
import { allParties, seeded } from '../helpers/deterministic.js'

/** A structure: 1..4 committees of 1..4 members, thresholds within range. */
const structure = (scheme: CurveName): fc.Arbitrary<SharingParams> =>
  fc.integer({ min: 1, max: 4 }).chain(committees =>
    fc.tuple(
      fc.integer({ min: 1, max: committees }),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: committees, maxLength: committees })
    ).chain(([tc, members]) =>
      fc.integer({ min: 1, max: Math.min(...members) }).map(tm => ({ scheme, committees, tc, tm, members }))))

/** What every receiver holds after the dealers' sub-shares were combined: committee → member → share. */
type Holdings = Map<number, Map<number, SecretScalar>>

function receive (params: SharingParams, dealers: ReadonlyArray<{ id: string, dealt: DealtContribution }>, negate: boolean): Holdings {
  const holdings: Holdings = new Map()
  for (let c = 1; c <= params.committees; c++) {
    const row = new Map<number, SecretScalar>()
    for (let m = 1; m <= params.members[c - 1]!; m++) {
      const received = dealers.map(d => ({
        dealer: d.id,
        contribution: contributionPublic(d.dealt),
        share: d.dealt.committees[c - 1]!.shares[m - 1]!.share
      }))
      const sum = combineSubShares(params.scheme, c, m, received)
      row.set(m, negate ? negateShare(params.scheme, sum) : sum)
    }
    holdings.set(c, row)
  }
  return holdings
}

/** Test-only: x = Σ κ·s over a party. */
function reconstruct (params: SharingParams, holdings: Holdings, party: Party): bigint {
  const curve = curveFor(params.scheme)
  return partyCoefficients(params, party).reduce(
    (x, s) => curve.Fn.add(x, curve.Fn.mul(s.kappa, holdings.get(s.committee)!.get(s.member)!.expose())), 0n)
}

/** A spread sample of at most `n` parties (every party when there are few). */
function sampleParties (params: SharingParams, n = 8): Party[] {
  const all = allParties(params)
  const step = Math.max(1, Math.floor(all.length / n))
  return all.filter((_, i) => i % step === 0).slice(0, n)
}

function asRecord (sum: Contribution): Parameters<typeof verifyNestedPublic>[1] {
  return { scheme: sum.scheme, groupPublicKey: sum.outer[0]!, outer: { commitments: sum.outer }, committees: sum.committees }
}

describe.each(CURVE_NAMES)('%s: nested dealing by nodes', (scheme) => {
  const curve = curveFor(scheme)

  test.prop([structure(scheme), fc.integer({ min: 2, max: 4 }), fc.string({ minLength: 1, maxLength: 12 })], { numRuns: 12 })(
    'DKG: the dealers\' sharings add up, every party reconstructs Σ z_i, and X = Σ C_{i,0} (negated for odd Y)',
    (params, dealerCount, seed) => {
      const rng = seeded(`dkg/${seed}`)
      const dealers = Array.from({ length: dealerCount }, (_, i) => {
        const z = new SecretScalar(curve.randomScalar(rng))
        return { id: `dealer-${i + 1}`, z, dealt: dealScalar(params, z, rng) }
      })
      for (const d of dealers) verifyContribution(params, d.dealt, d.id)
      let sum = sumContributions(dealers.map(d => contributionPublic(d.dealt)))
      const negate = scheme === 'secp256k1' && !hasEvenY(sum.outer[0]!)
      if (negate) sum = negateContribution(sum)
      verifyNestedPublic(params, asRecord(sum))

      const z = dealers.reduce((acc, d) => curve.Fn.add(acc, d.z.expose()), 0n)
      const x = negate ? curve.Fn.neg(z) : z
      expect(curve.pointEquals(sum.outer[0]!, curve.mulBase(x))).toBe(true)
      // No single dealer's constant term is the key.
      for (const d of dealers) expect(curve.pointEquals(d.dealt.outer[0]!, sum.outer[0]!)).toBe(false)

      const holdings = receive(params, dealers, negate)
      for (const [c, row] of holdings) {
        for (const [m, share] of row) {
          expect(curve.pointEquals(curve.mulBase(share.expose()), publicShare(scheme, sum.committees[c - 1]!.innerCommitments, m))).toBe(true)
        }
      }
      for (const party of sampleParties(params)) expect(reconstruct(params, holdings, party)).toBe(x)
    })

  test.prop([structure(scheme), structure(scheme), fc.string({ minLength: 1, maxLength: 12 })], { numRuns: 12 })(
    'resharing: a valid old party deals κ_i·s_i to a new structure; every new party reconstructs the same x and X is unchanged',
    (oldParams, newParams, seed) => {
      const rng = seeded(`reshare/${seed}`)
      const old = dealNested(oldParams, rng)
      const oldParties = allParties(oldParams)
      const quorum = oldParties[Math.floor(rng(1)[0]! / 256 * oldParties.length)]!
      const dealers = partyCoefficients(oldParams, quorum).map(s => {
        const share = old.committees[s.committee - 1]!.shares[s.member - 1]!.share
        const w = new SecretScalar(curve.Fn.mul(s.kappa, share.expose()))
        const id = `old-${s.committee}/${s.member}`
        const dealt = dealScalar(newParams, w, rng)
        checkResharingConstant(scheme, id, dealt, s.kappa, publicShare(scheme, old.committees[s.committee - 1]!.innerCommitments, s.member))
        verifyContribution(newParams, dealt, id)
        return { id, dealt }
      })
      const sum = sumContributions(dealers.map(d => contributionPublic(d.dealt)))
      expect(curve.pointEquals(sum.outer[0]!, old.groupPublicKey)).toBe(true)
      verifyNestedPublic(newParams, asRecord(sum))

      const x = reconstructOld(oldParams, old, quorum)
      const holdings = receive(newParams, dealers, false)
      for (const party of sampleParties(newParams)) expect(reconstruct(newParams, holdings, party)).toBe(x)
    })

  it('old-epoch shares combined with new-epoch shares reconstruct nothing', () => {
    const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
    const rng = seeded(`mix/${scheme}`)
    const old = dealNested(params, rng)
    const quorum: Party = new Map([[1, [1, 2]], [2, [1, 2]]])
    const x = reconstructOld(params, old, quorum)
    const dealers = partyCoefficients(params, quorum).map(s => ({
      id: `${s.committee}/${s.member}`,
      dealt: dealScalar(params, new SecretScalar(curve.Fn.mul(s.kappa, old.committees[s.committee - 1]!.shares[s.member - 1]!.share.expose())), rng)
    }))
    const fresh = receive(params, dealers, false)
    const stale: Holdings = new Map(old.committees.map(c => [c.committee, new Map(c.shares.map(s => [s.member, s.share]))]))
    // Committee 1 from the old epoch, committee 2 from the new: both halves valid, the mix is not.
    const mixed: Holdings = new Map([[1, stale.get(1)!], [2, fresh.get(2)!], [3, fresh.get(3)!]])
    expect(reconstruct(params, fresh, quorum)).toBe(x)
    expect(reconstruct(params, mixed, quorum)).not.toBe(x)
    // Within one committee too: member 1 old, member 2 new.
    const withinMix: Holdings = new Map([[1, new Map([[1, stale.get(1)!.get(1)!], [2, fresh.get(1)!.get(2)!]])], [2, fresh.get(2)!]])
    expect(reconstruct(params, withinMix, quorum)).not.toBe(x)
  })

  describe('one wrong dealer is detected and named', () => {
    const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
    const rng = seeded(`wrong/${scheme}`)
    const dealers = ['alice', 'bob', 'carol'].map(id => ({ id, dealt: dealScalar(params, new SecretScalar(curve.randomScalar(rng)), rng) }))

    it('a wrong sub-share names its dealer', () => {
      const received = dealers.map(d => ({ dealer: d.id, contribution: contributionPublic(d.dealt), share: d.dealt.committees[1]!.shares[2]!.share }))
      received[1] = { ...received[1]!, share: new SecretScalar(curve.Fn.add(received[1]!.share.expose(), 1n)) }
      expect(() => combineSubShares(scheme, 2, 3, received)).toThrow(InvalidDealerError)
      try { combineSubShares(scheme, 2, 3, received) } catch (err) { expect((err as InvalidDealerError).dealer).toBe('bob') }
    })

    it('a contribution whose committee does not fit its outer commitments names its dealer', () => {
      const bad = contributionPublic(dealers[2]!.dealt)
      bad.committees[0]!.innerCommitments[0] = curve.mulBase(5n)
      expect(() => verifyContribution(params, bad, 'carol')).toThrow(/dealer carol: committee 1/)
      const short = { ...contributionPublic(dealers[0]!.dealt), outer: [dealers[0]!.dealt.outer[0]!] }
      expect(() => verifyContribution(params, short, 'alice')).toThrow(/dealer alice: 1 outer commitments, expected 2/)
    })

    it('a resharing dealer whose constant is not κ_i·Y_i is named', () => {
      const old = dealNested(params, rng)
      const kappa = partyCoefficients(params, new Map([[1, [1, 2]], [2, [1, 2]]]))[0]!.kappa
      const Y = publicShare(scheme, old.committees[0]!.innerCommitments, 1)
      const honest = dealScalar(params, new SecretScalar(curve.Fn.mul(kappa, old.committees[0]!.shares[0]!.share.expose())), rng)
      expect(() => checkResharingConstant(scheme, 'dave', honest, kappa, Y)).not.toThrow()
      const other = dealScalar(params, new SecretScalar(curve.randomScalar(rng)), rng)
      expect(() => checkResharingConstant(scheme, 'mallory', other, kappa, Y)).toThrow(/dealer mallory: constant commitment/)
    })
  })

  it('sums and negation are pointwise', () => {
    const params: SharingParams = { scheme, committees: 2, tc: 2, tm: 2, members: [2, 3] }
    const rng = seeded(`sum/${scheme}`)
    const a = dealScalar(params, new SecretScalar(3n), rng)
    const b = dealScalar(params, new SecretScalar(4n), rng)
    const sum = sumContributions([a, b])
    expect(curve.pointEquals(sum.outer[0]!, curve.mulBase(7n))).toBe(true)
    expect(contributionsEqual(negateContribution(negateContribution(sum)), sum)).toBe(true)
    expect(curve.pointEquals(negateContribution(sum).outer[0]!, curve.mulBase(curve.Fn.neg(7n)))).toBe(true)
    expect(() => sumContributions([a, dealScalar({ ...params, tm: 1 }, new SecretScalar(1n), rng)])).toThrow(/different shapes/)
  })

  test.prop([fc.string({ maxLength: 20 })], { numRuns: 10 })('a proof of knowledge verifies only for its own value and context', (ctx) => {
    const rng = seeded(`pok/${ctx}`)
    const z = new SecretScalar(curve.randomScalar(rng))
    const Z = curve.mulBase(z.expose())
    const context = utf8ToBytes(`session/${ctx}`)
    const proof = proveKnowledge(scheme, z, Z, context, rng)
    expect(verifyKnowledge(scheme, Z, context, proof)).toBe(true)
    expect(verifyKnowledge(scheme, Z, utf8ToBytes(`other/${ctx}`), proof)).toBe(false)
    expect(verifyKnowledge(scheme, curve.addPoints(Z, curve.mulBase(1n)), context, proof)).toBe(false)
    expect(verifyKnowledge(scheme, Z, context, { ...proof, response: curve.Fn.add(proof.response, 1n) })).toBe(false)
  })
})

/** Test-only reconstruction from an old (client-dealt) deal. */
function reconstructOld (params: SharingParams, deal: ReturnType<typeof dealNested>, party: Party): bigint {
  const curve = curveFor(params.scheme)
  const cs = [...party.keys()]
  let x = 0n
  for (const [c, ms] of party) {
    for (const m of ms) {
      const kappa = curve.Fn.mul(lagrangeAtZero(curve, cs, c), lagrangeAtZero(curve, ms, m))
      x = curve.Fn.add(x, curve.Fn.mul(kappa, deal.committees[c - 1]!.shares[m - 1]!.share.expose()))
    }
  }
  return x
}
