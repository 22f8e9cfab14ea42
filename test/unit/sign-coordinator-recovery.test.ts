// The sign coordinator machine finishing another CM's session (docs/protocols/sign.md#session-recovery)
// and coming back from its store: driven by hand with a stand-in protocol, as in
// sign-coordinator-machine.test.ts. Dead-session proofs are real (signed with libp2p keys).
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { NOT_A_MANAGER_PATIENCE_MS, RECOVER_RETRY_PAUSE_MS } from '../../protocols/constants.js'
import { signAbandonment } from '../../protocols/sign/dead-session.js'
import { requestStatus } from '../../protocols/sign/machine/coordinator-machine.js'
import type { CoordinatorKey } from '../../protocols/sign/machine/coordinator-types.js'
import type { LedgerContribution } from '../../protocols/sign/machine/messages.js'
import type { ThresholdProtocol } from '../../protocols/sign/machine/threshold-protocol.js'
import type { PartyMember } from '../../protocols/wire/sign.js'
import { Driver, kept, member, ownedRequest, SELF, T0, viewOf } from '../helpers/coordinator-driver.js'

const SIG = 'ef'.repeat(64)
const fake: ThresholdProtocol<'fake-key', unknown, unknown, unknown> = {
  name: 'fake',
  rounds: 1,
  begin: () => { throw new Error('unused') },
  accept: () => { throw new Error('unused') },
  awaiting: () => [],
  advance: () => { throw new Error('unused') },
  keep: contribution => ({ fake: contribution }),
  resume: kept => kept.fake,
  combine: () => ({ kind: 'signature', signature: Uint8Array.from(Buffer.from(SIG, 'hex')) }),
  verify: (_k, _m, signature) => Buffer.from(signature).toString('hex') === SIG
}

const PEERS = ['p1', 'p2', 'p3', 'p4']
const OLD = 'old-session-0001'

/** A request whose first session meets p-members that already contributed to `OLD` (party `oldParty`) of a dead CM. */
function meetOldSession (oldParty: PartyMember[], opts: { lifetimeMs?: number } = {}): { d: Driver<'fake-key'>, contribution: (m: PartyMember, party?: PartyMember[]) => LedgerContribution } {
  const { request, record } = ownedRequest({ lifetimeMs: opts.lifetimeMs })
  // The old session's outsider is no holder now, so the first session never picks it.
  const key: CoordinatorKey<'fake-key'> = { record, key: 'fake-key', epoch: 0, tc: 1, tm: 2, holders: [PEERS] }
  const d = new Driver(fake)
  d.start(request, key, viewOf([...PEERS, SELF]))
  d.slot()
  d.presigns()
  const np = d.lastNewParty()
  const contribution = (m: PartyMember, party = oldParty): LedgerContribution => kept(OLD, 'dead-cm', party, { from: m.peerId })
  // The first member of our party is in the old session; the other answers with a share.
  const inOld = oldParty.find(m => m.peerId === np.party[0]!.peerId)!
  d.answer(np.party[0]!.peerId, { kind: 'contributed', sessionId: np.sessionId, contribution: contribution(inOld) })
  d.answer(np.party[1]!.peerId, { kind: 'share', sessionId: np.sessionId, contribution: {} })
  return { d, contribution }
}

const recovers = (d: Driver<'fake-key'>): string[] => d.all('send').filter(s => s.msg.kind === 'recover').map(s => s.to)

async function peer (): Promise<{ peerId: string, seed: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  return { peerId: peerIdFromPrivateKey(key).toString(), seed: key.raw.subarray(0, 32) }
}

/** The old session: every holder of the committee that the first session's party may pick, plus `outsider`. */
function oldPartyWith (outsider: string): PartyMember[] {
  return [...PEERS.map((p, i) => member(1, i + 1, p)), member(1, 5, outsider)]
}

describe('sign coordinator machine: finishing another manager\'s session', () => {
  it('asks the members not heard from and completes with that session\'s signers, blaming nobody', () => {
    const old = oldPartyWith('p9')
    const { d, contribution } = meetOldSession(old)
    expect(d.all('release-slot')).toHaveLength(1)
    expect(d.all('session-ended')).toMatchObject([{ outcome: 'recover' }])
    expect(d.all('need-view')).toHaveLength(1)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    const asked = recovers(d)
    expect(asked).toHaveLength(old.length - 1)
    for (const peerId of asked) d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    expect(d.answered).toMatchObject({ status: 'completed', signature: SIG, signers: old })
    expect(d.all('notify-completed')).toMatchObject([{ party: old }])
    expect(d.all('blame')).toEqual([])
  })

  it('a member\'s signed no-contribution makes the session dead: the next session carries the proof', async () => {
    const outsider = await peer()
    const old = oldPartyWith(outsider.peerId)
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, outsider.peerId, SELF]))
    const proof = signAbandonment({ keyId: d.lastNewParty().request.keyId, requestId: d.lastNewParty().request.requestId, sessionId: OLD, peerId: outsider.peerId }, outsider.seed)
    for (const peerId of recovers(d)) {
      if (peerId === outsider.peerId) d.answer(peerId, { kind: 'reject', sessionId: OLD, code: 'no-contribution', reason: 'never', abandoned: proof })
      else d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    }
    expect(d.all('note').map(n => n.what)).toContain('another manager\'s session can never finish; its members are released to a new session')
    d.view(viewOf([...PEERS, outsider.peerId, SELF]))
    d.slot()
    d.presigns()
    expect(d.lastNewParty().released).toEqual([proof])
    expect(d.all('session-started').at(-1)).toMatchObject({ attempt: 2 })
  })

  it('asks again every RECOVER_RETRY_PAUSE_MS while members are unreachable, and finishes when they answer', () => {
    const old = oldPartyWith('p9')
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    const firstRound = recovers(d).length
    d.fire('recover')
    expect(d.all('need-view')).toHaveLength(2)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    expect(d.all('note').map(n => n.what)).toContain('another manager\'s session misses unreachable members; asking again')
    const pause = [...d.timers].find(([n]) => n.startsWith('recover-pause#'))!
    expect(pause[1]).toBe(d.nowMs + RECOVER_RETRY_PAUSE_MS)
    d.fire('recover-pause')
    d.view(viewOf([...PEERS, 'p9', SELF]))
    const again = recovers(d).slice(firstRound)
    expect(again).toHaveLength(firstRound)
    for (const peerId of again) d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    expect(d.answered).toMatchObject({ status: 'completed', signers: old })
  })

  it('gives the request up to another manager when members refuse it as none and it is none in its own view', () => {
    const old = oldPartyWith('p9')
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    for (const peerId of recovers(d)) {
      if (peerId === 'p9') d.answer(peerId, { kind: 'reject', sessionId: OLD, code: 'not-a-manager', reason: 'not a manager here' })
      else d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    }
    // Still a manager in its own view: it keeps asking, for NOT_A_MANAGER_PATIENCE_MS at most.
    d.view(viewOf([...PEERS, 'p9', SELF]))
    expect(d.phase).toBe('running')
    d.fire('recover-pause')
    d.view(viewOf([...PEERS, 'p9', SELF]))
    d.answer('p9', { kind: 'reject', sessionId: OLD, code: 'not-a-manager', reason: 'not a manager here' })
    for (const peerId of recovers(d).slice(-4)) if (peerId !== 'p9') d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    d.view(viewOf([...PEERS, 'p9', SELF], { manager: false }))
    expect(d.all('sent-on')).toMatchObject([{ reason: 'role-lost', detail: expect.stringContaining('not-a-manager') }])
    expect(d.phase).toBe('sent-on')
    expect(requestStatus(d.state)).toMatchObject({ sentOn: 'role-lost', decided: false, result: { status: 'pending' } })
    expect(d.all('answer')).toEqual([])
    expect(d.all('blame')).toEqual([])
    expect(NOT_A_MANAGER_PATIENCE_MS).toBeGreaterThan(RECOVER_RETRY_PAUSE_MS)
  })

  it('members that disagree about the session fail the request with the reason, blaming nobody', () => {
    const old = oldPartyWith('p9')
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    for (const peerId of recovers(d)) d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!, peerId === 'p9' ? old.slice(1) : old) })
    expect(d.answered).toMatchObject({ status: 'failed', reason: `signers already sent shares to another manager's session, which cannot be finished: session ${OLD}: p9 reports another party for this session` })
    expect(d.all('blame')).toEqual([])
  })

  it('a member whose share went to a later session of the dead CM names it, and that session is tried next', () => {
    const old = oldPartyWith('p9')
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    const [moved, ...rest] = recovers(d)
    // Its ledger holds its latest share: to the dead CM's session LATER, not OLD.
    d.answer(moved!, { kind: 'contributed', sessionId: OLD, contribution: { ...contribution(old.find(m => m.peerId === moved)!), sessionId: 'later-session-01' } })
    for (const peerId of rest) d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    const asked = d.all('send').filter(s => s.msg.kind === 'recover' && s.msg.sessionId === 'later-session-01').map(s => s.to)
    expect(asked.length).toBeGreaterThan(0)
    expect(d.all('blame')).toEqual([])
  })

  it('a member of that session that left the network means a new session', () => {
    const old = oldPartyWith('gone')
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, SELF]))
    expect(recovers(d)).not.toContain('gone')
    for (const peerId of recovers(d)) d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    expect(d.all('note').map(n => n.what)).toContain('another manager\'s session names a node that left the network; a new session')
    expect(d.stage).toBe('view')
  })

  it('stops asking again when the request would expire first, and fails', () => {
    const old = oldPartyWith('p9')
    const { d } = meetOldSession(old, { lifetimeMs: 5_500 })
    d.view(viewOf([...PEERS, 'p9', SELF]))
    d.fire('recover')
    expect(d.answered).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^signers already sent shares to another manager's session, which cannot be finished: session old-session-0001: no share from .*\(unreachable: no answer within 5000 ms\)/) })
  })

  it('a shutdown while recovering leaves the request pending, unblamed', () => {
    const { d } = meetOldSession(oldPartyWith('p9'))
    d.view(viewOf([...PEERS, 'p9', SELF]))
    d.stop()
    expect(d.phase).toBe('stopped')
    expect(d.all('answer')).toEqual([])
    expect(d.all('blame')).toEqual([])
  })
})

describe('sign coordinator machine: restored from the store', () => {
  it('a request pending at a restart is sent on, never run again', () => {
    const { d } = meetOldSession(oldPartyWith('p9'))
    const written = new Map(d.all('persist').map(p => [p.key, p.value]))
    const { state, effects } = d.machine.restore(written, T0 + 1_000)
    expect(effects).toEqual([])
    expect(state).toMatchObject({ phase: 'sent-on', reason: 'restarted', result: { status: 'pending' } })
    expect(requestStatus(state)).toMatchObject({ sentOn: 'restarted', decided: false })
    // Whatever comes next, it neither runs nor answers.
    expect(d.machine.step(state, { kind: 'message', from: 'p1', msg: { kind: 'answer', answer: { kind: 'share', sessionId: 'x', contribution: {} } }, nowMs: T0 + 2_000 }).effects).toEqual([])
  })

  it('a decided request comes back decided; nothing persisted is a machine waiting for its request', () => {
    const old = oldPartyWith('p9')
    const { d, contribution } = meetOldSession(old)
    d.view(viewOf([...PEERS, 'p9', SELF]))
    for (const peerId of recovers(d)) d.answer(peerId, { kind: 'contributed', sessionId: OLD, contribution: contribution(old.find(m => m.peerId === peerId)!) })
    const written = new Map(d.all('persist').map(p => [p.key, p.value]))
    expect(d.machine.restore(written, T0).state).toMatchObject({ phase: 'finished', durable: true, result: { status: 'completed', signature: SIG } })
    const fresh = d.machine.restore(new Map(), T0).state
    expect(fresh).toEqual({ phase: 'idle' })
    expect(d.machine.step(fresh, { kind: 'timer', timer: 'session#1', nowMs: T0 })).toEqual({ state: fresh, effects: [] })
  })
})
