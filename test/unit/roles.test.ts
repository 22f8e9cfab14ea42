// Role election by rendezvous hashing (protocols/roles, DESIGN section 4).
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  clWeight, cmWeight, electRoles, encodeRoleHashInput, rankByRendezvous, rolesEqual, rolesOf,
  type Member, type RoleInput, type Roles
} from '../../protocols/roles/index.js'

// 6 nodes in 2 committees, assigned like genesis does: node i -> committee (i mod 2) + 1.
const PEERS = ['peer-a', 'peer-b', 'peer-c', 'peer-d', 'peer-e', 'peer-f']
const MEMBERS: Member[] = PEERS.map((peerId, i) => ({ peerId, committee: (i % 2) + 1 }))
const K = 2

function input (live: Iterable<string>, epoch = 7, members: readonly Member[] = MEMBERS): RoleInput {
  return { epoch, members, live: new Set(live), committees: 2, managers: K }
}

/** Every subset of PEERS, as a live set. */
function allLiveSets (): string[][] {
  const sets: string[][] = []
  for (let mask = 0; mask < 1 << PEERS.length; mask++) sets.push(PEERS.filter((_, i) => (mask & (1 << i)) !== 0))
  return sets
}

function liveMembersOf (live: readonly string[], committee: number): string[] {
  return MEMBERS.filter(m => m.committee === committee && live.includes(m.peerId)).map(m => m.peerId).sort()
}

function holdsRole (roles: Roles, peerId: string): boolean {
  return rolesOf(roles, peerId).length > 0
}

function shuffled<T> (xs: readonly T[], seed: number): T[] {
  // Small deterministic LCG so the test replays identically.
  const out = [...xs]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

describe('hash encoding', () => {
  // Vectors computed independently from the spec in docs/protocols/roles.md (Python hashlib).
  it('encodes the preimage as domain prefix then length-prefixed UTF-8 fields', () => {
    expect(bytesToHex(encodeRoleHashInput(['7', 'cl', '1', 'peer-a']))).toBe(
      '73686172647369672f76312f726f6c650a' + // "shardsig/v1/role\n"
      '00000001' + '37' + '00000002' + '636c' + '00000001' + '31' + '00000006' + '706565722d61'
    )
  })

  it('matches the golden cl and cm digests', () => {
    expect(bytesToHex(clWeight(7, 1, 'peer-a'))).toBe('2e33b1acc115fcd4df315b8791618c129af5f0d4a623f87bb058494af4ac186e')
    expect(bytesToHex(cmWeight(7, 'peer-a'))).toBe('b7617dfc6643ced7ce22462f5ed08104e02c022c6968a893bb8c2eea217d7240')
  })

  it('length prefixes keep field boundaries unambiguous', () => {
    expect(encodeRoleHashInput(['ab', 'c'])).not.toEqual(encodeRoleHashInput(['a', 'bc']))
    expect(clWeight(1, 11, 'x')).not.toEqual(clWeight(11, 1, 'x'))
  })

  it('rejects epochs and committees that have no canonical decimal form', () => {
    expect(() => clWeight(-1, 1, 'x')).toThrow(/epoch/)
    expect(() => clWeight(1.5, 1, 'x')).toThrow(/epoch/)
    expect(() => clWeight(1, 0, 'x')).toThrow(/committee/)
    expect(() => cmWeight(Number.NaN, 'x')).toThrow(/epoch/)
  })
})

describe('golden vector', () => {
  it('elects fixed leaders, backups and managers for fixed peers and epochs', () => {
    expect(electRoles(input(PEERS, 7))).toEqual({
      epoch: 7,
      committees: [
        { committee: 1, leader: 'peer-c', backup: 'peer-e' },
        { committee: 2, leader: 'peer-d', backup: 'peer-f' }
      ],
      managers: ['peer-d', 'peer-f']
    })
    expect(electRoles(input(PEERS, 8))).toEqual({
      epoch: 8,
      committees: [
        { committee: 1, leader: 'peer-c', backup: 'peer-e' },
        { committee: 2, leader: 'peer-d', backup: 'peer-b' }
      ],
      managers: ['peer-a', 'peer-d']
    })
  })

  it('ranks by descending digest', () => {
    expect(rankByRendezvous(['peer-a', 'peer-c', 'peer-e'], p => clWeight(7, 1, p))).toEqual(['peer-c', 'peer-e', 'peer-a'])
    const ranked = rankByRendezvous(PEERS, p => cmWeight(7, p))
    for (let i = 1; i < ranked.length; i++) {
      const hi = bytesToHex(cmWeight(7, ranked[i - 1] as string))
      const lo = bytesToHex(cmWeight(7, ranked[i] as string))
      expect(hi > lo).toBe(true) // equal-length lowercase hex orders like the bytes
    }
  })
})

describe('rankByRendezvous', () => {
  it('breaks a tie on the digest by ascending peer id', () => {
    const constant = () => new Uint8Array(32)
    expect(rankByRendezvous(['peer-c', 'peer-a', 'peer-b'], constant)).toEqual(['peer-a', 'peer-b', 'peer-c'])
  })

  it('orders by digest first and uses the peer id only among equal digests', () => {
    const high = new Uint8Array(32).fill(0xff)
    const low = new Uint8Array(32)
    const key = (p: string) => (p === 'z' || p === 'y' ? high : low)
    expect(rankByRendezvous(['b', 'z', 'a', 'y'], key)).toEqual(['y', 'z', 'a', 'b'])
  })

  it('compares peer ids as UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF21 (UTF-8 ef bc a1) sorts after U+1F600 (UTF-8 f0 9f 98 80) in UTF-16 but before it in UTF-8.
    const constant = () => new Uint8Array(32)
    expect(rankByRendezvous(['\u{1F600}', '\uFF21'], constant)).toEqual(['\uFF21', '\u{1F600}'])
  })

  it('rejects a duplicate candidate by name', () => {
    expect(() => rankByRendezvous(['a', 'b', 'a'], () => new Uint8Array(32))).toThrow(/duplicate candidate a/)
  })
})

describe('electRoles', () => {
  it('is deterministic: member and live order do not change the result', () => {
    const live = ['peer-a', 'peer-b', 'peer-d', 'peer-e', 'peer-f']
    const reference = electRoles(input(live))
    for (let seed = 1; seed <= 20; seed++) {
      const again = electRoles(input(shuffled(live, seed * 7), 7, shuffled(MEMBERS, seed)))
      expect(again).toEqual(reference)
      expect(rolesEqual(again, reference)).toBe(true)
    }
  })

  it('ignores live peer ids that are not members', () => {
    const withStrangers = electRoles(input([...PEERS, 'intruder', 'peer-zz']))
    expect(withStrangers).toEqual(electRoles(input(PEERS)))
    expect(rolesOf(withStrangers, 'intruder')).toEqual([])
  })

  it('gives a committee with no live member a null leader and backup', () => {
    const roles = electRoles(input(['peer-b', 'peer-d'])) // committee 2 only
    expect(roles.committees[0]).toEqual({ committee: 1, leader: null, backup: null })
    expect(roles.committees[1]?.leader).not.toBeNull()
  })

  it('gives no roles at all when nobody is live', () => {
    expect(electRoles(input([]))).toEqual({
      epoch: 7,
      committees: [{ committee: 1, leader: null, backup: null }, { committee: 2, leader: null, backup: null }],
      managers: []
    })
  })

  it('rejects bad membership, naming the member', () => {
    expect(() => electRoles(input(PEERS, 7, [...MEMBERS, { peerId: 'peer-a', committee: 2 }]))).toThrow(/peer-a is listed twice/)
    expect(() => electRoles(input(PEERS, 7, [{ peerId: 'peer-x', committee: 3 }]))).toThrow(/peer-x has committee 3/)
    expect(() => electRoles({ ...input(PEERS), managers: -1 })).toThrow(/managers/)
    expect(() => electRoles({ ...input(PEERS), committees: 0 })).toThrow(/committees/)
  })

  it('holds the role invariants for every live set of a 6-node, 2-committee network', () => {
    for (const epoch of [0, 1, 7]) {
      for (const live of allLiveSets()) {
        const roles = electRoles(input(live, epoch))
        expect(roles.committees.map(c => c.committee)).toEqual([1, 2])
        for (const { committee, leader, backup } of roles.committees) {
          const eligible = liveMembersOf(live, committee)
          expect(leader !== null).toBe(eligible.length >= 1)
          expect(backup !== null).toBe(eligible.length >= 2)
          if (leader !== null) expect(eligible).toContain(leader)
          if (backup !== null) {
            expect(eligible).toContain(backup)
            expect(backup).not.toBe(leader)
          }
        }
        expect(roles.managers).toHaveLength(Math.min(K, live.length))
        expect(new Set(roles.managers).size).toBe(roles.managers.length)
        for (const m of roles.managers) expect(live).toContain(m)
      }
    }
  })

  it('never changes any role when a node holding no role leaves (rendezvous stability)', () => {
    let checked = 0
    for (const epoch of [0, 1, 7]) {
      for (const live of allLiveSets()) {
        const roles = electRoles(input(live, epoch))
        for (const gone of live.filter(p => !holdsRole(roles, p))) {
          const after = electRoles(input(live.filter(p => p !== gone), epoch))
          expect(rolesEqual(after, roles)).toBe(true)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(0)
  })

  it('promotes the backup to leader when the leader leaves', () => {
    for (const epoch of [0, 1, 7]) {
      for (const live of allLiveSets()) {
        const roles = electRoles(input(live, epoch))
        for (const { committee, leader, backup } of roles.committees) {
          if (leader === null) continue
          const after = electRoles(input(live.filter(p => p !== leader), epoch))
          const afterC = after.committees[committee - 1]
          expect(afterC?.leader).toBe(backup)
          expect(afterC?.backup).not.toBe(leader)
          // The other committee is untouched.
          expect(after.committees[2 - committee]).toEqual(roles.committees[2 - committee])
        }
      }
    }
  })

  it('two views agree on every committee whose live members they agree on', () => {
    const sets = allLiveSets()
    let agreeing = 0
    for (const a of sets) {
      const ra = electRoles(input(a))
      for (const b of sets) {
        const rb = electRoles(input(b))
        for (const c of [1, 2]) {
          if (liveMembersOf(a, c).join() === liveMembersOf(b, c).join()) {
            expect(rb.committees[c - 1]).toEqual(ra.committees[c - 1])
            agreeing++
          }
        }
        if (a.length === b.length && a.every(p => b.includes(p))) expect(rolesEqual(ra, rb)).toBe(true)
      }
    }
    expect(agreeing).toBeGreaterThan(sets.length * 2) // includes pairs with different overall views
  })

  it('reshuffles roles when the epoch changes', () => {
    const leaders = new Set<string | null>()
    const managerLists = new Set<string>()
    for (let epoch = 0; epoch < 20; epoch++) {
      const roles = electRoles(input(PEERS, epoch))
      leaders.add(roles.committees[0]?.leader ?? null)
      managerLists.add(roles.managers.join())
    }
    expect(leaders.size).toBeGreaterThan(1)
    expect(managerLists.size).toBeGreaterThan(1)
    expect(rolesEqual(electRoles(input(PEERS, 7)), electRoles(input(PEERS, 8)))).toBe(false)
  })
})

describe('rolesOf and rolesEqual', () => {
  it('lists committee roles before manager', () => {
    const roles = electRoles(input(PEERS, 7))
    expect(rolesOf(roles, 'peer-d')).toEqual(['leader', 'manager'])
    expect(rolesOf(roles, 'peer-f')).toEqual(['backup', 'manager'])
    expect(rolesOf(roles, 'peer-c')).toEqual(['leader'])
    expect(rolesOf(roles, 'peer-a')).toEqual([])
  })

  it('treats manager rank order and epoch as part of equality', () => {
    const roles = electRoles(input(PEERS, 7))
    expect(rolesEqual(roles, { ...roles, managers: [...roles.managers].reverse() })).toBe(false)
    expect(rolesEqual(roles, { ...roles, epoch: 8 })).toBe(false)
    expect(rolesEqual(roles, structuredClone(roles))).toBe(true)
  })
})
