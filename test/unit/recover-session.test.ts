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
import { encodeCommitments, encodeSignatureShare } from '../../protocols/frost/index.js'
import { testFrost } from '../helpers/frost.js'
import { dealNested, publicPart, type NestedDeal, type SharingParams } from '../../protocols/sharing/index.js'
import { partyMap } from '../../node/engine/sign/key-material.js'
import { seeded } from '../helpers/deterministic.js'

const { commit, createSession, signShare, decodeCommitments, verifySignature } = testFrost

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
      frost: testFrost, libp2p: undefined as unknown as PartyTransport['libp2p'],
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
      frost: testFrost, libp2p: undefined as unknown as PartyTransport['libp2p'],
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

describe('finishSession: a session begun before an epoch change renumbered its members', () => {
  // Epoch 0: committee 2 is p21, p22, p23. update_node_set removes p22, so at epoch 1 p23 is member 2 of 2.
  // A CM died after the epoch-0 session's shares left; a CM at epoch 1 finishes it.
  const params: SharingParams = { scheme: 'ed25519', committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
  const deal: NestedDeal = dealNested(params, seeded('epoch change recovery'))
  const message = new TextEncoder().encode('signed across an epoch change')
  const request = { message: Buffer.from(message).toString('hex') } as unknown as SignRequest
  const oldParty: PartyMember[] = [
    { committee: 1, member: 1, peerId: 'p11' }, { committee: 1, member: 2, peerId: 'p12' },
    { committee: 2, member: 1, peerId: 'p21' }, { committee: 2, member: 3, peerId: 'p23' }
  ]
  const material = {
    record: { scheme: 'ed25519' },
    state: { holders: [['p11', 'p12', 'p13'], ['p21', 'p23'], ['p31', 'p32', 'p33']] },
    params: { ...params, members: [3, 2, 3] },
    nested: publicPart(deal)
  } as unknown as KeyMaterial
  const transport: PartyTransport = {
    frost: testFrost, libp2p: undefined as unknown as PartyTransport['libp2p'],
    selfPeerId: 'cm-new',
    local: async () => { throw new Error('no new session here') },
    localRecover: async () => { throw new Error('everyone already reported') },
    isMember: peerId => peerId !== 'p22'
  }

  /** Every member's contribution to the epoch-0 session, as their ledgers keep it. */
  function contributions (tamper?: string): Map<string, Contribution> {
    const session = createSession(params, deal.groupPublicKey, partyMap(oldParty))
    const round1 = oldParty.map(m => {
      const share = deal.committees[m.committee - 1]!.shares.find(s => s.member === m.member)!.share
      const key = { scheme: params.scheme, committee: m.committee, member: m.member, share }
      return { key, round1: commit(key, seeded(`nonce/${m.peerId}`)) }
    })
    const wire = round1.map(r => encodeCommitments(r.round1.commitments))
    const commitments = wire.map(c => decodeCommitments('ed25519', c))
    return new Map(oldParty.map((m, i) => {
      const share = encodeSignatureShare(signShare(session, round1[i]!.key, round1[i]!.round1.nonces, commitments, message))
      if (m.peerId === tamper) share.share = (share.share.startsWith('00') ? '01' : '00') + share.share.slice(2)
      return [m.peerId, { sessionId: 'old', coordinator: 'cm-dead', party: oldParty, commitments: wire, share }]
    }))
  }

  it('aggregates the earlier epoch\'s shares into a valid signature', async () => {
    const got = await finishSession(transport, material, request, 'old', contributions(), AbortSignal.timeout(1_000))
    expect(got).toMatchObject({ kind: 'completed', sessionId: 'old', signers: oldParty })
    if (got.kind === 'completed') expect(verifySignature('ed25519', deal.groupPublicKey, message, Buffer.from(got.signature, 'hex'))).toBe(true)
  })

  it('a bad share in such a session fails it without naming anyone: the earlier verifying shares are unknown here', async () => {
    const got = await finishSession(transport, material, request, 'old', contributions('p23'), AbortSignal.timeout(1_000))
    expect(got).toMatchObject({ kind: 'failed', reason: expect.stringContaining('no share can be judged') })
  })
})
