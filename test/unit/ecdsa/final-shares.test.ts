// Identifiable final shares (protocols/ecdsa/final-share-evidence.ts): honest shares pass and make a
// valid signature; a wrong final share is pinned on its member; a member that lies about what
// crossed a pair names that pair; broken evidence is its member's own fault.
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { verifyDleq, proveDleq } from '../../../protocols/ecdsa/dleq.js'
import { combineShares, encodeSignature, normalise, verifyEcdsa } from '../../../protocols/ecdsa/ecdsa-signature.js'
import { checkFinalShares, type ContributedShare } from '../../../protocols/ecdsa/final-share-evidence.js'
import { taggedHash, utf8 } from '../../../protocols/ecdsa/hash.js'
import { add, encodeScalar, randomScalar } from '../../../protocols/ecdsa/scalar.js'
import { seeded } from '../../helpers/deterministic.js'
import { compressedKey, finalShares, presign, sessionOf, testParty } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const party = testParty(group, ['1/1', '1/2', '2/1', '2/2'], seeded('final/party'))
const sid = taggedHash('test/sid', [utf8('final')])
const digest = taggedHash('test/digest', [utf8('final')])
const pres = presign(group, party, sessionOf(party, sid), seeded('final/run'))
const honestShares = finalShares(pres, digest)
const honest = (): Map<string, ContributedShare> => new Map([...honestShares].map(([m, s]) => [m, { ...s, evidence: pres.get(m)!.evidence }]))

describe('DLEQ (Chaum–Pedersen)', () => {
  it('proves one log over several bases, and refuses another point or context', () => {
    const random = seeded('dleq')
    const x = randomScalar(random)
    const bases = [group.mulBase(encodeScalar(1n)), group.mulBase(encodeScalar(5n)), group.mulBase(encodeScalar(9n))]
    const points = bases.map(b => group.mul(b, x))
    const ctx = utf8('ctx')
    const proof = proveDleq(group, x, bases, points, ctx, random)
    expect(verifyDleq(group, bases, points, proof, ctx)).toBe(true)
    expect(verifyDleq(group, bases, points, proof, utf8('other'))).toBe(false)
    expect(verifyDleq(group, bases, [points[0]!, points[1]!, group.mul(bases[2]!, add(x, 1n))], proof, ctx)).toBe(false)
  })
})

describe('identifiable final shares', () => {
  it('honest shares pass, and the signature they make verifies', () => {
    const shares = honest()
    expect(checkFinalShares(group, sid, party.members, digest, shares)).toEqual([])
    const list = [...shares.values()]
    const sig = normalise([...pres.values()][0]!.instancePoint, combineShares(list.map(s => s.u), list.map(s => s.w)))
    expect(verifyEcdsa(compressedKey(party), digest, encodeSignature(sig))).toBe(true)
  })

  it('a wrong final share (w shifted) is pinned on its member, and only on it', () => {
    const shares = honest()
    shares.set('2/1', { ...shares.get('2/1')!, w: add(shares.get('2/1')!.w, 1n) })
    const faults = checkFinalShares(group, sid, party.members, digest, shares)
    expect(faults).toEqual([expect.objectContaining({ members: ['2/1'], fault: 'invalid-share' })])
  })

  it('a wrong u is pinned on its member', () => {
    const shares = honest()
    shares.set('1/2', { ...shares.get('1/2')!, u: add(shares.get('1/2')!.u, 7n) })
    expect(checkFinalShares(group, sid, party.members, digest, shares).map(f => f.members)).toEqual([['1/2']])
  })

  it('a share for another digest is pinned on its member', () => {
    const shares = honest()
    // What a cheating member would compute: its presignature spent again on another digest (an honest one refuses).
    const spent = pres.get('2/2')!
    spent.use.spent = false
    const other = finalShares(new Map([['2/2', spent]]), taggedHash('test/digest', [utf8('other')])).get('2/2')!
    shares.set('2/2', { ...shares.get('2/2')!, ...other })
    expect(checkFinalShares(group, sid, party.members, digest, shares).map(f => f.members)).toEqual([['2/2']])
  })

  it('a member that misreports what it got from a counterparty names that pair', () => {
    const shares = honest()
    const m = shares.get('1/1')!
    const peers = m.evidence.peers.map(p => p.peer === '2/2' ? { ...p, got: { ...p.got, psi: add(p.got.psi, 1n) } } : p)
    shares.set('1/1', { ...m, evidence: { ...m.evidence, peers } })
    const faults = checkFinalShares(group, sid, party.members, digest, shares)
    expect(faults).toHaveLength(1)
    expect(faults[0]).toMatchObject({ fault: 'pair-disagrees' })
    expect([...faults[0]!.members].sort()).toEqual(['1/1', '2/2'])
  })

  it('evidence whose proofs do not verify (another T^u) is its member\'s own fault', () => {
    const shares = honest()
    const m = shares.get('2/2')!
    shares.set('2/2', { ...m, evidence: { ...m.evidence, tu: group.encode(group.mulBase(encodeScalar(3n))) } })
    expect(checkFinalShares(group, sid, party.members, digest, shares)).toEqual([expect.objectContaining({ members: ['2/2'], fault: 'evidence' })])
  })

  it('a missing share or evidence naming the wrong peers is its member\'s fault', () => {
    const shares = honest()
    shares.delete('1/2')
    expect(checkFinalShares(group, sid, party.members, digest, shares).map(f => f.members)).toEqual([['1/2']])
    const again = honest()
    const m = again.get('2/1')!
    again.set('2/1', { ...m, evidence: { ...m.evidence, peers: m.evidence.peers.slice(1) } })
    expect(checkFinalShares(group, sid, party.members, digest, again).map(f => f.members)).toEqual([['2/1']])
  })
})
