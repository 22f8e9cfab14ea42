// protocols/frost's validate-once edge: points are checked when they enter (decodeCommitments) and
// the rounds reuse those elements; anything built or changed afterwards is checked again before
// use, and a bad point or share names its signer. On every backend.
import { describe, expect, it } from 'vitest'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  createFrost, encodeCommitments, InvalidShareError, InvalidWireError, selectBackend, type BackendPreference, type SignerKey,
  type SignerVerifyingShare
} from '../../protocols/frost/index.js'
import { curveFor, dealNested, publicShare, CURVE_NAMES, type NestedDeal, type CurveName, type SharingParams } from '../../protocols/sharing/index.js'
import { seeded } from '../helpers/deterministic.js'

const message = utf8ToBytes('edge test')
/** A point of order 8 on edwards25519: on the curve, not in the prime-order subgroup. */
const ED25519_SMALL_ORDER = 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'

function keysOf (deal: NestedDeal, signers: ReadonlyArray<{ committee: number, member: number }>): SignerKey[] {
  return signers.map(s => ({ scheme: deal.scheme, committee: s.committee, member: s.member, share: deal.committees[s.committee - 1]!.shares.find(x => x.member === s.member)!.share }))
}

describe.each(['native', 'noble'] as BackendPreference[])('backend %s', preference => {
  const { aggregate, commit, createSession, decodeCommitments, signShare, verifyingShares, verifyShare } = createFrost(selectBackend(preference))

  describe.each(CURVE_NAMES)('%s', (scheme: CurveName) => {
    const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
    const deal = dealNested(params, seeded(`edge/${scheme}`))
    const session = createSession(params, deal.groupPublicKey, new Map([[1, [1, 3]], [2, [2, 3]]]))
    const keys = keysOf(deal, session.signers)

    it('rejects a commitment changed after it was decoded: the new point is checked, and the error names the signer', () => {
      const r1 = keys.map((k, i) => commit(k, seeded(`changed/${i}`)))
      const commitments = r1.map(r => decodeCommitments(scheme, encodeCommitments(r.commitments)))
      const victim = commitments[2]!
      // Off the curve for both schemes (secp256k1 x = 5 has no point; for ed25519 a point of order 8).
      victim.binding = scheme === 'ed25519' ? Buffer.from(ED25519_SMALL_ORDER, 'hex') : Uint8Array.from([2, ...new Uint8Array(31), 5])
      let caught: unknown
      try { signShare(session, keys[0]!, r1[0]!.nonces, commitments, message) } catch (err) { caught = err }
      expect(caught).toBeInstanceOf(InvalidWireError)
      expect((caught as Error).message).toContain(`${victim.committee}/${victim.member}`)
    })

    it('accepts hand-built commitments that are valid (checked when first used), with the same signature', () => {
      const r1 = keys.map((k, i) => commit(k, seeded(`hand/${i}`)))
      const byHand = r1.map(r => ({ ...r.commitments, hiding: r.commitments.hiding.slice(), binding: r.commitments.binding.slice() }))
      const shares = keys.map((k, i) => signShare(session, k, r1[i]!.nonces, byHand, message))
      const sig = aggregate(session, verifyingShares(session, deal.committees), byHand, message, shares)
      expect(sig).toHaveLength(64)
    })

    it('names the signer whose share is not a canonical scalar (identifiable abort)', () => {
      const r1 = keys.map((k, i) => commit(k, seeded(`noncanonical/${i}`)))
      const commitments = r1.map(r => r.commitments)
      const shares = keys.map((k, i) => signShare(session, k, r1[i]!.nonces, commitments, message))
      const bad = { ...shares[1]!, share: new Uint8Array(32).fill(0xff) }
      let caught: unknown
      try { aggregate(session, verifyingShares(session, deal.committees), commitments, message, [shares[0]!, bad, ...shares.slice(2)]) } catch (err) { caught = err }
      expect(caught).toBeInstanceOf(InvalidShareError)
      expect((caught as InvalidShareError).culprits).toEqual([{ committee: bad.committee, member: bad.member }])
    })

    it('a verifying share given as a plain point (not from verifyingShares) checks the same way', () => {
      const r1 = keys.map((k, i) => commit(k, seeded(`plain/${i}`)))
      const commitments = r1.map(r => r.commitments)
      const shares = keys.map((k, i) => signShare(session, k, r1[i]!.nonces, commitments, message))
      const plain: SignerVerifyingShare[] = session.signers.map(s => ({
        committee: s.committee, member: s.member, verifyingShare: publicShare(scheme, deal.committees[s.committee - 1]!.innerCommitments, s.member)
      }))
      for (const s of shares) expect(verifyShare(session, plain, commitments, message, s)).toBe(true)
      const computed = verifyingShares(session, deal.committees)
      expect(computed.map(v => curveFor(scheme).pointEquals(v.verifyingShare, plain.find(p => p.committee === v.committee && p.member === v.member)!.verifyingShare)))
        .toEqual([true, true, true, true])
      // A wrong point for one signer fails that signer only.
      const wrong = plain.map((v, i) => i === 3 ? { ...v, verifyingShare: plain[0]!.verifyingShare } : v)
      expect(shares.map(s => verifyShare(session, wrong, commitments, message, s))).toEqual([true, true, true, false])
    })

    it("a lone signer's share is checked by the share equation, and a corrupted one is named", () => {
      const lone: SharingParams = { scheme, committees: 1, tc: 1, tm: 1, members: [1] }
      const d = dealNested(lone, seeded(`lone-edge/${scheme}`))
      const s = createSession(lone, d.groupPublicKey, new Map([[1, [1]]]))
      const [key] = keysOf(d, s.signers)
      const r = commit(key!, seeded('lone-edge/nonce'))
      const share = signShare(s, key!, r.nonces, [r.commitments], message)
      const vs = verifyingShares(s, d.committees)
      expect(verifyShare(s, vs, [r.commitments], message, share)).toBe(true)
      const curve = curveFor(scheme)
      const corrupted = { ...share, share: curve.encodeScalar(curve.Fn.add(curve.decodeScalar(share.share), 1n)) }
      expect(verifyShare(s, vs, [r.commitments], message, corrupted)).toBe(false)
      expect(() => aggregate(s, vs, [r.commitments], message, [corrupted])).toThrow(InvalidShareError)
    })
  })
})
