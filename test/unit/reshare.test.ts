// update_node_set's pure part (protocols/lifecycle/): operator-signed
// membership updates, and resharing one key from epoch 0 to a new membership
// (two nodes added, two removed, or another structure altogether): the group
// key stays, every new party reconstructs the same x (test-only), old and new
// shares do not combine, a wrong dealer is named and replaced, and an epoch
// record counts only with tm receipts from every new committee.
import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { signAsPeer } from '../../protocols/crypto/peer-signature.js'
import { DealerFault } from '../../protocols/new-user/check-record.js'
import { LifecycleRejection } from '../../protocols/lifecycle/errors.js'
import { checkMembershipUpdate, membershipChanges, signMembershipUpdate } from '../../protocols/lifecycle/membership-update.js'
import {
  checkEpochEntry, chooseQuorum, dealReshare, epochRecordFrom, keysNotReshared, openReshareShare, reshareReceipt, stateDigest,
  verifyReshare, type KeyState, type Quorum
} from '../../protocols/lifecycle/reshare.js'
import {
  curveFor, dealNested, partyCoefficients, pointToHex, SecretScalar, type NestedDeal, type Party, type CurveName
} from '../../protocols/sharing/index.js'
import { genesisDigest, type Genesis } from '../../protocols/wire/genesis.js'
import { RESHARE_CONTRIBUTION_KIND, type EpochEntry, type ReshareContribution } from '../../protocols/wire/lifecycle.js'
import { membershipOf, type Membership } from '../../protocols/wire/membership.js'
import { allParties, seeded } from '../helpers/deterministic.js'
import { flipHexByte } from '../helpers/owner.js'

interface Ident { peerId: string, seed: Uint8Array, encryptionSecret: Uint8Array, encryptionPublicKey: string }
const idents: Ident[] = []
const operator = ed25519.utils.randomSecretKey()
const operatorKey = bytesToHex(ed25519.getPublicKey(operator))

function genesisOf (epoch: number, members: Array<{ ident: Ident, committee: number }>, params: Genesis['params']): Genesis {
  return {
    version: 1, network: 'reshare-unit', epoch, params, operators: [operatorKey],
    nodes: members.map(({ ident, committee }, i) => ({
      nodeId: `node-${idents.indexOf(ident) + 1}`, peerId: ident.peerId, multiaddrs: [`/ip4/127.0.0.1/tcp/${40000 + i}`],
      http: `http://127.0.0.1:${41000 + idents.indexOf(ident)}`, encryptionPublicKey: ident.encryptionPublicKey, committee
    }))
  }
}

let g0: Genesis
let m0: Membership

beforeAll(async () => {
  for (let i = 0; i < 14; i++) {
    const key = await generateKeyPair('Ed25519')
    const encryptionSecret = x25519.utils.randomSecretKey()
    idents.push({ peerId: peerIdFromPrivateKey(key).toString(), seed: key.raw.subarray(0, 32), encryptionSecret, encryptionPublicKey: bytesToHex(x25519.getPublicKey(encryptionSecret)) })
  }
  // Epoch 0: nodes 1..9, committee (i mod 3) + 1.
  g0 = genesisOf(0, idents.slice(0, 9).map((ident, i) => ({ ident, committee: (i % 3) + 1 })), { committees: 3, tc: 2, tm: 2, managers: 3 })
  m0 = membershipOf(g0)
})

const identOf = (peerId: string): Ident => idents.find(i => i.peerId === peerId)!

/** A key dealt to epoch 0, as the owner's client would, with its state and every holder's share. */
function dealKey (scheme: CurveName, seed: string): { deal: NestedDeal, state: KeyState, x: bigint } {
  const rng = seeded(seed)
  const curve = curveFor(scheme)
  const given = curve.randomScalar(rng)
  const deal = dealNested({ scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3], secret: new SecretScalar(given) }, rng)
  const hex = (p: Parameters<typeof pointToHex>[1]): string => pointToHex(scheme, p)
  const record = {
    keyId: `${scheme === 'ed25519' ? 'aa' : 'bb'}${'00'.repeat(15)}`, scheme, epoch: 0, groupPublicKey: hex(deal.groupPublicKey),
    commitments: { outer: deal.outer.commitments.map(hex), inner: deal.committees.map(c => c.innerCommitments.map(hex)) },
    holders: m0.committees.map(c => c.map(m => m.peerId)), params: m0.params
  }
  return { deal, state: { ...record, digest: stateDigest(record) }, x: deal.secretNegated ? curve.Fn.neg(given) : given }
}

async function reshareAll (state: KeyState, deal: NestedDeal, quorum: Quorum, to: Membership, rng = seeded('deal')): Promise<ReshareContribution[]> {
  return await Promise.all(quorum.map(async s => await dealReshare({
    state, quorum, slot: { committee: s.committee, member: s.member }, share: deal.committees[s.committee - 1]!.shares[s.member - 1]!.share,
    dealer: s.peerId, seed: identOf(s.peerId).seed, to
  }, rng)))
}

/** Every new member opens its share; returns them and the signed receipts. */
async function receiveAll (state: KeyState, contributions: ReshareContribution[], to: Membership, quorum: Quorum): Promise<{ shares: Map<string, bigint>, entry: EpochEntry }> {
  const verified = verifyReshare(state, quorum, contributions, to)
  const record = epochRecordFrom(state, quorum, verified, to)
  const shares = new Map<string, bigint>()
  const receipts = []
  for (const [ci, c] of to.committees.entries()) {
    for (const [mi, m] of c.entries()) {
      const slot = { committee: ci + 1, member: mi + 1, peerId: m.peerId }
      const share = await openReshareShare(state, contributions, verified, to, slot, identOf(m.peerId).encryptionSecret)
      shares.set(`${ci + 1}/${mi + 1}`, share.expose())
      receipts.push(reshareReceipt(record, slot, m.peerId, identOf(m.peerId).seed))
    }
  }
  return { shares, entry: { record, receipts } }
}

function reconstruct (scheme: CurveName, to: Membership, shares: Map<string, bigint>, party: Party): bigint {
  const curve = curveFor(scheme)
  const params = { scheme, ...to.params, members: to.committees.map(c => c.length) }
  return partyCoefficients(params, party).reduce((x, s) => curve.Fn.add(x, curve.Fn.mul(s.kappa, shares.get(`${s.committee}/${s.member}`)!)), 0n)
}

describe('membership updates', () => {
  it('an operator of epoch e moves the network to e+1; anything else is refused with a code', () => {
    const next = { ...g0, epoch: 1, nodes: [...g0.nodes.slice(1), { ...g0.nodes[0]!, nodeId: 'node-10', peerId: idents[9]!.peerId, http: 'http://127.0.0.1:41009' }] }
    const update = signMembershipUpdate(g0, next, operator, operatorKey)
    expect(checkMembershipUpdate(update, g0)).toEqual(next)
    expect(membershipChanges(g0, next)).toEqual({ added: [idents[9]!.peerId], removed: [idents[0]!.peerId], moved: [] })
    const code = (f: () => unknown): string => { try { f(); return 'ok' } catch (err) { return (err as LifecycleRejection).code } }
    const stranger = ed25519.utils.randomSecretKey()
    expect(code(() => checkMembershipUpdate(signMembershipUpdate(g0, next, stranger, bytesToHex(ed25519.getPublicKey(stranger))), g0))).toBe('not-an-operator')
    expect(code(() => checkMembershipUpdate({ ...update, signature: flipHexByte(update.signature) }, g0))).toBe('bad-operator-signature')
    expect(code(() => checkMembershipUpdate(signMembershipUpdate(g0, { ...next, epoch: 2 }, operator, operatorKey), g0))).toBe('wrong-epoch')
    expect(code(() => checkMembershipUpdate(update, next))).toBe('wrong-epoch')
    expect(code(() => checkMembershipUpdate(update, { ...g0, operators: undefined }))).toBe('no-operators')
    const { operators: _o, ...noOperators } = next
    expect(code(() => checkMembershipUpdate(signMembershipUpdate(g0, noOperators, operator, operatorKey), g0))).toBe('no-operators')
    expect(genesisDigest(next)).not.toBe(genesisDigest(g0))
  })
})

describe.each(['ed25519', 'secp256k1'] as const)('%s resharing', (scheme) => {
  /** Epoch 1: nodes 1 (committee 1) and 5 (committee 2, a different position) leave; 10 and 11 join. */
  const swapTwo = (): Membership => {
    const keep = g0.nodes.filter(n => n.peerId !== idents[0]!.peerId && n.peerId !== idents[4]!.peerId).map(n => ({ ident: identOf(n.peerId), committee: n.committee }))
    return membershipOf(genesisOf(1, [...keep, { ident: idents[9]!, committee: 1 }, { ident: idents[10]!, committee: 2 }], g0.params))
  }
  /** Epoch 1 with another structure: nodes 2..10 (1 leaves, 10 joins) in 2 committees of 5 and 4, tc = 2, tm = 3. */
  const restructure = (): Membership => membershipOf(genesisOf(1, idents.slice(1, 10).map((ident, i) => ({ ident, committee: i < 5 ? 1 : 2 })), { committees: 2, tc: 2, tm: 3, managers: 2 }))

  for (const [name, target] of [['two nodes swapped', swapTwo], ['a new structure (2 committees, tm 3)', restructure]] as const) {
    it(`to ${name}: X unchanged, every new party reconstructs x, every committee confirms, old and new shares do not mix`, async () => {
      const { deal, state, x } = dealKey(scheme, `${scheme}/${name}`)
      const to = target()
      const live = new Set(m0.committees.flat().map(m => m.peerId))
      const quorum = chooseQuorum(state, 1, live)!
      expect(quorum).toHaveLength(4)
      const contributions = await reshareAll(state, deal, quorum, to)
      const { shares, entry } = await receiveAll(state, contributions, to, quorum)
      expect(entry.record.groupPublicKey).toBe(state.groupPublicKey)
      checkEpochEntry(entry, state, to)
      const parties = allParties({ scheme, ...to.params, members: to.committees.map(c => c.length) })
      for (const party of parties.filter((_, i) => i % Math.max(1, Math.floor(parties.length / 6)) === 0)) expect(reconstruct(scheme, to, shares, party)).toBe(x)

      // An old share (committee 1) with new ones (committee 2) reconstructs nothing, at positions both epochs have.
      if (to.params.committees === 3) {
        const mixed = new Map(shares)
        mixed.set('1/1', deal.committees[0]!.shares[0]!.share.expose())
        mixed.set('1/2', deal.committees[0]!.shares[1]!.share.expose())
        expect(reconstruct(scheme, to, mixed, new Map([[1, [1, 2]], [2, [1, 2]]]))).not.toBe(x)
      }
    })
  }

  it('a dealer whose constant is not κ·Y is named; a quorum without it reshares', async () => {
    const { deal, state, x } = dealKey(scheme, `${scheme}/bad-dealer`)
    const to = swapTwo()
    const live = new Set(m0.committees.flat().map(m => m.peerId))
    const quorum = chooseQuorum(state, 1, live)!
    const contributions = await reshareAll(state, deal, quorum, to)
    // The first dealer deals a share of its own choosing (it signs it: the check is on the values).
    const bad = quorum[0]!
    const lie = await dealReshare({ state, quorum, slot: bad, share: new SecretScalar(12345n), dealer: bad.peerId, seed: identOf(bad.peerId).seed, to }, seeded('lie'))
    const tampered = contributions.map(c => c.dealer === bad.peerId ? lie : c)
    expect(() => verifyReshare(state, quorum, tampered, to)).toThrow(DealerFault)
    try { verifyReshare(state, quorum, tampered, to) } catch (err) { expect((err as DealerFault).dealer).toBe(bad.peerId); expect((err as Error).message).toMatch(/κ_i·Y_i/) }

    const replaced = chooseQuorum(state, 1, live, new Set([bad.peerId]))!
    expect(replaced.map(s => s.peerId)).not.toContain(bad.peerId)
    const { shares, entry } = await receiveAll(state, await reshareAll(state, deal, replaced, to), to, replaced)
    checkEpochEntry(entry, state, to)
    expect(reconstruct(scheme, to, shares, new Map([[2, [2, 3]], [3, [1, 3]]]))).toBe(x)
  })

  it('a contribution signed by someone else, or missing a quorum slot, is refused naming the slot\'s holder', async () => {
    const { deal, state } = dealKey(scheme, `${scheme}/forged`)
    const to = swapTwo()
    const quorum = chooseQuorum(state, 1, new Set(m0.committees.flat().map(m => m.peerId)))!
    const contributions = await reshareAll(state, deal, quorum, to)
    const victim = quorum[1]!
    const { signature: _s, ...unsigned } = contributions[1]!
    const forged = signAsPeer(RESHARE_CONTRIBUTION_KIND, unsigned, identOf(quorum[0]!.peerId).seed)
    expect(() => verifyReshare(state, quorum, contributions.map((c, i) => i === 1 ? forged : c), to)).toThrow(new RegExp(`dealer ${victim.peerId}.*not signed`))
    expect(() => verifyReshare(state, quorum, contributions.slice(0, 3), to)).toThrow(/no contribution/)
  })

  it('a sub-share that does not match its dealer\'s commitments is refused by its new member, naming the dealer', async () => {
    const { deal, state } = dealKey(scheme, `${scheme}/bad-sub-share`)
    const to = swapTwo()
    const quorum = chooseQuorum(state, 1, new Set(m0.committees.flat().map(m => m.peerId)))!
    const contributions = await reshareAll(state, deal, quorum, to)
    // Dealer 2 hands new member (1, 1) the sealed sub-share meant for (1, 2): it does not open there.
    const { signature: _s, ...c } = contributions[2]!
    const swapped = signAsPeer(RESHARE_CONTRIBUTION_KIND, { ...c, shares: c.shares.map((row, i) => i === 0 ? [row[1]!, row[1]!, ...row.slice(2)] : row) }, identOf(c.dealer).seed)
    const all = contributions.map((x, i) => i === 2 ? swapped : x)
    const verified = verifyReshare(state, quorum, all, to)
    const member = to.committees[0]![0]!
    await expect(openReshareShare(state, all, verified, to, { committee: 1, member: 1, peerId: member.peerId }, identOf(member.peerId).encryptionSecret))
      .rejects.toMatchObject({ dealer: c.dealer, code: 'bad-dealer-share' })
  })

  it('an epoch record counts only with tm receipts from every new committee, each from its slot\'s holder, and the same group key', async () => {
    const { deal, state } = dealKey(scheme, `${scheme}/entry`)
    const to = swapTwo()
    const quorum = chooseQuorum(state, 1, new Set(m0.committees.flat().map(m => m.peerId)))!
    const { entry } = await receiveAll(state, await reshareAll(state, deal, quorum, to), to, quorum)
    const code = (e: EpochEntry): string => { try { checkEpochEntry(e, state, to); return 'ok' } catch (err) { return (err as LifecycleRejection).code } }
    expect(code(entry)).toBe('ok')
    // Committee 3 with one receipt only: not confirmed, so no activation.
    expect(code({ ...entry, receipts: entry.receipts.filter(r => r.committee !== 3 || r.member === 1) })).toBe('unconfirmed')
    expect(code({ ...entry, receipts: [...entry.receipts, entry.receipts[0]!] })).toBe('bad-receipt')
    expect(code({ ...entry, receipts: entry.receipts.map((r, i) => i === 0 ? { ...r, signature: flipHexByte(r.signature) } : r) })).toBe('bad-receipt')
    expect(code({ ...entry, record: { ...entry.record, groupPublicKey: state.commitments.outer[1]! } })).toBe('bad-epoch-record')
    expect(code({ ...entry, record: { ...entry.record, previousDigest: '00'.repeat(32) } })).toBe('bad-epoch-record')
    expect(keysNotReshared([state.keyId, 'other'], new Set([state.keyId]))).toEqual(['other'])
  })
})
