// new_user in DKG mode on nine real in-process nodes (libp2p on 127.0.0.1,
// stores in a temp dir): keys of every scheme made by dealers nobody trusts
// sign like dealt ones (an ecdsa-secp256k1 key carries its address and is
// refused 501 until DKLs23 signs), no dealer's own scalar is the key, and a dealer that
// seals bad sub-shares is named by the members, excluded and replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newUserDkg } from '../../cli/client/new-user-dkg.js'
import { sign } from '../../cli/client/sign.js'
import { keyFileOf } from '../../cli/key-file.js'
import { verifyTranscript } from '../../protocols/new-user/dkg.js'
import { curveFor, partyCoefficients, pointFromHex, scalarFromHex, type Party } from '../../protocols/sharing/index.js'
import { membershipOf, type Membership } from '../../protocols/wire/membership.js'
import { electRoles } from '../../protocols/roles/index.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import type { ShardsigNode } from '../../node/node.js'
import { describeLiveness, startInProcessCluster, waitUntil, waitUntilKeyHeld, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { flipHexByte, newOwner } from '../helpers/owner.js'
import { verifiesIndependently } from '../helpers/verify.js'
import { corruptDkgSubShares } from '../helpers/byzantine.js'
import { sharingCurveOf, signingProtocolOf } from '../../protocols/keys/key-scheme.js'
import { ethereumAddress } from '../../protocols/keys/eth-address.js'
import { KEY_SCHEMES } from '../../protocols/wire/key-record.js'
import { hexToBytes } from '@noble/hashes/utils.js'

/** Node index (0-based) whose dealer seals wrong sub-shares: the leader of committee 1 when every node is live (so it is the first candidate there). */
let BAD_DEALER = -1
let cluster: InProcessCluster
let membership: Membership

function nodeOf (peerId: string): ShardsigNode {
  return cluster.running().find(n => n.identity.peerId === peerId)!
}

/** Test-only: the key from the members' stored shares over a party. */
async function reconstruct (record: KeyRecord, party: Party): Promise<bigint> {
  const curve = curveFor(sharingCurveOf(record.scheme))
  const params = { scheme: sharingCurveOf(record.scheme), ...record.params, members: membership.committees.map(c => c.length) }
  let x = 0n
  for (const s of partyCoefficients(params, party)) {
    const stored = (await nodeOf(membership.committees[s.committee - 1]![s.member - 1]!.peerId).shares.get(record.keyId, 0))!
    x = curve.Fn.add(x, curve.Fn.mul(s.kappa, scalarFromHex(sharingCurveOf(record.scheme), stored.share)))
  }
  return x
}

beforeAll(async () => {
  cluster = await startInProcessCluster(9, {
    basePortFrom: 22100,
    byzantine: (i, genesis) => {
      const roles = electRoles({ epoch: genesis.epoch, members: genesis.nodes.map(n => ({ peerId: n.peerId, committee: n.committee })), live: new Set(genesis.nodes.map(n => n.peerId)), committees: genesis.params.committees, managers: genesis.params.managers })
      if (genesis.nodes[i]!.peerId !== roles.committees[0]!.leader) return undefined
      BAD_DEALER = i
      return corruptDkgSubShares
    }
  })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  membership = membershipOf(cluster.running()[0]!.genesis)
}, 60_000)

afterAll(async () => { await cluster?.close() })

const badPeer = (): string => cluster.nodes[BAD_DEALER]!.identity.peerId
const url = (i = 4): string => cluster.running()[i]!.http.url

describe('new_user --dkg', () => {
  for (const scheme of KEY_SCHEMES) {
    it(`generates a ${scheme} key no dealer holds: Σ Z_i is the key, no Z_i is, every party's shares sum to it, and it signs (once its protocol is built)`, async () => {
      const owner = newOwner()
      const result = await newUserDkg({ node: url(), scheme, ownerSecretKey: owner, excludeDealers: [badPeer()] })
      const { record } = result
      expect(result.confirmedCommittees).toBe(3)
      expect(result.secret).toBeUndefined()

      // The transcript: one dealer per committee, three distinct nodes.
      const { dealers, transcript } = result.dkg
      expect(dealers).toHaveLength(3)
      expect(new Set(dealers).size).toBe(3)
      expect(dealers.map(d => membership.committees.findIndex(c => c.some(m => m.peerId === d)) + 1).sort()).toEqual([1, 2, 3])
      const verified = verifyTranscript(transcript, membership, scheme)
      const curveName = sharingCurveOf(scheme)
      const curve = curveFor(curveName)
      const X = pointFromHex(curveName, record.groupPublicKey)
      if (curveName === 'secp256k1') expect(record.groupPublicKey).toMatch(/^02[0-9a-f]{64}$/)
      expect(record.address).toBe(scheme === 'ecdsa-secp256k1' ? ethereumAddress(hexToBytes(record.groupPublicKey)) : undefined)
      for (const c of verified.contributions.values()) {
        // No dealer's own constant term is the key (nor its negation).
        expect(curve.pointEquals(c.outer[0]!, X)).toBe(false)
        expect(curve.pointEquals(curve.mulPublic(c.outer[0]!, curve.Fn.neg(1n)), X)).toBe(false)
      }
      expect(curve.pointEquals(verified.sum.outer[0]!, X)).toBe(true)

      // Every node registered the record; every member holds a share; two different parties give the same x, and x·G = X.
      await waitUntilKeyHeld(cluster.running(), record.keyId, AbortSignal.timeout(10_000))
      const a = await reconstruct(record, new Map([[1, [1, 2]], [2, [2, 3]]]))
      const b = await reconstruct(record, new Map([[2, [1, 3]], [3, [1, 2]]]))
      expect(a).toBe(b)
      expect(curve.pointEquals(curve.mulBase(a), X)).toBe(true)

      // ECDSA signs a 32-byte digest (the client hashes); FROST any message.
      const message = signingProtocolOf(scheme) === 'frost' ? new TextEncoder().encode(`dkg ${scheme} key signs`) : new Uint8Array(32).fill(0x5e)
      const signed = await sign({ node: url(2), key: keyFileOf(record, url(), owner), message })
      expect(signed.status).toBe('completed')
      expect(verifiesIndependently(record, message, signed.signature!)).toBe(true)
    })
  }

  it('an ecdsa-secp256k1 DKG whose sum has odd Y negates publicly too: every node registers the even-Y record and its address', async () => {
    for (let run = 1; run <= 12; run++) {
      const result = await newUserDkg({ node: url(run % 9 === BAD_DEALER ? 1 : run % 9), scheme: 'ecdsa-secp256k1', ownerSecretKey: newOwner(), excludeDealers: [badPeer()] })
      if (!verifyTranscript(result.dkg.transcript, membership, 'ecdsa-secp256k1').negated) continue
      const { record } = result
      expect(record.groupPublicKey.startsWith('02')).toBe(true)
      expect(record.address).toBe(ethereumAddress(hexToBytes(record.groupPublicKey)))
      // Every node's registry ran checkRecord (even Y, address) on it and took it; the members' negated shares give the key.
      await waitUntilKeyHeld(cluster.running(), record.keyId, AbortSignal.timeout(10_000))
      const x = await reconstruct(record, new Map([[1, [1, 3]], [3, [2, 3]]]))
      const curve = curveFor('secp256k1')
      expect(curve.pointEquals(curve.mulBase(x), pointFromHex('secp256k1', record.groupPublicKey))).toBe(true)
      return
    }
    throw new Error('12 DKG runs in a row gave an even-Y sum')
  })

  it('a secp256k1 DKG whose sum has odd Y negates publicly: the record has even Y and the key signs (BIP340)', async () => {
    // Each DKG's sum has odd Y with probability 1/2: go on until one did (at most 12 runs: a miss is 1 in 4096).
    for (let run = 1; run <= 12; run++) {
      const owner = newOwner()
      const result = await newUserDkg({ node: url(run % 9 === BAD_DEALER ? 1 : run % 9), scheme: 'secp256k1', ownerSecretKey: owner, excludeDealers: [badPeer()] })
      if (!verifyTranscript(result.dkg.transcript, membership, 'secp256k1').negated) continue
      expect(result.record.groupPublicKey.startsWith('02')).toBe(true)
      const message = new TextEncoder().encode('negated DKG key signs')
      // Every node has merged the committees' receipts (each a synced write) before a manager is asked.
      await waitUntilKeyHeld(cluster.running(), result.record.keyId, AbortSignal.timeout(10_000))
      const signed = await sign({ node: url(3), key: keyFileOf(result.record, url(), owner), message })
      expect(verifiesIndependently(result.record, message, signed.signature!)).toBe(true)
      return
    }
    throw new Error('12 DKG runs in a row gave an even-Y sum')
  })

  it('a dealer that seals bad sub-shares is named by the members, blamed, excluded and replaced; the key then signs', async () => {
    const owner = newOwner()
    // Nobody is excluded up front: the bad dealer leads committee 1, so it is that committee's first candidate.
    const bad = badPeer()
    expect(cluster.running()[0]!.view.roles().committees[0]!.leader).toBe(bad)
    const lines: string[] = []
    const result = await newUserDkg({ node: url(), scheme: 'ed25519', ownerSecretKey: owner, onProgress: l => lines.push(l) })
    expect(result.excluded.map(e => e.dealer)).toContain(bad)
    expect(result.excluded.find(e => e.dealer === bad)!.reason).toMatch(/bad-dealer-share/)
    expect(result.dkg.dealers).not.toContain(bad)
    expect(lines.join('\n')).toContain(`dealer ${bad} excluded`)
    // Members that refused its sub-shares blamed it.
    const blamedBy = cluster.running().filter(n => n.blame.recent().some(b => b.culprit === bad && b.reason === 'bad-dealer-share'))
    expect(blamedBy.length).toBeGreaterThanOrEqual(membership.params.tm)

    const message = new TextEncoder().encode('after a bad dealer')
    const signed = await sign({ node: url(5), key: keyFileOf(result.record, url(), owner), message })
    expect(verifiesIndependently(result.record, message, signed.signature!)).toBe(true)
  })

  it('refuses a request the owner did not sign, an expired one, and one naming another genesis: 400 with a code', async () => {
    const post = async (body: unknown): Promise<{ status: number, body: any }> => {
      const res = await fetch(`${url()}/new_user/dkg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: res.status, body: await res.json() }
    }
    const { signBody, ownerPublicKey } = await import('../../protocols/crypto/owner-auth.js')
    const owner = newOwner()
    const base = {
      v: 1, session: 'ab'.repeat(16), scheme: 'ed25519', ownerAuthKey: ownerPublicKey(owner), network: membership.network,
      genesisDigest: membership.genesisDigest, epoch: membership.epoch, expiresAt: Date.now() + 30_000
    } as const
    const signed = signBody('dkg_request', base, owner)
    expect((await post({ ...signed, signature: flipHexByte(signed.signature) })).body.code).toBe('bad-owner-signature')
    expect((await post(signBody('dkg_request', { ...base, expiresAt: Date.now() - 60_000 }, owner))).body.code).toBe('expired')
    const wrong = await post(signBody('dkg_request', { ...base, genesisDigest: '00'.repeat(32) }, owner))
    expect(wrong.status).toBe(400)
    expect(wrong.body.code).toBe('wrong-genesis')
    expect((await post({ ...base, signature: 'zz' })).status).toBe(400)
  })
})
