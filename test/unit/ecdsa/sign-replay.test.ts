// What must never be answered twice in DKLs23 signing (protocols/ecdsa/sign.ts): one member's
// multiplication as Alice with one counterparty. Both answers would use the same OT-extension
// pads (they depend on the pair setup and the multiplication sid only), and a Bob who flips one
// choice bit between his two round-1 messages reads Alice's pads off the two τ, hence sk_i.
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { taggedHash, utf8 } from '../../../protocols/ecdsa/hash.js'
import { oteReceiverExtend } from '../../../protocols/ecdsa/ot-extension.js'
import { BATCH_SIZE_BYTES, BATCH_SIZE_OTS, EXTENDED_ROW_BYTES } from '../../../protocols/ecdsa/ot-params.js'
import { add, encodeScalar, inv, mul, sub } from '../../../protocols/ecdsa/scalar.js'
import { answerRound1, Dkls23Abort, Dkls23ReplayError, mulSid, signRound1 } from '../../../protocols/ecdsa/sign.js'
import { seeded } from '../../helpers/deterministic.js'
import { freshPairs, sessionOf, testParty } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1

describe('DKLs23 signing: one answer per counterparty', () => {
  const party = testParty(group, ['a', 'b'], seeded('replay/party'))
  const session = sessionOf(party, taggedHash('test/sid', [utf8('answer-twice')]))

  it('a second round-1 message from the same counterparty is refused (answering it would give away sk_i)', () => {
    const random = seeded('replay/run')
    const a = signRound1(group, session, 'a', party.shares.get('a')!, freshPairs(party.pairs.get('a')!), random)
    // Malicious b: two OT-extension messages under a's multiplication sid, the same padding
    // columns, choice bit 0 flipped. Both are consistent, so both pass a's KOS check.
    const setup = party.pairs.get('b')!.get('a')!.bob.ote
    const sid = mulSid(session.sid, 'a', 'b')
    const noise = seeded('replay/noise')(EXTENDED_ROW_BYTES - BATCH_SIZE_BYTES)
    const sameNoise = (): Uint8Array => Uint8Array.from(noise)
    const choices = seeded('replay/choices')(BATCH_SIZE_BYTES)
    const flipped = Uint8Array.from(choices)
    flipped[0] = flipped[0]! ^ 1
    const first = oteReceiverExtend(setup, sid, choices, sameNoise).message
    const second = oteReceiverExtend(setup, sid, flipped, sameNoise).message
    const commitment = new Uint8Array(32)
    const one = answerRound1(group, a.state, 'b', { commitment, ote: first }, random).reply
    let two
    try {
      two = answerRound1(group, a.state, 'b', { commitment, ote: second }, random).reply
    } catch (err) {
      expect(err).toBeInstanceOf(Dkls23ReplayError)
      expect(err).not.toBeInstanceOf(Dkls23Abort)
      return
    }
    // Answered twice: column 1 of τ carries ã for sk_a. At OT 0 the pads swapped (v0 ↔ v1), so
    // τ + τ' = ã + ã'; at any other OT they are equal, so τ − τ' = ã − ã'.
    const t1 = one.mul.tau[1]!
    const t2 = two.mul.tau[1]!
    const k = BATCH_SIZE_OTS - 1
    const aTilde = mul(add(add(t1[0]!, t2[0]!), sub(t1[k]!, t2[k]!)), inv(2n))
    const sk = add(one.mul.gamma[1]!, aTilde)
    const leaked = group.equals(group.mulBase(encodeScalar(sk)), group.decode(one.publicShare))
    expect.fail(`a answered a second round-1 message from b${leaked ? ', and b recovered sk_a from the two answers' : ''}`)
  })

  it('the refusal holds even when the first answer failed its check', () => {
    const random = seeded('replay/failed')
    const a = signRound1(group, session, 'a', party.shares.get('a')!, freshPairs(party.pairs.get('a')!), random)
    const setup = party.pairs.get('b')!.get('a')!.bob.ote
    const sid = mulSid(session.sid, 'a', 'b')
    const good = oteReceiverExtend(setup, sid, seeded('replay/c')(BATCH_SIZE_BYTES), random).message
    const u = Uint8Array.from(good.u)
    u[5] = u[5]! ^ 0x04
    expect(() => answerRound1(group, a.state, 'b', { commitment: new Uint8Array(32), ote: { ...good, u } }, random)).toThrow(Dkls23Abort)
    expect(() => answerRound1(group, a.state, 'b', { commitment: new Uint8Array(32), ote: good }, random)).toThrow(Dkls23ReplayError)
  })

  it('a repeated session id (two sessions under one sid, each answered once) gives away nothing: Alice\'s fresh nonce makes new pads', () => {
    // The same attack across two round-1 states of one sid, which the once-per-state guard cannot
    // see (a coordinator replaying a session id, or a signer restarted). Without the sender's nonce
    // in the randomisation, the recovery below gave sk_a.
    const random = seeded('replay/two-sessions')
    const a1 = signRound1(group, session, 'a', party.shares.get('a')!, freshPairs(party.pairs.get('a')!), random)
    const a2 = signRound1(group, session, 'a', party.shares.get('a')!, freshPairs(party.pairs.get('a')!), random)
    const setup = party.pairs.get('b')!.get('a')!.bob.ote
    const sid = mulSid(session.sid, 'a', 'b')
    const noise = seeded('replay/noise2')(EXTENDED_ROW_BYTES - BATCH_SIZE_BYTES)
    const choices = seeded('replay/choices2')(BATCH_SIZE_BYTES)
    const flipped = Uint8Array.from(choices)
    flipped[0] = flipped[0]! ^ 1
    const first = oteReceiverExtend(setup, sid, choices, () => Uint8Array.from(noise)).message
    const second = oteReceiverExtend(setup, sid, flipped, () => Uint8Array.from(noise)).message
    const commitment = new Uint8Array(32)
    const one = answerRound1(group, a1.state, 'b', { commitment, ote: first }, random).reply
    const two = answerRound1(group, a2.state, 'b', { commitment, ote: second }, random).reply
    // Both states hold the same sk_a (the zero-share depends on the sid only): the attack's formula.
    const t1 = one.mul.tau[1]!
    const t2 = two.mul.tau[1]!
    const k = BATCH_SIZE_OTS - 1
    const aTilde = mul(add(add(t1[0]!, t2[0]!), sub(t1[k]!, t2[k]!)), inv(2n))
    const guess = add(one.mul.gamma[1]!, aTilde)
    expect(group.equals(group.mulBase(encodeScalar(guess)), group.decode(one.publicShare))).toBe(false)
    expect(one.mul.nonce).not.toEqual(two.mul.nonce)
  })
})
