// update_node_set on nine real in-process nodes (libp2p on 127.0.0.1, stores in
// a temp dir), up to the pending epoch: an operator removes two nodes (one of
// them a committee leader); every key is reshared to the seven that stay, every
// new committee confirms, the group keys do not change, the pending shares
// reconstruct the same key (test-only), removed nodes get no new share, a holder
// that deals a wrong value is named, blamed and replaced, and signing goes on.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newUser } from '../../cli/client/new-user.js'
import { sign } from '../../cli/client/sign.js'
import { runOperator } from '../../cli/commands/operator.js'
import { keyFileOf } from '../../cli/key-file.js'
import { signMembershipUpdate } from '../../protocols/lifecycle/membership-update.js'
import { chooseQuorum } from '../../protocols/lifecycle/reshare.js'
import { curveFor, partyCoefficients, pointFromHex, scalarFromHex, type Party } from '../../protocols/sharing/index.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import type { KeyRecord, Scheme } from '../../protocols/wire/key-record.js'
import { MembershipStatusSchema } from '../../protocols/wire/lifecycle.js'
import { membershipOf, type Membership } from '../../protocols/wire/membership.js'
import { keyStateOf } from '../../node/engine/lifecycle/key-state.js'
import type { ShardsigNode } from '../../node/node.js'
import { describeLiveness, startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { newOwner } from '../helpers/owner.js'
import { verifiesIndependently } from '../helpers/verify.js'

/** Node index (0-based) whose holder deals a value of its own choosing when resharing (node-3, committee 3). */
const LIAR = 2
/** How many keys to deal at most until one has the liar in its reshare quorum. */
const MAX_KEYS_UNTIL_LIAR_IN_QUORUM = 24
/** Node index down while the update is gossiped and the keys reshared (node-9, committee 3, member 3): it catches up. */
const ABSENT = 8
let cluster: InProcessCluster
let g0: Genesis
let m0: Membership
const keys: Array<{ record: KeyRecord, owner: Uint8Array }> = []

const url = (i: number): string => cluster.nodes[i]!.http.url
const nodeOf = (peerId: string): ShardsigNode => cluster.running().find(n => n.identity.peerId === peerId)!

beforeAll(async () => {
  cluster = await startInProcessCluster(9, { basePortFrom: 22300, faults: new Map([[LIAR, { corruptReshare: true }]]) })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  g0 = cluster.running()[0]!.genesis
  m0 = membershipOf(g0)
}, 60_000)

afterAll(async () => { await cluster?.close() })

describe('update_node_set to the pending epoch', () => {
  let next: Genesis
  let removed: string[]

  it('deals keys of both schemes, at least one of them with the lying holder in its quorum', async () => {
    const liar = cluster.nodes[LIAR]!.identity.peerId
    const live = new Set(m0.committees.flat().map(m => m.peerId))
    // The liar sits in a key's reshare quorum with probability 4/9 (its committee among 2 of 3, it among 2 of 3):
    // up to 24 keys leave a failure chance of (5/9)^24, about 1 in 10^6 (8 keys were 1 in 110, and CI hit it).
    for (let i = 0; i < MAX_KEYS_UNTIL_LIAR_IN_QUORUM && (keys.length < 2 || !keys.some(k => chooseQuorum(keyStateOf(k.record), 1, live)!.some(s => s.peerId === liar))); i++) {
      const owner = newOwner()
      const scheme: Scheme = i % 2 === 0 ? 'ed25519' : 'secp256k1'
      keys.push({ record: (await newUser({ node: url(4), scheme, ownerSecretKey: owner })).record, owner })
    }
    expect(keys.some(k => chooseQuorum(keyStateOf(k.record), 1, live)!.some(s => s.peerId === liar))).toBe(true)
    await waitUntil(() => cluster.running().every(n => keys.every(k => n.registry.get(k.record.keyId) !== undefined)), AbortSignal.timeout(10_000))
  }, 120_000)

  it('an operator-signed update removing a committee leader and one more node is taken and gossiped; a forged one is refused', async () => {
    const leader1 = cluster.running()[0]!.view.roles().committees[0]!.leader!
    const other = g0.nodes.find(n => n.committee === 2 && n.peerId !== cluster.nodes[LIAR]!.identity.peerId)!.peerId
    removed = [leader1, other]
    next = { ...g0, epoch: 1, params: { ...g0.params, managers: 2 }, nodes: g0.nodes.filter(n => !removed.includes(n.peerId)) }
    const operator = hexToBytes((await readFile(join(cluster.dir, 'operator.key'), 'utf8')).trim())
    expect(operator).toHaveLength(32)

    const stranger = ed25519.utils.randomSecretKey()
    const forged = await fetch(`${url(4)}/membership`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signMembershipUpdate(g0, next, stranger, Buffer.from(ed25519.getPublicKey(stranger)).toString('hex'))) })
    expect(forged.status).toBe(400)
    expect((await forged.json() as { code: string }).code).toBe('not-an-operator')

    // One node is down while the update is taken and gossiped.
    await cluster.stop(ABSENT)
    // The real one through the CLI, as an operator would: `shardsig operator update-node-set`.
    const coordinator = cluster.nodes.findIndex((n, i) => n !== undefined && !removed.includes(n.identity.peerId) && i !== LIAR)
    const file = join(cluster.dir, 'genesis-epoch-1.json')
    await writeFile(file, JSON.stringify(next))
    const printed: string[] = []
    const io = { out: (l: string) => printed.push(l), progress: () => {}, env: {}, signal: AbortSignal.timeout(30_000) }
    expect(await runOperator(['update-node-set', '--node', url(coordinator), '--file', file, '--operator-key', join(cluster.dir, 'operator.key'), '--json'], io)).toBe(0)
    const status = MembershipStatusSchema.parse(JSON.parse(printed[0]!))
    expect(status.pending).toMatchObject({ epoch: 1, changes: { added: [], removed: expect.arrayContaining(removed) } })
    // Every node, removed ones too, learns of the update by gossip.
    await waitUntil(() => cluster.running().every(n => n.lifecycle.book.pending?.genesis.epoch === 1), AbortSignal.timeout(10_000))
  })

  it('reshares every key: every new committee confirms at every node, X unchanged, the pending shares give the same key', async () => {
    await waitUntil(() => cluster.running().every(n => keys.every(k => n.lifecycle.book.entryOf(k.record.keyId) !== undefined)), AbortSignal.timeout(60_000),
      () => cluster.running().map(n => `${n.nodeId}: ${keys.filter(k => n.lifecycle.book.entryOf(k.record.keyId) !== undefined).length}/${keys.length}`).join(', '), 200)
    const m1 = membershipOf(next)
    for (const { record } of keys) {
      const entry = cluster.running()[0]!.lifecycle.book.entryOf(record.keyId)!
      expect(entry.record.groupPublicKey).toBe(record.groupPublicKey)
      expect(entry.record.holders.flat().some(p => removed.includes(p))).toBe(false)
      // Test-only: two parties of the new structure reconstruct one key whose public key is X.
      const curve = curveFor(record.scheme)
      const params = { scheme: record.scheme, ...m1.params, members: m1.committees.map(c => c.length) }
      const reconstruct = async (party: Party): Promise<bigint> => {
        let x = 0n
        for (const s of partyCoefficients(params, party)) {
          const stored = (await nodeOf(m1.committees[s.committee - 1]![s.member - 1]!.peerId).shares.get(record.keyId, 1))!
          expect(stored.state).toBe('pending')
          x = curve.Fn.add(x, curve.Fn.mul(s.kappa, scalarFromHex(record.scheme, stored.share)))
        }
        return x
      }
      // Committee 3's member 3 (node-9) was down: it has no pending share; parties without it.
      const a = await reconstruct(new Map([[1, [1, 2]], [3, [1, 2]]]))
      expect(await reconstruct(new Map([[2, [1, 2]], [3, [1, 2]]]))).toBe(a)
      expect(curve.pointEquals(curve.mulBase(a), pointFromHex(record.scheme, record.groupPublicKey))).toBe(true)
      // Removed nodes were given nothing for epoch 1; their epoch-0 shares stay until activation.
      for (const p of removed) expect(await nodeOf(p).shares.get(record.keyId, 1)).toBeUndefined()
    }
  }, 90_000)

  it('a node that was down during the update catches up by membership sync: the update and every epoch entry', async () => {
    const absent = await cluster.start(ABSENT)
    expect(m0.committees[2]!.map(m => m.peerId)).toContain(absent.identity.peerId)
    await waitUntil(() => absent.lifecycle.book.pending?.genesis.epoch === 1 && keys.every(k => absent.lifecycle.book.entryOf(k.record.keyId) !== undefined),
      AbortSignal.timeout(30_000), () => `pending ${String(absent.lifecycle.book.pending?.genesis.epoch)}, entries ${keys.filter(k => absent.lifecycle.book.entryOf(k.record.keyId) !== undefined).length}/${keys.length}`, 200)
    // It was given no share for epoch 1 (it was down): its committee confirmed without it.
    for (const { record } of keys) expect(await absent.shares.get(record.keyId, 1)).toBeUndefined()
  }, 60_000)

  it('the lying holder was named and blamed by the coordinator, and replaced', async () => {
    const liar = cluster.nodes[LIAR]!.identity.peerId
    const blamed = cluster.running().flatMap(n => n.blame.recent()).filter(b => b.culprit === liar && b.flow === 'reshare')
    expect(blamed.length).toBeGreaterThan(0)
    expect(blamed[0]!.detail).toMatch(/κ_i·Y_i/)
    for (const { record } of keys) {
      expect(cluster.running()[0]!.lifecycle.book.entryOf(record.keyId)!.record.quorum.map(s => s.peerId)).not.toContain(liar)
    }
  })

  it('signing goes on at epoch 0 while the update is pending, and GET /membership shows the progress', async () => {
    const { record, owner } = keys[0]!
    const message = new TextEncoder().encode('still epoch 0')
    const signed = await sign({ node: url(5), key: keyFileOf(record, url(5), owner), message })
    expect(verifiesIndependently(record, message, signed.signature!)).toBe(true)
    const status = MembershipStatusSchema.parse(await (await fetch(`${url(5)}/membership`)).json())
    expect(status.active.epoch).toBe(0)
    expect(status.pending?.keys).toMatchObject({ total: keys.length, reshared: keys.length, failed: [] })
    const printed: string[] = []
    expect(await runOperator(['status', '--node', url(5)], { out: l => printed.push(l), progress: () => {}, env: {}, signal: AbortSignal.timeout(10_000) })).toBe(0)
    expect(printed.join('\n')).toContain(`keys: ${keys.length} of ${keys.length} reshared, 0 pending, 0 failed`)
  })
})
