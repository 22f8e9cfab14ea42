// Nested threshold sharing (protocols/sharing, DESIGN section 2): every valid party
// reconstructs the key, smaller ones do not, and the group keys work with RFC 8032 / BIP340.
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr } from '@noble/curves/secp256k1.js'
import {
  curveFor, dealNested, encodeScalar, hasEvenY, lagrangeAtZero, partyCoefficients, pointToHex, publicShare,
  SecretScalar, CURVE_NAMES, validateParty, xOnlyPublicKey,
  type NestedDeal, type Party, type Point, type CurveName, type SharingParams
} from '../../protocols/sharing/index.js'
import { allParties, range, seeded } from '../helpers/deterministic.js'

function shareOf (deal: NestedDeal, c: number, m: number): bigint {
  const share = deal.committees[c - 1]?.shares.find(s => s.member === m)?.share
  if (share === undefined) throw new Error(`no share for ${c}/${m}`)
  return share.expose()
}

/** Test-only reconstruction with any (possibly too small) sets: Σ_c λ_c Σ_m μ_m s_{c,m}. */
function combine (deal: NestedDeal, party: ReadonlyMap<number, readonly number[]>): bigint {
  const curve = curveFor(deal.scheme)
  const cs = [...party.keys()]
  let x = 0n
  for (const [c, ms] of party) {
    for (const m of ms) {
      const kappa = curve.Fn.mul(lagrangeAtZero(curve, cs, c), lagrangeAtZero(curve, ms, m))
      x = curve.Fn.add(x, curve.Fn.mul(kappa, shareOf(deal, c, m)))
    }
  }
  return x
}

const CONFIGS: Array<{ committees: number, tc: number, tm: number, members: number[] }> = [
  { committees: 3, tc: 2, tm: 2, members: [3, 3, 3] },
  { committees: 3, tc: 2, tm: 1, members: [3, 3, 3] },
  { committees: 1, tc: 1, tm: 1, members: [1] },
  { committees: 4, tc: 3, tm: 2, members: [3, 3, 2, 4] }
]

describe.each(CURVE_NAMES)('%s nested sharing', (scheme: CurveName) => {
  const curve = curveFor(scheme)

  describe.each(CONFIGS)('C=$committees tc=$tc tm=$tm members=$members', (config) => {
    const params: SharingParams = { scheme, ...config }
    const rng = seeded(`${scheme}/${JSON.stringify(config)}`)
    const given = curve.randomScalar(rng)
    const deal = dealNested({ ...params, secret: new SecretScalar(given) }, rng)
    const x = deal.secretNegated ? curve.Fn.neg(given) : given
    const parties = allParties(params)

    it('deals the given secret: X = x·G', () => {
      expect(curve.pointEquals(deal.groupPublicKey, curve.mulBase(x))).toBe(true)
      expect(deal.outer.commitments).toHaveLength(config.tc)
      for (const c of deal.committees) expect(c.innerCommitments).toHaveLength(config.tm)
    })

    it('every valid party reconstructs x and Σ κ·Y_{c,m} = X', () => {
      expect(parties.length).toBeGreaterThan(0)
      const Y = new Map<string, Point>()
      for (const party of parties) {
        expect(combine(deal, party)).toBe(x)
        let acc = curve.identity
        for (const { committee, member, kappa } of partyCoefficients(params, party)) {
          const key = `${committee}/${member}`
          const inner = deal.committees[committee - 1]?.innerCommitments ?? []
          const y = Y.get(key) ?? publicShare(scheme, inner, member)
          Y.set(key, y)
          acc = curve.addPoints(acc, curve.mulPublic(y, kappa))
        }
        expect(curve.pointEquals(acc, deal.groupPublicKey)).toBe(true)
      }
    })

    it('a party missing one committee does not reconstruct x (and is rejected)', () => {
      for (const party of parties) {
        for (const dropped of party.keys()) {
          const smaller = new Map([...party].filter(([c]) => c !== dropped))
          expect(combine(deal, smaller)).not.toBe(x)
          expect(() => validateParty(params, smaller)).toThrow(/exactly/)
        }
      }
    })

    it('a party missing one member does not reconstruct x (and is rejected)', () => {
      for (const party of parties) {
        for (const [c, ms] of party) {
          const smaller = new Map([...party, [c, ms.slice(1)]])
          expect(combine(deal, smaller)).not.toBe(x)
          expect(() => validateParty(params, smaller)).toThrow(/exactly/)
        }
      }
    })

    it('gives every member a share; with tm = 1 each member of a committee holds s_c', () => {
      deal.committees.forEach((c, i) => expect(c.shares.map(s => s.member)).toEqual(range(config.members[i] ?? 0)))
      if (config.tm !== 1) return
      for (const c of deal.committees) {
        const values = new Set(c.shares.map(s => s.share.expose()))
        expect(values.size).toBe(1)
      }
    })
  })

  it('same seed gives the same deal; another seed a different one', () => {
    const params = { scheme, ...CONFIGS[0]! }
    const fingerprint = (d: NestedDeal): string => JSON.stringify({
      outer: d.outer.commitments.map(p => pointToHex(scheme, p)),
      inner: d.committees.map(c => c.innerCommitments.map(p => pointToHex(scheme, p))),
      shares: d.committees.map(c => c.shares.map(s => bytesToHex(encodeScalar(scheme, s.share.expose()))))
    })
    const a = fingerprint(dealNested(params, seeded('same')))
    expect(fingerprint(dealNested(params, seeded('same')))).toBe(a)
    expect(fingerprint(dealNested(params, seeded('other')))).not.toBe(a)
  })
})

describe('secp256k1 group keys are BIP340 keys', () => {
  const params: SharingParams = { scheme: 'secp256k1', committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
  const party: Party = new Map([[1, [1, 3]], [3, [2, 3]]])
  const deals = range(16).map(i => dealNested(params, seeded(`bip340/${i}`)))

  it('has even Y in every deal, negating the drawn key when needed', () => {
    for (const d of deals) {
      expect(hasEvenY(d.groupPublicKey)).toBe(true)
      expect(pointToHex('secp256k1', d.groupPublicKey).startsWith('02')).toBe(true)
    }
    // The seeds are fixed; at least one of them draws an odd-Y key, so the negation path ran.
    expect(deals.some(d => d.secretNegated)).toBe(true)
    expect(deals.some(d => !d.secretNegated)).toBe(true)
  })

  it('x-only key verifies schnorr.sign(msg, reconstructed x)', () => {
    const msg = utf8ToBytes('shardsig sharing test')
    for (const d of deals) {
      const x = combine(d, party)
      const sig = schnorr.sign(msg, encodeScalar('secp256k1', x), new Uint8Array(32))
      expect(schnorr.verify(sig, msg, xOnlyPublicKey(d.groupPublicKey))).toBe(true)
      expect(bytesToHex(schnorr.getPublicKey(encodeScalar('secp256k1', x)))).toBe(bytesToHex(xOnlyPublicKey(d.groupPublicKey)))
    }
  })

  // BIP340 test vectors 0 and 1 (bip-0340/test-vectors.csv): secret key -> x-only public key.
  it.each([
    ['0000000000000000000000000000000000000000000000000000000000000003', 'f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9'],
    ['b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef', 'dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659']
  ])('deals BIP340 vector key %s to x-only key %s', (sk, pk) => {
    const d = dealNested({ ...params, secret: new SecretScalar(BigInt('0x' + sk)) }, seeded('vector'))
    expect(bytesToHex(xOnlyPublicKey(d.groupPublicKey))).toBe(pk)
    const x = combine(d, party)
    expect(x === BigInt('0x' + sk) || x === curveFor('secp256k1').Fn.neg(BigInt('0x' + sk))).toBe(true)
  })
})

describe('ed25519 group keys are RFC 8032 keys', () => {
  const params: SharingParams = { scheme: 'ed25519', committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
  const party: Party = new Map([[2, [1, 2]], [3, [1, 3]]])

  it('X equals x·G (RFC 8032 encoding) for the reconstructed x', () => {
    for (const i of range(4)) {
      const d = dealNested(params, seeded(`ed/${i}`))
      const x = combine(d, party)
      expect(bytesToHex(ed25519.Point.BASE.multiply(x).toBytes())).toBe(pointToHex('ed25519', d.groupPublicKey))
      expect(d.secretNegated).toBe(false)
    }
  })

  it('deals the RFC 8032 test 1 key to its public key d75a98…511a', () => {
    const seed = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    const { scalar } = ed25519.utils.getExtendedPublicKey(seed)
    const d = dealNested({ ...params, secret: new SecretScalar(scalar) }, seeded('rfc8032'))
    expect(pointToHex('ed25519', d.groupPublicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
    expect(bytesToHex(ed25519.getPublicKey(seed))).toBe(pointToHex('ed25519', d.groupPublicKey))
  })
})
