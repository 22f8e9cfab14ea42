// Attacks and malformed input against nested sharing (protocols/sharing): tampered
// shares and commitments are caught with the culprit named; bad encodings never decode.
import { describe, expect, it } from 'vitest'
import { inspect } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  curveFor, dealNested, decodePoint, decodeScalar, InconsistentCommitteeError, InvalidGroupKeyError, InvalidPartyError,
  InvalidPointError, InvalidScalarError, InvalidSubShareError, partyCoefficients, pointFromHex, pointToHex, publicPart,
  scalarFromHex, scalarToHex, SecretScalar, CURVE_NAMES, signingCoefficient, validateParams, validateParty, verifyCommitteeConsistency,
  verifyNestedPublic, verifySubShare, xOnlyPublicKey, type CurveName, type SharingParams
} from '../../protocols/sharing/index.js'
import { seeded } from '../helpers/deterministic.js'

function thrown (f: () => unknown): unknown {
  try { f() } catch (err) { return err }
  throw new Error('expected a throw')
}

describe.each(CURVE_NAMES)('%s checks', (scheme: CurveName) => {
  const curve = curveFor(scheme)
  const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
  const deal = dealNested(params, seeded(`checks/${scheme}`))
  const other = dealNested(params, seeded(`checks/other/${scheme}`))
  const c2 = deal.committees[1]!

  it('accepts every honest sub-share and committee, and the whole public record', () => {
    for (const c of deal.committees) {
      verifyCommitteeConsistency(scheme, deal.outer.commitments, c.committee, c.innerCommitments)
      for (const s of c.shares) verifySubShare(scheme, c.innerCommitments, s.member, s.share, c.committee)
    }
    verifyNestedPublic(params, publicPart(deal))
  })

  it('rejects a tampered share, naming committee and member', () => {
    const s = c2.shares[2]!
    const tampered = new SecretScalar(curve.Fn.add(s.share.expose(), 1n))
    const err = thrown(() => verifySubShare(scheme, c2.innerCommitments, s.member, tampered, c2.committee))
    expect(err).toBeInstanceOf(InvalidSubShareError)
    expect(err).toMatchObject({ code: 'invalid_sub_share', committee: 2, member: 3 })
  })

  it('rejects a share presented as another member\'s', () => {
    const err = thrown(() => verifySubShare(scheme, c2.innerCommitments, 1, c2.shares[1]!.share))
    expect(err).toMatchObject({ member: 1, committee: undefined })
  })

  it('rejects share for wrong commitment (another deal\'s committee), naming the committee', () => {
    const wrong = other.committees[1]!.innerCommitments
    const err = thrown(() => verifyCommitteeConsistency(scheme, deal.outer.commitments, 2, wrong))
    expect(err).toBeInstanceOf(InconsistentCommitteeError)
    expect(err).toMatchObject({ code: 'inconsistent_committee', committee: 2 })
    // Committee 1's honest commitments are not committee 2's either.
    expect(() => verifyCommitteeConsistency(scheme, deal.outer.commitments, 2, deal.committees[0]!.innerCommitments))
      .toThrow(InconsistentCommitteeError)
  })

  it('rejects a public record with a swapped group key, a short committee or a relabelled one', () => {
    const pub = publicPart(deal)
    expect(() => verifyNestedPublic(params, { ...pub, groupPublicKey: other.groupPublicKey })).toThrow(InvalidGroupKeyError)
    const short = publicPart(deal)
    short.committees[2]!.innerCommitments.pop()
    expect(thrown(() => verifyNestedPublic(params, short))).toMatchObject({ committee: 3 })
    const swapped = publicPart(deal)
    swapped.committees[0] = { committee: 1, innerCommitments: other.committees[0]!.innerCommitments }
    expect(thrown(() => verifyNestedPublic(params, swapped))).toMatchObject({ committee: 1 })
  })

  it('round-trips points and scalars through lowercase hex', () => {
    for (const p of deal.outer.commitments) expect(curve.pointEquals(pointFromHex(scheme, pointToHex(scheme, p)), p)).toBe(true)
    const k = c2.shares[0]!.share.expose()
    expect(scalarFromHex(scheme, scalarToHex(scheme, k))).toBe(k)
    const hex = pointToHex(scheme, deal.groupPublicKey)
    expect(hex).toMatch(/^[0-9a-f]+$/)
    expect(() => pointFromHex(scheme, hex.toUpperCase())).toThrow(InvalidPointError)
    expect(() => pointFromHex(scheme, hex.slice(2))).toThrow(InvalidPointError)
  })

  it('rejects scalars at or above the order', () => {
    expect(() => decodeScalar(scheme, curve.encodeScalar(0n).map(() => 0xff))).toThrow(InvalidScalarError)
    expect(() => curve.encodeScalar(curve.order)).toThrow(InvalidScalarError)
    expect(() => decodeScalar(scheme, new Uint8Array(31))).toThrow(InvalidScalarError)
  })

  it('rejects points of the other scheme', () => {
    const foreign = scheme === 'ed25519' ? secp256k1.Point.BASE : ed25519.Point.BASE
    expect(() => curve.addPoints(curve.identity, foreign)).toThrow(InvalidPointError)
  })
})

describe('point decoding', () => {
  it('encodes scalars little-endian for ed25519 and big-endian for secp256k1', () => {
    expect(scalarToHex('ed25519', 1n)).toBe('01' + '00'.repeat(31))
    expect(scalarToHex('secp256k1', 1n)).toBe('00'.repeat(31) + '01')
  })

  it('rejects the identity', () => {
    expect(() => decodePoint('ed25519', ed25519.Point.ZERO.toBytes())).toThrow(/identity/)
    expect(() => decodePoint('secp256k1', new Uint8Array(33))).toThrow(InvalidPointError)
    expect(() => decodePoint('secp256k1', new Uint8Array(1))).toThrow(InvalidPointError)
    expect(() => curveFor('secp256k1').encodePoint(curveFor('secp256k1').identity)).toThrow(InvalidPointError)
  })

  it('rejects off-curve bytes', () => {
    expect(() => pointFromHex('ed25519', '02' + '00'.repeat(31))).toThrow(/not a point/)
    expect(() => pointFromHex('secp256k1', '02' + '00'.repeat(32))).toThrow(/not a point/)
    expect(() => pointFromHex('secp256k1', '05' + secp256k1.Point.BASE.toHex().slice(2))).toThrow(InvalidPointError)
  })

  it('rejects ed25519 small-order and mixed (torsion) points', () => {
    // An order-8 point (RFC 8032 / Ed25519 small-order list) and the base point plus it.
    const torsion = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
    expect(torsion.isSmallOrder()).toBe(true)
    expect(() => decodePoint('ed25519', torsion.toBytes())).toThrow(/torsion/)
    expect(() => decodePoint('ed25519', ed25519.Point.BASE.add(torsion).toBytes())).toThrow(/torsion/)
  })

  it('accepts an ed25519 point exactly when noble finds it torsion-free (libsodium judges it when sodium-native loads)', () => {
    const torsion = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
    for (let i = 1; i <= 24; i++) {
      // Random points of the prime-order subgroup, plus each multiple of an order-8 point.
      const clean = ed25519.Point.BASE.multiply(BigInt(i) * 7919n + 12345n)
      const p = i % 8 === 0 ? clean : clean.add(torsion.multiply(BigInt(i % 8)))
      if (p.is0()) continue
      const accepted = ((): boolean => { try { decodePoint('ed25519', p.toBytes()); return true } catch { return false } })()
      expect(accepted).toBe(p.isTorsionFree())
    }
  })

  it('rejects non-canonical encodings: uncompressed secp256k1, ed25519 y >= p', () => {
    expect(() => decodePoint('secp256k1', secp256k1.Point.BASE.toBytes(false))).toThrow(InvalidPointError)
    expect(() => pointFromHex('ed25519', 'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')).toThrow(InvalidPointError)
  })

  it('refuses an odd-Y secp256k1 key as a BIP340 x-only key', () => {
    expect(() => xOnlyPublicKey(secp256k1.Point.BASE.negate())).toThrow(InvalidGroupKeyError)
  })
})

describe('signing parties and κ', () => {
  const params: SharingParams = { scheme: 'ed25519', committees: 3, tc: 2, tm: 2, members: [3, 3, 2] }

  it('κ = λ_c·μ_m: committee 1 of {1,2} (λ=2), member 2 of {2,3} (μ=3) gives 6', () => {
    expect(signingCoefficient('secp256k1', [1, 2], 1, [2, 3], 2)).toBe(6n)
    expect(signingCoefficient('ed25519', [1, 2], 2, [1], 1)).toBe(curveFor('ed25519').order - 1n)
  })

  it('accepts exactly tc committees × tm members and sorts them', () => {
    const party = validateParty(params, new Map([[3, [2, 1]], [1, [3, 1]]]))
    expect([...party]).toEqual([[1, [1, 3]], [3, [1, 2]]])
    expect(partyCoefficients(params, party).map(s => `${s.committee}/${s.member}`)).toEqual(['1/1', '1/3', '3/1', '3/2'])
  })

  it.each([
    ['too many committees', new Map([[1, [1, 2]], [2, [1, 2]], [3, [1, 2]]]), undefined],
    ['a committee out of range', new Map([[1, [1, 2]], [4, [1, 2]]]), 4],
    ['too many members', new Map([[1, [1, 2, 3]], [2, [1, 2]]]), 1],
    ['a repeated member', new Map([[1, [1, 2]], [2, [2, 2]]]), 2],
    ['a member beyond the committee size', new Map([[1, [1, 2]], [3, [1, 3]]]), 3],
    ['member 0', new Map([[1, [0, 2]], [2, [1, 2]]]), 1]
  ])('rejects a party with %s, naming the committee', (_name, party, committee) => {
    const err = thrown(() => validateParty(params, party))
    expect(err).toBeInstanceOf(InvalidPartyError)
    expect(err).toMatchObject({ committee })
  })

  it('rejects bad parameters', () => {
    expect(() => validateParams({ ...params, tc: 4 })).toThrow(/tc/)
    expect(() => validateParams({ ...params, members: [3, 3] })).toThrow(/members/)
    expect(() => validateParams({ ...params, members: [3, 1, 3] })).toThrow(/committee 2/)
    expect(() => validateParams({ ...params, tm: 0 })).toThrow(/tm/)
    expect(() => validateParams({ ...params, scheme: 'p256' as CurveName })).toThrow(/scheme/)
  })
})

describe('secret scalars print redacted', () => {
  const secret = 0x1234567890abcdefn
  const deal = dealNested({ scheme: 'secp256k1', committees: 1, tc: 1, tm: 1, members: [1], secret: new SecretScalar(secret) }, seeded('r'))
  const needle = secret.toString(16)
  // Points carry bigint coordinates and have no JSON form of their own: the wire uses hex.
  const k1 = curveFor('secp256k1')
  const toJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (k1.isPoint(x) ? pointToHex('secp256k1', x) : x))

  it('in JSON, strings, util.inspect and structuredClone', () => {
    const share = deal.committees[0]!.shares[0]!.share
    for (const text of [toJson(deal.committees), String(share), `${share}`, inspect(deal, { depth: 10 })]) {
      expect(text).toContain('redacted')
      expect(text).not.toContain(needle)
      expect(text).not.toContain(share.expose().toString())
    }
    expect(toJson(structuredClone(deal.committees[0]!.shares))).not.toContain(share.expose().toString())
  })

  it('leaves the public record free of shares', () => {
    expect(toJson(publicPart(deal))).not.toContain('redacted')
    expect(toJson(publicPart(deal))).toContain(pointToHex('secp256k1', deal.groupPublicKey))
    expect(Object.keys(publicPart(deal).committees[0]!)).toEqual(['committee', 'innerCommitments'])
  })
})
