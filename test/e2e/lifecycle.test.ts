// update_node_set on nine real node processes, both phases: while a client
// signs without pause, the operator removes two nodes (one of them a committee
// leader) with `shardsig operator update-node-set`; the coordinating node is
// kill -9'd in the middle of the resharing, comes back, and the same update
// posted to another node resumes it. Every node that stays activates epoch 1
// (its process restarts its services on it), the removed ones erase every
// share and exit. Every sign request completes and verifies independently;
// afterwards every store that stays holds an active epoch-1 share of every key
// and no epoch-0 share, the epoch-1 shares reconstruct the same key
// (test-only), and the removed nodes' stores hold no share at all.
import { ed25519 } from '@noble/curves/ed25519.js'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { callJson } from '../../cli/client/http.js'
import { newUser } from '../../cli/client/new-user.js'
import { newRequestId, sign } from '../../cli/client/sign.js'
import { keyFileOf, type KeyFile } from '../../cli/key-file.js'
import { shareKey, type StoredShare } from '../../node/engine/new-user/share-store.js'
import { openStore } from '../../node/store/index.js'
import { curveFor, partyCoefficients, pointFromHex, scalarFromHex, type Party } from '../../protocols/sharing/index.js'
import { GenesisSchema, type Genesis } from '../../protocols/wire/genesis.js'
import { MembershipStatusSchema } from '../../protocols/wire/lifecycle.js'
import { WhoClSchema } from '../../protocols/wire/http.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { runCli, useE2eDevnet } from '../helpers/e2e-devnet.js'
import { verifiesIndependently } from '../helpers/verify.js'
import { sharingCurveOf } from '../../protocols/keys/key-scheme.js'

const net = useE2eDevnet('lifecycle-e2e', { basePortFrom: 30100 })
/** Keys dealt before the update: enough that resharing takes a few seconds, so the kill lands in it. */
const KEYS = 24

describe('update_node_set e2e: 9 node processes', () => {
  it('removes a committee leader and one more node while signing goes on; a kill -9 of the coordinator mid-reshare is resumed; nothing lost', async () => {
    const devnet = net.devnet()
    const http = (i: number): string => devnet.node(i).http
    const keys: KeyFile[] = []
    for (let i = 0; i < KEYS; i++) {
      const owner = ed25519.utils.randomSecretKey()
      const { record } = await newUser({ node: http(1 + (i % 9)), scheme: i % 2 === 0 ? 'ed25519' : 'secp256k1', ownerSecretKey: owner, policy: { ratePerMinute: 100_000 } })
      keys.push(keyFileOf(record, http(1), owner))
    }

    // A client that signs without pause, round robin over the keys, through changing entry nodes.
    let signing = true
    const results: Array<{ key: KeyFile, message: Uint8Array, status: string, signature?: string, error?: string }> = []
    const signer = (async () => {
      for (let n = 0; signing; n++) {
        const key = keys[n % keys.length]!
        const message = new TextEncoder().encode(`during the update ${n}`)
        // Entry nodes restart when they activate epoch 1: the same request goes to the other one until it expires.
        const requestId = newRequestId()
        const until = Date.now() + 60_000
        for (let attempt = 0; ; attempt++) {
          try {
            const r = await sign({ node: http(3 + ((n + attempt) % 2)), key, message, requestId })
            results.push({ key, message, status: r.status, signature: r.signature, error: r.reason })
            break
          } catch (err) {
            if (Date.now() > until) {
              results.push({ key, message, status: 'error', error: (err as Error).message })
              break
            }
            await new Promise(resolve => setTimeout(resolve, 300))
          }
        }
      }
    })()

    const g0 = GenesisSchema.parse(JSON.parse(await readFile(join(devnet.dir, 'genesis.json'), 'utf8')))
    const leader = (await callJson('GET', `${http(2)}/who_cl`, WhoClSchema)).committees[0]!.leader!.peerId
    const other = g0.nodes.find(n => n.committee === 2 && n.peerId !== leader)!.peerId
    const removed = [leader, other]
    const next: Genesis = { ...g0, epoch: 1, params: { ...g0.params, managers: 2 }, nodes: g0.nodes.filter(n => !removed.includes(n.peerId)) }
    const stays = devnet.nodes().filter(n => !removed.includes(n.peerId)).map(n => n.index)
    const file = join(net.dir(), 'genesis-epoch-1.json')
    await writeFile(file, JSON.stringify(next, null, 2))

    const coordinator = stays.find(i => i !== 3 && i !== 4)!
    const posted = await runCli(['operator', 'update-node-set', '--node', http(coordinator), '--file', file, '--operator-key', join(devnet.dir, 'operator.key'), '--json'])
    expect(posted.code, posted.stderr).toBe(0)
    expect(MembershipStatusSchema.parse(JSON.parse(posted.stdout)).pending?.changes.removed.sort()).toEqual([...removed].sort())

    // kill -9 the coordinator while it reshares, bring it back, and post the same update to another node that stays.
    const before = MembershipStatusSchema.parse(await callJson('GET', `${http(coordinator)}/membership`, MembershipStatusSchema))
    expect(before.pending!.keys.reshared).toBeLessThan(KEYS)
    await devnet.kill(coordinator)
    await devnet.start(coordinator)
    const resumer = stays.find(i => i !== coordinator && i !== 3 && i !== 4)!
    const again = await runCli(['operator', 'update-node-set', '--node', http(resumer), '--file', file, '--operator-key', join(devnet.dir, 'operator.key')])
    expect(again.code, again.stderr).toBe(0)

    // Every node that stays activates epoch 1 once it holds every key's entry (and restarts on it: briefly unreachable).
    const deadline = Date.now() + 120_000
    for (;;) {
      const statuses = await Promise.all(stays.map(async i => await callJson('GET', `${http(i)}/membership`, MembershipStatusSchema).catch(() => undefined)))
      if (statuses.every(s => s?.active.epoch === 1)) break
      if (Date.now() > deadline) {
        throw new Error(`not every node activated epoch 1: ${statuses.map(s => s === undefined ? 'down' : `epoch ${s.active.epoch}, ${s.pending?.keys.reshared ?? "-"}/${s.pending?.keys.total ?? "-"} reshared`).join('; ')}; failed: ${JSON.stringify(statuses.flatMap(s => s?.pending?.keys.failed ?? []))}`)
      }
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    const status = await runCli(['operator', 'status', '--node', http(resumer)])
    expect(status.stdout).toContain('no update pending')
    // The same update posted again after it was activated: taken as done.
    const late = await runCli(['operator', 'update-node-set', '--node', http(resumer), '--file', file, '--operator-key', join(devnet.dir, 'operator.key')])
    expect(late.code, late.stderr).toBe(0)

    signing = false
    await signer
    expect(results.length).toBeGreaterThan(5)
    for (const r of results) {
      expect(r.status, r.error).toBe('completed')
      expect(verifiesIndependently(r.key, r.message, r.signature!)).toBe(true)
    }

    // Into the stores (test-only): after the devnet is down, nothing holds them.
    await devnet.down()
    const m1 = membershipOf(next)
    const shares = new Map<string, Map<string, StoredShare>>()
    for (const n of devnet.nodes()) {
      const store = await openStore({ path: join(n.paths.data, 'store'), passphrase: (await readFile(n.paths.passphrase, 'utf8')).trim() })
      try {
        for (const key of keys) {
          expect(await store.getJson<StoredShare>(shareKey(key.keyId, 0)), `${n.nodeId} still holds its epoch-0 share of ${key.keyId}`).toBeUndefined()
          const reshared = await store.getJson<StoredShare>(shareKey(key.keyId, 1))
          if (removed.includes(n.peerId)) expect(reshared, `removed ${n.nodeId} holds an epoch-1 share`).toBeUndefined()
          else {
            expect(reshared?.state, `${n.nodeId} has no active epoch-1 share of ${key.keyId}`).toBe('active')
            shares.set(key.keyId, (shares.get(key.keyId) ?? new Map()).set(n.peerId, reshared!))
          }
        }
      } finally {
        await store.close()
      }
    }
    for (const key of keys.slice(0, 4)) {
      const curve = curveFor(sharingCurveOf(key.scheme))
      const params = { scheme: sharingCurveOf(key.scheme), ...m1.params, members: m1.committees.map(c => c.length) }
      const reconstruct = (party: Party): bigint => partyCoefficients(params, party).reduce((x, s) =>
        curve.Fn.add(x, curve.Fn.mul(s.kappa, scalarFromHex(sharingCurveOf(key.scheme), shares.get(key.keyId)!.get(m1.committees[s.committee - 1]![s.member - 1]!.peerId)!.share))), 0n)
      const x = reconstruct(new Map([[1, [1, 2]], [3, [1, 2]]]))
      expect(reconstruct(new Map([[2, [1, 2]], [3, [2, 3]]]))).toBe(x)
      expect(curve.pointEquals(curve.mulBase(x), pointFromHex(sharingCurveOf(key.scheme), key.groupPublicKey))).toBe(true)
    }
  }, 300_000)
})
