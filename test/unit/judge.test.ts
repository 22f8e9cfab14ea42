// How a CM weighs a session's answers: one lying signer must not get an honest
// one blamed, and a refusal the CM can check itself is believed only if true.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { encodePoint, curveFor } from '../../protocols/sharing/index.js'
import { judgeCommitments, judgePresignedCommitments, judgeRefusals, type Answered, type ShareAnswer } from '../../protocols/sign/judge.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import { SIGN_REQUEST_KIND, type PartyMember, type SignRequest } from '../../protocols/wire/sign.js'
import { testFrost } from '../helpers/frost.js'

/** The judge's clock in these tests: a fixed time, not the wall clock (judging is a pure function of it). */
const NOW = 1_900_000_000_000
const owner = ed25519.utils.randomSecretKey()
const party: PartyMember[] = [[1, 1], [1, 2], [2, 1], [2, 2]].map(([committee, member]) => ({ committee: committee!, member: member!, peerId: `p${committee}${member}` }))
const [a, b, c, d] = party as [PartyMember, PartyMember, PartyMember, PartyMember]
const record = { keyId: '11'.repeat(16), scheme: 'ed25519', ownerAuthKey: bytesToHex(ed25519.getPublicKey(owner)), policy: { maxMessageBytes: 64, ratePerMinute: 100 } } as unknown as KeyRecord
const request = signBody(SIGN_REQUEST_KIND, { v: 1, keyId: record.keyId, message: 'aa', requestId: 'req-00000001', expiresAt: NOW + 30_000 }, owner) as SignRequest

const share = (m: PartyMember): Answered => ({ member: m, answer: { kind: 'share', sessionId: 's', commitment: commitmentOf(m), commitments: party.map(m => commitmentOf(m)), share: { committee: m.committee, member: m.member, share: '00'.repeat(32) } } })
const timeout = (m: PartyMember, missing: PartyMember[]): Answered => ({ member: m, answer: { kind: 'reject', sessionId: 's', code: 'round1-timeout', reason: 'missing', missing } })
const reject = (m: PartyMember, code: string): Answered => ({ member: m, answer: { kind: 'reject', sessionId: 's', code, reason: code } })

function point (seed: number): string {
  const curve = curveFor('ed25519')
  return bytesToHex(encodePoint('ed25519', curve.mulBase(BigInt(seed))))
}
function commitmentOf (m: PartyMember, variant = 0): { committee: number, member: number, hiding: string, binding: string } {
  const n = m.committee * 10 + m.member + variant * 100
  return { committee: m.committee, member: m.member, hiding: point(n), binding: point(n + 1000) }
}

describe('judgeRefusals', () => {
  it('blames a member whom the majority of the others never heard from in round 1', () => {
    const r = judgeRefusals([timeout(a, [d]), timeout(b, [d]), timeout(c, [d]), share(d)], record, request, NOW)
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason])).toEqual([['p22', 'silent']])
  })

  it('weighs a later round\'s timeout (round-timeout, a protocol of more rounds) as round 1\'s: the majority\'s silent member, never malformed-answer', () => {
    const later = (m: PartyMember, missing: PartyMember[]): Answered => ({ member: m, answer: { kind: 'reject', sessionId: 's', code: 'round-timeout', reason: 'missing', missing } })
    const r = judgeRefusals([later(a, [d]), later(b, [d]), later(c, [d]), share(d)], record, request, NOW)
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason])).toEqual([['p22', 'silent']])
    const lone = judgeRefusals([later(a, [d]), share(b), share(c), share(d)], record, request, NOW)
    expect('list' in lone && lone.list.map(x => [x.member.peerId, x.reason])).toEqual([['p11', 'false-report']])
  })

  it('in a pairwise round (DKLs23) a lone accusation is the pair\'s: both leave the request\'s parties, neither is blamed', () => {
    // The accused may have sent only the accuser a bad message, so the others having theirs proves nothing.
    const later = (m: PartyMember, missing: PartyMember[]): Answered => ({ member: m, answer: { kind: 'reject', sessionId: 's', code: 'round-timeout', reason: 'refused', missing } })
    const r = judgeRefusals([later(a, [d]), share(b), share(c), share(d)], record, request, NOW, { pairwise: true })
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason, x.blame])).toEqual([['p11', 'pair-dispute', false], ['p22', 'pair-dispute', false]])
    // A majority still makes the accused silent, blamed, pairwise or not.
    const m = judgeRefusals([later(a, [d]), later(b, [d]), later(c, [d]), share(d)], record, request, NOW, { pairwise: true })
    expect('list' in m && m.list.map(x => [x.member.peerId, x.reason, x.blame])).toEqual([['p22', 'silent', true]])
  })

  // Found by test/hostile/ecdsa.test.ts: a DKLs23 pair whose ends hold different setups both refuse the other's round 1;
  // both were skipped as "refused outright", and the session went on to combine with neither share.
  it('two members accusing each other in a pairwise round are a pair dispute, neither blamed, even as each other\'s majority', () => {
    const r = judgeRefusals([timeout(a, [b]), timeout(b, [a])], record, request, NOW, { pairwise: true })
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason, x.blame]).sort()).toEqual([['p11', 'pair-dispute', false], ['p12', 'pair-dispute', false]])
    // In a larger party too; a broadcast round (FROST) keeps its rule: a timed-out member is weighed, not skipped.
    const four = judgeRefusals([timeout(a, [d]), share(b), share(c), timeout(d, [a])], record, request, NOW, { pairwise: true })
    expect('list' in four && four.list.map(x => [x.member.peerId, x.reason, x.blame]).sort()).toEqual([['p11', 'pair-dispute', false], ['p22', 'pair-dispute', false]])
    const frost = judgeRefusals([timeout(a, [d]), share(b), share(c), timeout(d, [a])], record, request, NOW)
    expect('list' in frost && frost.list.length > 0 && frost.list.every(x => x.reason === 'false-report')).toBe(true)
  })

  it('pairs-pending (DKLs23 pair setups under way at a signer) is a wait, nobody at fault', () => {
    const pending: Answered = { member: a, answer: { kind: 'reject', sessionId: 's', code: 'pairs-pending', reason: 'setting up', retryAfterMs: 1_500 } }
    expect(judgeRefusals([pending, share(b), share(c), share(d)], record, request, NOW, { pairwise: true })).toEqual({ list: [], waitMs: 1_500, epochSwitch: false })
  })

  it('does not believe a lone accuser: the accuser is blamed, not the accused', () => {
    const r = judgeRefusals([timeout(a, [d]), share(b), share(c), share(d)], record, request, NOW)
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason])).toEqual([['p11', 'false-report']])
  })

  it('blames a signer that refuses a request the CM checked and found valid (false rejection)', () => {
    const r = judgeRefusals([reject(a, 'bad-owner-signature'), share(b), share(c), share(d)], record, request, NOW)
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason])).toEqual([['p11', 'false-rejection']])
  })

  it('judges the scheme refusals like the other request checks: false where the request passes them, fatal where it does not', () => {
    for (const code of ['message-not-digest', 'scheme-not-signable']) {
      const r = judgeRefusals([reject(a, code), share(b), share(c), share(d)], record, request, NOW)
      expect('list' in r && r.list.map(x => [x.member.peerId, x.reason]), code).toEqual([['p11', 'false-rejection']])
    }
    const ecdsa = { ...record, scheme: 'ecdsa-secp256k1' } as KeyRecord
    // request.message is 1 byte: not a digest, which is checked first.
    expect(judgeRefusals([reject(a, 'scheme-not-signable'), share(b), share(c), share(d)], ecdsa, request, NOW)).toEqual({ fatal: expect.objectContaining({ code: 'message-not-digest' }) })
    const digest = signBody(SIGN_REQUEST_KIND, { v: 1, keyId: record.keyId, message: '07'.repeat(32), requestId: 'req-00000002', expiresAt: NOW + 30_000 }, owner) as SignRequest
    // DKLs23 signs a digest of an ecdsa-secp256k1 key: a member that says otherwise refused falsely.
    const r = judgeRefusals([reject(a, 'scheme-not-signable'), share(b), share(c), share(d)], ecdsa, digest, NOW)
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason])).toEqual([['p11', 'false-rejection']])
  })

  it('ends the request when the refusal is true (the request really expired)', () => {
    const r = judgeRefusals([reject(a, 'expired'), share(b), share(c), share(d)], record, request, request.expiresAt + 60_000)
    expect(r).toEqual({ fatal: expect.objectContaining({ kind: 'fatal', code: 'expired' }) })
  })

  it('stops on a signer\'s safety refusal and excludes a rate-limited signer without blame', () => {
    expect(judgeRefusals([reject(a, 'claimed-by-other-coordinator'), share(b), share(c), share(d)], record, request, NOW)).toEqual({ fatal: expect.objectContaining({ code: 'claimed-by-other-coordinator' }) })
    const r = judgeRefusals([reject(a, 'rate-limited'), share(b), share(c), share(d)], record, request, NOW)
    expect('list' in r && r.list).toEqual([expect.objectContaining({ reason: 'rate-limited', blame: false })])
  })

  it('excludes a member that refused this CM over its per-peer quota (peer-rate-limited) without blame', () => {
    const r = judgeRefusals([reject(a, 'peer-rate-limited'), share(b), share(c), share(d)], record, request, NOW)
    expect('list' in r && r.list).toEqual([expect.objectContaining({ member: a, reason: 'rate-limited', blame: false })])
  })

  it('treats an answer that is neither a share nor a refusal as malformed, instead of reading it as a share', () => {
    const noted: Answered = { member: a, answer: { kind: 'noted' } }
    const r = judgeRefusals([noted, share(b), share(c), share(d)], record, request, NOW)
    expect('list' in r && r.list.map(x => [x.member.peerId, x.reason])).toEqual([['p11', 'malformed-answer']])
  })

  it('waits out another CM\'s lease instead of blaming or failing', () => {
    const leased: Answered = { member: a, answer: { kind: 'reject', sessionId: 's', code: 'leased-by-other-coordinator', reason: 'leased', retryAfterMs: 1_500 } }
    const r = judgeRefusals([leased, share(b), share(c), share(d)], record, request, NOW)
    expect(r).toEqual({ list: [], waitMs: 1_500, epochSwitch: false })
  })

  it('does not blame a leased member as silent when the others, waiting for its commitment, time out in round 1', () => {
    const leased: Answered = { member: a, answer: { kind: 'reject', sessionId: 's', code: 'leased-by-other-coordinator', reason: 'leased', retryAfterMs: 1_500 } }
    const timedOut = (m: typeof b): Answered => ({ member: m, answer: { kind: 'reject', sessionId: 's', code: 'round1-timeout', reason: 'no commitment', missing: [a] } })
    const r = judgeRefusals([leased, timedOut(b), timedOut(c), timedOut(d)], record, request, NOW)
    expect(r).toEqual({ list: [], waitMs: 1_500, epochSwitch: false })
  })

  it('waits, blaming no one, when a member is at another epoch of the key than the CM (update_node_set\'s switch in progress)', () => {
    const moving: Answered = { member: a, answer: { kind: 'reject', sessionId: 's', code: 'wrong-epoch', reason: 'at epoch 1', retryAfterMs: 1_000 } }
    const r = judgeRefusals([moving, share(b), share(c), share(d)], record, request, NOW)
    expect(r).toEqual({ list: [], waitMs: 1_000, epochSwitch: true })
  })

  it('blames silence', () => {
    const r = judgeRefusals([{ member: a, error: 'deadline exceeded' }, share(b), share(c), share(d)], record, request, NOW)
    expect('list' in r && r.list.map(x => x.reason)).toEqual(['silent'])
  })
})

describe('judgeCommitments', () => {
  const shares = (answers: Answered[]): Array<{ member: PartyMember, answer: ShareAnswer }> => answers as Array<{ member: PartyMember, answer: ShareAnswer }>

  it('accepts a party that saw the same commitments', () => {
    const r = judgeCommitments(testFrost, shares(party.map(share)), 'ed25519')
    expect(r.culprits).toEqual([])
    expect(r.commitments).toHaveLength(4)
  })

  it('blames a member that sent different round-1 commitments to different signers (equivocation)', () => {
    // d reports one commitment to the CM but the others all saw another one.
    const answers = party.map(share)
    const dAnswer = answers[3]!.answer as ShareAnswer
    answers[3] = { member: d, answer: { ...dAnswer, commitment: commitmentOf(d, 1), commitments: [...dAnswer.commitments.slice(0, 3), commitmentOf(d, 1)] } }
    const r = judgeCommitments(testFrost, shares(answers), 'ed25519')
    expect(r.culprits.map(x => [x.member.peerId, x.reason])).toEqual([['p22', 'equivocated-commitments']])
  })

  it('blames a signer that misreports another member\'s commitment, not that member', () => {
    const answers = party.map(share)
    const aAnswer = answers[0]!.answer as ShareAnswer
    answers[0] = { member: a, answer: { ...aAnswer, commitments: aAnswer.commitments.map((x, i) => i === 3 ? commitmentOf(d, 2) : x) } }
    const r = judgeCommitments(testFrost, shares(answers), 'ed25519')
    expect(r.culprits.map(x => [x.member.peerId, x.reason])).toEqual([['p11', 'misreported-commitments']])
  })
})

describe('judgePresignedCommitments', () => {
  const presigned = party.map((m, i) => ({ id: `presignature-${String(i).padStart(4, '0')}`, commitment: commitmentOf(m) }))
  const shares = (): Array<{ member: PartyMember, answer: ShareAnswer }> => party.map(m => share(m) as { member: PartyMember, answer: ShareAnswer })

  it('blames nobody when every signer reports the presignatures the CM sent', () => {
    expect(judgePresignedCommitments(shares(), presigned)).toEqual([])
  })

  it('blames each signer that reports another own commitment, another list, a shorter one or a duplicate', () => {
    const s = shares()
    s[0]!.answer = { ...s[0]!.answer, commitment: commitmentOf(a, 1) }
    s[1]!.answer = { ...s[1]!.answer, commitments: s[1]!.answer.commitments.map((x, i) => i === 3 ? commitmentOf(d, 1) : x) }
    s[2]!.answer = { ...s[2]!.answer, commitments: s[2]!.answer.commitments.slice(0, 3) }
    s[3]!.answer = { ...s[3]!.answer, commitments: [...s[3]!.answer.commitments.slice(0, 3), s[3]!.answer.commitments[0]!] }
    expect(judgePresignedCommitments(s, presigned).map(x => [x.member.peerId, x.reason, x.blame])).toEqual([
      ['p11', 'misreported-commitments', true], ['p12', 'misreported-commitments', true],
      ['p21', 'misreported-commitments', true], ['p22', 'misreported-commitments', true]
    ])
  })
})
