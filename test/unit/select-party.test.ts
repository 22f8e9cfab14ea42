import { describe, expect, it } from 'vitest'
import { chooseQuorum, type KeyState } from '../../protocols/lifecycle/reshare.js'
import { confirmedHolders, selectParty, type SelectPartyInput } from '../../protocols/sign/select-party.js'

const holders = [1, 2, 3].map(c => [1, 2, 3].map(m => `p${c}${m}`))
const all = new Set(holders.flat())

function input (over: Partial<SelectPartyInput> = {}): SelectPartyInput {
  return { requestId: 'req-00000001', tc: 2, tm: 2, holders, live: all, load: new Map(), excluded: new Set(), ...over }
}

function chosen (over: Partial<SelectPartyInput> = {}): string[] {
  const r = selectParty(input(over))
  if (!r.ok) throw new Error(r.reason)
  return r.party.map(p => p.peerId)
}

describe('selectParty', () => {
  it('picks exactly tc committees × tm members, in (committee, member) order', () => {
    const r = selectParty(input())
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.party).toHaveLength(4)
    const committees = new Set(r.party.map(p => p.committee))
    expect(committees.size).toBe(2)
    for (const c of committees) expect(r.party.filter(p => p.committee === c)).toHaveLength(2)
    expect(r.party.map(p => p.committee * 10 + p.member)).toEqual([...r.party.map(p => p.committee * 10 + p.member)].sort((a, b) => a - b))
  })

  it('is deterministic for a request id and spreads different request ids over the members', () => {
    expect(chosen()).toEqual(chosen())
    const seen = new Set<string>()
    for (let i = 0; i < 50; i++) for (const p of chosen({ requestId: `req-${String(i).padStart(8, '0')}` })) seen.add(p)
    expect(seen).toEqual(all)
  })

  it('never picks a dead or blamed member', () => {
    const live = new Set([...all].filter(p => p !== 'p11' && p !== 'p22'))
    for (let i = 0; i < 30; i++) {
      const party = chosen({ requestId: `req-${String(i).padStart(8, '0')}`, live, excluded: new Set(['p33']) })
      expect(party).not.toContain('p11')
      expect(party).not.toContain('p22')
      expect(party).not.toContain('p33')
    }
  })

  it('prefers lightly loaded members and committees', () => {
    const load = new Map([['p11', 5], ['p12', 5], ['p21', 3]])
    for (let i = 0; i < 20; i++) {
      const party = chosen({ requestId: `req-${String(i).padStart(8, '0')}`, load })
      expect(party).not.toContain('p11')
      expect(party).not.toContain('p21')
    }
  })

  it('keeps signing when one whole committee is down', () => {
    const live = new Set([...all].filter(p => !p.startsWith('p2')))
    expect(new Set(chosen({ live }).map(p => p[1]))).toEqual(new Set(['1', '3']))
  })

  it('says which committees fall short when no valid party is left', () => {
    const live = new Set(['p11', 'p12', 'p21', 'p31'])
    const r = selectParty(input({ live }))
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('committee 2 has 1 usable member, committee 3 has 1 usable member') })
  })

  it('never picks a holder that did not confirm the key (it refused its sub-share: no receipt, no share)', () => {
    const confirmed = new Set([...all].filter(p => p !== 'p11'))
    let withoutRule = 0
    for (let i = 0; i < 50; i++) {
      const requestId = `req-${String(i).padStart(8, '0')}`
      if (chosen({ requestId }).includes('p11')) withoutRule++
      const party = chosen({ requestId, confirmed })
      expect(party).not.toContain('p11')
      expect(party).toHaveLength(4)
    }
    // The request ids do reach p11 when every holder confirmed: the rule, not the ids, keeps it out.
    expect(withoutRule).toBeGreaterThan(0)
  })

  it('counts unconfirmed holders apart when they leave no valid party', () => {
    const confirmed = new Set([...all].filter(p => p !== 'p21' && p !== 'p22' && p !== 'p31'))
    const live = new Set([...all].filter(p => !p.startsWith('p1')))
    const r = selectParty(input({ confirmed, live }))
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('committee 1 has 0 usable members, committee 2 has 1 usable member (2 never confirmed the key), committee 3 has 2 usable members (1 never confirmed the key)') })
  })

  it('confirmedHolders: the holders whose receipt names their own slot', () => {
    const receipts = [
      { committee: 1, member: 1, peerId: 'p11' },
      { committee: 2, member: 3, peerId: 'p23' },
      // Names a slot its signer does not hold: proves nothing about p12.
      { committee: 1, member: 3, peerId: 'p12' },
      { committee: 9, member: 1, peerId: 'p31' }
    ]
    expect(confirmedHolders(holders, receipts)).toEqual(new Set(['p11', 'p23']))
    expect(confirmedHolders(holders, [])).toEqual(new Set())
  })

  it('a reshare quorum is chosen from confirmed holders too', () => {
    const state: KeyState = {
      keyId: 'aa'.repeat(16), scheme: 'ed25519', epoch: 0, groupPublicKey: '', commitments: { outer: [], inner: [] },
      holders: holders.map(c => [...c]), params: { committees: 3, tc: 2, tm: 2 }, digest: ''
    }
    const confirmed = new Set([...all].filter(p => p !== 'p11' && p !== 'p21' && p !== 'p31'))
    for (let epoch = 1; epoch <= 20; epoch++) {
      const quorum = chooseQuorum(state, epoch, all, new Set(), confirmed)!
      expect(quorum).toHaveLength(4)
      expect(quorum.map(s => s.peerId).filter(p => !confirmed.has(p))).toEqual([])
    }
    expect(chooseQuorum(state, 1, all, new Set(), new Set(['p12', 'p13', 'p22']))).toBeUndefined()
  })

  it('supports tm = 1 and tc = 1', () => {
    expect(chosen({ tc: 1, tm: 1 })).toHaveLength(1)
  })
})
