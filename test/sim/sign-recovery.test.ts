// Session recovery scripted on the simulator (issue 18 item 4; docs/protocols/sign.md#session-recovery),
// ported from the real-libp2p scenario file test/scenario/sign.test.ts: a CM died after the
// shares left, and another manager finishes its session, or shows it can never finish and
// signs afresh. The dead CM is a node that sends new_party by hand and never aggregates;
// what the real file ordered with sleeps is ordered on the virtual clock here.
import { describe, expect, it } from 'vitest'
import type { SignMachineMessage } from '../../protocols/sign/machine/messages.js'
import type { PartyMember, SignRequest } from '../../protocols/wire/sign.js'
import { peersOf, requestIdWhere, SignWorld } from './sign/scripted-world.js'

const newParty = (request: SignRequest, party: PartyMember[], sessionId: string): SignMachineMessage => ({ kind: 'new_party', sessionId, request, party })

/**
 * A world where a dead CM (a node neither in `party` nor a manager) sends new_party to `party` at 0 and
 * dies with every share on its way to it: every member records its share. Returns the dead CM.
 */
function dyingCm (w: SignWorld, request: SignRequest, party: PartyMember[], to: PartyMember[] = party): string {
  const dead = w.nodes.find(n => !peersOf(party).includes(n) && !w.managers.has(n))!
  w.send(0, dead, peersOf(to), newParty(request, party, `dead-${request.requestId}`))
  return dead
}

/** The shares the dead CM got (answers to its new_party), by member. */
const sharesTo = (w: SignWorld, dead: string): string[] => w.answersTo(dead).filter(a => a.msg.kind === 'share').map(a => a.from)

describe('session recovery: a CM died after the shares left', () => {
  it('another CM finishes the dead CM\'s session: the same party, one signature', () => {
    const w = new SignWorld()
    const [cm, other] = [w.nodes[0]!, w.nodes[4]!]
    const request = w.request('dead-cm-finished', 'cafe20')
    const party = w.partyOf(cm, request.requestId)
    const dead = dyingCm(w, request, party)
    w.submit(1_000, cm, request)
    // Every other manager answers the same request with the same signature (the signers now know it).
    w.submit(5_000, other, request)
    w.run(20_000)
    expect(sharesTo(w, dead).sort()).toEqual(peersOf(party).sort())
    expect(w.answers.map(a => a.cm)).toEqual([cm, other])
    const [first, again] = w.answers.map(a => a.result)
    expect(first).toMatchObject({ status: 'completed', signers: party })
    expect(w.verifies(request.message, first!.signature)).toBe(true)
    expect(again).toMatchObject({ status: 'completed', signature: first!.signature })
    expect(w.blame).toEqual([])
  })

  it('asks the dead session\'s members that are not in its own party for their shares', () => {
    const w = new SignWorld()
    const cm = w.nodes[0]!
    // The dead CM used a party that differs from the one the live CM picks first in one member.
    const requestId = requestIdWhere('dead-other-party', id => {
      const first = w.partyOf(cm, id)
      return !peersOf(w.partyOf(cm, id, { excluded: [first[0]!.peerId] })).includes(cm)
    })
    const request = w.request(requestId, 'cafe21')
    const first = w.partyOf(cm, requestId)
    const party = w.partyOf(cm, requestId, { excluded: [first[0]!.peerId] })
    expect(party).not.toEqual(first)
    dyingCm(w, request, party)
    w.submit(1_000, cm, request)
    w.run(20_000)
    expect(w.answers).toHaveLength(1)
    expect(w.answers[0]!.result).toMatchObject({ status: 'completed', signers: party })
    expect(w.verifies(request.message, w.answers[0]!.result.signature)).toBe(true)
    const outsiders = peersOf(party).filter(p => !peersOf(first).includes(p))
    expect(w.wire.filter(m => m.from === cm && m.msg.kind === 'recover').map(m => m.to)).toEqual(expect.arrayContaining(outsiders))
  })

  it('a member asked for a session it has not contributed to never contributes to it afterwards', () => {
    const w = new SignWorld()
    const asker = w.nodes[0]!
    const request = w.request('poisoned', 'cafe23')
    const party = w.partyOf(asker, request.requestId)
    const target = party[0]!.peerId
    const stranger = w.nodes.find(n => !w.managers.has(n) && !peersOf(party).includes(n))!
    const sessionId = `poisoned-${request.requestId}`
    // Only a manager may ask for a share: a recover can end a session for good.
    w.send(0, stranger, [target], { kind: 'recover', request, sessionId: 'x-session' })
    w.send(100, asker, [target], { kind: 'recover', request, sessionId })
    w.send(200, asker, peersOf(party), newParty(request, party, sessionId))
    w.run(10_000)
    expect(w.answersTo(stranger).map(a => a.msg)).toEqual([expect.objectContaining({ kind: 'reject', code: 'not-a-manager' })])
    const toAsker = w.answersTo(asker).filter(a => a.from === target).map(a => a.msg)
    expect(toAsker[0]).toMatchObject({ kind: 'reject', code: 'no-contribution', sessionId, abandoned: { sessionId, peerId: target } })
    expect(toAsker[1]).toMatchObject({ kind: 'reject', code: 'session-abandoned', sessionId })
    expect(w.wire.filter(m => m.from === target && m.msg.kind === 'answer' && m.msg.answer.kind === 'share')).toEqual([])
  })

  it('a recover for a session a member is still in (round 1) waits for it to end, then hands over the share', () => {
    const w = new SignWorld()
    const asker = w.nodes[0]!
    const request = w.request('slow-round', 'cafe24')
    const party = w.partyOf(asker, request.requestId)
    const dead = w.nodes.find(n => !peersOf(party).includes(n) && !w.managers.has(n))!
    const sessionId = `slow-${request.requestId}`
    // The dead CM reached three members at once and the fourth late: the first three wait in round 1.
    w.send(0, dead, peersOf(party.slice(0, 3)), newParty(request, party, sessionId))
    w.send(300, asker, [party[0]!.peerId], { kind: 'recover', request, sessionId })
    w.send(1_300, dead, [party[3]!.peerId], newParty(request, party, sessionId))
    w.run(10_000)
    const shares = w.answersTo(dead)
    expect(shares.map(a => a.msg.kind)).toEqual(['share', 'share', 'share', 'share'])
    const recovered = w.answersTo(asker)
    expect(recovered.map(a => a.msg)).toEqual([expect.objectContaining({ kind: 'contributed', contribution: expect.objectContaining({ sessionId }) })])
    // Answered once its session ended, not before.
    expect(recovered[0]!.atMs).toBeGreaterThanOrEqual(shares.find(a => a.from === party[0]!.peerId)!.atMs)
  })

  it('a CM shut down mid-request blames no one, and after its restart leaves the request to a manager that finishes it', () => {
    const w = new SignWorld()
    const [cm, other] = [w.nodes[0]!, w.nodes[4]!]
    const request = w.request('cm-shut-down', 'cafe25')
    const party = w.partyOf(cm, request.requestId)
    // The session waits for answers that never come (lost on the way); the CM is shut down meanwhile.
    w.cut(0, 'share answers to the CM', (_from, to, msg) => to === cm && msg.kind === 'answer' && msg.answer.kind === 'share')
    w.submit(0, cm, request)
    w.stop(500, cm)
    w.boot(2_000, cm)
    // Asked again after its restart, the CM does not run it (its route answers 503 coordinator-restarted).
    w.submit(2_500, cm, request)
    w.submit(3_000, other, request)
    w.run(20_000)
    expect(w.statusAt(cm, request)).toMatchObject({ sentOn: 'restarted', result: { status: 'pending' } })
    expect(w.blame).toEqual([])
    expect(w.answers.map(a => a.cm)).toEqual([other])
    expect(w.answers[0]!.result).toMatchObject({ status: 'completed', signers: party })
    expect(w.verifies(request.message, w.answers[0]!.result.signature)).toBe(true)
  })

  it('a dead CM\'s session that can never finish (a member lost its share in a crash) frees its other members: a new session signs', () => {
    const w = new SignWorld()
    const [cm, other] = [w.nodes[0]!, w.nodes[4]!]
    const request = w.request('never-finishes', 'cafe28')
    const party = w.partyOf(cm, request.requestId)
    const x = party[0]!.peerId
    // Member X crashed after round 1, before its share was recorded: the others' commitments never reached it, and
    // after its restart its ledger knows nothing of the request (its claim was not synced).
    w.cut(0, 'round messages to X', (_from, to, msg) => to === x && msg.kind === 'round', 1_000)
    const dead = dyingCm(w, request, party)
    w.crash(500, x)
    w.boot(1_000, x)
    w.submit(1_500, cm, request)
    w.submit(20_000, other, request)
    w.run(40_000)
    expect(sharesTo(w, dead).sort()).toEqual(peersOf(party).filter(p => p !== x).sort())
    // X abandons the dead session when asked and signs that it did; the others, shown that, sign in a new session.
    expect(w.answersTo(cm).map(a => a.msg)).toContainEqual(expect.objectContaining({ kind: 'reject', code: 'no-contribution', abandoned: expect.objectContaining({ peerId: x }) }))
    const [first, again] = w.answers.map(a => a.result)
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'completed' })
    expect(first!.attempts).toBeGreaterThan(1)
    expect(w.verifies(request.message, first!.signature)).toBe(true)
    // Asked again, any manager answers with that one signature.
    expect(again).toMatchObject({ status: 'completed', signature: first!.signature })
  })

  it('finishes the dead CM\'s session once a member of it that was down comes back with its share, instead of failing the request', () => {
    const w = new SignWorld()
    const cm = w.nodes[0]!
    // A request whose next party without the downed member still shares members with the dead session
    // (a disjoint party would simply sign afresh).
    const requestId = requestIdWhere('down-member', id => {
      const party = peersOf(w.partyOf(cm, id))
      return !party.includes(cm) && peersOf(w.partyOf(cm, id, { live: w.nodes.filter(n => n !== party[0]) })).some(p => party.slice(1).includes(p))
    })
    const request = w.request(requestId, 'cafe27')
    const party = w.partyOf(cm, requestId)
    const down = party[0]!.peerId
    dyingCm(w, request, party)
    // The CM that takes over is no member of that session; one member is down when it asks, and long after.
    w.crash(1_000, down)
    w.submit(1_500, cm, request)
    w.boot(12_000, down)
    w.run(40_000)
    const askedWhileDown = w.wire.filter(m => m.from === cm && m.to === down && m.msg.kind === 'recover' && m.atMs < 12_000)
    expect(askedWhileDown.length).toBeGreaterThan(0)
    expect(w.answers).toHaveLength(1)
    expect(w.answers[0]!.result).toMatchObject({ status: 'completed', signers: party })
    expect(w.answers[0]!.atMs).toBeGreaterThan(12_000)
    expect(w.verifies(request.message, w.answers[0]!.result.signature)).toBe(true)
  })

  it('a CM that lost its manager role while finishing another manager\'s session sends the request on, and a manager finishes it', () => {
    const w = new SignWorld()
    // Managers are nodes 0, 4 and 8; while the first (top) is down, the stand-in is one in every node's view.
    const [top, finisher, standIn] = [w.nodes[0]!, w.nodes[4]!, w.nodes[2]!]
    // A dead session without either of them, a next party (the stand-in's own, member 0 down) that shares
    // members with it, and a party of the manager that finishes it that does too.
    const requestId = requestIdWhere('role-lost', id => {
      const party = peersOf(w.partyOf(standIn, id, { excluded: [top, standIn] }))
      const next = peersOf(w.partyOf(standIn, id, { live: w.nodes.filter(n => n !== top && n !== party[0]) }))
      return next.some(p => party.slice(1).includes(p)) && peersOf(w.partyOf(finisher, id)).some(p => party.includes(p))
    })
    const request = w.request(requestId, 'cafe29')
    const party = w.partyOf(standIn, requestId, { excluded: [top, standIn] })
    const down = party[0]!.peerId
    const dead = w.nodes.find(n => !peersOf(party).includes(n) && ![top, finisher, standIn, w.nodes[8]].includes(n))!
    const managers = (list: string[]): void => { w.managers.clear(); for (const m of list) w.managers.add(m) }
    w.crash(0, top)
    w.when(0, 'the stand-in is a manager', () => { managers([standIn, finisher, w.nodes[8]!]) })
    w.send(100, dead, peersOf(party), newParty(request, party, `dead-${requestId}`))
    // A member of that session is down: the stand-in, asked to take the request, keeps asking the session's members.
    w.crash(1_000, down)
    w.submit(1_500, standIn, request)
    // The first manager returns: the stand-in is no manager any more, in its own view and in the members'. Then
    // the missing member returns, and refuses the stand-in's recover (not-a-manager).
    w.boot(6_000, top)
    w.when(6_000, 'the first manager is back', () => { managers([top, finisher, w.nodes[8]!]) })
    w.boot(8_000, down)
    // The client fails over with the same request id; a manager finishes the dead session.
    w.submit(15_000, finisher, request)
    w.run(40_000)
    expect(w.answersTo(standIn).filter(a => a.from === down).map(a => a.msg)).toContainEqual(expect.objectContaining({ kind: 'reject', code: 'not-a-manager' }))
    expect(w.sentOn).toEqual([expect.objectContaining({ cm: standIn, reason: 'role-lost' })])
    expect(w.sentOn[0]!.atMs).toBeLessThan(15_000)
    // Pending at the stand-in, which its route answers 503 manager-role-lost.
    expect(w.statusAt(standIn, request)).toMatchObject({ sentOn: 'role-lost', result: { status: 'pending' } })
    expect(w.answers.map(a => a.cm)).toEqual([finisher])
    expect(w.answers[0]!.result).toMatchObject({ status: 'completed', signers: party })
    expect(w.verifies(request.message, w.answers[0]!.result.signature)).toBe(true)
    expect(w.blame).toEqual([])
  })
})
