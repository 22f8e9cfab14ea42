// Session recovery's judging (protocols/sign/recover-session.ts): only a whole,
// consistent session is finished; a missing share or a member that reports
// another party, other commitments or a share in someone else's name stops it.
import { describe, expect, it } from 'vitest'
import { assembleSession, reportedSessions } from '../../protocols/sign/recover-session.js'
import type { Contribution, PartyMember } from '../../protocols/wire/sign.js'

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
