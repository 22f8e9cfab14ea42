// The sign coordinator machine's control flow (protocols/sign/machine/coordinator-machine.ts),
// driven by hand with scripted events: today's coordinate() loop is the specification
// (docs/protocols/sign.md#the-attempt-loop). A stand-in protocol whose contributions are
// `{ good }` keeps the crypto out of the way; sign-coordinator-frost.test.ts signs for real.
import { describe, expect, it } from 'vitest'
import {
  LEASE_WAIT_SLACK_MS, MAX_EPOCH_SWITCH_WAITS, MAX_LEASE_WAITS, MAX_SIGN_ATTEMPTS, NO_PARTY_GRACE_MS, NO_PARTY_POLL_MS, PARTY_TIMEOUT_MS
} from '../../protocols/constants.js'
import type { CoordinatorKey } from '../../protocols/sign/machine/coordinator-types.js'
import type { ThresholdProtocol } from '../../protocols/sign/machine/threshold-protocol.js'
import { Driver, kept, ownedRequest, SELF, T0, viewOf } from '../helpers/coordinator-driver.js'

const SIG = 'ab'.repeat(64)
const PEERS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']

/** Contributions are `{ good: boolean }`; a bad one is an invalid share. */
const fake: ThresholdProtocol<'fake-key', unknown, unknown, unknown> = {
  name: 'fake',
  rounds: 1,
  begin: () => { throw new Error('a coordinator never begins') },
  accept: () => { throw new Error('a coordinator never accepts') },
  awaiting: () => [],
  advance: () => { throw new Error('a coordinator never advances') },
  keep: contribution => ({ fake: contribution }),
  resume: kept => kept.fake,
  combine (facts, contributions) {
    const bad = facts.party.filter(m => (contributions.get(`${m.committee}/${m.member}`) as { good?: boolean } | undefined)?.good !== true)
    if (bad.length === 0) return { kind: 'signature', signature: Uint8Array.from(Buffer.from(SIG, 'hex')) }
    return { kind: 'culprits', culprits: bad.map(member => ({ member, reason: 'invalid-share' as const, detail: 'its signature share does not verify against its public share' })) }
  },
  verify: (_key, _message, signature) => Buffer.from(signature).toString('hex') === SIG
}

function setup (opts: { lifetimeMs?: number, holders?: string[], tm?: number, live?: string[] } = {}): { d: Driver<'fake-key'>, key: CoordinatorKey<'fake-key'> } {
  const { request, record } = ownedRequest({ lifetimeMs: opts.lifetimeMs })
  const key: CoordinatorKey<'fake-key'> = { record, key: 'fake-key', epoch: 3, tc: 1, tm: opts.tm ?? 2, holders: [opts.holders ?? [SELF, ...PEERS]] }
  const d = new Driver(fake)
  d.start(request, key, viewOf(opts.live ?? [SELF, ...PEERS]))
  return { d, key }
}

const good = (sessionId: string) => ({ kind: 'share' as const, sessionId, contribution: { good: true } })
const reject = (sessionId: string, code: string, extra: Record<string, unknown> = {}) => ({ kind: 'reject' as const, sessionId, code, reason: `refused: ${code}`, ...extra })

/** Slot granted, no presignatures: a session begins; its new_party. */
function session (d: Driver<'fake-key'>) {
  d.slot()
  if (d.stage === 'presigns') d.presigns()
  return d.lastNewParty()
}

describe('sign coordinator machine: a session that signs', () => {
  it('answers completed once, notifies the party, writes the result synced and gives its slot back', () => {
    const { d } = setup()
    expect(d.all('persist')).toMatchObject([{ sync: false, value: { result: { status: 'pending', attempts: 0 } } }])
    expect(d.all('acquire-slot')).toHaveLength(1)
    d.slot()
    expect(d.all('take-presigns')).toHaveLength(1)
    d.presigns()
    const np = d.lastNewParty()
    expect(d.all('session-started')).toMatchObject([{ sessionId: np.sessionId, attempt: 1, presigned: false, epoch: 3 }])
    expect(np).toMatchObject({ kind: 'new_party', epoch: 3, party: expect.any(Array) })
    expect(np.presigned).toBeUndefined()
    for (const m of np.party) d.answer(m.peerId, good(np.sessionId))
    expect(d.answered).toMatchObject({ status: 'completed', signature: SIG, signers: np.party, attempts: 1 })
    expect(d.all('notify-completed')).toMatchObject([{ party: np.party, signature: SIG }])
    expect(d.all('release-slot')).toHaveLength(1)
    expect(d.all('session-ended')).toMatchObject([{ sessionId: np.sessionId, outcome: 'completed' }])
    // Attempt 1 is never written pending; the final result is, synced.
    expect(d.all('persist').map(p => p.sync)).toEqual([false, true])
    const final = d.all('persist')[1]!
    d.step({ kind: 'persisted', token: final.token, nowMs: d.nowMs })
    expect(d.state).toMatchObject({ phase: 'finished', durable: true })
    // Late answers, timers and a late slot change nothing (a slot granted late goes straight back).
    expect(d.answer(np.party[0]!.peerId, good(np.sessionId))).toEqual([])
    expect(d.slot()).toEqual([{ kind: 'release-slot' }])
    expect(d.all('answer')).toHaveLength(1)
  })

  it('chooses the CM itself last: only when no party leaves it out', () => {
    const { d } = setup()
    expect(session(d).party.map(m => m.peerId)).not.toContain(SELF)
    const alone = setup({ holders: [SELF, 'p1'], live: [SELF, 'p1'] }).d
    expect(session(alone).party.map(m => m.peerId).sort()).toEqual([SELF, 'p1'].sort())
  })

  it('a completed-before whose signature verifies ends the request; one that does not is a malformed answer', () => {
    const { d } = setup()
    const np = session(d)
    d.answer(np.party[0]!.peerId, { kind: 'completed-before', sessionId: np.sessionId, signature: SIG })
    d.fire('session')
    expect(d.answered).toMatchObject({ status: 'completed', signature: SIG })
    expect(d.all('blame')).toEqual([])

    const other = setup().d
    const np2 = session(other)
    other.answer(np2.party[0]!.peerId, { kind: 'completed-before', sessionId: np2.sessionId, signature: 'cd'.repeat(64) })
    other.answer(np2.party[1]!.peerId, good(np2.sessionId))
    expect(other.all('blame')).toMatchObject([{ record: { culprit: np2.party[0]!.peerId, reason: 'malformed-answer' } }])
  })
})

describe('sign coordinator machine: culprits, waits and limits', () => {
  it('excludes and blames a culprit, then runs the next attempt (written pending) without it', () => {
    const { d } = setup()
    const np = session(d)
    const [liar, honest] = np.party
    d.answer(liar!.peerId, reject(np.sessionId, 'no-share'))
    d.answer(honest!.peerId, good(np.sessionId))
    expect(d.all('blame')).toMatchObject([{ record: { culprit: liar!.peerId, reason: 'no-share', flow: 'sign', committee: 1, detail: expect.stringContaining(`session ${np.sessionId}: refused: no-share`) } }])
    expect(d.stage).toBe('view')
    d.view(viewOf([SELF, ...PEERS]))
    const np2 = session(d)
    expect(np2.party.map(m => m.peerId)).not.toContain(liar!.peerId)
    expect(d.all('persist').at(-1)).toMatchObject({ sync: false, value: { result: { status: 'pending', attempts: 2 } } })
  })

  it('a member over its rate limit is left out of later parties, unblamed', () => {
    const { d } = setup()
    const np = session(d)
    d.answer(np.party[0]!.peerId, reject(np.sessionId, 'rate-limited'))
    d.answer(np.party[1]!.peerId, good(np.sessionId))
    d.view(viewOf([SELF, ...PEERS]))
    expect(session(d).party.map(m => m.peerId)).not.toContain(np.party[0]!.peerId)
    expect(d.all('blame')).toEqual([])
  })

  it(`fails after ${MAX_SIGN_ATTEMPTS} attempts with every blame in the reason`, () => {
    const { d } = setup({ holders: [...PEERS, 'p7', 'p8', 'p9'], live: [...PEERS, 'p7', 'p8', 'p9'] })
    for (let i = 0; i < MAX_SIGN_ATTEMPTS; i++) {
      if (i > 0) d.view(viewOf([...PEERS, 'p7', 'p8', 'p9']))
      const np = session(d)
      d.answer(np.party[0]!.peerId, reject(np.sessionId, 'invalid-party'))
      d.answer(np.party[1]!.peerId, good(np.sessionId))
    }
    expect(d.all('blame')).toHaveLength(MAX_SIGN_ATTEMPTS)
    expect(d.answered?.reason).toMatch(new RegExp(`^no party signed in ${MAX_SIGN_ATTEMPTS} attempts; blamed: .+ \\(committee 1 member \\d\\): malformed-answer(; .+){${MAX_SIGN_ATTEMPTS - 1}}$`))
  })

  it('polls for a valid party for NO_PARTY_GRACE_MS, then fails with the selection reason', () => {
    const { d } = setup({ live: ['p1'] })
    expect(d.stage).toBe('poll')
    let polls = 0
    const stage = (): string | undefined => d.stage
    while (stage() === 'poll') {
      d.fire('poll')
      polls++
      if (stage() === 'view') d.view(viewOf(['p1']))
    }
    expect(polls).toBe(NO_PARTY_GRACE_MS / NO_PARTY_POLL_MS)
    expect(d.answered).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^no valid party: 1 committees with 2 live, unblamed members each are needed/) })
    expect(d.all('acquire-slot')).toEqual([])
  })

  it('a party that turns up while polling is used', () => {
    const { d } = setup({ live: ['p1'] })
    d.fire('poll')
    d.view(viewOf(['p1', 'p2']))
    expect(d.stage).toBe('slot')
  })

  it(`waits out leases (retryAfterMs + ${LEASE_WAIT_SLACK_MS} ms, attempts not counted) at most ${MAX_LEASE_WAITS} times`, () => {
    const { d } = setup()
    for (let i = 0; i <= MAX_LEASE_WAITS; i++) {
      const np = session(d)
      d.answer(np.party[0]!.peerId, reject(np.sessionId, 'leased-by-other-coordinator', { retryAfterMs: 700 }))
      d.answer(np.party[1]!.peerId, good(np.sessionId))
      if (i === MAX_LEASE_WAITS) break
      expect([...d.timers].find(([n]) => n.startsWith('wait#'))?.[1]).toBe(d.nowMs + 700 + LEASE_WAIT_SLACK_MS)
      d.fire('wait')
      d.view(viewOf([SELF, ...PEERS]))
    }
    expect(d.answered).toMatchObject({ status: 'failed', reason: 'signers stayed leased to another manager', attempts: 1 })
    expect(d.all('blame')).toEqual([])
  })

  it(`waits for an epoch switch at most ${MAX_EPOCH_SWITCH_WAITS} times, then fails naming its epoch`, () => {
    const { d } = setup({ lifetimeMs: 60_000 })
    for (let i = 0; i <= MAX_EPOCH_SWITCH_WAITS; i++) {
      const np = session(d)
      for (const m of np.party) d.answer(m.peerId, reject(np.sessionId, 'wrong-epoch', { retryAfterMs: 1_000 }))
      if (i === MAX_EPOCH_SWITCH_WAITS) break
      d.fire('wait')
      d.view(viewOf([SELF, ...PEERS]))
    }
    expect(d.answered).toMatchObject({ status: 'failed', reason: 'signers stayed at another epoch than this manager\'s (3)' })
  })

  it('a fatal refusal (conflict) fails the request with the signer\'s reason, blaming nobody', () => {
    const { d } = setup()
    const np = session(d)
    d.answer(np.party[0]!.peerId, reject(np.sessionId, 'conflict'))
    d.answer(np.party[1]!.peerId, good(np.sessionId))
    expect(d.answered).toMatchObject({ status: 'failed', reason: 'refused: conflict' })
    expect(d.all('blame')).toEqual([])
  })

  it('an invalid share is blamed as the protocol names it', () => {
    const { d } = setup()
    const np = session(d)
    d.answer(np.party[0]!.peerId, { kind: 'share', sessionId: np.sessionId, contribution: { good: false } })
    d.answer(np.party[1]!.peerId, good(np.sessionId))
    expect(d.all('blame')).toMatchObject([{ record: { culprit: np.party[0]!.peerId, reason: 'invalid-share' } }])
  })
})

describe('sign coordinator machine: presignatures', () => {
  it('offers the pool\'s presignatures; presign-unknown drops them and signs with an exchange, same attempt', () => {
    const { d } = setup()
    d.slot()
    const party = d.all('take-presigns')[0]!.party
    const presigned = party.map((m, i) => ({ id: `presignature-000${i}`.padEnd(16, '0'), commitment: { committee: m.committee, member: m.member, hiding: '01', binding: '02' } }))
    d.presigns(presigned)
    const np = d.lastNewParty()
    expect(np.presigned).toEqual(presigned)
    expect(d.all('session-started')[0]).toMatchObject({ presigned: true })
    d.answer(party[0]!.peerId, reject(np.sessionId, 'presign-unknown'))
    d.answer(party[1]!.peerId, good(np.sessionId))
    expect(d.all('drop-presigns')).toEqual([{ kind: 'drop-presigns', keyId: np.request.keyId, epoch: 3, peerIds: [party[0]!.peerId] }])
    expect(d.all('blame')).toEqual([])
    d.view(viewOf([SELF, ...PEERS]))
    d.slot()
    // No presignatures for the rest of the request; the attempt was not counted.
    expect(d.all('take-presigns')).toHaveLength(1)
    const np2 = d.lastNewParty()
    expect(np2.presigned).toBeUndefined()
    expect(d.all('session-started')[1]).toMatchObject({ attempt: 1, presigned: false })
  })

  it('presignatures that do not fit the party are not offered', () => {
    const { d } = setup()
    d.slot()
    d.presigns([{ id: 'presignature-0000', commitment: { committee: 1, member: 9, hiding: '01', binding: '02' } }])
    expect(d.lastNewParty().presigned).toBeUndefined()
  })
})

describe('sign coordinator machine: expiry and shutdown never blame', () => {
  it('a session cut at the request\'s expiry fails the request as expired, silent members unblamed', () => {
    const { d } = setup({ lifetimeMs: 2_000 })
    const np = session(d)
    expect([...d.timers].find(([n]) => n.startsWith('session#'))?.[1]).toBe(T0 + 2_000)
    d.answer(np.party[0]!.peerId, good(np.sessionId))
    d.fire('session')
    expect(d.answered).toMatchObject({ status: 'failed', reason: 'expired while a party was signing' })
    expect(d.all('blame')).toEqual([])
    expect(d.all('send').filter(s => s.msg.kind === 'recover')).toEqual([])
  })

  it('waiting for a slot ends at expiry', () => {
    const { d } = setup({ lifetimeMs: 3_000 })
    d.fire('slot')
    expect(d.answered).toMatchObject({ status: 'failed', reason: 'expired while waiting for a free session slot (4 per manager)' })
    expect(d.all('release-slot')).toHaveLength(1)
    expect(d.slot()).toEqual([{ kind: 'release-slot' }])
  })

  it('a request already expired when its next attempt begins fails, naming who was blamed', () => {
    const { d } = setup({ lifetimeMs: 10_000 })
    const np = session(d)
    d.answer(np.party[0]!.peerId, reject(np.sessionId, 'no-share'))
    d.answer(np.party[1]!.peerId, good(np.sessionId))
    d.at(T0 + 10_001).view(viewOf([SELF, ...PEERS]))
    expect(d.answered?.reason).toBe(`expired before a party could sign; blamed: ${np.party[0]!.peerId} (committee 1 member ${np.party[0]!.member}): no-share`)
  })

  it('stop in a session leaves the request pending: no answer, no blame, slot and load given back', () => {
    const { d } = setup()
    const np = session(d)
    d.answer(np.party[0]!.peerId, reject(np.sessionId, 'no-share'))
    const effects = d.stop()
    expect(effects).toEqual(expect.arrayContaining([{ kind: 'release-slot' }, expect.objectContaining({ kind: 'session-ended', outcome: 'stopped' })]))
    expect(d.state).toMatchObject({ phase: 'stopped', result: { status: 'pending' } })
    expect(d.answer(np.party[1]!.peerId, good(np.sessionId))).toEqual([])
    expect(d.all('answer')).toEqual([])
    expect(d.all('blame')).toEqual([])
  })

  it('stop while waiting for a slot withdraws the ask', () => {
    const { d } = setup()
    expect(d.stop()).toContainEqual({ kind: 'release-slot' })
    expect(d.all('answer')).toEqual([])
  })
})

describe('sign coordinator machine: silent members are asked before a new session', () => {
  it('a member the transport cannot reach is silent at once, not at the session\'s deadline: it is asked, with the transport\'s reason', () => {
    const { d } = setup()
    const np = session(d)
    const [unreachable, answered] = np.party
    d.answer(answered!.peerId, good(np.sessionId))
    expect(d.all('send').filter(s => s.msg.kind === 'recover')).toEqual([])
    d.step({ kind: 'no-answer', nowMs: d.nowMs, from: unreachable!.peerId, sessionId: np.sessionId, error: 'dial refused' })
    // No timer fired: every member is accounted for, so the session is judged now.
    expect(d.all('send').filter(s => s.msg.kind === 'recover').map(s => s.to)).toEqual([unreachable!.peerId])
    // A failure for another session, or a second word about the same member, changes nothing.
    expect(d.step({ kind: 'no-answer', nowMs: d.nowMs, from: unreachable!.peerId, sessionId: 'other-session', error: 'x' })).toEqual([])
  })

  it('a silent member that did send its share hands it over: the session completes', () => {
    const { d } = setup()
    const np = session(d)
    const [silent, answered] = np.party
    d.answer(answered!.peerId, good(np.sessionId))
    d.fire('session')
    expect(d.all('send').filter(s => s.msg.kind === 'recover')).toEqual([{ kind: 'send', to: silent!.peerId, msg: { kind: 'recover', request: np.request, sessionId: np.sessionId } }])
    expect(d.all('release-slot')).toEqual([])
    d.answer(silent!.peerId, { kind: 'contributed', sessionId: np.sessionId, contribution: kept(np.sessionId, SELF, np.party, { good: true }) })
    expect(d.answered).toMatchObject({ status: 'completed', signers: np.party, attempts: 1 })
    expect(d.all('blame')).toEqual([])
  })

  it('one that gave nothing is blamed silent after the ask, and the next attempt begins', () => {
    const { d } = setup()
    const np = session(d)
    const [silent, answered] = np.party
    d.answer(answered!.peerId, good(np.sessionId))
    d.fire('session')
    d.answer(silent!.peerId, reject(np.sessionId, 'no-contribution'))
    expect(d.all('blame')).toMatchObject([{ record: { culprit: silent!.peerId, reason: 'silent', detail: expect.stringContaining(`no answer to new_party within ${PARTY_TIMEOUT_MS} ms`) } }])
    expect(d.stage).toBe('view')
  })

  it('is not done when a member also refused: that is a plain retry', () => {
    const { d } = setup()
    const np = session(d)
    d.answer(np.party[1]!.peerId, reject(np.sessionId, 'no-share'))
    d.fire('session')
    expect(d.all('send').filter(s => s.msg.kind === 'recover')).toEqual([])
    expect(d.all('blame').map(b => b.record.reason).sort()).toEqual(['no-share', 'silent'])
  })
})
