// new_user on nine real in-process nodes (libp2p on 127.0.0.1, stores in a
// temp dir): the happy path for every scheme (ecdsa-secp256k1's address
// checked, and its sign requests refused until DKLs23 signs), hostile bundles, a committee
// leader that equivocates, a member that refused its sub-share left out of
// the key's parties, and a node that was down catching up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newUser } from '../../cli/client/new-user.js'
import { buildSignRequest, newRequestId } from '../../cli/client/sign.js'
import { keyFileOf, readKeyFile } from '../../cli/key-file.js'
import { runNewUser } from '../../cli/commands/new-user.js'
import { UsageError } from '../../cli/io.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selectParty } from '../../protocols/sign/select-party.js'
import { callJson, callRoute } from '../../cli/client/http.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { committeeTopic, PROTOCOL_NEW_USER, TOPIC_REGISTRY } from '../../protocols/constants.js'
import { sealShare } from '../../protocols/crypto/share-seal.js'
import { curveFor, encodeScalar, partyCoefficients, scalarFromHex } from '../../protocols/sharing/index.js'
import { membershipOf, type Membership } from '../../protocols/wire/membership.js'
import { DeliverResponseSchema, NewUserResponseSchema, type NewUserBundle } from '../../protocols/wire/new-user.js'
import { KeyInfoSchema } from '../../protocols/new-user/registry-entry.js'
import { requestJson } from '../../node/p2p/direct.js'
import type { ShardsigNode } from '../../node/node.js'
import { describeLiveness, startInProcessCluster, waitUntil, waitUntilKeyHeld, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { deal, flipHexByte, newOwner, resign } from '../helpers/owner.js'
import { rawRequest } from '../helpers/raw-http.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { ethereumAddress } from '../../protocols/keys/eth-address.js'
import { sharingCurveOf } from '../../protocols/keys/key-scheme.js'
import { KEY_SCHEMES } from '../../protocols/wire/key-record.js'
import { SignResultSchema } from '../../protocols/wire/sign.js'
import { ledgerKey } from '../../protocols/sign/ledger-rules.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { verifiesIndependently } from '../helpers/verify.js'

let cluster: InProcessCluster
let membership: Membership

function nodeOf (peerId: string): ShardsigNode {
  return cluster.running().find(n => n.identity.peerId === peerId)!
}

function leaderOf (committee: number): ShardsigNode {
  return nodeOf(cluster.running()[0]!.view.roles().committees[committee - 1]!.leader!)
}

async function post (node: ShardsigNode, bundle: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(`${node.http.url}/new_user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bundle) })
  return { status: res.status, body: await res.json() }
}

/** No node registered the key and no member stored a share for it. */
async function nothingStored (keyId: string): Promise<void> {
  for (const node of cluster.running()) {
    expect(node.registry.get(keyId), node.nodeId).toBeUndefined()
    expect(await node.shares.get(keyId, 0), node.nodeId).toBeUndefined()
  }
}

beforeAll(async () => {
  cluster = await startInProcessCluster(9, { basePortFrom: 24100 })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  membership = membershipOf(cluster.running()[0]!.genesis)
}, 60_000)

afterAll(async () => { await cluster?.close() })

describe('new_user', () => {
  for (const scheme of KEY_SCHEMES) {
    it(`deals a ${scheme} key: every member verifies and stores its share, every node registers the record`, async () => {
      const owner = newOwner()
      const result = await newUser({ node: cluster.running()[4]!.http.url, scheme, ownerSecretKey: owner })
      const { keyId } = result.record
      expect(result.confirmedCommittees).toBe(3)
      for (const c of result.committees) expect(c.response!.receipts.map(r => r.member)).toEqual([1, 2, 3])

      await waitUntil(() => cluster.running().every(n => n.registry.get(keyId)?.receipts.length === 9), AbortSignal.timeout(5_000))
      const entry = await callJson('GET', `${cluster.running()[8]!.http.url}/keys/${keyId}`, KeyInfoSchema)
      expect(entry.record).toEqual(result.record)
      expect(entry).toMatchObject({ confirmedCommittees: [1, 2, 3], usable: true })
      if (sharingCurveOf(scheme) === 'secp256k1') expect(result.record.groupPublicKey).toMatch(/^02[0-9a-f]{64}$/)
      // An ecdsa-secp256k1 record carries its key's EIP-55 address; no other record does.
      expect(entry.record.address).toBe(scheme === 'ecdsa-secp256k1' ? ethereumAddress(hexToBytes(result.record.groupPublicKey)) : undefined)

      // Test-only: any valid party's shares, weighted by κ, give back the dealt key.
      const curveName = sharingCurveOf(scheme)
      const curve = curveFor(curveName)
      const params = { scheme: curveName, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
      for (const party of [new Map([[1, [1, 2]], [2, [2, 3]]]), new Map([[2, [1, 3]], [3, [1, 2]]])]) {
        let x = 0n
        for (const s of partyCoefficients(params, party)) {
          const holder = nodeOf(membership.committees[s.committee - 1]![s.member - 1]!.peerId)
          const stored = (await holder.shares.get(keyId, 0))!
          x = curve.Fn.add(x, curve.Fn.mul(s.kappa, scalarFromHex(curveName, stored.share)))
        }
        expect(x).toBe(result.secret!.expose())
      }
    })
  }

  it('answers an identical bundle twice with the same receipts (idempotent)', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const bundle = dealt.bundles[0]!
    const first = await post(leaderOf(1), bundle)
    const second = await post(leaderOf(1), bundle)
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    expect(NewUserResponseSchema.parse(second.body).receipts.map(r => r.member)).toEqual([1, 2, 3])
  })

  it('rejects a different record for a registered key id with 409', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    expect((await post(leaderOf(1), dealt.bundles[0])).status).toBe(200)
    const changed = resign(dealt.bundles[0]!, owner, { ...dealt.record, policy: { ...dealt.record.policy, ratePerMinute: 1 } })
    const res = await post(leaderOf(1), changed)
    expect(res.status).toBe(409)
    expect(res.body.code).toBe('conflict')
  })

  it('shardsig new-user --scheme ecdsa-secp256k1 --json prints and files the address and the compressed key; an unknown scheme is a usage error naming the three', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shardsig-ecdsa-cli-'))
    try {
      const printed: string[] = []
      const io = { out: (l: string) => printed.push(l), progress: () => {}, env: {}, signal: AbortSignal.timeout(30_000) }
      const out = join(dir, 'k.json')
      expect(await runNewUser(['--node', cluster.running()[2]!.http.url, '--scheme', 'ecdsa-secp256k1', '--json', '--out', out], io)).toBe(0)
      const summary = JSON.parse(printed[0]!) as { keyId: string, scheme: string, groupPublicKey: string, address: string, keyFile: string }
      expect(summary).toMatchObject({ scheme: 'ecdsa-secp256k1', keyFile: out })
      expect(summary.groupPublicKey).toMatch(/^02[0-9a-f]{64}$/)
      expect(summary.address).toBe(ethereumAddress(hexToBytes(summary.groupPublicKey)))
      const file = await readKeyFile(out)
      expect(file).toMatchObject({ keyId: summary.keyId, scheme: 'ecdsa-secp256k1', groupPublicKey: summary.groupPublicKey, address: summary.address })
      const frost: string[] = []
      expect(await runNewUser(['--node', cluster.running()[2]!.http.url, '--scheme', 'secp256k1', '--json', '--out', join(dir, 'f.json')], { ...io, out: (l: string) => frost.push(l) })).toBe(0)
      expect(JSON.parse(frost[0]!)).not.toHaveProperty('address')
      await expect(runNewUser(['--scheme', 'ecdsa'], io)).rejects.toThrow(UsageError)
      await expect(runNewUser(['--scheme', 'ecdsa'], io)).rejects.toThrow('--scheme must be one of ed25519, secp256k1, ecdsa-secp256k1, got ecdsa')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('signs a dealt ecdsa-secp256k1 key with DKLs23: a 32-byte digest gives r‖s‖v that noble verifies and recovers the key and address from; any other length is 400, nothing signed', async () => {
    const owner = newOwner()
    const node = cluster.running()[4]!.http.url
    const { record } = await newUser({ node, scheme: 'ecdsa-secp256k1', ownerSecretKey: owner })
    const key = keyFileOf(record, node, owner)
    expect(key.address).toBe(record.address)
    await waitUntil(() => cluster.running().every(n => n.registry.get(record.keyId)?.receipts.length === 9), AbortSignal.timeout(5_000))
    const cm = nodeOf(cluster.running()[0]!.view.roles().managers[0]!)
    const ask = async (message: Uint8Array): Promise<{ status: number, body: any, requestId: string }> => {
      const requestId = newRequestId()
      const request = buildSignRequest(key, message, requestId, Date.now() + 60_000)
      const res = await fetch(`${cm.http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=15' }, body: JSON.stringify(request) })
      return { status: res.status, body: await res.json(), requestId }
    }
    for (const length of [0, 31, 33, 64]) {
      const refused = await ask(new Uint8Array(length).fill(7))
      expect(refused.status, `${length} bytes`).toBe(400)
      expect(refused.body).toMatchObject({ type: 'https://shardsig.dev/problems/sign-message-not-digest', code: 'message-not-digest' })
      expect(refused.body.detail).toContain(`${length} bytes`)
    }
    // Not taken: no signer's ledger holds a refused request.
    const refused = await ask(new Uint8Array(33).fill(7))
    for (const n of cluster.running()) expect(await n.store.get(ledgerKey(record.keyId, refused.requestId)), n.nodeId).toBeUndefined()
    const message = new Uint8Array(32).fill(7)
    const signed = await ask(message)
    expect(signed.status, JSON.stringify(signed.body)).toBe(200)
    expect(signed.body).toMatchObject({ status: 'completed', scheme: 'ecdsa-secp256k1' })
    expect(signed.body.signature).toHaveLength(130)
    expect(signed.body.signature).toBe(`${signed.body.r as string}${signed.body.s as string}${(signed.body.v as number).toString(16).padStart(2, '0')}`)
    expect(verifiesIndependently(record, message, signed.body.signature)).toBe(true)
    const recovered = secp256k1.Signature.fromBytes(hexToBytes(signed.body.signature).subarray(0, 64), 'compact').addRecoveryBit(signed.body.v).recoverPublicKey(message)
    expect(ethereumAddress(recovered.toBytes(true))).toBe(record.address)
    expect(SignResultSchema.shape.scheme.options).toContain('ecdsa-secp256k1')
  })

  it('sends a bundle to the backup, not only the leader; any other node answers 421 with the roles', async () => {
    const dealt = await deal(membership, newOwner())
    const roles = cluster.running()[0]!.view.roles().committees[1]!
    const outsider = cluster.running().find(n => n.self.committee !== 2)!
    const misdirected = await post(outsider, dealt.bundles[1])
    expect(misdirected.status).toBe(421)
    expect(misdirected.body.roles.committees[1].leader.peerId).toBe(roles.leader)
    expect((await post(nodeOf(roles.backup!), dealt.bundles[1])).status).toBe(200)
  })
})

describe('new_user rejects bad bundles and stores nothing', () => {
  it('a wrong owner signature', async () => {
    const dealt = await deal(membership, newOwner())
    const bundle = { ...dealt.bundles[0]!, signature: flipHexByte(dealt.bundles[0]!.signature) }
    const res = await post(leaderOf(1), bundle)
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('bad-owner-signature')
    await nothingStored(dealt.record.keyId)
  })

  it('a tampered sub-share the owner did not sign', async () => {
    const dealt = await deal(membership, newOwner())
    const b = dealt.bundles[0]!
    const bundle = { ...b, shares: b.shares.map((s, i) => i === 0 ? { ...s, ciphertext: flipHexByte(s.ciphertext, 3) } : s) }
    expect((await post(leaderOf(1), bundle)).body.code).toBe('bad-owner-signature')
    await nothingStored(dealt.record.keyId)
  })

  it('a sub-share that does not match the commitments: members refuse, no receipts', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const b = dealt.bundles[0]!
    // Seal a wrong (random) scalar for every member, correctly addressed: only the Feldman check can catch it.
    const curve = curveFor('ed25519')
    const shares = await Promise.all(b.shares.map(async s => {
      const slot = { keyId: b.record.keyId, network: membership.network, epoch: 0, committee: 1, member: s.member, peerId: s.peerId }
      const wrong = encodeScalar('ed25519', curve.randomScalar(n => crypto.getRandomValues(new Uint8Array(n))))
      return { member: s.member, peerId: s.peerId, ...(await sealShare(hexToBytes(membership.committees[0]![s.member - 1]!.encryptionPublicKey), slot, wrong)) }
    }))
    const res = await post(leaderOf(1), resign({ ...b, shares }, owner))
    // Every member refused its share: the bundle is bad, not the network (400, not 502; the backup would say the same).
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('bad-share')
    expect(res.body.result.failures.map((f: { code: string }) => f.code)).toEqual(['bad-share', 'bad-share', 'bad-share'])
    await nothingStored(dealt.record.keyId)
  })

  it('a sub-share sealed under another slot (wrong AAD) does not open', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const b = dealt.bundles[0]!
    // Swap the ciphertexts of members 1 and 2 and fix their addressing: each is now sealed for the other's slot.
    const swapped = b.shares.map((s, i) => i === 0 ? { ...b.shares[1]!, member: 1, peerId: s.peerId } : i === 1 ? { ...b.shares[0]!, member: 2, peerId: s.peerId } : s)
    const res = await post(leaderOf(1), resign({ ...b, shares: swapped }, owner))
    // Two of three members refused: one is left, tm = 2 are needed, so no CL could confirm this bundle.
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('bad-share')
    const failed = res.body.result.failures.map((f: { member: number, code: string }) => `${f.member}:${f.code}`)
    expect(failed).toContain('1:bad-share')
    expect(failed).toContain('2:bad-share')
  })

  it('inner commitments that do not continue the outer sharing: the CL refuses (400)', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const inner = dealt.record.commitments.inner.map(c => [...c])
    inner[0]![0] = dealt.record.commitments.inner[1]![0]!
    const res = await post(leaderOf(1), resign(dealt.bundles[0]!, owner, { ...dealt.record, commitments: { ...dealt.record.commitments, inner } }))
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('bad-commitments')
    expect(res.body.detail).toContain('committee 1')
    await nothingStored(dealt.record.keyId)
  })

  it('a changed higher inner commitment: only the members\' Feldman check can see it, they refuse (400 bad-share)', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const inner = dealt.record.commitments.inner.map(c => [...c])
    inner[0]![1] = dealt.record.commitments.inner[1]![1]!
    const res = await post(leaderOf(1), resign(dealt.bundles[0]!, owner, { ...dealt.record, commitments: { ...dealt.record.commitments, inner } }))
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('bad-share')
    expect(res.body.result.receipts).toEqual([])
    expect(new Set(res.body.result.failures.map((f: { code: string }) => f.code))).toEqual(new Set(['bad-share']))
    await nothingStored(dealt.record.keyId)
  })

  it('an ecdsa-secp256k1 record whose address is missing, re-cased or another key\'s: 400 bad-address naming the field', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner, 'ecdsa-secp256k1')
    const other = await deal(membership, newOwner(), 'ecdsa-secp256k1')
    const { address: _a, ...withoutAddress } = dealt.record
    for (const record of [withoutAddress, { ...dealt.record, address: dealt.record.address!.toLowerCase() }, { ...dealt.record, address: other.record.address! }]) {
      const res = await post(leaderOf(1), resign(dealt.bundles[0]!, owner, record as typeof dealt.record))
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ type: 'https://shardsig.dev/problems/new-user-rejected', code: 'bad-address' })
      expect(res.body.detail).toContain('record.address')
    }
    // An address on a key of another scheme is refused too.
    const frostOwner = newOwner()
    const frost = await deal(membership, frostOwner, 'secp256k1')
    const res = await post(leaderOf(1), resign(frost.bundles[0]!, frostOwner, { ...frost.record, address: dealt.record.address! }))
    expect(res.body).toMatchObject({ code: 'bad-address' })
    await nothingStored(dealt.record.keyId)
    await nothingStored(frost.record.keyId)
  })

  it('an unknown scheme, a malformed body and an oversized body', async () => {
    const dealt = await deal(membership, newOwner())
    const unknown = await post(leaderOf(1), { ...dealt.bundles[0], record: { ...dealt.record, scheme: 'rsa' } })
    expect(unknown.status).toBe(400)
    expect(unknown.body.detail).toContain('record.scheme')
    const malformed = await rawRequest(`${leaderOf(1).http.url}/new_user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"v":1,' })
    expect(malformed.status).toBe(400)
    const oversized = await rawRequest(`${leaderOf(1).http.url}/new_user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(300_000) }) })
    expect(oversized.status).toBe(413)
    await nothingStored(dealt.record.keyId)
  })
})

describe('a node that lies to the client or to the network', () => {
  it('an entry node that swaps members\' encryption keys gets no receipt anywhere (wrong-genesis)', async () => {
    // What a malicious entry node would serve: the real genesis with some encryption keys replaced by its own.
    const genesis = structuredClone(cluster.running()[0]!.genesis)
    genesis.nodes[2]!.encryptionPublicKey = genesis.nodes[0]!.encryptionPublicKey
    genesis.nodes[4]!.encryptionPublicKey = genesis.nodes[0]!.encryptionPublicKey
    const owner = newOwner()
    const dealt = await deal(membershipOf(genesis), owner)
    for (const bundle of dealt.bundles) {
      const res = await post(leaderOf(bundle.committee), bundle)
      expect(res.status).toBe(400)
      expect(res.body.code).toBe('wrong-genesis')
    }
    await nothingStored(dealt.record.keyId)
  })

  it('registry gossip for a key no committee confirmed is not stored by anyone', async () => {
    const dealt = await deal(membership, newOwner())
    const liar = cluster.running()[3]!
    await liar.libp2p.services.pubsub.publish(TOPIC_REGISTRY, new TextEncoder().encode(JSON.stringify({ v: 1, kind: 'key', entry: { record: dealt.record, receipts: [] } })))
    await new Promise(resolve => setTimeout(resolve, 1_000))
    for (const node of cluster.running()) expect(node.registry.get(dealt.record.keyId), node.nodeId).toBeUndefined()
  })

  it('a member that publishes a made-up digest in the game cannot frame the CL: the key is dealt, nobody is blamed', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const liar = nodeOf(membership.committees[0]![2]!.peerId)
    const fake = { v: 1, kind: 'game', keyId: dealt.record.keyId, committee: 1, member: 3, recordDigest: 'ab'.repeat(32), record: dealt.record }
    await liar.libp2p.services.pubsub.publish(committeeTopic(1), new TextEncoder().encode(JSON.stringify(fake)))
    const blameBefore = cluster.running().map(n => n.blame.recent().length)
    const res = await post(leaderOf(1), dealt.bundles[0])
    expect(res.status).toBe(200)
    expect(res.body.receipts).toHaveLength(3)
    expect(cluster.running().map(n => n.blame.recent().length)).toEqual(blameBefore)
  })
})

describe('a committee leader that equivocates', () => {
  it('is caught by the verification game: no receipt, the CL blamed in /health', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const bundleA = dealt.bundles[2]!
    // The same key with another policy: a second valid record the CL shows to other members.
    const bundleB = resign(bundleA, owner, { ...dealt.record, policy: { ...dealt.record.policy, maxMessageBytes: 32 } })
    const members = membership.committees[2]!.map(m => nodeOf(m.peerId))
    const cl = members[0]!
    const send = async (to: ShardsigNode, bundle: NewUserBundle) =>
      await requestJson(cl.libp2p, to.identity.peerId, PROTOCOL_NEW_USER, { kind: 'deliver', bundle }, DeliverResponseSchema, { signal: AbortSignal.timeout(10_000) })
    const [a, b] = await Promise.all([send(members[1]!, bundleA), send(members[2]!, bundleB)])
    expect(a).toMatchObject({ kind: 'reject', code: 'equivocation' })
    expect(b).toMatchObject({ kind: 'reject', code: 'equivocation' })

    for (const member of [members[1]!, members[2]!]) {
      const health = await callRoute(member.http.url, HTTP_API.health)
      expect(health.blame[0]).toMatchObject({ culprit: cl.identity.peerId, reason: 'equivocation', keyId: dealt.record.keyId, committee: 3 })
      expect((await member.shares.get(dealt.record.keyId, 0))?.state).toBe('disputed')
      expect(member.registry.get(dealt.record.keyId)).toBeUndefined()
    }
  })
})

describe('a member that refused its sub-share', () => {
  /** Sign requests whose party at the chosen CM would include the member without the rule. */
  const REQUESTS = 3
  /** Request ids tried for those (each has a fair chance, ~0.4): a bound, so a bad draw fails instead of spinning. */
  const MAX_ID_TRIES = 1_000
  /** What a CM counts for itself in its own party selection (it signs only when no party leaves it out). */
  const SELF_LOAD = Number.MAX_SAFE_INTEGER / 2

  it('is never in a party of the key nor blamed for it: the others sign', async () => {
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const { keyId } = dealt.record
    // One CM takes every request, so the test predicts its parties as it chooses them (itself last).
    const cm = nodeOf(cluster.running()[0]!.view.roles().managers[0]!)
    const refused = membership.committees[0]!.findIndex(m => m.peerId !== cm.identity.peerId) + 1
    const refuser = membership.committees[0]![refused - 1]!.peerId
    // Its sub-share alone is a wrong scalar, correctly sealed to it: it refuses (bad-share), the other two confirm (tm = 2).
    const b = dealt.bundles[0]!
    const curve = curveFor('ed25519')
    const shares = await Promise.all(b.shares.map(async s => {
      if (s.member !== refused) return s
      const slot = { keyId, network: membership.network, epoch: 0, committee: 1, member: s.member, peerId: s.peerId }
      const wrong = encodeScalar('ed25519', curve.randomScalar(n => crypto.getRandomValues(new Uint8Array(n))))
      return { member: s.member, peerId: s.peerId, ...(await sealShare(hexToBytes(membership.committees[0]![s.member - 1]!.encryptionPublicKey), slot, wrong)) }
    }))
    const res = await post(leaderOf(1), resign({ ...b, shares }, owner))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.receipts.map((r: { member: number }) => r.member)).toEqual([1, 2, 3].filter(m => m !== refused))
    expect(res.body.failures).toMatchObject([{ member: refused, code: 'bad-share' }])
    for (const bundle of dealt.bundles.slice(1)) expect((await post(leaderOf(bundle.committee), bundle)).status).toBe(200)
    expect(await nodeOf(refuser).shares.get(keyId, 0)).toBeUndefined()
    await waitUntil(() => cluster.running().every(n => n.registry.get(keyId)?.receipts.length === 8), AbortSignal.timeout(10_000))
    await waitUntilKeyHeld(cluster.running().filter(n => n.identity.peerId !== refuser), keyId, AbortSignal.timeout(10_000))

    const holders = membership.committees.map(c => c.map(m => m.peerId))
    const everyone = new Set(holders.flat())
    const requestIds: string[] = []
    for (let i = 0; i < MAX_ID_TRIES && requestIds.length < REQUESTS; i++) {
      const requestId = newRequestId()
      const sel = selectParty({ requestId, tc: 2, tm: 2, holders, live: everyone, load: new Map([[cm.identity.peerId, SELF_LOAD]]), excluded: new Set() })
      if (sel.ok && sel.party.some(p => p.peerId === refuser)) requestIds.push(requestId)
    }
    expect(requestIds).toHaveLength(REQUESTS)
    const key = keyFileOf(dealt.record, cm.http.url, owner)
    for (const [i, requestId] of requestIds.entries()) {
      const request = buildSignRequest(key, new TextEncoder().encode(`refused sub-share ${i}`), requestId, Date.now() + 60_000)
      const signed = await fetch(`${cm.http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=20' }, body: JSON.stringify(request) })
      const result = await signed.json() as { status: string, reason?: string, signers?: Array<{ peerId: string }> }
      expect(result.status, result.reason).toBe('completed')
      expect(result.signers!.map(s => s.peerId)).not.toContain(refuser)
    }
    // Before the rule, each of these requests picked it, met `no-share` and blamed it (after a round-1 timeout).
    for (const n of cluster.running()) expect(n.blame.recent().filter(r => r.culprit === refuser), n.nodeId).toEqual([])
    const { blame } = await callRoute(cm.http.url, HTTP_API.blame)
    expect(blame.filter(r => r.culprit === refuser)).toEqual([])
  })
})

describe('a node that was down during new_user', () => {
  it('has the record within seconds of coming back (anti-entropy)', async () => {
    // A node holding no role, so the flow runs without it.
    const roles = cluster.running()[0]!.view.roles()
    const holders = new Set([...roles.committees.flatMap(c => [c.leader, c.backup]), ...roles.managers])
    const index = cluster.state.nodes.findIndex(n => !holders.has(n.peerId))
    await cluster.stop(index)
    await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 8), AbortSignal.timeout(10_000), () => describeLiveness(cluster))

    const result = await newUser({ node: cluster.running()[0]!.http.url, scheme: 'secp256k1', ownerSecretKey: newOwner() })
    const missing = result.committees.flatMap(c => c.response!.failures)
    expect(missing.map(f => f.peerId)).toEqual([cluster.state.nodes[index]!.peerId])

    const back = await cluster.start(index)
    const tookMs = await waitUntil(() => back.registry.get(result.record.keyId) !== undefined, AbortSignal.timeout(10_000))
    console.log(`registry caught up ${tookMs} ms after restart`)
    expect(back.registry.get(result.record.keyId)!.record).toEqual(result.record)
  })
})
