// FROST over nested shares (protocols/frost, DESIGN section 3): every valid party signs for the
// group key (checked by node:crypto / BIP340 verifiers), smaller parties cannot, bad shares are named.
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { schnorr } from '@noble/curves/secp256k1.js'
import { AggregationError, decodeSignatureShare, encodeCommitments, encodeSignatureShare, InvalidShareError, SigningSetError, type SignatureShare, type SignerKey, type SigningCommitments, type SigningSession } from '../../protocols/frost/index.js'
import { testFrost } from '../helpers/frost.js'
import {
  curveFor, dealNested, encodePoint, publicPart, CURVE_NAMES, xOnlyPublicKey,
  type NestedDeal, type Party, type CurveName, type SharingParams
} from '../../protocols/sharing/index.js'
import { allParties, range, seeded } from '../helpers/deterministic.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

const { aggregate, commit, createSession, decodeCommitments, signShare, verifyingShares, verifyShare, verifySignature } = testFrost

/** All parties, or an evenly spread sample of 12 when there are more than 30. */
function partiesToTry (p: SharingParams): Party[] {
  const all = allParties(p)
  if (all.length <= 30) return all
  const step = Math.floor(all.length / 12)
  return range(12).map(i => all[(i - 1) * step]!)
}

function keyOf (deal: NestedDeal, committee: number, member: number): SignerKey {
  const share = deal.committees[committee - 1]?.shares.find(s => s.member === member)?.share
  if (share === undefined) throw new Error(`no share for ${committee}/${member}`)
  return { scheme: deal.scheme, committee, member, share }
}

/** Sends a value through JSON, as the network would. */
const overTheWire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value))

interface Signed { session: SigningSession, commitments: SigningCommitments[], shares: SignatureShare[] }

/** Rounds 1 and 2 by every signer of `session`; commitments and shares cross the wire as hex. */
function signAll (deal: NestedDeal, session: SigningSession, message: Uint8Array, seed: string): Signed {
  const keys = session.signers.map(s => keyOf(deal, s.committee, s.member))
  const round1 = keys.map(k => commit(k, seeded(`${seed}/${k.committee}/${k.member}`)))
  const commitments = round1.map(r => decodeCommitments(deal.scheme, overTheWire(encodeCommitments(r.commitments))))
  const shares = keys.map((k, i) => signShare(session, k, round1[i]!.nonces, commitments, message))
  return { session, commitments, shares: shares.map(s => decodeSignatureShare(deal.scheme, overTheWire(encodeSignatureShare(s)))) }
}

function combine (deal: NestedDeal, signed: Signed, message: Uint8Array): Uint8Array {
  return aggregate(signed.session, verifyingShares(signed.session, publicPart(deal).committees), signed.commitments, message, signed.shares)
}

/** The verifier a user of the key would run, not protocols/frost's own. */
function independentlyVerifies (deal: NestedDeal, message: Uint8Array, sig: Uint8Array): boolean {
  if (deal.scheme === 'secp256k1') return schnorr.verify(sig, message, xOnlyPublicKey(deal.groupPublicKey))
  const x = Buffer.from(encodePoint('ed25519', deal.groupPublicKey)).toString('base64url')
  return nodeVerify(null, message, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }), sig)
}

/** Adds 1 to a share: still a canonical scalar, no longer the right one. */
function corrupt (scheme: CurveName, s: SignatureShare): SignatureShare {
  const curve = curveFor(scheme)
  return { ...s, share: curve.encodeScalar(curve.Fn.add(curve.decodeScalar(s.share), 1n)) }
}

const CONFIGS: Array<Omit<SharingParams, 'scheme'>> = [
  { committees: 3, tc: 2, tm: 2, members: [3, 3, 3] },
  { committees: 3, tc: 2, tm: 1, members: [3, 3, 3] },
  { committees: 1, tc: 1, tm: 1, members: [1] },
  { committees: 4, tc: 3, tm: 2, members: [3, 3, 2, 4] }
]
const label = (c: Omit<SharingParams, 'scheme'>): string => `(${c.committees},${c.tc},${c.tm},[${c.members.join(',')}])`

describe.each(CURVE_NAMES)('%s', scheme => {
  const message = utf8ToBytes(`shardsig frost test ${scheme}`)
  const dealOf = (c: Omit<SharingParams, 'scheme'>): { params: SharingParams, deal: NestedDeal } => {
    const params = { scheme, ...c }
    return { params, deal: dealNested(params, seeded(`deal/${scheme}/${label(c)}`)) }
  }

  describe.each(CONFIGS.map(c => ({ ...c, name: label(c) })))('$name', c => {
    const { params, deal } = dealOf(c)

    it('every valid party (or a spread sample of 12) signs for the group key, per the independent verifier', () => {
      const parties = partiesToTry(params)
      expect(parties.length).toBeGreaterThanOrEqual(Math.min(10, allParties(params).length))
      for (const [i, party] of parties.entries()) {
        const session = createSession(params, deal.groupPublicKey, party)
        const sig = combine(deal, signAll(deal, session, message, `party/${i}`), message)
        expect(sig.length).toBe(64)
        expect(independentlyVerifies(deal, message, sig)).toBe(true)
        expect(verifySignature(scheme, deal.groupPublicKey, message, sig)).toBe(true)
        expect(independentlyVerifies(deal, utf8ToBytes('another message'), sig)).toBe(false)
      }
    })

    it('a corrupted signature share is named by its (committee, member); two corrupted shares name both', () => {
      const party = allParties(params).at(-1)!
      const session = createSession(params, deal.groupPublicKey, party)
      const vs = verifyingShares(session, publicPart(deal).committees)
      const signed = signAll(deal, session, message, 'corrupt')
      const victims = [0, signed.shares.length - 1].filter((v, i, a) => a.indexOf(v) === i)
      for (const count of [1, victims.length]) {
        const bad = new Set(victims.slice(0, count))
        const shares = signed.shares.map((s, i) => bad.has(i) ? corrupt(scheme, s) : s)
        const expected = [...bad].map(i => ({ committee: shares[i]!.committee, member: shares[i]!.member }))
        let caught: unknown
        try { aggregate(session, vs, signed.commitments, message, shares) } catch (err) { caught = err }
        expect(caught).toBeInstanceOf(InvalidShareError)
        expect((caught as InvalidShareError).culprits).toEqual(expected)
        shares.forEach((s, i) => expect(verifyShare(session, vs, signed.commitments, message, s)).toBe(!bad.has(i)))
      }
    })
  })

  it('a party missing one committee cannot sign: all shares verify yet the aggregate does not', () => {
    const { params, deal } = dealOf(CONFIGS[3]!)
    // Coefficients of a tc-1 party (as if tc were smaller), run honestly by committees 1 and 4.
    const short = { ...params, tc: params.tc - 1 }
    const session = createSession(short, deal.groupPublicKey, new Map([[1, [1, 2]], [4, [2, 3]]]))
    const vs = verifyingShares(session, publicPart(deal).committees)
    const signed = signAll(deal, session, message, 'short-committee')
    for (const s of signed.shares) expect(verifyShare(session, vs, signed.commitments, message, s)).toBe(true)
    expect(() => aggregate(session, vs, signed.commitments, message, signed.shares)).toThrow(AggregationError)
  })

  it('a party missing one member cannot sign: all shares verify yet the aggregate does not', () => {
    const { params, deal } = dealOf(CONFIGS[0]!)
    const short = { ...params, tm: params.tm - 1 }
    const session = createSession(short, deal.groupPublicKey, new Map([[1, [2]], [3, [1]]]))
    const signed = signAll(deal, session, message, 'short-member')
    expect(() => combine(deal, signed, message)).toThrow(AggregationError)
  })

  it('a missing share is a structural fault naming the silent signer, not an invalid share', () => {
    const { params, deal } = dealOf(CONFIGS[0]!)
    const session = createSession(params, deal.groupPublicKey, new Map([[1, [1, 3]], [2, [2, 3]]]))
    const signed = signAll(deal, session, message, 'missing')
    const vs = verifyingShares(session, publicPart(deal).committees)
    const silent = signed.shares[2]!
    let caught: unknown
    try { aggregate(session, vs, signed.commitments, message, signed.shares.filter(s => s !== silent)) } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(SigningSetError)
    expect((caught as SigningSetError).missing).toEqual([{ committee: silent.committee, member: silent.member }])
    const doubled = [...signed.shares, signed.shares[0]!]
    expect(() => aggregate(session, vs, signed.commitments, message, doubled)).toThrow(SigningSetError)
  })

  it('a party of one signer signs message after message (for BIP340, R of both parities)', () => {
    const { params, deal } = dealOf(CONFIGS[2]!)
    const session = createSession(params, deal.groupPublicKey, new Map([[1, [1]]]))
    for (let i = 0; i < 12; i++) {
      const m = utf8ToBytes(`lone ${i}`)
      expect(independentlyVerifies(deal, m, combine(deal, signAll(deal, session, m, `lone/${i}`), m))).toBe(true)
    }
  })

  it('signing is deterministic under injected randomness (same seeds, same signature)', () => {
    const { params, deal } = dealOf(CONFIGS[0]!)
    const session = createSession(params, deal.groupPublicKey, new Map([[2, [1, 2]], [3, [2, 3]]]))
    const a = combine(deal, signAll(deal, session, message, 'replay'), message)
    const b = combine(deal, signAll(deal, session, message, 'replay'), message)
    const c = combine(deal, signAll(deal, session, message, 'other'), message)
    expect(a).toEqual(b)
    expect(c).not.toEqual(a)
  })
})
