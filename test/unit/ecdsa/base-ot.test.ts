// protocols/ecdsa/base-ot.ts: a batch of random OTs delivers m_b to the receiver and (m0, m1) to the
// sender on both backends; cheating and replayed messages are refused naming the culprit and the
// OT; the wire form is strict; secret state neither serialises nor prints.
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { secp256k1_hasher } from '@noble/curves/secp256k1.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { selectBackend } from '../../../protocols/frost/group/select.js'
import type { Element, GroupBackend } from '../../../protocols/frost/group/types.js'
import {
  BASE_OT_OUTPUT_BYTES, BASE_OT_SENDER_MESSAGE_BYTES, BaseOtError, baseOtH, baseOtReceiverFinish, baseOtReceiverMessageBytes,
  baseOtReceiverStart, baseOtSenderFinish, baseOtSenderStart, BaseOtStateUsedError, decodeBaseOtReceiverMessage,
  decodeBaseOtSenderMessage, encodeBaseOtReceiverMessage, encodeBaseOtSenderMessage, MAX_BASE_OT_COUNT,
  type BaseOtFault, type BaseOtReceiverMessage, type BaseOtRole
} from '../../../protocols/ecdsa/base-ot.js'
import { HASH_DOMAIN, taggedHash, u32, utf8 } from '../../../protocols/ecdsa/hash.js'
import { proveOrDlog } from '../../../protocols/ecdsa/proofs.js'
import { encodeScalar, ORDER, randomScalar } from '../../../protocols/ecdsa/scalar.js'
import { concatBytes } from '../../../protocols/frost/bytes.js'
import { seeded } from '../../helpers/deterministic.js'

const native = selectBackend('native').secp256k1
const noble = selectBackend('noble').secp256k1
const KAPPA = 256
// noble takes ~10 ms per OT (variable-time JS scalar multiplication): a full κ batch there would
// cost ~3 s for nothing the cross-backend test below does not already show (identical transcripts).
const backends: Array<[string, GroupBackend, number]> = [['native', native, KAPPA], ['noble', noble, 64]]

function randomChoices (count: number, seed: string): boolean[] {
  const bytes = seeded(seed)(count)
  return Array.from(bytes, b => (b & 1) === 1)
}

/** One whole batch through the wire encoding, as two parties would run it. */
function run (group: GroupBackend, sid: Uint8Array, choices: readonly boolean[], seed: string) {
  const sender = baseOtSenderStart(group, sid, choices.length, seeded(`${seed}/sender`))
  const receiver = baseOtReceiverStart(group, sid, choices, seeded(`${seed}/receiver`))
  const toReceiver = encodeBaseOtSenderMessage(group, sender.message)
  const toSender = encodeBaseOtReceiverMessage(group, receiver.message)
  const { m0, m1 } = baseOtSenderFinish(group, sender.state, decodeBaseOtReceiverMessage(group, toSender))
  const mb = baseOtReceiverFinish(group, receiver.state, decodeBaseOtSenderMessage(group, toReceiver))
  return { m0, m1, mb, toReceiver, toSender }
}

function refusal (f: () => unknown): { culprit: BaseOtRole, fault: BaseOtFault, index: number | undefined } {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(BaseOtError)
    const e = err as BaseOtError
    return { culprit: e.culprit, fault: e.fault, index: e.index }
  }
  throw new Error('expected a BaseOtError')
}

describe.each(backends)('base OT on %s', (_name, group, batch) => {
  const sid = utf8('dkg-7/pair-1-2/ot-1-to-2')
  const hex = (xs: Uint8Array[]) => xs.map(bytesToHex)

  it(`delivers m_b to the receiver and (m0, m1) to the sender, for ${batch} random choices`, () => {
    const choices = randomChoices(batch, 'choices')
    expect(choices.filter(b => b).length).toBeGreaterThan(batch / 4) // both kinds are exercised
    expect(choices.filter(b => !b).length).toBeGreaterThan(batch / 4)
    const { m0, m1, mb, toReceiver, toSender } = run(group, sid, choices, 'corr')
    expect(toReceiver.length).toBe(BASE_OT_SENDER_MESSAGE_BYTES)
    expect(toSender.length).toBe(baseOtReceiverMessageBytes(batch))
    expect([m0.length, m1.length, mb.length]).toEqual([batch, batch, batch])
    choices.forEach((b, i) => {
      expect(mb[i]!.length).toBe(BASE_OT_OUTPUT_BYTES)
      expect(bytesToHex(mb[i]!)).toBe(bytesToHex((b ? m1 : m0)[i]!))
      expect(bytesToHex(mb[i]!)).not.toBe(bytesToHex((b ? m0 : m1)[i]!))
    })
    expect(new Set([...hex(m0), ...hex(m1)]).size).toBe(2 * batch) // no two OTs share a key
  })

  it('gives the same outputs on native and noble from the same randomness (one transcript, two libraries)', () => {
    const choices = randomChoices(16, 'xbackend')
    const here = run(group, sid, choices, 'xbackend')
    const there = run(group === native ? noble : native, sid, choices, 'xbackend')
    expect(hex(here.mb)).toEqual(hex(there.mb))
    expect(hex(here.m0)).toEqual(hex(there.m0))
    expect(bytesToHex(here.toSender)).toBe(bytesToHex(there.toSender))
  })

  it('derives h by RFC 9380 hash-to-curve of (sid, seed), never as H(sid, seed)·G whose log the receiver would know', () => {
    const seed = seeded('h')(32)
    const expected = secp256k1_hasher.hashToCurve(concatBytes([u32(sid.length), sid, seed]), { DST: HASH_DOMAIN + 'ot/base/h' })
    expect(bytesToHex(group.encode(baseOtH(group, sid, seed)))).toBe(expected.toHex(true))
    expect(group.equals(baseOtH(group, sid, seed), baseOtH(group, utf8('other sid'), seed))).toBe(false)
  })

  describe('attacks', () => {
    const count = 8
    const choices = randomChoices(count, 'attack-choices')
    const fresh = (s: Uint8Array = sid, seed = 'attack') => ({
      sender: baseOtSenderStart(group, s, count, seeded(`${seed}/s`)),
      receiver: baseOtReceiverStart(group, s, choices, seeded(`${seed}/r`))
    })
    const withEntry = (msg: BaseOtReceiverMessage, i: number, v: Element, proof = msg.entries[i]!.proof): BaseOtReceiverMessage =>
      ({ seed: msg.seed, entries: msg.entries.map((e, j) => j === i ? { v, proof } : e) })

    it('rejects a receiver message whose v is neither r·G nor r·G + h (a receiver after both messages)', () => {
      const { receiver } = fresh()
      const h = baseOtH(group, sid, receiver.message.seed)
      const r = randomScalar(seeded('cheat'))
      const R = group.mulBase(encodeScalar(r))
      // The proof context as base-ot.ts builds it, so that only the missing witness can fail the proof.
      const ctx = taggedHash('ot/base/receiver-proof', [sid, receiver.message.seed, u32(5)])
      const entry = (v: Element, known: 0 | 1) => {
        const statements: [Element, Element] = [v, group.sum([v, group.negate(h)])]
        return withEntry(receiver.message, 5, v, proveOrDlog(group, statements, known, r, ctx, seeded('cheat/p')))
      }
      // Control: the same code with an honest v = r·G is accepted, so the context above is right.
      expect(baseOtSenderFinish(group, fresh().sender.state, entry(R, 0)).m0.length).toBe(count)
      // v = r·G + 2h: the cheater knows neither log v nor log (v − h), whichever branch it claims.
      const v = group.sum([R, group.mul(h, 2n)])
      for (const known of [0, 1] as const) {
        expect(refusal(() => baseOtSenderFinish(group, fresh().sender.state, entry(v, known))))
          .toEqual({ culprit: 'receiver', fault: 'proof', index: 5 })
      }
    })

    it('rejects an honest proof moved onto another v (v replaced, proof kept)', () => {
      const { sender, receiver } = fresh()
      expect(refusal(() => baseOtSenderFinish(group, sender.state, withEntry(receiver.message, 3, receiver.message.entries[4]!.v))))
        .toEqual({ culprit: 'receiver', fault: 'proof', index: 3 })
    })

    it('rejects v = h (v − h would be the identity)', () => {
      const { sender, receiver } = fresh()
      const h = baseOtH(group, sid, receiver.message.seed)
      expect(refusal(() => baseOtSenderFinish(group, sender.state, withEntry(receiver.message, 0, h))))
        .toEqual({ culprit: 'receiver', fault: 'proof', index: 0 })
    })

    it('rejects reordered OTs (each proof is bound to its index)', () => {
      const { sender, receiver } = fresh()
      const [a, b, ...rest] = receiver.message.entries
      expect(refusal(() => baseOtSenderFinish(group, sender.state, { seed: receiver.message.seed, entries: [b!, a!, ...rest] })))
        .toEqual({ culprit: 'receiver', fault: 'proof', index: 0 })
    })

    it('rejects a receiver message with another seed (h changes under the proofs)', () => {
      const { sender, receiver } = fresh()
      const seed = Uint8Array.from(receiver.message.seed)
      seed[0]! ^= 1
      expect(refusal(() => baseOtSenderFinish(group, sender.state, { ...receiver.message, seed })))
        .toEqual({ culprit: 'receiver', fault: 'proof', index: 0 })
    })

    it('rejects a replayed receiver message under another sid', () => {
      const old = fresh(utf8('an earlier session'))
      const { sender } = fresh()
      expect(refusal(() => baseOtSenderFinish(group, sender.state, old.receiver.message)))
        .toEqual({ culprit: 'receiver', fault: 'proof', index: 0 })
    })

    it('rejects a DLog proof bound to another session id (a replayed sender message)', () => {
      const old = fresh(utf8('an earlier session'))
      const { receiver } = fresh()
      expect(refusal(() => baseOtReceiverFinish(group, receiver.state, old.sender.message)))
        .toEqual({ culprit: 'sender', fault: 'proof', index: undefined })
    })

    it('rejects a sender whose z is not the one it proved (z swapped, proof kept)', () => {
      const { receiver } = fresh()
      const a = fresh(sid, 'a').sender.message
      const b = fresh(sid, 'b').sender.message
      expect(refusal(() => baseOtReceiverFinish(group, receiver.state, { z: b.z, proof: a.proof })))
        .toEqual({ culprit: 'sender', fault: 'proof', index: undefined })
    })

    it('rejects a tampered DLog response', () => {
      const { sender, receiver } = fresh()
      const proof = { ...sender.message.proof, response: (sender.message.proof.response + 1n) % ORDER }
      expect(refusal(() => baseOtReceiverFinish(group, receiver.state, { z: sender.message.z, proof })))
        .toEqual({ culprit: 'sender', fault: 'proof', index: undefined })
    })

    it('rejects a receiver message with the wrong number of OTs', () => {
      const { sender, receiver } = fresh()
      expect(refusal(() => baseOtSenderFinish(group, sender.state, { ...receiver.message, entries: receiver.message.entries.slice(1) })))
        .toEqual({ culprit: 'receiver', fault: 'count', index: undefined })
    })
  })

  describe('secret state', () => {
    it('finishes once: a second finish throws BaseOtStateUsedError', () => {
      const s = baseOtSenderStart(group, sid, 2, seeded('once/s'))
      const r = baseOtReceiverStart(group, sid, [true, false], seeded('once/r'))
      baseOtSenderFinish(group, s.state, r.message)
      baseOtReceiverFinish(group, r.state, s.message)
      expect(s.state.used && r.state.used).toBe(true)
      expect(() => baseOtSenderFinish(group, s.state, r.message)).toThrow(BaseOtStateUsedError)
      expect(() => baseOtReceiverFinish(group, r.state, s.message)).toThrow(BaseOtStateUsedError)
    })

    it('is consumed by a failed finish too (a cheater gets no second try on the same s)', () => {
      const s = baseOtSenderStart(group, sid, 2, seeded('fail/s'))
      const r = baseOtReceiverStart(group, utf8('other'), [true, false], seeded('fail/r'))
      expect(() => baseOtSenderFinish(group, s.state, r.message)).toThrow(BaseOtError)
      expect(s.state.used).toBe(true)
    })

    it('neither serialises nor prints its secrets', () => {
      const s = baseOtSenderStart(group, sid, 2, seeded('print/s'))
      const r = baseOtReceiverStart(group, sid, [true, false], seeded('print/r'))
      for (const state of [s.state, r.state]) {
        expect(JSON.stringify({ state })).toBe('{"state":"[redacted base OT secrets]"}')
        expect(String(state)).toBe('[redacted base OT secrets]')
        expect(inspect(state)).toMatch(/^BaseOt(Sender|Receiver)State\(2 OTs, \[redacted base OT secrets\]\)$/)
        expect(Object.keys(structuredClone(state) as object)).not.toContain('s')
      }
    })
  })

  describe('wire', () => {
    const { toReceiver, toSender } = run(group, sid, randomChoices(4, 'wire'), 'wire')

    it('has the documented sizes: 99 bytes from the sender, 35 + 161 per OT from the receiver', () => {
      expect(BASE_OT_SENDER_MESSAGE_BYTES).toBe(99)
      expect(baseOtReceiverMessageBytes(KAPPA)).toBe(35 + 161 * KAPPA)
      expect(toSender.length).toBe(35 + 4 * 161)
    })

    it('round-trips both messages byte for byte', () => {
      expect(encodeBaseOtSenderMessage(group, decodeBaseOtSenderMessage(group, toReceiver))).toEqual(toReceiver)
      expect(encodeBaseOtReceiverMessage(group, decodeBaseOtReceiverMessage(group, toSender))).toEqual(toSender)
    })

    const senderRefusal = (bytes: Uint8Array) => refusal(() => decodeBaseOtSenderMessage(group, bytes))
    const receiverRefusal = (bytes: Uint8Array) => refusal(() => decodeBaseOtReceiverMessage(group, bytes))
    const patched = (bytes: Uint8Array, at: number, patch: Uint8Array | number[]) => {
      const out = Uint8Array.from(bytes)
      out.set(patch, at)
      return out
    }

    it('refuses a sender message of the wrong length or kind', () => {
      expect(senderRefusal(toReceiver.subarray(1))).toEqual({ culprit: 'sender', fault: 'encoding', index: undefined })
      expect(senderRefusal(Uint8Array.of(...toReceiver, 0))).toEqual({ culprit: 'sender', fault: 'encoding', index: undefined })
      expect(senderRefusal(patched(toReceiver, 0, [0x02]))).toEqual({ culprit: 'sender', fault: 'encoding', index: undefined })
    })

    it('refuses a sender message whose z or proof commitment is not a point, or whose response is ≥ n', () => {
      expect(senderRefusal(patched(toReceiver, 1, [0x04]))).toMatchObject({ fault: 'encoding' })
      expect(senderRefusal(patched(toReceiver, 2, new Uint8Array(32).fill(0xff)))).toMatchObject({ fault: 'encoding' })
      expect(senderRefusal(patched(toReceiver, 34, [0x05]))).toMatchObject({ fault: 'encoding' })
      expect(senderRefusal(patched(toReceiver, 67, new Uint8Array(32).fill(0xff)))).toMatchObject({ fault: 'encoding' })
    })

    it('refuses a receiver message that is truncated, too long, of the wrong kind, or of a count out of range', () => {
      expect(receiverRefusal(toSender.subarray(0, 20))).toEqual({ culprit: 'receiver', fault: 'encoding', index: undefined })
      expect(receiverRefusal(toSender.subarray(0, toSender.length - 1))).toEqual({ culprit: 'receiver', fault: 'encoding', index: undefined })
      expect(receiverRefusal(Uint8Array.of(...toSender, 0))).toEqual({ culprit: 'receiver', fault: 'encoding', index: undefined })
      expect(receiverRefusal(patched(toSender, 0, [0x01]))).toEqual({ culprit: 'receiver', fault: 'encoding', index: undefined })
      expect(receiverRefusal(patched(toSender, 1, [0, 0]))).toEqual({ culprit: 'receiver', fault: 'count', index: undefined })
      const tooMany = MAX_BASE_OT_COUNT + 1
      expect(receiverRefusal(patched(toSender, 1, [tooMany >> 8, tooMany & 0xff]))).toEqual({ culprit: 'receiver', fault: 'count', index: undefined })
      expect(receiverRefusal(patched(toSender, 1, [0, 5]))).toEqual({ culprit: 'receiver', fault: 'encoding', index: undefined }) // says 5, carries 4
    })

    it('refuses a receiver message with a bad point or a non-canonical scalar, naming the OT', () => {
      const entry = (i: number) => 35 + i * 161
      expect(receiverRefusal(patched(toSender, entry(2), [0x04]))).toEqual({ culprit: 'receiver', fault: 'encoding', index: 2 })
      expect(receiverRefusal(patched(toSender, entry(1) + 1, new Uint8Array(32).fill(0xff)))).toEqual({ culprit: 'receiver', fault: 'encoding', index: 1 })
      for (let field = 0; field < 4; field++) {
        expect(receiverRefusal(patched(toSender, entry(3) + 33 + 32 * field, new Uint8Array(32).fill(0xff))))
          .toEqual({ culprit: 'receiver', fault: 'encoding', index: 3 })
      }
    })
  })
})

describe('base OT arguments', () => {
  it('refuses counts outside 1..MAX_BASE_OT_COUNT and another curve', () => {
    expect(() => baseOtSenderStart(native, utf8('s'), 0, seeded('x'))).toThrow(RangeError)
    expect(() => baseOtSenderStart(native, utf8('s'), MAX_BASE_OT_COUNT + 1, seeded('x'))).toThrow(RangeError)
    expect(() => baseOtReceiverStart(native, utf8('s'), [], seeded('x'))).toThrow(RangeError)
    expect(() => baseOtSenderStart(selectBackend('noble').ed25519, utf8('s'), 1, seeded('x'))).toThrow(RangeError)
  })

  // ~200–300 ms measured on the 2-core CI machine; the bound leaves room for a loaded machine
  // and still catches a tenfold regression.
  it(`runs ${KAPPA} OTs on native in well under two seconds`, () => {
    const choices = randomChoices(KAPPA, 'timing')
    const start = performance.now()
    const { m0 } = run(native, utf8('timing'), choices, 'timing')
    const ms = performance.now() - start
    expect(m0.length).toBe(KAPPA)
    expect(ms).toBeLessThan(2000)
  })
})
