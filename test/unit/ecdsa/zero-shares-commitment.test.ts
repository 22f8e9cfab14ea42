// Zero-sharing (DKLs23 Functionality 3.4) and the commitment functionality (page 7).
import { describe, expect, it } from 'vitest'
import { commit, verifyCommitment } from '../../../protocols/ecdsa/commitment.js'
import { taggedHash, utf8 } from '../../../protocols/ecdsa/hash.js'
import { add } from '../../../protocols/ecdsa/scalar.js'
import { zeroSeed, zeroShare } from '../../../protocols/ecdsa/zero-shares.js'
import { seeded } from '../../helpers/deterministic.js'

describe('zero-sharing', () => {
  const members = ['1/1', '1/2', '2/1', '2/3', '3/2']
  const random = seeded('zero/seeds')
  const seeds = new Map(members.map(m => [m, new Map<string, Uint8Array>()]))
  for (const a of members) {
    for (const b of members) {
      if (a >= b) continue
      const s = zeroSeed(random(32), random(32))
      seeds.get(a)!.set(b, s)
      seeds.get(b)!.set(a, s)
    }
  }

  it('the shares of any sub-party sum to zero, and are not zero one by one', () => {
    const sid = taggedHash('test/zero', [utf8('s1')])
    for (const party of [members, members.slice(0, 2), members.slice(1, 4)]) {
      const shares = party.map(m => zeroShare(m, party.filter(o => o !== m), seeds.get(m)!, sid))
      expect(shares.reduce(add, 0n)).toBe(0n)
      for (const s of shares) expect(s).not.toBe(0n)
    }
  })

  it('differ from session to session', () => {
    const a = zeroShare('1/1', ['1/2'], seeds.get('1/1')!, taggedHash('test/zero', [utf8('a')]))
    const b = zeroShare('1/1', ['1/2'], seeds.get('1/1')!, taggedHash('test/zero', [utf8('b')]))
    expect(a).not.toBe(b)
  })

  it('the seed is the same at both ends, whoever contributed first', () => {
    const x = random(32)
    const y = random(32)
    expect(zeroSeed(x, y)).toEqual(zeroSeed(y, x))
  })

  it('refuses a counterparty without a seed', () => {
    expect(() => zeroShare('1/1', ['9/9'], seeds.get('1/1')!, new Uint8Array(32))).toThrow(/no seed/)
  })
})

describe('commitments', () => {
  const sid = taggedHash('test/commit', [utf8('sid')])
  const msg = utf8('R_i')

  it('open with the message and salt', () => {
    const c = commit(sid, '1/1', msg, seeded('commit'))
    expect(verifyCommitment(sid, '1/1', msg, c.salt, c.commitment)).toBe(true)
  })

  it('equivocated commitment: another message, salt, committer or session does not open it', () => {
    const c = commit(sid, '1/1', msg, seeded('commit'))
    expect(verifyCommitment(sid, '1/1', utf8('R_j'), c.salt, c.commitment)).toBe(false)
    expect(verifyCommitment(sid, '1/1', msg, new Uint8Array(32), c.commitment)).toBe(false)
    expect(verifyCommitment(sid, '1/2', msg, c.salt, c.commitment)).toBe(false)
    expect(verifyCommitment(new Uint8Array(32), '1/1', msg, c.salt, c.commitment)).toBe(false)
    expect(verifyCommitment(sid, '1/1', msg, c.salt.subarray(1), c.commitment)).toBe(false)
  })
})
