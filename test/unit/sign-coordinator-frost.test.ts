// The sign coordinator machine signing for real: FROST over nested shares (protocols/sign/machine/
// frost-protocol.ts) on keys dealt here, both schemes. The signers' side is the same protocol's
// begin/accept/advance, run by hand; the machine gets their contributions as answers and its
// result must verify with the scheme's ordinary verifier.
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { createFrost, encodeCommitments, selectBackend } from '../../protocols/frost/index.js'
import type { CoordinatorKey } from '../../protocols/sign/machine/coordinator-types.js'
import { frostProtocol, type FrostContribution, type FrostKey, type FrostPresigned, type FrostProtocol } from '../../protocols/sign/machine/frost-protocol.js'
import type { LedgerContribution } from '../../protocols/sign/machine/messages.js'
import { dealNested, pointToHex, publicPart, CURVE_NAMES, SecretScalar, type NestedDeal, type CurveName, type SharingParams } from '../../protocols/sharing/index.js'
import type { NewParty, PartyMember, PresignedCommitment, SignRequest } from '../../protocols/wire/sign.js'
import { Driver, ownedRequest, SELF, viewOf } from '../helpers/coordinator-driver.js'
import { seeded } from '../helpers/deterministic.js'
import { shareOffByOne } from '../helpers/byzantine.js'

const frost = createFrost(selectBackend('auto'))
const protocol = frostProtocol({ frost })
const HOLDERS = [['a1', 'a2', 'a3'], ['b1', 'b2', 'b3']]
const LIVE = HOLDERS.flat()

interface World { scheme: CurveName, deal: NestedDeal, key: CoordinatorKey<FrostKey>, d: Driver<FrostKey>, message: Uint8Array, request: SignRequest }

function world (scheme: CurveName, requestId = 'frost-request-01', epoch?: { params: SharingParams, deal: NestedDeal, holders: string[][] }): World {
  const params: SharingParams = epoch?.params ?? { scheme, committees: 2, tc: 2, tm: 2, members: [3, 3] }
  const deal = epoch?.deal ?? dealNested(params, seeded(`coordinator/${scheme}`))
  const holders = epoch?.holders ?? HOLDERS
  const message = utf8ToBytes(`sign me with ${scheme}`)
  const { request, record } = ownedRequest({ scheme, message: bytesToHex(message), requestId, groupPublicKey: pointToHex(scheme, deal.groupPublicKey) })
  const key: CoordinatorKey<FrostKey> = { record, key: { params, nested: publicPart(deal) }, epoch: epoch === undefined ? 0 : 1, tc: 2, tm: 2, holders }
  const d = new Driver(protocol, `frost/${scheme}`)
  d.start(request, key, viewOf(holders.flat()))
  return { scheme, deal, key, d, message, request }
}

const secretOf = (w: World, m: PartyMember) => ({ scheme: w.scheme, committee: m.committee, member: m.member, share: w.deal.committees[m.committee - 1]!.shares.find(s => s.member === m.member)!.share })

/** Every member of `np`'s party runs the protocol's signer side (round 1 among themselves, or presigned): peer id → contribution. */
function contributions (
  w: World, np: Pick<NewParty, 'sessionId' | 'request' | 'party'>, pre?: Map<string, FrostPresigned>, protocolOf: (m: PartyMember) => FrostProtocol = () => protocol
): Map<string, FrostContribution> {
  const facts = { sessionId: np.sessionId, request: np.request, message: w.message, party: np.party, key: w.key.key }
  const begun = np.party.map(m => ({ m, p: protocolOf(m).begin(facts, m, secretOf(w, m), seeded(`nonces/${np.sessionId}/${m.peerId}`), pre?.get(m.peerId)) }))
  const out = new Map<string, FrostContribution>()
  for (const { m, p } of begun) {
    if (p.kind === 'contribute') { out.set(m.peerId, p.contribution as FrostContribution); continue }
    let state = p.state
    for (const other of begun) {
      if (other.m.peerId === m.peerId || other.p.kind !== 'round') continue
      const accepted = protocolOf(m).accept(state, 1, other.m, other.p.out[0]!.payload)
      if ('refused' in accepted) throw new Error(accepted.refused)
      state = accepted
    }
    const done = protocolOf(m).advance(state, 1)
    if (done.kind !== 'contribute') throw new Error('FROST contributes after round 1')
    out.set(m.peerId, done.contribution as FrostContribution)
  }
  return out
}

function verifies (w: World, signature: string | undefined): boolean {
  return signature !== undefined && frost.verifySignature(w.scheme, w.deal.groupPublicKey, w.message, hexToBytes(signature))
}

/** The same share plus one: a share that does not verify against its public share. */
const corrupt = (w: World, c: FrostContribution): FrostContribution => shareOffByOne(c, w.scheme)

describe.each(CURVE_NAMES)('sign coordinator machine with FROST (%s)', scheme => {
  it('combines the party\'s shares after a round-1 exchange into a signature that verifies', () => {
    const w = world(scheme)
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    for (const [peerId, contribution] of contributions(w, np)) w.d.answer(peerId, { kind: 'share', sessionId: np.sessionId, contribution })
    expect(w.d.answered).toMatchObject({ status: 'completed', signers: np.party })
    expect(verifies(w, w.d.answered?.signature)).toBe(true)
  })

  it('signs with the presignatures it handed out, with no round among the signers', () => {
    const w = world(scheme)
    w.d.slot()
    const party = w.d.all('take-presigns')[0]!.party
    const round1 = new Map(party.map(m => [m.peerId, frost.commit(secretOf(w, m), seeded(`presign/${m.peerId}`))]))
    const presigned: PresignedCommitment[] = party.map((m, i) => ({ id: `presignature-${i}`.padEnd(16, 'x'), commitment: encodeCommitments(round1.get(m.peerId)!.commitments) }))
    w.d.presigns(presigned)
    const np = w.d.lastNewParty()
    expect(np.presigned).toEqual(presigned)
    const pre = new Map(party.map(m => [m.peerId, { round1: round1.get(m.peerId)!, presigned }]))
    for (const [peerId, contribution] of contributions(w, np, pre)) w.d.answer(peerId, { kind: 'share', sessionId: np.sessionId, contribution })
    expect(verifies(w, w.d.answered?.signature)).toBe(true)
  })

  it('blames the signer of a share that does not verify, with its signed statement as evidence, and signs without it', () => {
    const w = world(scheme)
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    const culprit = np.party[1]!
    // The culprit's node signs its share's statement (it has a libp2p key); the corrupted share goes with it.
    const signed = frostProtocol({ frost, peerKey: seeded(`peer/${culprit.peerId}`)(32) })
    const sent = contributions(w, np, undefined, m => m.peerId === culprit.peerId ? signed : protocol)
    for (const m of np.party) {
      const contribution = sent.get(m.peerId)!
      w.d.answer(m.peerId, { kind: 'share', sessionId: np.sessionId, contribution: m.peerId === culprit.peerId ? corrupt(w, contribution) : contribution })
    }
    const [blame] = w.d.all('blame')
    expect(blame?.record).toMatchObject({ culprit: culprit.peerId, reason: 'invalid-share', evidence: { kind: 'invalid-share', sessionId: np.sessionId, party: np.party } })
    w.d.view(viewOf(LIVE))
    w.d.slot()
    w.d.presigns()
    const np2 = w.d.lastNewParty()
    expect(np2.party.map(m => m.peerId)).not.toContain(culprit.peerId)
    for (const [peerId, contribution] of contributions(w, np2)) w.d.answer(peerId, { kind: 'share', sessionId: np2.sessionId, contribution })
    expect(w.d.answered).toMatchObject({ status: 'completed', attempts: 2 })
    expect(verifies(w, w.d.answered?.signature)).toBe(true)
  })
})

describe('sign coordinator machine with FROST: completed before, silence, recovery', () => {
  it('a completed-before is checked with the protocol: the key\'s signature ends the request, another is blamed', () => {
    const first = world('ed25519')
    first.d.slot()
    first.d.presigns()
    const np = first.d.lastNewParty()
    for (const [peerId, contribution] of contributions(first, np)) first.d.answer(peerId, { kind: 'share', sessionId: np.sessionId, contribution })
    const signature = first.d.answered!.signature!

    const again = world('ed25519')
    again.d.slot()
    again.d.presigns()
    const np2 = again.d.lastNewParty()
    again.d.answer(np2.party[0]!.peerId, { kind: 'completed-before', sessionId: np2.sessionId, signature })
    again.d.fire('session')
    expect(again.d.answered).toMatchObject({ status: 'completed', signature })

    const other = world('ed25519', 'frost-request-02')
    other.d.slot()
    other.d.presigns()
    const np3 = other.d.lastNewParty()
    for (const m of np3.party) other.d.answer(m.peerId, { kind: 'completed-before', sessionId: np3.sessionId, signature: m === np3.party[0] ? signature.replace(/^../, '00') : signature })
    // The good one completes it; nothing is blamed for a request that completed.
    expect(other.d.answered).toMatchObject({ status: 'completed', signature })
  })

  it('a silent member that had sent its share hands it over when asked: the session completes', () => {
    const w = world('ed25519')
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    const shares = contributions(w, np)
    const silent = np.party[2]!
    for (const m of np.party) if (m !== silent) w.d.answer(m.peerId, { kind: 'share', sessionId: np.sessionId, contribution: shares.get(m.peerId)! })
    w.d.fire('session')
    const { commitments, share } = shares.get(silent.peerId)!
    w.d.answer(silent.peerId, { kind: 'contributed', sessionId: np.sessionId, contribution: { sessionId: np.sessionId, coordinator: SELF, party: np.party, commitments, share } })
    expect(w.d.all('blame')).toEqual([])
    expect(verifies(w, w.d.answered?.signature)).toBe(true)
  })

  it('finishes a dead manager\'s session from its members\' ledgers, to that session\'s signature', () => {
    const w = world('ed25519')
    const oldParty: PartyMember[] = [{ committee: 1, member: 1, peerId: 'a1' }, { committee: 1, member: 2, peerId: 'a2' }, { committee: 2, member: 1, peerId: 'b1' }, { committee: 2, member: 2, peerId: 'b2' }]
    const old = { sessionId: 'dead-cm-session', request: w.request, party: oldParty }
    const ledger = new Map([...contributions(w, old)].map(([peerId, c]): [string, LedgerContribution] =>
      [peerId, { sessionId: old.sessionId, coordinator: 'dead-cm', party: oldParty, commitments: c.commitments, share: c.share }]))
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    // Every member of the new party already gave its share to the dead CM's session (or answers a share of its own).
    for (const m of np.party) {
      const had = ledger.get(m.peerId)
      w.d.answer(m.peerId, had !== undefined ? { kind: 'contributed', sessionId: np.sessionId, contribution: had } : { kind: 'reject', sessionId: np.sessionId, code: 'round1-timeout', reason: 'late' })
    }
    w.d.view(viewOf(LIVE))
    for (const s of w.d.all('send')) {
      if (s.msg.kind === 'recover') w.d.answer(s.to, { kind: 'contributed', sessionId: old.sessionId, contribution: ledger.get(s.to)! })
    }
    expect(w.d.answered).toMatchObject({ status: 'completed', signers: oldParty })
    expect(verifies(w, w.d.answered?.signature)).toBe(true)
    expect(w.d.all('blame')).toEqual([])
  })

  it('finishes a dead manager\'s session begun at an earlier epoch, whose positions the active epoch renumbered', () => {
    // Epoch 0: committees of 3; epoch 1 (update_node_set): a1 left, committee 1 is a2, a3 at positions 1 and 2.
    const secret = new SecretScalar(0x5eed1234n)
    const before: SharingParams = { scheme: 'ed25519', committees: 2, tc: 2, tm: 2, members: [3, 3] }
    const after: SharingParams = { ...before, members: [2, 3] }
    const oldDeal = dealNested({ ...before, secret }, seeded('epoch-0'))
    const w = world('ed25519', 'frost-request-03', { params: after, deal: dealNested({ ...after, secret }, seeded('epoch-1')), holders: [['a2', 'a3'], ['b1', 'b2', 'b3']] })
    const earlier: World = { ...w, deal: oldDeal, key: { ...w.key, key: { params: before, nested: publicPart(oldDeal) } } }
    const oldParty: PartyMember[] = [{ committee: 1, member: 2, peerId: 'a2' }, { committee: 1, member: 3, peerId: 'a3' }, { committee: 2, member: 1, peerId: 'b1' }, { committee: 2, member: 2, peerId: 'b2' }]
    const ledger = new Map([...contributions(earlier, { sessionId: 'epoch-0-session', request: w.request, party: oldParty })].map(([peerId, c]): [string, LedgerContribution] =>
      [peerId, { sessionId: 'epoch-0-session', coordinator: 'dead-cm', party: oldParty, commitments: c.commitments, share: c.share }]))
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    for (const m of np.party) {
      const had = ledger.get(m.peerId)
      w.d.answer(m.peerId, had !== undefined ? { kind: 'contributed', sessionId: np.sessionId, contribution: had } : { kind: 'reject', sessionId: np.sessionId, code: 'round1-timeout', reason: 'late' })
    }
    w.d.view(viewOf(['a2', 'a3', 'b1', 'b2', 'b3']))
    for (const s of w.d.all('send')) if (s.msg.kind === 'recover') w.d.answer(s.to, { kind: 'contributed', sessionId: 'epoch-0-session', contribution: ledger.get(s.to)! })
    expect(w.d.answered).toMatchObject({ status: 'completed', signers: oldParty })
    expect(verifies(w, w.d.answered?.signature)).toBe(true)
  })

  it('a bad share in such an earlier-epoch session fails it without naming anyone: that epoch\'s verifying shares are not known here', () => {
    // Epoch 0: committees of 3; epoch 1 (update_node_set): a1 left, committee 1 is a2, a3 at positions 1 and 2.
    const secret = new SecretScalar(0x5eed1234n)
    const before: SharingParams = { scheme: 'ed25519', committees: 2, tc: 2, tm: 2, members: [3, 3] }
    const after: SharingParams = { ...before, members: [2, 3] }
    const oldDeal = dealNested({ ...before, secret }, seeded('epoch-0'))
    const w = world('ed25519', 'frost-request-03', { params: after, deal: dealNested({ ...after, secret }, seeded('epoch-1')), holders: [['a2', 'a3'], ['b1', 'b2', 'b3']] })
    const earlier: World = { ...w, deal: oldDeal, key: { ...w.key, key: { params: before, nested: publicPart(oldDeal) } } }
    const oldParty: PartyMember[] = [{ committee: 1, member: 2, peerId: 'a2' }, { committee: 1, member: 3, peerId: 'a3' }, { committee: 2, member: 1, peerId: 'b1' }, { committee: 2, member: 2, peerId: 'b2' }]
    const ledger = new Map([...contributions(earlier, { sessionId: 'epoch-0-session', request: w.request, party: oldParty })].map(([peerId, c]): [string, LedgerContribution] =>
      [peerId, { sessionId: 'epoch-0-session', coordinator: 'dead-cm', party: oldParty, commitments: c.commitments, share: c.share }]))
    const bad = ledger.get('b1')!
    if (!('share' in bad)) throw new Error('a FROST contribution')
    ledger.set('b1', { ...bad, share: { ...bad.share, share: (bad.share.share.startsWith('00') ? '01' : '00') + bad.share.share.slice(2) } })
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    for (const m of np.party) {
      const had = ledger.get(m.peerId)
      w.d.answer(m.peerId, had !== undefined ? { kind: 'contributed', sessionId: np.sessionId, contribution: had } : { kind: 'reject', sessionId: np.sessionId, code: 'round1-timeout', reason: 'late' })
    }
    w.d.view(viewOf(['a2', 'a3', 'b1', 'b2', 'b3']))
    for (const s of w.d.all('send')) if (s.msg.kind === 'recover') w.d.answer(s.to, { kind: 'contributed', sessionId: 'epoch-0-session', contribution: ledger.get(s.to)! })
    expect(w.d.answered).toMatchObject({ status: 'failed', reason: expect.stringContaining('no share can be judged') })
    expect(w.d.all('blame')).toEqual([])
  })
})
