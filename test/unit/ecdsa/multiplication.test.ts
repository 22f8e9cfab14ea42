// Random vector OLE (protocols/ecdsa/multiplication.ts, DKLs19 Protocol 1 as DKLs23 uses it)
// against its equations on random inputs: c_k + d_k = a_k·b with b = ⟨g, β⟩, and a cheating
// Alice (inconsistent correlations, the selective-failure attack) caught by Bob's check.
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { hashToScalar, taggedHash, u32, utf8 } from '../../../protocols/ecdsa/hash.js'
import { MUL_INPUTS, MUL_OT_WIDTH, mulAliceRespond, mulBobFinish, mulBobStart, MultiplicationError } from '../../../protocols/ecdsa/multiplication.js'
import type { MulAliceMessage } from '../../../protocols/ecdsa/multiplication.js'
import { oteSenderTransfer, type OteReceiverMessage } from '../../../protocols/ecdsa/ot-extension.js'
import { BATCH_SIZE_OTS } from '../../../protocols/ecdsa/ot-params.js'
import { add, encodeScalar, inv, mul, neg, randomScalar, sub } from '../../../protocols/ecdsa/scalar.js'
import { seeded } from '../../helpers/deterministic.js'
import { freshPairKeys, setUpPairs } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const pairs = setUpPairs(group, ['alice', 'bob'], seeded('mul/pairs'))
const aliceKeys = pairs.get('alice')!.get('bob')!
/** Alice's side, with a fresh sender setup at every use (a caught cheat burns the one it ran on). */
const alice = { get ote () { return freshPairKeys(aliceKeys).alice.ote }, gadget: aliceKeys.alice.gadget }
const bob = pairs.get('bob')!.get('alice')!.bob

interface Chi { chiTilde: bigint[], chiHat: bigint[] }
const scalarsBytes = (xs: readonly (readonly bigint[])[]): Uint8Array => Buffer.concat(xs.flatMap(row => row.map(encodeScalar)))
const chiOver = (sid: Uint8Array, transcript: Uint8Array): Chi => ({
  chiTilde: [0, 1].map(k => hashToScalar('mul/chi-tilde', [sid, u32(k), transcript])),
  chiHat: [0, 1].map(k => hashToScalar('mul/chi-hat', [sid, u32(k), transcript]))
})
const bobDigest = (sid: Uint8Array, m: OteReceiverMessage): Uint8Array => taggedHash('mul/transcript', [sid, m.u, m.verifyX, m.verifyT])
/** The challenges as multiplication.ts draws them: over Bob's message and Alice's τ. */
const boundChi = (sid: Uint8Array, m: OteReceiverMessage, tau: readonly (readonly bigint[])[]): Chi =>
  chiOver(sid, taggedHash('mul/transcript-tau', [sid, bobDigest(sid, m), NONCE, scalarsBytes(tau)]))
/** The cheating Alice's nonce in the OT extension's randomisation. */
const NONCE = new Uint8Array(32).fill(9)

/**
 * A cheating Alice: mulAliceRespond's steps on correlations of her choice (one per OT, not one
 * ã, â for all), with the challenges `chiFor` gives her once τ is fixed.
 */
function answerWith (sid: Uint8Array, m: OteReceiverMessage, a: bigint[], aTilde: bigint[], aHat: bigint[], correlations: bigint[][], chiFor: (tau: bigint[][]) => Chi): { c: bigint[], message: MulAliceMessage } {
  const transfer = oteSenderTransfer(alice.ote, sid, MUL_OT_WIDTH, correlations, m, NONCE)
  const { chiTilde, chiHat } = chiFor(transfer.tau)
  const rows: bigint[][] = []
  for (let k = 0; k < MUL_INPUTS; k++) rows.push(transfer.outputs[k]!.map((z, i) => add(mul(chiTilde[k]!, z), mul(chiHat[k]!, transfer.outputs[MUL_INPUTS + k]![i]!))))
  return {
    c: transfer.outputs.slice(0, MUL_INPUTS).map(zs => zs.reduce((sum, z, i) => add(sum, mul(alice.gadget[i]!, z)), 0n)),
    message: {
      nonce: NONCE,
      tau: transfer.tau,
      verifyR: taggedHash('mul/verify', [sid, scalarsBytes(rows)]),
      verifyU: [0, 1].map(k => add(mul(chiTilde[k]!, aTilde[k]!), mul(chiHat[k]!, aHat[k]!))),
      gamma: a.map((x, k) => sub(x, aTilde[k]!))
    }
  }
}

describe('random vector OLE', () => {
  it('c_k + d_k = a_k·b on random inputs, and b is ⟨g, β⟩', () => {
    const random = seeded('mul/ole')
    for (let round = 0; round < 4; round++) {
      const sid = taggedHash('test/mul', [utf8(`ole-${round}`)])
      const a = [randomScalar(random), randomScalar(random)]
      const started = mulBobStart(bob, sid, random)
      let b = 0n
      started.keep.choices.forEach((byte, i) => { for (let k = 0; k < 8; k++) if ((byte >> k) & 1) b = add(b, bob.gadget[i * 8 + k]!) })
      expect(started.b).toBe(b)
      const answered = mulAliceRespond(alice, sid, a, started.message, random)
      const d = mulBobFinish(bob, sid, started.keep, answered.message)
      for (let k = 0; k < a.length; k++) expect(add(answered.c[k]!, d[k]!)).toBe(mul(a[k]!, started.b))
    }
  })

  it('both directions of a pair multiply (each side is Alice once)', () => {
    const random = seeded('mul/reverse')
    const sid = taggedHash('test/mul', [utf8('reverse')])
    const started = mulBobStart(pairs.get('alice')!.get('bob')!.bob, sid, random)
    const a = [5n, 7n]
    const answered = mulAliceRespond(pairs.get('bob')!.get('alice')!.alice, sid, a, started.message, random)
    const d = mulBobFinish(pairs.get('alice')!.get('bob')!.bob, sid, started.keep, answered.message)
    expect(add(answered.c[0]!, d[0]!)).toBe(mul(5n, started.b))
    expect(add(answered.c[1]!, d[1]!)).toBe(mul(7n, started.b))
  })

  it('selective failure on the multiplication input: a shifted OT fails exactly when Bob chose it, and Bob\'s input stays uniform', () => {
    // Alice shifts her ã of input 1 at OT j (so τ_j), then answers with the challenges over that
    // τ: Bob uses τ_j only where β_j = 1, so the check fails exactly then (what the attack learns
    // is β_j), and where β_j = 0 the product is still right. b = ⟨g, β⟩ over BATCH_SIZE = κ + 2s
    // random bits is why learning some β_j leaves b uniform (DKLs19 §3).
    const random = seeded('mul/selective')
    let caught = 0
    let harmless = 0
    for (let trial = 0; trial < 8; trial++) {
      const sid = taggedHash('test/mul', [utf8(`selective-${trial}`)])
      const started = mulBobStart(bob, sid, random)
      const j = 100 + trial
      const a = [1n, 2n]
      const aTilde = a.map(() => randomScalar(random))
      const aHat = a.map(() => randomScalar(random))
      const correlations = [...aTilde, ...aHat].map((x, w) => Array.from({ length: BATCH_SIZE_OTS }, (_, i) => w === 1 && i === j ? add(x, 3n) : x))
      const answered = answerWith(sid, started.message, a, aTilde, aHat, correlations, tau => boundChi(sid, started.message, tau))
      const chosen = ((started.keep.choices[j >> 3]! >> (j & 7)) & 1) === 1
      if (chosen) {
        expect(() => mulBobFinish(bob, sid, started.keep, answered.message)).toThrow(MultiplicationError)
        caught++
      } else {
        const d = mulBobFinish(bob, sid, started.keep, answered.message)
        expect(add(answered.c[1]!, d[1]!)).toBe(mul(2n, started.b))
        harmless++
      }
    }
    expect(caught).toBeGreaterThan(0)
    expect(harmless).toBeGreaterThan(0)
  })

  it('a wrong verifyU (Alice lying about her check values) is caught', () => {
    const random = seeded('mul/verify-u')
    const sid = taggedHash('test/mul', [utf8('verify-u')])
    const started = mulBobStart(bob, sid, random)
    const answered = mulAliceRespond(alice, sid, [1n, 2n], started.message, random)
    const bad = { ...answered.message, verifyU: [add(answered.message.verifyU[0]!, 1n), answered.message.verifyU[1]!] }
    try {
      mulBobFinish(bob, sid, started.keep, bad)
      expect.unreachable()
    } catch (err) {
      expect((err as MultiplicationError).culprit).toBe('alice')
    }
  })

  it('a Bob message replayed under another sid is refused by Alice (the OT-extension check binds the sid)', () => {
    const random = seeded('mul/replay')
    const started = mulBobStart(bob, taggedHash('test/mul', [utf8('first')]), random)
    try {
      mulAliceRespond(alice, taggedHash('test/mul', [utf8('second')]), [1n, 2n], started.message, random)
      expect.unreachable()
    } catch (err) {
      expect((err as MultiplicationError).culprit).toBe('bob')
    }
  })

  it('an Alice who could predict χ̃, χ̂ before choosing her OT payloads is still caught (the challenges bind τ, as θ in DKLs23 Protocol 5.2)', () => {
    // Were χ̃, χ̂ a function of Bob's message alone, Alice would know them before choosing her
    // correlations, and could shift ã by δ in one OT j while moving â by −(χ̃/χ̂)·δ there: every
    // row r_j still matches, so the check passes whatever β is, and c + d = a·b + g_j·β_j·δ
    // (an error on Bob's secret bit that no consistency check stopped).
    const random = seeded('mul/predicted-chi')
    const sid = taggedHash('test/mul', [utf8('predicted-chi')])
    const started = mulBobStart(bob, sid, random)
    const j = [...Array(BATCH_SIZE_OTS).keys()].find(i => ((started.keep.choices[i >> 3]! >> (i & 7)) & 1) === 1)!
    const predicted = chiOver(sid, bobDigest(sid, started.message))
    const a = [11n, 13n]
    const aTilde = a.map(() => randomScalar(random))
    const aHat = a.map(() => randomScalar(random))
    const delta = 5n
    const compensate = mul(mul(predicted.chiTilde[0]!, inv(predicted.chiHat[0]!)), delta)
    const correlations = [...aTilde, ...aHat].map((x, w) => Array.from({ length: BATCH_SIZE_OTS }, (_, i) => {
      if (i !== j) return x
      if (w === 0) return add(x, delta)
      return w === MUL_INPUTS ? sub(x, compensate) : x
    }))
    const answered = answerWith(sid, started.message, a, aTilde, aHat, correlations, () => predicted)
    let d: bigint[]
    try {
      d = mulBobFinish(bob, sid, started.keep, answered.message)
    } catch (err) {
      expect(err).toBeInstanceOf(MultiplicationError)
      expect((err as MultiplicationError).culprit).toBe('alice')
      return
    }
    // Not caught: the product is off by g_j·δ, an error Alice put on Bob's secret bit β_j = 1.
    expect.fail(`the inconsistent payloads passed Bob's check (c + d − a·b = ${add(add(answered.c[0]!, d[0]!), neg(mul(a[0]!, started.b)))})`)
  })

  it('the same cheating Alice, answering with the challenges over her τ, is caught (only where β_j = 1: the selective failure above)', () => {
    const random = seeded('mul/bound-chi')
    const sid = taggedHash('test/mul', [utf8('bound-chi')])
    const started = mulBobStart(bob, sid, random)
    const j = [...Array(BATCH_SIZE_OTS).keys()].find(i => ((started.keep.choices[i >> 3]! >> (i & 7)) & 1) === 1)!
    const a = [11n, 13n]
    const aTilde = a.map(() => randomScalar(random))
    const aHat = a.map(() => randomScalar(random))
    const correlations = [...aTilde, ...aHat].map((x, w) => Array.from({ length: BATCH_SIZE_OTS }, (_, i) => i === j && w === 0 ? add(x, 5n) : x))
    const answered = answerWith(sid, started.message, a, aTilde, aHat, correlations, tau => boundChi(sid, started.message, tau))
    expect(() => mulBobFinish(bob, sid, started.keep, answered.message)).toThrow(MultiplicationError)
    // The helper draws the challenges as the code does: its honest answer passes.
    const sid2 = taggedHash('test/mul', [utf8('bound-chi-honest')])
    const started2 = mulBobStart(bob, sid2, random)
    const honest = answerWith(sid2, started2.message, a, aTilde, aHat, [...aTilde, ...aHat].map(x => new Array<bigint>(BATCH_SIZE_OTS).fill(x)), tau => boundChi(sid2, started2.message, tau))
    const d = mulBobFinish(bob, sid2, started2.keep, honest.message)
    expect(add(honest.c[0]!, d[0]!)).toBe(mul(a[0]!, started2.b))
  })

  it('finishing Bob twice on one keep is a local error, never blamed on Alice', () => {
    const random = seeded('mul/keep-twice')
    const sid = taggedHash('test/mul', [utf8('keep-twice')])
    const started = mulBobStart(bob, sid, random)
    const answered = mulAliceRespond(alice, sid, [1n, 2n], started.message, random)
    mulBobFinish(bob, sid, started.keep, answered.message)
    let err: unknown
    try {
      mulBobFinish(bob, sid, started.keep, answered.message)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(MultiplicationError)
  })
})
