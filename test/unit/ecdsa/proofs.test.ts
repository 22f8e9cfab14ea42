// protocols/ecdsa/proofs.ts: the Schnorr DLog proof and the CDS OR-proof are complete, satisfy
// their equations as written, are bound to their context and statement, and their wire form is strict.
import { describe, expect, it } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { selectBackend } from '../../../protocols/frost/group/select.js'
import type { Element, GroupBackend } from '../../../protocols/frost/group/types.js'
import { hashToScalar, utf8 } from '../../../protocols/ecdsa/hash.js'
import {
  decodeDlogProof, decodeOrDlogProof, DLOG_PROOF_BYTES, dlogChallenge, encodeDlogProof, encodeOrDlogProof, OR_DLOG_PROOF_BYTES,
  ProofEncodingError, proveDlog, proveOrDlog, verifyDlog, verifyOrDlog, type OrDlogProof
} from '../../../protocols/ecdsa/proofs.js'
import { add, encodeScalar, ORDER, randomScalar, sub } from '../../../protocols/ecdsa/scalar.js'
import { seeded } from '../../helpers/deterministic.js'

const backends: Array<[string, GroupBackend]> = [
  ['native', selectBackend('native').secp256k1],
  ['noble', selectBackend('noble').secp256k1]
]

/** noble's own points, independent of the backend under test. */
const P = (group: GroupBackend, e: Element) => secp256k1.Point.fromBytes(group.encode(e))
const G = secp256k1.Point.BASE

describe.each(backends)('proofs on %s', (_name, group) => {
  const ctx = utf8('sid-A')
  const keyPair = (seed: string): { x: bigint, X: Element } => {
    const x = randomScalar(seeded(seed))
    return { x, X: group.mulBase(encodeScalar(x)) }
  }

  describe('Schnorr DLog proof', () => {
    const { x, X } = keyPair('dlog/key')
    const proof = proveDlog(group, x, X, ctx, seeded('dlog/nonce'))

    it('verifies an honest proof', () => {
      expect(verifyDlog(group, X, proof, ctx)).toBe(true)
    })

    it('satisfies s·G = K + c·X as written, with c = H(context, X, K), checked on noble points', () => {
      const c = hashToScalar('proof/dlog', [ctx, group.encode(X), group.encode(proof.commitment)])
      expect(dlogChallenge(group, X, proof.commitment, ctx)).toBe(c)
      expect(G.multiply(proof.response).equals(P(group, proof.commitment).add(P(group, X).multiply(c)))).toBe(true)
    })

    it('rejects a DLog proof bound to another session id', () => {
      expect(verifyDlog(group, X, proof, utf8('sid-B'))).toBe(false)
    })

    it('rejects a proof replayed for another statement', () => {
      expect(verifyDlog(group, keyPair('dlog/other').X, proof, ctx)).toBe(false)
    })

    it('rejects a tampered response', () => {
      expect(verifyDlog(group, X, { ...proof, response: add(proof.response, 1n) }, ctx)).toBe(false)
    })

    it('rejects a tampered commitment', () => {
      expect(verifyDlog(group, X, { ...proof, commitment: keyPair('dlog/k').X }, ctx)).toBe(false)
    })

    it('rejects a proof made with the wrong witness', () => {
      expect(verifyDlog(group, X, proveDlog(group, add(x, 1n), X, ctx, seeded('dlog/wrong')), ctx)).toBe(false)
    })

    it('rejects a zero response (s·G would be the identity)', () => {
      expect(verifyDlog(group, X, { ...proof, response: 0n }, ctx)).toBe(false)
    })

    it('round-trips through its 65-byte encoding', () => {
      const bytes = encodeDlogProof(group, proof)
      expect(bytes.length).toBe(DLOG_PROOF_BYTES)
      const back = decodeDlogProof(group, bytes)
      expect(back.response).toBe(proof.response)
      expect(group.equals(back.commitment, proof.commitment)).toBe(true)
      expect(verifyDlog(group, X, back, ctx)).toBe(true)
    })

    it('refuses a wrong length, a non-canonical response and a commitment that is not a point', () => {
      const bytes = encodeDlogProof(group, proof)
      expect(() => decodeDlogProof(group, bytes.subarray(1))).toThrow(ProofEncodingError)
      expect(() => decodeDlogProof(group, Uint8Array.of(...bytes, 0))).toThrow(ProofEncodingError)
      for (const k of [ORDER, ORDER + 5n, (1n << 256n) - 1n]) { // n ≡ 0, n + 5 ≡ 5, 2^256 − 1: none below n
        const bad = Uint8Array.from(bytes)
        bad.set(bigEndian(k), 33)
        expect(() => decodeDlogProof(group, bad)).toThrow(ProofEncodingError)
      }
      const uncompressed = Uint8Array.from(bytes)
      uncompressed[0] = 0x04
      expect(() => decodeDlogProof(group, uncompressed)).toThrow(ProofEncodingError)
      const offCurve = Uint8Array.from(bytes)
      offCurve.set(new Uint8Array(32).fill(0xff), 1) // x ≥ p
      expect(() => decodeDlogProof(group, offCurve)).toThrow(ProofEncodingError)
    })
  })

  describe('CDS OR-proof', () => {
    const { x: r, X: R } = keyPair('or/key')
    const h = keyPair('or/h').X // stands for a point of unknown log; the proof does not care
    // Statements (X0, X1) = (v, v − h) for a receiver with choice 0 and 1.
    const choice0: [Element, Element] = [R, group.sum([R, group.negate(h)])]
    const choice1: [Element, Element] = [group.sum([R, h]), R]
    const proof0 = proveOrDlog(group, choice0, 0, r, ctx, seeded('or/0'))
    const proof1 = proveOrDlog(group, choice1, 1, r, ctx, seeded('or/1'))

    it('verifies honest proofs for either known branch', () => {
      expect(verifyOrDlog(group, choice0, proof0, ctx)).toBe(true)
      expect(verifyOrDlog(group, choice1, proof1, ctx)).toBe(true)
    })

    it('satisfies c0 + c1 = H(context, X0, X1, K0, K1) with K_j = s_j·G − c_j·X_j, checked on noble points', () => {
      for (const [st, pr] of [[choice0, proof0], [choice1, proof1]] as const) {
        const K = [0, 1].map(j => G.multiply(j === 0 ? pr.s0 : pr.s1).subtract(P(group, st[j]!).multiply(j === 0 ? pr.c0 : pr.c1)))
        const c = hashToScalar('proof/or-dlog', [ctx, group.encode(st[0]), group.encode(st[1]), K[0]!.toBytes(true), K[1]!.toBytes(true)])
        expect(add(pr.c0, pr.c1)).toBe(c)
      }
    })

    it('rejects an OR-proof bound to another session id', () => {
      expect(verifyOrDlog(group, choice0, proof0, utf8('sid-B'))).toBe(false)
    })

    it('rejects an OR-proof replayed with its statements swapped', () => {
      expect(verifyOrDlog(group, [choice0[1], choice0[0]], proof0, ctx)).toBe(false)
    })

    it('rejects an OR-proof by a prover who knows neither log (honest prover code, wrong witness)', () => {
      const neither: [Element, Element] = [group.sum([R, group.mul(h, 2n)]), group.sum([R, h])] // v = R + 2h: neither R nor R + h
      expect(verifyOrDlog(group, neither, proveOrDlog(group, neither, 0, r, ctx, seeded('or/n0')), ctx)).toBe(false)
      expect(verifyOrDlog(group, neither, proveOrDlog(group, neither, 1, r, ctx, seeded('or/n1')), ctx)).toBe(false)
    })

    it('rejects two simulated branches (the forger picks both challenges; their sum misses the hash)', () => {
      const rnd = seeded('or/forge')
      const forged: OrDlogProof = { c0: randomScalar(rnd), c1: randomScalar(rnd), s0: randomScalar(rnd), s1: randomScalar(rnd) }
      expect(verifyOrDlog(group, choice0, forged, ctx)).toBe(false)
    })

    it('rejects a tampered challenge, even with the sum c0 + c1 kept', () => {
      expect(verifyOrDlog(group, choice0, { ...proof0, c0: add(proof0.c0, 1n), c1: sub(proof0.c1, 1n) }, ctx)).toBe(false)
      expect(verifyOrDlog(group, choice0, { ...proof0, c1: add(proof0.c1, 1n) }, ctx)).toBe(false)
    })

    it('rejects a tampered response', () => {
      expect(verifyOrDlog(group, choice0, { ...proof0, s0: add(proof0.s0, 1n) }, ctx)).toBe(false)
      expect(verifyOrDlog(group, choice1, { ...proof1, s1: add(proof1.s1, 1n) }, ctx)).toBe(false)
    })

    it('rejects a zero challenge (that branch would need no witness)', () => {
      // A zero challenge proves nothing about its branch; refusing it costs an honest prover a
      // redraw with probability 2^-256 and keeps special soundness plain (two distinct challenges).
      expect(verifyOrDlog(group, choice0, { ...proof0, c0: 0n, c1: add(proof0.c0, proof0.c1) }, ctx)).toBe(false)
      expect(verifyOrDlog(group, choice0, { ...proof0, c1: 0n, c0: add(proof0.c0, proof0.c1) }, ctx)).toBe(false)
    })

    it('round-trips through its 128-byte encoding and refuses wrong lengths and scalars ≥ n', () => {
      const bytes = encodeOrDlogProof(proof1)
      expect(bytes.length).toBe(OR_DLOG_PROOF_BYTES)
      expect(decodeOrDlogProof(bytes)).toEqual(proof1)
      expect(() => decodeOrDlogProof(bytes.subarray(1))).toThrow(ProofEncodingError)
      expect(() => decodeOrDlogProof(Uint8Array.of(...bytes, 0))).toThrow(ProofEncodingError)
      for (let field = 0; field < 4; field++) {
        const bad = Uint8Array.from(bytes)
        bad.set(bigEndian(ORDER), field * 32) // n itself: reduces to 0, not canonical
        expect(() => decodeOrDlogProof(bad)).toThrow(ProofEncodingError)
      }
    })
  })
})

function bigEndian (k: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--) { out[i] = Number(k & 0xffn); k >>= 8n }
  return out
}
