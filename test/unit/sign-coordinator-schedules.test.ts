// The sign coordinator machine under many seeded random schedules of answers, refusals,
// timers, views, slots and shutdowns (a stand-in protocol), with its invariants checked on
// every step; and driven with the test-only three-round toy protocol (test/sim/sign/), which
// it runs without a change, as FROST.
import { describe, expect, it } from 'vitest'
import { PARTY_TIMEOUT_MS } from '../../protocols/constants.js'
import type { AnyProtocol } from '../../protocols/sign/machine/coordinator-session.js'
import { memberTag } from '../../protocols/sign/machine/threshold-protocol.js'
import type { SignerAnswer } from '../../protocols/sign/machine/messages.js'
import type { NewParty, PartyMember } from '../../protocols/wire/sign.js'
import { Driver, kept, ownedRequest, SELF, viewOf } from '../helpers/coordinator-driver.js'
import { seeded } from '../helpers/deterministic.js'
import { toyProtocol, type ToyKey } from '../sim/sign/toy-protocol.js'

const SIG = '5a'.repeat(64)
const fake: AnyProtocol<'fake-key'> = {
  name: 'fake',
  keep: contribution => ({ fake: contribution }),
  resume: k => k.fake,
  combine (facts, contributions) {
    const bad = facts.party.filter(m => (contributions.get(memberTag(m)) as { good?: boolean } | undefined)?.good !== true)
    if (bad.length === 0) return { kind: 'signature', signature: Uint8Array.from(Buffer.from(SIG, 'hex')) }
    return { kind: 'culprits', culprits: bad.map(member => ({ member, reason: 'invalid-share' as const, detail: 'bad' })) }
  },
  verify: (_k, _m, signature) => Buffer.from(signature).toString('hex') === SIG
}

const PEERS = ['p1', 'p2', 'p3', 'p4', 'p5']
const SCHEDULES = 300
const CODES = ['no-share', 'rate-limited', 'leased-by-other-coordinator', 'wrong-epoch', 'round1-timeout', 'presign-unknown', 'conflict', 'no-contribution', 'not-a-manager']

/** One schedule: random events until the machine stops running (or 400 steps). */
function schedule (seed: number): { d: Driver<'fake-key'>, expiresAt: number } {
  const bytes = seeded(`schedule/${seed}`)
  const pick = (n: number): number => (bytes(4).reduce((a, b) => a * 256 + b, 0)) % n
  const { request, record } = ownedRequest({ lifetimeMs: 4_000 + pick(30_000) })
  const d = new Driver(fake, `schedule/${seed}`)
  const live = (): string[] => [SELF, ...PEERS.filter(() => pick(5) > 0)]
  d.start(request, { record, key: 'fake-key', epoch: 1, tc: 1, tm: 2, holders: [[SELF, ...PEERS]] }, viewOf(live()))
  const answer = (sessionId: string, m: PartyMember, party: PartyMember[]): SignerAnswer => {
    switch (pick(10)) {
      case 0: return { kind: 'share', sessionId, contribution: { good: pick(4) > 0 } }
      case 1: case 2: return { kind: 'reject', sessionId, code: CODES[pick(CODES.length)]!, reason: 'scripted', retryAfterMs: pick(2_000), missing: party.filter(() => pick(2) === 0) }
      case 3: return { kind: 'completed-before', sessionId, signature: pick(2) === 0 ? SIG : 'ee'.repeat(64) }
      case 4: return { kind: 'contributed', sessionId, contribution: kept(pick(2) === 0 ? sessionId : 'other-session', 'dead-cm', pick(2) === 0 ? party : [m], { good: pick(3) > 0 }) }
      default: return { kind: 'share', sessionId, contribution: { good: true } }
    }
  }
  const fireAny = (): void => { if (d.timers.size > 0) d.fire([...d.timers.keys()][pick(d.timers.size)]!.split('#')[0]!) }
  for (let step = 0; step < 400 && d.state.phase === 'running'; step++) {
    const { stage } = d.state
    const roll = pick(100)
    if (roll < 2) {
      // A shutdown gives back what the shell lent and decides nothing: no answer, no blame.
      expect(d.stop().map(e => e.kind).filter(k => k !== 'cancel-timer' && k !== 'release-slot' && k !== 'session-ended'), `seed ${seed}`).toEqual([])
      break
    }
    if (stage.at === 'view' || (stage.at === 'recovery' && stage.recovery.stage.at === 'view')) {
      if (roll < 90) d.view(viewOf(live(), { manager: pick(4) > 0 })); else fireAny()
    } else if (stage.at === 'slot') {
      if (roll < 90 && d.slotState === 'asked') d.slot(); else fireAny()
    } else if (stage.at === 'presigns') {
      d.presigns()
    } else if (roll < 80) {
      const np = d.all('send').filter(s => s.msg.kind === 'new_party' || s.msg.kind === 'recover').at(-1)?.msg as NewParty | { kind: 'recover', sessionId: string } | undefined
      if (np === undefined) continue
      const party = 'party' in np ? np.party : PEERS.map((p, i) => ({ committee: 1, member: i + 2, peerId: p }))
      const m = party[pick(party.length)]!
      d.answer(m.peerId, answer(np.sessionId, m, party))
    } else {
      fireAny()
    }
  }
  return { d, expiresAt: request.expiresAt }
}

/** Gives the machine what it waits for (views, slots, presignatures) and fires its timers, earliest first, until it ends. */
function settle (d: Driver<'fake-key'>): void {
  for (let i = 0; i < 500 && d.state.phase === 'running'; i++) {
    const { stage } = d.state
    if (stage.at === 'view' || (stage.at === 'recovery' && stage.recovery.stage.at === 'view')) d.view(viewOf([SELF, ...PEERS]))
    else if (stage.at === 'slot') d.slot()
    else if (stage.at === 'presigns') d.presigns()
    else d.fire([...d.timers.keys()].sort((x, y) => d.timers.get(x)! - d.timers.get(y)!)[0]!.split('#')[0]!)
  }
}

describe('sign coordinator machine: random schedules', () => {
  it(`${SCHEDULES} schedules: one answer at most, no blame once decided, stopped or expired, every request ends by its deadline`, () => {
    const outcomes = new Map<string, number>()
    for (let seed = 0; seed < SCHEDULES; seed++) {
      const { d, expiresAt } = schedule(seed)
      settle(d)
      // The Driver checks on every step: at most one answer, no blame after it.
      expect(d.phase, `seed ${seed}`).not.toBe('running')
      for (const b of d.all('blame')) expect(b.record.at, `seed ${seed}: blame at expiry`).toBeLessThan(expiresAt)
      // Bounded by the expiry, but for one recover round of another manager's session begun before it (as today).
      if (d.answered !== undefined) expect(d.nowMs, `seed ${seed}`).toBeLessThanOrEqual(expiresAt + PARTY_TIMEOUT_MS)
      if (d.answered?.status === 'completed') expect(d.answered.signature, `seed ${seed}`).toBe(SIG)
      // Every slot asked for or held is given back once the request is no longer running.
      expect(d.slotState, `seed ${seed}: slot`).toBe('none')
      const kind = d.answered?.status ?? d.phase
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1)
    }
    // The schedules reach the ends a request has here (sent on is rare: the recovery test shows it).
    expect([...outcomes.keys()]).toEqual(expect.arrayContaining(['completed', 'failed', 'stopped']))
    for (const n of outcomes.values()) expect(n).toBeGreaterThan(SCHEDULES / 50)

  })
})

describe('sign coordinator machine with the three-round toy protocol', () => {
  it('combines the contributions of a protocol with point-to-point rounds, unchanged', () => {
    const { request, record } = ownedRequest({ message: 'beef' })
    const holders = [['t1', 't2', 't3']]
    const secrets = new Map(holders[0]!.map((p, i) => [`1/${i + 1}`, `secret-${p}`]))
    const key: ToyKey = { secrets, groupSecret: 'group' }
    const d = new Driver(toyProtocol, 'toy')
    d.start(request, { record, key, epoch: 0, tc: 1, tm: 3, holders }, viewOf(holders[0]!))
    d.slot()
    d.presigns()
    const np = d.lastNewParty()
    const facts = { sessionId: np.sessionId, request, message: Uint8Array.from([0xbe, 0xef]), party: np.party, key }
    const random = seeded('toy-signers')
    const states = new Map(np.party.map(m => [m.peerId, toyProtocol.begin(facts, m, secrets.get(memberTag(m))!, random)]))
    for (let round = 1; round <= 3; round++) {
      for (const m of np.party) {
        const p = states.get(m.peerId)!
        if (p.kind !== 'round') continue
        for (const o of p.out) {
          for (const to of np.party.filter(t => t.peerId !== m.peerId && (o.to === 'party' || o.to === memberTag(t)))) {
            const target = states.get(to.peerId)!
            if (target.kind !== 'round') throw new Error('a member left its rounds early')
            const accepted = toyProtocol.accept(target.state, round, m, o.payload)
            if ('refused' in accepted) throw new Error(accepted.refused)
            states.set(to.peerId, { ...target, state: accepted })
          }
        }
      }
      for (const m of np.party) {
        const p = states.get(m.peerId)!
        if (p.kind === 'round') states.set(m.peerId, toyProtocol.advance(p.state, round))
      }
    }
    for (const m of np.party) {
      const p = states.get(m.peerId)!
      if (p.kind !== 'contribute') throw new Error('three rounds end in a contribution')
      d.answer(m.peerId, { kind: 'share', sessionId: np.sessionId, contribution: p.contribution })
    }
    expect(d.answered).toMatchObject({ status: 'completed', signers: np.party })
    expect(toyProtocol.verify(key, facts.message, Buffer.from(d.answered!.signature!, 'hex'))).toBe(true)
  })
})
