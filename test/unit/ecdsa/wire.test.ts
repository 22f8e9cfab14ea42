// DKLs23 round payloads at the wire edge (protocols/ecdsa/wire.ts): real messages round-trip
// through JSON, and every malformed field is refused by the schema with its name.
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { taggedHash, utf8 } from '../../../protocols/ecdsa/hash.js'
import { ORDER } from '../../../protocols/ecdsa/scalar.js'
import { answerRound1, signRound1 } from '../../../protocols/ecdsa/sign.js'
import { decodeRound1, decodeRound2, encodeRound1, encodeRound2, Round1PayloadSchema, Round2PayloadSchema } from '../../../protocols/ecdsa/wire.js'
import { seeded } from '../../helpers/deterministic.js'
import { sessionOf, testParty } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const PAIR_ID = new Uint8Array(16).fill(3)
const party = testParty(group, ['1/1', '2/1'], seeded('wire/party'))
const session = sessionOf(party, taggedHash('test/sid', [utf8('wire')]))
const random = seeded('wire/run')
const a = signRound1(group, session, '1/1', party.shares.get('1/1')!, party.pairs.get('1/1')!, random)
const b = signRound1(group, session, '2/1', party.shares.get('2/1')!, party.pairs.get('2/1')!, random)
const round1 = a.out.get('2/1')!
const round2 = answerRound1(group, b.state, '1/1', round1, random).reply

describe('DKLs23 wire payloads', () => {
  it('round 1 and round 2 round-trip through JSON unchanged', () => {
    const p1 = Round1PayloadSchema.parse(JSON.parse(JSON.stringify(encodeRound1(round1, PAIR_ID))))
    expect(decodeRound1(p1)).toEqual(round1)
    const p2 = Round2PayloadSchema.parse(JSON.parse(JSON.stringify(encodeRound2(round2))))
    expect(decodeRound2(p2)).toEqual(round2)
  })

  it('refuses a short OT-extension block, non-canonical base64, an unknown field and a scalar not below n', () => {
    const p1 = encodeRound1(round1, PAIR_ID)
    expect(Round1PayloadSchema.safeParse({ ...p1, ote: p1.ote.slice(4) }).success).toBe(false)
    expect(Round1PayloadSchema.safeParse({ ...p1, ote: p1.ote.slice(0, -3) + 'B==' }).success).toBe(false)
    expect(Round1PayloadSchema.safeParse({ ...p1, extra: 1 }).success).toBe(false)
    const p2 = encodeRound2(round2)
    expect(Round2PayloadSchema.safeParse({ ...p2, psi: ORDER.toString(16) }).success).toBe(false)
    expect(Round2PayloadSchema.safeParse({ ...p2, gammaU: p2.gammaU.slice(2) }).success).toBe(false)
    expect(Round2PayloadSchema.safeParse({ ...p2, verifyU: [p2.verifyU[0]] }).success).toBe(false)
    const issue = Round2PayloadSchema.safeParse({ ...p2, salt: 'zz' })
    expect(issue.success).toBe(false)
    expect(issue.error?.issues[0]?.path).toEqual(['salt'])
  })

  it('refuses a block one byte longer or shorter whose base64 has the same length (canonical, padded)', () => {
    // OTE_RECEIVER_MESSAGE_BYTES and TAU_BYTES are 1 mod 3: one byte more fills the padding, and a string-length check alone passed it.
    const p1 = encodeRound1(round1, PAIR_ID)
    const longer = Buffer.concat([Buffer.from(p1.ote, 'base64'), Buffer.of(7)]).toString('base64')
    expect(longer.length).toBe(p1.ote.length)
    const refused = Round1PayloadSchema.safeParse({ ...p1, ote: longer })
    expect(refused.error?.issues.map(i => i.message)).toContain(`expected ${Buffer.from(p1.ote, 'base64').byteLength} bytes as base64`)
    const p2 = encodeRound2(round2)
    const tau = Buffer.concat([Buffer.from(p2.tau, 'base64'), Buffer.of(7)]).toString('base64')
    expect(tau.length).toBe(p2.tau.length)
    expect(Round2PayloadSchema.safeParse({ ...p2, tau }).success).toBe(false)
  })

  it('refuses a τ entry not below n at decoding', () => {
    const p2 = encodeRound2(round2)
    const tau = Buffer.from(p2.tau, 'base64')
    tau.fill(0xff, 0, 32)
    expect(() => decodeRound2({ ...p2, tau: tau.toString('base64') })).toThrow()
  })
})
