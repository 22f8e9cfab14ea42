// The sign coordinator machine signing threshold ECDSA for real: DKLs23 (protocols/sign/machine/
// ecdsa-protocol.ts) over a nested secp256k1 key dealt here, the signers' side run by hand through
// the protocol's begin/accept/advance (two pairwise rounds), pair keys from real pair setups. Every
// signature is checked by noble (low-s verify, public-key recovery).
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../protocols/frost/index.js'
import { taggedHash, utf8 } from '../../protocols/ecdsa/hash.js'
import { add } from '../../protocols/ecdsa/scalar.js'
import type { CoordinatorKey } from '../../protocols/sign/machine/coordinator-types.js'
import { ecdsaProtocol, type EcdsaKey, type EcdsaProtocol } from '../../protocols/sign/machine/ecdsa-protocol.js'
import { memberTag } from '../../protocols/sign/machine/threshold-protocol.js'
import { dealNested, pointToHex, publicPart, type NestedDeal, type SharingParams } from '../../protocols/sharing/index.js'
import type { NewParty, PartyMember, SignRequest } from '../../protocols/wire/sign.js'
import type { EcdsaContributionWire } from '../../protocols/ecdsa/wire.js'
import { Driver, ownedRequest, viewOf } from '../helpers/coordinator-driver.js'
import { seeded } from '../helpers/deterministic.js'
import { freshPairKeys, setUpPairs } from '../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const protocol = ecdsaProtocol({ group })
const HOLDERS = [['a1', 'a2', 'a3'], ['b1', 'b2', 'b3']]
const LIVE = HOLDERS.flat()
const params: SharingParams = { scheme: 'secp256k1', committees: 2, tc: 2, tm: 2, members: [3, 3] }
const deal: NestedDeal = dealNested(params, seeded('ecdsa-coordinator/deal'))
const pairs = setUpPairs(group, LIVE, seeded('ecdsa-coordinator/pairs'))
const digest = taggedHash('test/digest', [utf8('sign me with ECDSA')])

interface World { d: Driver<EcdsaKey>, key: CoordinatorKey<EcdsaKey>, request: SignRequest }

function world (requestId = 'ecdsa-request-01'): World {
  const { request, record } = ownedRequest({ scheme: 'ecdsa-secp256k1', message: bytesToHex(digest), requestId, groupPublicKey: pointToHex('secp256k1', deal.groupPublicKey) })
  const key: CoordinatorKey<EcdsaKey> = { record, key: { params, nested: publicPart(deal) }, epoch: 0, tc: 2, tm: 2, holders: HOLDERS }
  const d = new Driver(protocol, 'dkls23')
  d.start(request, key, viewOf(LIVE))
  return { d, key, request }
}

const secretOf = (m: PartyMember) => ({
  committee: m.committee, member: m.member,
  share: deal.committees[m.committee - 1]!.shares.find(s => s.member === m.member)!.share,
  pairs: pairs.get(m.peerId)!
})

/** Every member of `np`'s party runs the signer side: two pairwise rounds, then its contribution. */
function contributions (w: World, np: Pick<NewParty, 'sessionId' | 'request' | 'party'>, p: EcdsaProtocol = protocol): Map<string, EcdsaContributionWire> {
  const facts = { sessionId: np.sessionId, request: np.request, message: digest, party: np.party, key: w.key.key }
  const begun = new Map(np.party.map(m => [m.peerId, p.begin(facts, m, secretOf(m), seeded(`dkls23/${np.sessionId}/${m.peerId}`))]))
  let states = new Map([...begun].map(([peer, pr]) => {
    if (pr.kind !== 'round') throw new Error('DKLs23 starts with a round')
    return [peer, pr]
  }))
  for (const round of [1, 2]) {
    const next = new Map<string, ReturnType<EcdsaProtocol['begin']>>()
    for (const m of np.party) {
      let state = states.get(m.peerId)!.state
      for (const other of np.party) {
        if (other.peerId === m.peerId) continue
        const out = states.get(other.peerId)!.out.find(o => o.to === memberTag(m))!
        const accepted = p.accept(state, round, other, out.payload)
        if ('refused' in accepted) throw new Error(accepted.refused)
        state = accepted
      }
      next.set(m.peerId, p.advance(state, round))
    }
    if (round === 2) return new Map([...next].map(([peer, pr]) => [peer, (pr as { contribution: EcdsaContributionWire }).contribution]))
    states = new Map([...next].map(([peer, pr]) => [peer, pr as Extract<typeof pr, { kind: 'round' }>]))
  }
  throw new Error('unreachable')
}

function checkSignature (signature: string | undefined): void {
  expect(signature).toBeDefined()
  const bytes = hexToBytes(signature!)
  expect(bytes).toHaveLength(65)
  const key = deal.groupPublicKey.toBytes(true)
  expect(secp256k1.verify(bytes.subarray(0, 64), digest, key, { prehash: false, lowS: true })).toBe(true)
  const recovered = secp256k1.Signature.fromBytes(bytes.subarray(0, 64), 'compact').addRecoveryBit(bytes[64]!).recoverPublicKey(digest).toBytes(true)
  expect(recovered).toEqual(key)
}

describe('sign coordinator machine with DKLs23 (ecdsa-secp256k1)', () => {
  it('combines the party\'s final shares after two pairwise rounds into r‖s‖v that noble verifies and recovers', () => {
    const w = world()
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    for (const [peerId, contribution] of contributions(w, np)) w.d.answer(peerId, { kind: 'share', sessionId: np.sessionId, contribution })
    expect(w.d.answered).toMatchObject({ status: 'completed', signers: np.party })
    checkSignature(w.d.answered?.signature)
  })

  it('blames the member whose final share its evidence does not fix (a wrong final share), and signs without it', () => {
    const w = world('ecdsa-request-02')
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    const culprit = np.party[1]!
    for (const [peerId, c] of contributions(w, np)) {
      const sent = peerId === culprit.peerId ? { ...c, w: bytesToHex(encode(add(BigInt('0x' + c.w), 1n))) } : c
      w.d.answer(peerId, { kind: 'share', sessionId: np.sessionId, contribution: sent })
    }
    const [blame] = w.d.all('blame')
    expect(blame?.record).toMatchObject({ culprit: culprit.peerId, reason: 'invalid-share' })
    w.d.view(viewOf(LIVE))
    w.d.slot()
    w.d.presigns()
    const np2 = w.d.lastNewParty()
    expect(np2.party.map(m => m.peerId)).not.toContain(culprit.peerId)
    for (const [peerId, contribution] of contributions(w, np2)) w.d.answer(peerId, { kind: 'share', sessionId: np2.sessionId, contribution })
    expect(w.d.answered).toMatchObject({ status: 'completed', attempts: 2 })
    checkSignature(w.d.answered?.signature)
  })

  it('a member whose round-2 message fails its checks is refused by its counterparties, who name it missing', () => {
    const w = world('ecdsa-request-03')
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    const facts = { sessionId: np.sessionId, request: np.request, message: digest, party: np.party, key: w.key.key }
    const [a, b] = np.party as [PartyMember, PartyMember]
    const pa = protocol.begin(facts, a, secretOf(a), seeded('refuse/a'))
    const pb = protocol.begin(facts, b, secretOf(b), seeded('refuse/b'))
    if (pa.kind !== 'round' || pb.kind !== 'round') throw new Error('round expected')
    const a1 = protocol.accept(pa.state, 1, b, pb.out.find(o => o.to === memberTag(a))!.payload)
    expect('refused' in a1).toBe(false)
    expect(protocol.accept(pa.state, 1, b, { commitment: '00', ote: '' })).toEqual(pa.state) // a second message of b changes nothing
    const fresh = protocol.begin(facts, a, secretOf(a), seeded('refuse/a2'))
    if (fresh.kind !== 'round') throw new Error('round expected')
    const garbled = protocol.accept(fresh.state, 1, b, { commitment: '00', ote: '' })
    expect(garbled).toMatchObject({ refused: expect.stringContaining('round-1') })
  })
})

function encode (k: bigint): Uint8Array {
  return hexToBytes(k.toString(16).padStart(64, '0'))
}

describe('DKLs23 pair setups at both ends', () => {
  it('a counterparty naming another pair setup is refused, and this end\'s setup is burnt so the node sets the pair up again', () => {
    const w = world('ecdsa-request-04')
    w.d.slot()
    w.d.presigns()
    const np = w.d.lastNewParty()
    const facts = { sessionId: np.sessionId, request: np.request, message: digest, party: np.party, key: w.key.key }
    const [a, b] = np.party as [PartyMember, PartyMember]
    // b set the pair up again (it restarted without its store, say); a still holds the old setup.
    const again = setUpPairs(group, [a.peerId, b.peerId], seeded('pairs/again'))
    const mine = freshPairKeys(pairs.get(a.peerId)!.get(b.peerId)!)
    const aSecret = { ...secretOf(a), pairs: new Map([...pairs.get(a.peerId)!].map(([p, k]) => [p, p === b.peerId ? mine : k])) }
    const bSecret = { ...secretOf(b), pairs: new Map([...pairs.get(b.peerId)!].map(([p, k]) => [p, p === a.peerId ? again.get(b.peerId)!.get(a.peerId)! : k])) }
    const pa = protocol.begin(facts, a, aSecret, seeded('stale/a'))
    const pb = protocol.begin(facts, b, bSecret, seeded('stale/b'))
    if (pa.kind !== 'round' || pb.kind !== 'round') throw new Error('round expected')
    const refused = protocol.accept(pa.state, 1, b, pb.out.find(o => o.to === memberTag(a))!.payload)
    expect(refused).toMatchObject({ refused: expect.stringContaining('pair setup') })
    expect(mine.alice.ote.burned).toBe(true)
  })
})
