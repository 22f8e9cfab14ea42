// Random vector OLE (protocols/ecdsa/multiplication.ts, DKLs19 Protocol 1 as DKLs23 uses it)
// against its equations on random inputs: c_k + d_k = a_k·b with b = ⟨g, β⟩, and a cheating
// Alice (inconsistent correlations, the selective-failure attack) caught by Bob's check.
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { taggedHash, utf8 } from '../../../protocols/ecdsa/hash.js'
import { mulAliceRespond, mulBobFinish, mulBobStart, MultiplicationError } from '../../../protocols/ecdsa/multiplication.js'
import { add, mul, randomScalar } from '../../../protocols/ecdsa/scalar.js'
import { seeded } from '../../helpers/deterministic.js'
import { setUpPairs } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const pairs = setUpPairs(group, ['alice', 'bob'], seeded('mul/pairs'))
const alice = pairs.get('alice')!.get('bob')!.alice
const bob = pairs.get('bob')!.get('alice')!.bob

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
    // Alice shifts τ at OT j: Bob uses τ_j only where β_j = 1, so the check fails exactly then
    // (what the attack learns is β_j), and where β_j = 0 the product is still right. b = ⟨g, β⟩
    // over BATCH_SIZE = κ + 2s random bits is why learning some β_j leaves b uniform (DKLs19 §3).
    const random = seeded('mul/selective')
    let caught = 0
    let harmless = 0
    for (let trial = 0; trial < 8; trial++) {
      const sid = taggedHash('test/mul', [utf8(`selective-${trial}`)])
      const started = mulBobStart(bob, sid, random)
      const answered = mulAliceRespond(alice, sid, [1n, 2n], started.message, random)
      const j = 100 + trial
      const chosen = ((started.keep.choices[j >> 3]! >> (j & 7)) & 1) === 1
      const tau = answered.message.tau.map((row, w) => w === 1 ? row.map((t, i) => i === j ? add(t, 3n) : t) : row)
      if (chosen) {
        expect(() => mulBobFinish(bob, sid, started.keep, { ...answered.message, tau })).toThrow(MultiplicationError)
        caught++
      } else {
        const d = mulBobFinish(bob, sid, started.keep, { ...answered.message, tau })
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
})
