// protocols/frost's own RFC 9591 rounds against the reference, noble's FROST (test/helpers/noble-frost.ts):
// for random keys, parties and messages, with the same injected randomness, the commitments, the
// signature shares and the signatures are byte-identical, on every backend, for both schemes; and
// every signature passes node:crypto (Ed25519) or noble's schnorr.verify (BIP340).
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { schnorr } from '@noble/curves/secp256k1.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  createFrost, encodeCommitments, parsePreference, selectBackend, type BackendPreference
} from '../../protocols/frost/index.js'
import { cryptoBackendPreference, frostFor } from '../../node/crypto-backend.js'
import {
  dealNested, encodePoint, publicPart, CURVE_NAMES, xOnlyPublicKey, type Party, type CurveName, type SharingParams
} from '../../protocols/sharing/index.js'
import { seeded } from '../helpers/deterministic.js'
import { nobleAggregate, nobleCommit, nobleSignShare } from '../helpers/noble-frost.js'

/** A random shape (up to 3 committees of up to 3 members, so noble's reference stays quick) and a party of it. */
const caseArb = fc.record({
  seed: fc.string({ minLength: 1, maxLength: 12 }),
  sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  tcPick: fc.nat(),
  tmPick: fc.nat(),
  message: fc.uint8Array({ maxLength: 80 })
})

function shapeOf (scheme: CurveName, c: { sizes: number[], tcPick: number, tmPick: number }): SharingParams {
  const committees = c.sizes.length
  const tc = 1 + (c.tcPick % committees)
  const tm = 1 + (c.tmPick % Math.min(...c.sizes))
  return { scheme, committees, tc, tm, members: c.sizes }
}

/** Picks tc committees and tm members of each from the seed, so parties vary too. */
function partyOf (p: SharingParams, seed: string): Party {
  const random = seeded(`party/${seed}`)
  const pick = (n: number, k: number): number[] => {
    const order = Array.from({ length: n }, (_, i) => ({ i: i + 1, r: random(4).reduce((a, b) => a * 256 + b, 0) }))
    return order.sort((a, b) => a.r - b.r).slice(0, k).map(x => x.i).sort((a, b) => a - b)
  }
  return new Map(pick(p.committees, p.tc).map(c => [c, pick(p.members[c - 1]!, p.tm)]))
}

function independentlyVerifies (scheme: CurveName, groupKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (scheme === 'secp256k1') return schnorr.verify(sig, message, groupKey.subarray(1))
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(groupKey).toString('base64url') }, format: 'jwk' })
  return nodeVerify(null, message, key, sig)
}

const BACKENDS: BackendPreference[] = ['native', 'noble']

describe.each(BACKENDS)('backend %s', preference => {
  const { aggregate, commit, createSession, decodeCommitments, signShare, verifyingShares } = createFrost(selectBackend(preference))

  it.each(CURVE_NAMES)('%s: same commitments, shares and signature as noble FROST for the same nonces', scheme => {
    fc.assert(fc.property(caseArb, c => {
      const params = shapeOf(scheme, c)
      const deal = dealNested(params, seeded(`deal/${c.seed}`))
      const party = partyOf(params, c.seed)
      const session = createSession(params, deal.groupPublicKey, party)
      const keys = session.signers.map(s => ({
        scheme, committee: s.committee, member: s.member,
        share: deal.committees[s.committee - 1]!.shares.find(x => x.member === s.member)!.share
      }))
      const ours = keys.map(k => commit(k, seeded(`nonce/${c.seed}/${k.committee}/${k.member}`)))
      const theirs = keys.map(k => nobleCommit(scheme, k.share.expose(), seeded(`nonce/${c.seed}/${k.committee}/${k.member}`)))
      ours.forEach((r, i) => {
        expect(bytesToHex(r.commitments.hiding)).toBe(bytesToHex(theirs[i]!.hiding))
        expect(bytesToHex(r.commitments.binding)).toBe(bytesToHex(theirs[i]!.binding))
      })
      // Over the wire, as a node receives them.
      const commitments = ours.map(r => decodeCommitments(scheme, JSON.parse(JSON.stringify(encodeCommitments(r.commitments)))))
      const shares = keys.map((k, i) => signShare(session, k, ours[i]!.nonces, commitments, c.message))
      keys.forEach((k, i) => {
        const reference = nobleSignShare(session, session.signers[i]!, k.share.expose(), theirs[i]!.nonces, commitments, c.message)
        expect(bytesToHex(shares[i]!.share)).toBe(bytesToHex(reference))
      })
      const committees = publicPart(deal).committees
      const sig = aggregate(session, verifyingShares(session, committees), commitments, c.message, shares)
      expect(bytesToHex(sig)).toBe(bytesToHex(nobleAggregate(session, committees, commitments, c.message, shares)))
      const key = scheme === 'secp256k1' ? Uint8Array.of(2, ...xOnlyPublicKey(deal.groupPublicKey)) : encodePoint(scheme, deal.groupPublicKey)
      expect(independentlyVerifies(scheme, key, c.message, sig)).toBe(true)
    }), { numRuns: scheme === 'ed25519' ? 12 : 20, seed: 9591 })
  })
})

describe('backend selection', () => {
  it('loads the native addons on linux-x64 (prebuilt binaries): no silent fallback there', () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') return
    const b = selectBackend('native')
    expect({ name: b.name, ed25519: b.ed25519.name, secp256k1: b.secp256k1.name })
      .toEqual({ name: 'native', ed25519: 'sodium-native', secp256k1: 'secp256k1-native' })
  })

  it('noble when asked, and a clear error for an unknown preference', () => {
    const b = selectBackend('noble')
    expect([b.name, b.ed25519.name, b.secp256k1.name]).toEqual(['noble', 'noble', 'noble'])
    expect(parsePreference(' Noble ')).toBe('noble')
    expect(parsePreference(undefined)).toBe('auto')
    expect(() => parsePreference('fast')).toThrow(/"fast" is not one of auto, native, noble/)
  })

  it('the node reads its preference from SHARDSIG_CRYPTO_BACKEND, and names the variable when it is wrong', () => {
    expect(cryptoBackendPreference({})).toBe('auto')
    expect(cryptoBackendPreference({ SHARDSIG_CRYPTO_BACKEND: 'noble' })).toBe('noble')
    expect(() => cryptoBackendPreference({ SHARDSIG_CRYPTO_BACKEND: 'fast' })).toThrow(/SHARDSIG_CRYPTO_BACKEND: .*"fast"/)
    expect(frostFor('noble').info).toEqual({ name: 'noble', ed25519: 'noble', secp256k1: 'noble' })
  })

  it('reports the backend in use, for the node log and /health', () => {
    const frost = createFrost(selectBackend('auto'))
    const info = frost.info
    expect(info.name).toBe(frost.backend.name)
    expect(['sodium-native', 'noble']).toContain(info.ed25519)
    expect(['secp256k1-native', 'noble']).toContain(info.secp256k1)
  })

  it('two Frosts on different backends live side by side in one process', () => {
    const native = createFrost(selectBackend('auto'))
    const noble = createFrost(selectBackend('noble'))
    expect(noble.backend.ed25519.name).toBe('noble')
    // Each keeps its own group: the other's existence changes nothing about it.
    expect(native.backend.ed25519.name).toBe(selectBackend('auto').ed25519.name)
  })

  it('a signature made on one backend verifies on the other, and commitments decode on both', () => {
    {
      for (const scheme of CURVE_NAMES) {
        const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
        const deal = dealNested(params, seeded(`cross/${scheme}`))
        const party: Party = new Map([[1, [1, 2]], [3, [1, 3]]])
        const sign = (preference: BackendPreference): Uint8Array => {
          const { aggregate, commit, createSession, decodeCommitments, signShare, verifyingShares } = createFrost(selectBackend(preference))
          const session = createSession(params, deal.groupPublicKey, party)
          const keys = session.signers.map(s => ({ scheme, committee: s.committee, member: s.member, share: deal.committees[s.committee - 1]!.shares.find(x => x.member === s.member)!.share }))
          const r1 = keys.map(k => commit(k, seeded(`cross/${k.committee}/${k.member}`)))
          // Over the wire, so that this backend decodes (and checks) every point itself.
          const cs = r1.map(r => decodeCommitments(scheme, encodeCommitments(r.commitments)))
          const shares = keys.map((k, i) => signShare(session, k, r1[i]!.nonces, cs, new Uint8Array([1, 2, 3])))
          return aggregate(session, verifyingShares(session, deal.committees), cs, new Uint8Array([1, 2, 3]), shares)
        }
        expect(bytesToHex(sign('native'))).toBe(bytesToHex(sign('noble')))
      }
    }
  })
})
