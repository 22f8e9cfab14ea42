// Session recovery's judging (protocols/sign/recover-session.ts): only a whole,
// consistent session is finished; a missing share or a member that reports
// another party, other commitments or a share in someone else's name stops it.
// A session missing a node that left the network is dead (node/engine/sign/recover.ts).
import { describe, expect, it } from 'vitest'
import { assembleSession, reportedSessions } from '../../protocols/sign/recover-session.js'
import type { Contribution, PartyMember, SignRequest } from '../../protocols/wire/sign.js'
import type { PartyTransport } from '../../node/engine/sign/attempt.js'
import type { KeyMaterial } from '../../node/engine/sign/key-material.js'
import { finishSession } from '../../node/engine/sign/recover.js'

const party: PartyMember[] = [
  { committee: 1, member: 1, peerId: 'p11' }, { committee: 1, member: 2, peerId: 'p12' },
  { committee: 2, member: 1, peerId: 'p21' }, { committee: 2, member: 3, peerId: 'p23' }
]
const commitments = party.map(m => ({ committee: m.committee, member: m.member, hiding: `h${m.peerId}`, binding: `b${m.peerId}` }))
const from = (m: PartyMember, over: Partial<Contribution> = {}): Contribution => ({
  sessionId: 's1', coordinator: 'cm-dead', party, commitments, share: { committee: m.committee, member: m.member, share: '01'.repeat(32) }, ...over
})
const all = (): Map<string, Contribution> => new Map(party.map(m => [m.peerId, from(m)]))

describe('assembleSession', () => {
  it('finishes a session every member contributed to, in party order', () => {
    const got = assembleSession('s1', all())
    expect(got).toMatchObject({ kind: 'complete', party })
    if (got.kind === 'complete') expect(got.contributions.map(c => c.share.member)).toEqual([1, 2, 1, 3])
  })

  it('names the members with no share for the session', () => {
    const byMember = all()
    byMember.delete('p21')
    byMember.set('p23', from(party[3]!, { sessionId: 's0' }))
    expect(assembleSession('s1', byMember)).toEqual({ kind: 'incomplete', sessionId: 's1', missing: [party[2], party[3]] })
  })

  it('rejects a member that reports another party', () => {
    const byMember = all()
    byMember.set('p12', from(party[1]!, { party: [...party.slice(0, 3), { committee: 2, member: 2, peerId: 'p22' }] }))
    expect(assembleSession('s1', byMember)).toMatchObject({ kind: 'inconsistent', detail: expect.stringContaining('p12 reports another party') })
  })

  it('rejects a member that reports other round-1 commitments', () => {
    const byMember = all()
    byMember.set('p23', from(party[3]!, { commitments: commitments.map((c, i) => i === 0 ? { ...c, hiding: 'evil' } : c) }))
    expect(assembleSession('s1', byMember)).toMatchObject({ kind: 'inconsistent', detail: expect.stringContaining('p23 reports other round-1 commitments') })
  })

  it('rejects a share in another member\'s name, and a report from outside the party', () => {
    const forged = all()
    forged.set('p11', from(party[0]!, { share: { committee: 1, member: 2, share: '02'.repeat(32) } }))
    expect(assembleSession('s1', forged)).toMatchObject({ kind: 'inconsistent', detail: expect.stringContaining("another member's name") })
    const stranger = all()
    stranger.set('p99', from(party[0]!))
    expect(assembleSession('s1', stranger)).toMatchObject({ kind: 'inconsistent', detail: expect.stringContaining('p99') })
  })

  it('tries the most reported session first', () => {
    expect(reportedSessions([from(party[0]!, { sessionId: 'a' }), from(party[1]!, { sessionId: 'b' }), from(party[2]!, { sessionId: 'b' })])).toEqual(['b', 'a'])
  })
})

describe('finishSession (node/engine/sign/recover.ts) across an epoch change', () => {
  it('a session missing the share of a node that left the network is reported departed, without asking that node', async () => {
    const byMember = all()
    byMember.delete('p12')
    const asked: string[] = []
    const transport: PartyTransport = {
      // Never used: the only missing member left, so nobody is dialled.
      libp2p: undefined as unknown as PartyTransport['libp2p'],
      selfPeerId: 'cm-new',
      local: async () => { throw new Error('no new session here') },
      localRecover: async req => { asked.push(req.sessionId); throw new Error('not asked') },
      isMember: peerId => peerId !== 'p12'
    }
    const material = { record: { scheme: 'ed25519' } } as unknown as KeyMaterial
    const request = { message: 'cafe' } as unknown as SignRequest
    const got = await finishSession(transport, material, request, 's1', byMember, AbortSignal.timeout(1_000))
    expect(got).toMatchObject({ kind: 'failed', departed: true, reason: expect.stringContaining('committee 1 member 2, no longer a node of the network') })
    expect(asked).toEqual([])
    // While it is still a member, the gap may close (it may answer later): not departed.
    const stays = await finishSession({ ...transport, isMember: () => true, libp2p: { dialProtocol: async () => { throw new Error('unreachable in this test') } } as unknown as PartyTransport['libp2p'] }, material, request, 's1', byMember, AbortSignal.timeout(1_000))
    expect(stays).toMatchObject({ kind: 'failed', retryable: true })
    expect(stays).not.toHaveProperty('departed')
  })

  it('a member whose share went to another session of the dead CM names it, so recovery can try that one', async () => {
    const byMember = all()
    byMember.delete('p12')
    const later = from(party[1]!, { sessionId: 's2' })
    // p12 is asked through the local path (it is this node): it answers with its share in session s2.
    const transport: PartyTransport = {
      libp2p: undefined as unknown as PartyTransport['libp2p'],
      selfPeerId: 'p12',
      local: async () => { throw new Error('no new session here') },
      localRecover: async req => ({ kind: 'contributed', sessionId: req.sessionId, contribution: later }),
      isMember: () => true
    }
    const got = await finishSession(transport, { record: { scheme: 'ed25519' } } as unknown as KeyMaterial, { message: 'cafe' } as unknown as SignRequest, 's1', byMember, AbortSignal.timeout(1_000))
    expect(got).toMatchObject({ kind: 'failed', reason: expect.stringContaining('its share went to session s2') })
    if (got.kind === 'failed') expect([...got.elsewhere!.entries()]).toEqual([['p12', later]])
  })
})
