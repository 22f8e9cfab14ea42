// The OT extension of DKLs23 (protocols/ecdsa/ot-extension.ts: KOS Fig. 10 with Fiat–Shamir,
// then DKLs18 Protocol 9): the correlation on random inputs, the IKNP relation behind it,
// the consistency check against receivers that cheat, strict wire decoding, and secret types
// that do not serialise. Setups are made directly (random Δ and seeds), not by base OT.
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { transposeBits } from '../../../protocols/ecdsa/bit-matrix.js'
import { gf208FromBytes, gf208MulAccumulate, gf208Multiplier, gf208Reduce, gf208ToBytes, gf208Wide, type Gf208Multiplier } from '../../../protocols/ecdsa/gf2-208.js'
import { taggedXof, utf8 } from '../../../protocols/ecdsa/hash.js'
import {
  OTE_CHI_TAG, OteConsistencyError, OteError, OteKeepReusedError, OteMalformedError, OteReceiverSetup, OteSenderSetup, OteSetupBurnedError,
  otePrg, oteReceiverExtend, oteReceiverOutputs, oteSenderTransfer, randomizeRow, type OteReceiverMessage
} from '../../../protocols/ecdsa/ot-extension.js'
import {
  OTE_RECEIVER_MESSAGE_BYTES, OTE_TAU_BYTES_PER_WIDTH, decodeOteReceiverMessage, decodeTau, encodeOteReceiverMessage, encodeTau
} from '../../../protocols/ecdsa/ot-extension-wire.js'
import {
  BATCH_SIZE_BYTES, BATCH_SIZE_OTS, EXTENDED_BATCH_SIZE_OTS, EXTENDED_ROW_BYTES, FIELD_BYTES, KAPPA_BITS, KAPPA_BYTES
} from '../../../protocols/ecdsa/ot-params.js'
import { ORDER, add, encodeScalar, mul, randomScalar, sub } from '../../../protocols/ecdsa/scalar.js'
import type { Random } from '../../../protocols/machine/types.js'
import { seeded } from '../../helpers/deterministic.js'

/** The sender's nonce of a transfer; fixed here, fresh in the multiplication. */
const NONCE = new Uint8Array(32).fill(7)

const bitOf = (bytes: Uint8Array, k: number): number => (bytes[k >> 3]! >> (k & 7)) & 1
const xor = (a: Uint8Array, b: Uint8Array): Uint8Array => a.map((v, k) => v ^ b[k]!)

interface Pair {
  delta: Uint8Array
  seeds0: Uint8Array[]
  seeds1: Uint8Array[]
  sender: OteSenderSetup
  receiver: OteReceiverSetup
}

/** What the base OTs would leave: random Δ and seeds, the sender holding m_{Δ_i}. */
function makePair (random: Random): Pair {
  const delta = random(KAPPA_BYTES)
  const seeds0 = Array.from({ length: KAPPA_BITS }, () => random(32))
  const seeds1 = Array.from({ length: KAPPA_BITS }, () => random(32))
  const seeds = seeds0.map((s0, i) => bitOf(delta, i) === 1 ? seeds1[i]! : s0)
  // A fresh sender setup at every use: a failed consistency check burns the one it ran on.
  return { delta, seeds0, seeds1, get sender () { return new OteSenderSetup(delta, seeds) }, receiver: new OteReceiverSetup(seeds0, seeds1) }
}

const randomCorrelations = (random: Random, width: number): bigint[][] =>
  Array.from({ length: width }, () => Array.from({ length: BATCH_SIZE_OTS }, () => randomScalar(random)))

/** One extension end to end, both messages through their wire forms. */
function run (pair: Pair, random: Random, width: number, sid = utf8('sid/run')) {
  const choices = random(BATCH_SIZE_BYTES)
  const correlations = randomCorrelations(random, width)
  const { keep, message } = oteReceiverExtend(pair.receiver, sid, choices, random)
  const wire = encodeOteReceiverMessage(message)
  const { outputs, tau } = oteSenderTransfer(pair.sender, sid, width, correlations, decodeOteReceiverMessage(wire), NONCE)
  const tauWire = encodeTau(tau, width)
  const received = oteReceiverOutputs(keep, sid, width, decodeTau(tauWire, width), NONCE)
  return { choices, correlations, outputs, tau, received, wire, tauWire }
}

// A receiver that may cheat: row i of u carries choice vector `rows(i)` (78 bytes, masking bits
// included), x̃ is computed from `claimed`, and t̃_i gets `patch(i, χ)` XORed in. χ is
// recomputed by Fiat–Shamir over the u it sends, as a cheater would.
function checkValue (chi: [Gf208Multiplier, Gf208Multiplier], row: Uint8Array): Uint8Array {
  const wide = gf208Wide()
  gf208MulAccumulate(wide, chi[0], gf208FromBytes(row, 0))
  gf208MulAccumulate(wide, chi[1], gf208FromBytes(row, FIELD_BYTES))
  return xor(gf208ToBytes(gf208Reduce(wide)), row.subarray(2 * FIELD_BYTES))
}

function cheatingMessage (
  pair: Pair, sid: Uint8Array, claimed: Uint8Array, rows: (i: number) => Uint8Array,
  patch: (i: number, chi: [Gf208Multiplier, Gf208Multiplier]) => Uint8Array | undefined = () => undefined
): OteReceiverMessage {
  const t0 = pair.seeds0.map((s, i) => otePrg(sid, i, s))
  const u = new Uint8Array(KAPPA_BITS * EXTENDED_ROW_BYTES)
  t0.forEach((t, i) => u.set(xor(xor(t, otePrg(sid, i, pair.seeds1[i]!)), rows(i)), i * EXTENDED_ROW_BYTES))
  const chiBytes = taggedXof(OTE_CHI_TAG, [sid, u], 2 * FIELD_BYTES)
  const chi: [Gf208Multiplier, Gf208Multiplier] = [gf208Multiplier(gf208FromBytes(chiBytes, 0)), gf208Multiplier(gf208FromBytes(chiBytes, FIELD_BYTES))]
  const verifyT = new Uint8Array(KAPPA_BITS * FIELD_BYTES)
  t0.forEach((t, i) => {
    const p = patch(i, chi)
    verifyT.set(p === undefined ? checkValue(chi, t) : xor(checkValue(chi, t), p), i * FIELD_BYTES)
  })
  return { u, verifyX: checkValue(chi, claimed), verifyT }
}

const transferOf = (pair: Pair, sid: Uint8Array, message: OteReceiverMessage) => () =>
  oteSenderTransfer(pair.sender, sid, 1, randomCorrelations(seeded('alpha'), 1), message, NONCE)

describe('OT extension (KOS Fig. 10 + DKLs18 Protocol 9)', () => {
  const random = seeded('ot-extension')
  const pair = makePair(random)

  for (const width of [1, 2, 4]) {
    it(`gives sender output + receiver output = b_j · α[w][j] mod n at width ${width}`, () => {
      const { choices, correlations, outputs, received, tau } = run(pair, random, width)
      expect(outputs.length).toBe(width)
      expect(received.length).toBe(width)
      expect(tau.length).toBe(width)
      for (let w = 0; w < width; w++) {
        for (let j = 0; j < BATCH_SIZE_OTS; j++) {
          expect(add(outputs[w]![j]!, received[w]![j]!)).toBe(mul(BigInt(bitOf(choices, j)), correlations[w]![j]!))
        }
      }
      // Each width uses its own pads: no two vectors of outputs alike (the reference's past bug).
      expect(new Set(outputs.map(v => v.join())).size).toBe(width)
      expect(new Set(received.map(v => v.join())).size).toBe(width)
    })
  }

  it('makes the sender\'s pads what IKNP says: v0 = H(t_j ⊕ b_j·Δ), v1 = H(t_j ⊕ (1 − b_j)·Δ)', () => {
    const sid = utf8('sid/iknp')
    const width = 2
    const { choices, correlations, outputs, tau } = run(pair, random, width, sid)
    // t_j: column j of the receiver's κ × ℓ' PRG matrix from seeds0, cut to the first ℓ columns.
    const t = new Uint8Array(KAPPA_BITS * EXTENDED_ROW_BYTES)
    pair.seeds0.forEach((s, i) => t.set(otePrg(sid, i, s), i * EXTENDED_ROW_BYTES))
    const columns = transposeBits(t, KAPPA_BITS, EXTENDED_BATCH_SIZE_OTS, BATCH_SIZE_OTS)
    const zero = new Uint8Array(KAPPA_BYTES)
    let ones = 0
    for (let j = 0; j < BATCH_SIZE_OTS; j++) {
      const tj = columns.subarray(j * KAPPA_BYTES, (j + 1) * KAPPA_BYTES)
      const b = bitOf(choices, j)
      ones += b
      const v0 = randomizeRow(sid, NONCE, j, xor(tj, b === 1 ? pair.delta : zero), width)
      const v1 = randomizeRow(sid, NONCE, j, xor(tj, b === 1 ? zero : pair.delta), width)
      for (let w = 0; w < width; w++) {
        expect(outputs[w]![j]).toBe(v0[w])
        expect(tau[w]![j]).toBe(add(sub(v1[w]!, v0[w]!), correlations[w]![j]!))
      }
    }
    expect(ones).toBeGreaterThan(0) // both kinds of choice bit were exercised
    expect(ones).toBeLessThan(BATCH_SIZE_OTS)
  })

  it('accepts the test\'s own receiver when it is honest (so the attacks below fail for their cheat alone)', () => {
    const sid = utf8('sid/honest-adversary')
    const x = random(EXTENDED_ROW_BYTES)
    expect(transferOf(pair, sid, cheatingMessage(pair, sid, x, () => x))).not.toThrow()
  })

  it('rejects a receiver that uses different choice bits across the KAPPA rows (the KOS consistency check)', () => {
    const sid = utf8('sid/inconsistent')
    const x = random(EXTENDED_ROW_BYTES)
    // Selective failure: flip the choice bit of one OT, j = 5, under some base OTs only.
    const flipped = Uint8Array.from(x)
    flipped[0] = flipped[0]! ^ (1 << 5)
    const oneRow = Array.from({ length: KAPPA_BITS }, (_, i) => i).find(i => bitOf(pair.delta, i) === 1)!
    for (const cheatRows of [new Set([oneRow]), new Set(Array.from({ length: 16 }, (_, k) => 3 * k)), new Set(Array.from({ length: KAPPA_BITS / 2 }, (_, k) => 2 * k + 1))]) {
      const message = cheatingMessage(pair, sid, x, i => cheatRows.has(i) ? flipped : x)
      expect(transferOf(pair, sid, message)).toThrow(OteConsistencyError)
    }
    // Its culprit is the receiver, and it names no row (which rows fail depends on Δ).
    try {
      transferOf(pair, sid, cheatingMessage(pair, sid, x, i => i === oneRow ? flipped : x))()
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(OteError)
      expect((e as OteError).culprit).toBe('ote-receiver')
      expect((e as Error).message).not.toMatch(/\d/)
    }
  })

  it('lets a row with other choice bits pass only when the cheater guessed Δ_i: caught half the time per row (KOS bounds this leak)', () => {
    const sid = utf8('sid/guess')
    const x = random(EXTENDED_ROW_BYTES)
    const flipped = Uint8Array.from(x)
    flipped[1] = flipped[1]! ^ 1
    const rows = [0, 1, 2, 3, 4, 5, 6, 7]
    expect(new Set(rows.map(i => bitOf(pair.delta, i))).size).toBe(2) // both values of Δ_i are tried
    for (const i of rows) {
      const deltaI = bitOf(pair.delta, i)
      // Guess Δ_i = 0: t̃_i as if honest. Guess Δ_i = 1: t̃_i corrected by χ·(x ⊕ x').
      for (const guess of [0, 1]) {
        const message = cheatingMessage(pair, sid, x, r => r === i ? flipped : x, (r, chi) => r === i && guess === 1 ? checkValue(chi, xor(x, flipped)) : undefined)
        if (guess === deltaI) expect(transferOf(pair, sid, message)).not.toThrow()
        else expect(transferOf(pair, sid, message)).toThrow(OteConsistencyError)
      }
    }
  })

  it('rejects a verifyT/verifyX that does not match u', () => {
    const sid = utf8('sid/tamper')
    const { message } = oteReceiverExtend(pair.receiver, sid, random(BATCH_SIZE_BYTES), random)
    const tampered = (part: 'u' | 'verifyX' | 'verifyT', at: number): OteReceiverMessage => {
      const copy = { u: Uint8Array.from(message.u), verifyX: Uint8Array.from(message.verifyX), verifyT: Uint8Array.from(message.verifyT) }
      copy[part][at] = copy[part][at]! ^ 0x10
      return copy
    }
    expect(transferOf(pair, sid, message)).not.toThrow()
    expect(transferOf(pair, sid, tampered('verifyX', 0))).toThrow(OteConsistencyError)
    expect(transferOf(pair, sid, tampered('verifyX', FIELD_BYTES - 1))).toThrow(OteConsistencyError)
    expect(transferOf(pair, sid, tampered('verifyT', 7 * FIELD_BYTES + 3))).toThrow(OteConsistencyError)
    expect(transferOf(pair, sid, tampered('verifyT', KAPPA_BITS * FIELD_BYTES - 1))).toThrow(OteConsistencyError)
    expect(transferOf(pair, sid, tampered('u', 100))).toThrow(OteConsistencyError)
    expect(transferOf(pair, sid, tampered('u', KAPPA_BITS * EXTENDED_ROW_BYTES - 1))).toThrow(OteConsistencyError)
  })

  it('rejects a message replayed under another sid', () => {
    const { message } = oteReceiverExtend(pair.receiver, utf8('sid/first'), random(BATCH_SIZE_BYTES), random)
    expect(transferOf(pair, utf8('sid/first'), message)).not.toThrow()
    expect(transferOf(pair, utf8('sid/second'), message)).toThrow(OteConsistencyError)
  })

  it('refuses malformed wire bytes: wrong lengths, scalars ≥ n', () => {
    const { wire, tauWire } = run(pair, random, 2, utf8('sid/wire'))
    expect(wire.length).toBe(OTE_RECEIVER_MESSAGE_BYTES)
    expect(tauWire.length).toBe(2 * OTE_TAU_BYTES_PER_WIDTH)
    expect(encodeOteReceiverMessage(decodeOteReceiverMessage(wire))).toEqual(wire)
    expect(encodeTau(decodeTau(tauWire, 2), 2)).toEqual(tauWire)

    for (const bad of [wire.subarray(1), new Uint8Array(wire.length + 1), new Uint8Array(0)]) {
      expect(() => decodeOteReceiverMessage(bad)).toThrow(OteMalformedError)
    }
    expect(() => decodeTau(tauWire.subarray(32), 2)).toThrow(OteMalformedError)
    expect(() => decodeTau(tauWire, 1)).toThrow(OteMalformedError) // the sender answered with another width
    for (const big of [ORDER, (1n << 256n) - 1n]) {
      const bad = Uint8Array.from(tauWire)
      bad.set(Buffer.from(big.toString(16).padStart(64, '0'), 'hex'), OTE_TAU_BYTES_PER_WIDTH + 5 * 32)
      try {
        decodeTau(bad, 2)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(OteMalformedError)
        expect((e as OteMalformedError).culprit).toBe('ote-sender')
      }
    }
    const highest = Uint8Array.from(tauWire)
    highest.set(encodeScalar(ORDER - 1n), 0)
    expect(decodeTau(highest, 2)[0]![0]).toBe(ORDER - 1n)

    // Messages made without the codec are checked at the protocol step too.
    const { message } = oteReceiverExtend(pair.receiver, utf8('sid/dims'), random(BATCH_SIZE_BYTES), random)
    expect(transferOf(pair, utf8('sid/dims'), { ...message, verifyT: message.verifyT.subarray(1) })).toThrow(OteMalformedError)
    const { keep } = oteReceiverExtend(pair.receiver, utf8('sid/tau'), random(BATCH_SIZE_BYTES), random)
    expect(() => oteReceiverOutputs(keep, utf8('sid/tau'), 1, [new Array<bigint>(BATCH_SIZE_OTS).fill(ORDER)], NONCE)).toThrow(OteMalformedError)
    expect(() => oteReceiverOutputs(keep, utf8('sid/tau'), 1, [new Array<bigint>(BATCH_SIZE_OTS - 1).fill(0n)], NONCE)).toThrow(OteMalformedError)
    expect(keep.used).toBe(false) // a bad τ is refused before the state is used up
  })

  it('refuses local inputs of the wrong shape as the caller\'s bug', () => {
    const sid = utf8('sid/local')
    expect(() => oteReceiverExtend(pair.receiver, sid, new Uint8Array(BATCH_SIZE_BYTES - 1), random)).toThrow(RangeError)
    const { message } = oteReceiverExtend(pair.receiver, sid, random(BATCH_SIZE_BYTES), random)
    for (const width of [0, 256, 1.5]) expect(() => oteSenderTransfer(pair.sender, sid, width, randomCorrelations(random, 1), message, NONCE)).toThrow(RangeError)
    expect(() => oteSenderTransfer(pair.sender, sid, 2, randomCorrelations(random, 1), message, NONCE)).toThrow(RangeError)
    const unreduced = randomCorrelations(random, 1)
    unreduced[0]![7] = ORDER
    expect(() => oteSenderTransfer(pair.sender, sid, 1, unreduced, message, NONCE)).toThrow(RangeError)
    expect(() => new OteSenderSetup(new Uint8Array(31), pair.seeds0)).toThrow(RangeError)
    expect(() => new OteReceiverSetup(pair.seeds0.slice(1), pair.seeds1)).toThrow(RangeError)
  })

  it('uses the receiver state once, and only under its own sid', () => {
    const sid = utf8('sid/once')
    const correlations = randomCorrelations(random, 1)
    const { keep, message } = oteReceiverExtend(pair.receiver, sid, random(BATCH_SIZE_BYTES), random)
    const { tau } = oteSenderTransfer(pair.sender, sid, 1, correlations, message, NONCE)
    expect(() => oteReceiverOutputs(keep, utf8('sid/other'), 1, tau, NONCE)).toThrow(RangeError)
    expect(keep.used).toBe(false)
    oteReceiverOutputs(keep, sid, 1, tau, NONCE)
    expect(keep.used).toBe(true)
    expect(() => oteReceiverOutputs(keep, sid, 1, tau, NONCE)).toThrow(OteKeepReusedError)
  })

  it('never serialises a secret-holding type by accident (setups, receiver state)', () => {
    const sid = utf8('sid/secrets')
    const choices = random(BATCH_SIZE_BYTES)
    const { keep } = oteReceiverExtend(pair.receiver, sid, choices, random)
    const secrets = [pair.delta, ...pair.seeds0, ...pair.seeds1, choices].map(b => Buffer.from(b).toString('hex'))
    const decimals = [pair.delta, pair.seeds0[0]!, choices].map(b => Array.from(b).join(','))
    for (const holder of [pair.sender, pair.receiver, keep]) {
      const shown = [JSON.stringify(holder), JSON.stringify({ holder }), String(holder), `${holder}`, inspect(holder, { depth: 10, showHidden: true }), JSON.stringify(structuredClone(holder))]
      for (const text of shown) {
        expect(text).not.toContain('seeds')
        for (const s of [...secrets, ...decimals]) expect(text).not.toContain(s)
      }
      expect(JSON.stringify(holder)).toMatch(/redacted/)
      expect(inspect(holder)).toMatch(/redacted/)
    }
  })
})

describe('OT extension: a failed check ends the sender setup', () => {
  it('burns the sender setup after a consistency failure (one bit of Δ may have leaked): later transfers refuse it', () => {
    const random = seeded('burn')
    const pair = makePair(random)
    const sender = pair.sender
    const sid = utf8('sid/burn')
    const { message } = oteReceiverExtend(pair.receiver, sid, random(BATCH_SIZE_BYTES), random)
    const u = Uint8Array.from(message.u)
    u[0] = u[0]! ^ 1
    expect(() => oteSenderTransfer(sender, sid, 1, randomCorrelations(random, 1), { ...message, u }, NONCE)).toThrow(OteConsistencyError)
    expect(sender.burned).toBe(true)
    const again = oteReceiverExtend(pair.receiver, utf8('sid/burn-2'), random(BATCH_SIZE_BYTES), random).message
    expect(() => oteSenderTransfer(sender, utf8('sid/burn-2'), 1, randomCorrelations(random, 1), again, NONCE)).toThrow(OteSetupBurnedError)
  })
})
