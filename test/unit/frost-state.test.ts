// protocols/frost secret state, sessions and wire edges: nonces are single-use and print redacted,
// the flat identifier mapping is as documented, and malformed wire data is refused at the edge.
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { commitmentListDigest, discardNonces, decodeSignatureShare, encodeCommitments, InvalidWireError, NonceReuseError, OwnCommitmentMismatchError, SigningSetError, type SignerKey, type SigningNonces } from '../../protocols/frost/index.js'
import { testFrost } from '../helpers/frost.js'
import {
  curveFor, dealNested, InvalidGroupKeyError, lagrangeAtZero, partyCoefficients, SecretScalar, CURVE_NAMES,
  type NestedDeal, type CurveName, type SharingParams
} from '../../protocols/sharing/index.js'
import { seeded } from '../helpers/deterministic.js'

const { aggregate, commit, createSession, decodeCommitments, signShare, verifyingShares, verifySignature } = testFrost

function keyOf (deal: NestedDeal, committee: number, member: number): SignerKey {
  const share = deal.committees[committee - 1]!.shares.find(s => s.member === member)!.share
  return { scheme: deal.scheme, committee, member, share }
}

const message = utf8ToBytes('state test')

describe.each(CURVE_NAMES)('%s', (scheme: CurveName) => {
  const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
  const deal = dealNested(params, seeded(`state/${scheme}`))
  const party = new Map([[1, [1, 2]], [3, [2, 3]]])
  const session = createSession(params, deal.groupPublicKey, party)
  const keys = session.signers.map(s => keyOf(deal, s.committee, s.member))
  const round1 = (seed: string) => keys.map((k, i) => commit(k, seeded(`${seed}/${i}`)))

  it('a nonce cannot be used twice: the second round 2 throws NonceReuseError', () => {
    const r1 = round1('reuse')
    const commitments = r1.map(r => r.commitments)
    signShare(session, keys[0]!, r1[0]!.nonces, commitments, message)
    expect(r1[0]!.nonces.used).toBe(true)
    let caught: unknown
    try { signShare(session, keys[0]!, r1[0]!.nonces, commitments, utf8ToBytes('a second message')) } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(NonceReuseError)
    expect((caught as NonceReuseError).signer).toEqual({ committee: 1, member: 1 })
  })

  it('a round 2 that fails still burns the nonces, so a corrected retry cannot reuse them', () => {
    const r1 = round1('burn')
    const partial = r1.slice(1).map(r => r.commitments)
    expect(() => signShare(session, keys[0]!, r1[0]!.nonces, partial, message)).toThrow(SigningSetError)
    expect(() => signShare(session, keys[0]!, r1[0]!.nonces, r1.map(r => r.commitments), message)).toThrow(NonceReuseError)
  })

  it('discarded nonces (a presignature that will never sign) are used: round 2 refuses them', () => {
    const r1 = round1('discard')
    expect(r1[0]!.nonces.used).toBe(false)
    discardNonces(r1[0]!.nonces)
    discardNonces(r1[0]!.nonces)
    expect(r1[0]!.nonces.used).toBe(true)
    expect(() => signShare(session, keys[0]!, r1[0]!.nonces, r1.map(r => r.commitments), message)).toThrow(NonceReuseError)
  })

  it("rejects a commitment list that swaps the signer's own commitments", () => {
    const r1 = round1('swap')
    const other = commit(keys[0]!, seeded('swap/other')).commitments
    const tampered = [other, ...r1.slice(1).map(r => r.commitments)]
    expect(() => signShare(session, keys[0]!, r1[0]!.nonces, tampered, message)).toThrow(OwnCommitmentMismatchError)
  })

  it('a signer outside the party cannot sign in its session', () => {
    const outsider = keyOf(deal, 2, 1)
    const r1 = round1('outsider')
    const mine = commit(outsider, seeded('outsider/2/1'))
    let caught: unknown
    try { signShare(session, outsider, mine.nonces, r1.map(r => r.commitments), message) } catch (err) { caught = err }
    expect(caught).toBeInstanceOf(SigningSetError)
    expect((caught as SigningSetError).unexpected).toEqual([{ committee: 2, member: 1 }])
  })

  it('nonces and shares print redacted (String, JSON.stringify, util.inspect, structuredClone)', () => {
    const mine = commit(keys[0]!, seeded('print'))
    const { nonces } = mine
    expect(String(nonces)).toBe('[redacted signing nonces]')
    expect(`${nonces}`).toBe('[redacted signing nonces]')
    expect(JSON.stringify({ nonces })).toBe('{"nonces":"[redacted signing nonces]"}')
    expect(inspect(nonces)).toBe('SigningNonces(1/1, [redacted signing nonces])')
    expect(inspect({ deep: { nonces } }, { depth: 5 })).not.toMatch(/[0-9a-f]{64}/)
    expect(JSON.stringify(keys[0])).toContain('"share":"[redacted secret scalar]"')
    // A clone carries only the public half: it is not usable as nonces.
    const clone = structuredClone(nonces) as unknown as SigningNonces
    expect(() => signShare(session, keys[0]!, clone, [], message)).toThrow(NonceReuseError)
    const others = round1('print-others').slice(1).map(r => r.commitments)
    signShare(session, keys[0]!, nonces, [mine.commitments, ...others], message)
    expect(inspect(nonces)).toBe('SigningNonces(1/1, used)')
  })

  it('verifySignature refuses a tampered signature, another message and a wrong length', () => {
    const r1 = round1('verify')
    const commitments = r1.map(r => r.commitments)
    const shares = keys.map((k, i) => signShare(session, k, r1[i]!.nonces, commitments, message))
    const vs = verifyingShares(session, deal.committees)
    const sig = aggregate(session, vs, commitments, message, shares)
    expect(verifySignature(scheme, deal.groupPublicKey, message, sig)).toBe(true)
    const flipped = sig.slice()
    flipped[40]! ^= 1
    expect(verifySignature(scheme, deal.groupPublicKey, message, flipped)).toBe(false)
    expect(verifySignature(scheme, deal.groupPublicKey, utf8ToBytes('other'), sig)).toBe(false)
    expect(verifySignature(scheme, deal.groupPublicKey, message, sig.subarray(0, 63))).toBe(false)
  })

  it('the commitment-list digest ignores list order but changes with any commitment', () => {
    const list = round1('digest').map(r => r.commitments)
    const digest = commitmentListDigest(session, list)
    expect(commitmentListDigest(session, [...list].reverse())).toEqual(digest)
    const swapped = [commit(keys[0]!, seeded('digest/other')).commitments, ...list.slice(1)]
    expect(commitmentListDigest(session, swapped)).not.toEqual(digest)
    expect(() => commitmentListDigest(session, list.slice(1))).toThrow(SigningSetError)
  })

  it('flat identifiers are 1..N in (committee, member) order, and factor·λ_flat = κ', () => {
    const backendIds = [1, 2, 3, 4].map(n => session.signers[n - 1]!.identifiers[0])
    expect(session.signers.map(s => [s.committee, s.member])).toEqual([[1, 1], [1, 2], [3, 2], [3, 3]])
    const curve = curveFor(scheme)
    const kappas = partyCoefficients(params, party)
    session.signers.forEach((s, i) => {
      expect(s.identifiers).toEqual([backendIds[i]])
      expect(curve.Fn.mul(s.factor, lagrangeAtZero(curve, [1, 2, 3, 4], i + 1))).toBe(kappas[i]!.kappa)
    })
    expect(backendIds[0]).toBe(scheme === 'ed25519' ? `01${'00'.repeat(31)}` : `${'00'.repeat(31)}01`)
  })

  it('a party of one signer (tc = tm = 1) plays flat identifiers 1 and 2 with factor κ = 1', () => {
    const lone = { scheme, committees: 1, tc: 1, tm: 1, members: [1] }
    const s = createSession(lone, dealNested(lone, seeded('lone')).groupPublicKey, new Map([[1, [1]]]))
    expect(s.signers).toHaveLength(1)
    expect(s.signers[0]!.identifiers).toHaveLength(2)
    expect(s.signers[0]!.factor).toBe(1n)
  })

  it('wire forms round-trip as lowercase hex and refuse malformed input', () => {
    const { commitments } = commit(keys[0]!, seeded('wire'))
    const wire = encodeCommitments(commitments)
    expect(wire.hiding).toMatch(scheme === 'ed25519' ? /^[0-9a-f]{64}$/ : /^0[23][0-9a-f]{64}$/)
    expect(decodeCommitments(scheme, wire)).toEqual(commitments)
    const bad: unknown[] = [
      { ...wire, hiding: wire.hiding.toUpperCase() },
      { ...wire, binding: wire.binding.slice(2) },
      { ...wire, extra: 1 },
      { ...wire, member: 0 },
      // the identity / a point off the curve; for ed25519 also a point of order 8
      { ...wire, hiding: scheme === 'ed25519' ? `01${'00'.repeat(31)}` : `02${'00'.repeat(32)}` },
      ...(scheme === 'ed25519' ? [{ ...wire, binding: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a' }] : [])
    ]
    for (const b of bad) expect(() => decodeCommitments(scheme, b)).toThrow(InvalidWireError)

    const order = scheme === 'ed25519'
      ? 'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010'
      : 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'
    expect(() => decodeSignatureShare(scheme, { committee: 1, member: 1, share: order })).toThrow(InvalidWireError)
    const ok = bytesToHex(curveFor(scheme).encodeScalar(5n))
    expect(decodeSignatureShare(scheme, { committee: 1, member: 1, share: ok }).share).toEqual(curveFor(scheme).encodeScalar(5n))
  })
})

it('a secp256k1 session refuses a group key with odd Y (BIP340 keys are even)', () => {
  const curve = curveFor('secp256k1')
  let k = 1n
  while (curve.encodePoint(curve.mulBase(k))[0] !== 0x03) k++
  const params: SharingParams = { scheme: 'secp256k1', committees: 1, tc: 1, tm: 1, members: [1] }
  expect(() => createSession(params, curve.mulBase(k), new Map([[1, [1]]]))).toThrow(InvalidGroupKeyError)
  expect(new SecretScalar(k).toString()).toBe('[redacted secret scalar]')
})
