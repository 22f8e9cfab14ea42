// delete_user on nine real in-process nodes, one of them down during the
// delete: every running holder erases its share and signs a receipt, every
// node keeps the tombstone and answers 410 for the key (GET /keys, sign); the
// node that was down erases on catch-up; replayed, expired and wrongly signed
// deletes are refused.
import { hexToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDeleteRequest, deleteUser } from '../../cli/client/delete-user.js'
import { ProblemError } from '../../cli/client/http.js'
import { newRequestId, sign } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import { SHARE_PREFIX } from '../../node/engine/new-user/share-store.js'
import type { ShardsigNode } from '../../node/node.js'
import { describeLiveness, startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { makeKey } from '../helpers/keys.js'

let cluster: InProcessCluster
let key: KeyFile
let other: KeyFile
/** Index (0-based) of the node that is down while the key is deleted. */
const DOWN = 7

const url = (): string => cluster.running()[0]!.http.url

async function sharesOf (node: ShardsigNode, keyId: string): Promise<number> {
  let n = 0
  for await (const _ of node.store.iterate(`${SHARE_PREFIX}${keyId}/`)) n++
  return n
}

async function post (path: string, body: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(`${url()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

beforeAll(async () => {
  cluster = await startInProcessCluster(9, { basePortFrom: 25700 })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  key = await makeKey(url(), 'ed25519')
  other = await makeKey(url(), 'secp256k1')
  await waitUntil(() => cluster.running().every(n => n.registry.size() >= 2), AbortSignal.timeout(10_000))
}, 90_000)

afterAll(async () => { await cluster?.close() })

describe('delete_user', () => {
  it('erases every running holder\'s share, leaves a tombstone everywhere and answers 410 for the key', async () => {
    for (const n of cluster.running()) expect(await sharesOf(n, key.keyId)).toBe(1)
    await cluster.stop(DOWN)
    const result = await deleteUser({ node: url(), key })
    expect(result.alreadyDeleted).toBe(false)
    expect(result.holders).toHaveLength(9)
    // The answer reports the receipts that came within its short wait (at least the entry node's own)...
    expect(result.erased).toBeGreaterThanOrEqual(1)
    expect(result.holders.filter(h => h.erased).length).toBe(result.erased)
    // ...and every holder that is up confirms: eight receipts everywhere, none from the node that is down.
    const down = cluster.state.nodes[DOWN]!.peerId
    await waitUntil(() => cluster.running().every(n => n.registry.tombstone(key.keyId)?.receipts.length === 8), AbortSignal.timeout(20_000),
      () => cluster.running().map(n => `${n.nodeId}: ${n.registry.tombstone(key.keyId)?.receipts.length ?? 'none'}`).join(', '))
    expect(cluster.running()[0]!.registry.tombstone(key.keyId)!.receipts.map(r => r.peerId)).not.toContain(down)
    for (const n of cluster.running()) {
      expect(await sharesOf(n, key.keyId)).toBe(0)
      expect(n.registry.get(key.keyId)).toBeUndefined()
      const res = await fetch(`${n.http.url}/keys/${key.keyId}`)
      expect(res.status).toBe(410)
      expect(await res.json()).toMatchObject({ code: 'deleted', deletion: { keyId: key.keyId, requestId: result.requestId } })
    }
    // Signing the deleted key: 410 Gone from the manager.
    const signed = await sign({ node: url(), key, message: hexToBytes('00') }).catch((err: unknown) => err)
    expect(signed).toBeInstanceOf(ProblemError)
    expect((signed as ProblemError).status).toBe(410)
  })

  it('refuses a replay, an expired delete and a delete signed by someone else', async () => {
    // The same delete again: the key is gone; the answer is the first deletion.
    const replay = await deleteUser({ node: url(), key })
    expect(replay.alreadyDeleted).toBe(true)
    const expired = await post('/delete_user', buildDeleteRequest(other, newRequestId(), Date.now() - 60_000))
    expect(expired).toMatchObject({ status: 400, body: { code: 'expired' } })
    // The owner of `key` tries to delete `other`.
    const forged = await post('/delete_user', buildDeleteRequest({ ...other, owner: key.owner }, newRequestId(), Date.now() + 30_000))
    expect(forged).toMatchObject({ status: 403, body: { code: 'bad-owner-signature' } })
    expect(cluster.running().every(n => n.registry.get(other.keyId) !== undefined)).toBe(true)
    const stillSigns = await sign({ node: url(), key: other, message: hexToBytes('01') })
    expect(stillSigns.status).toBe('completed')
  })

  it('the node that was down erases its share when it catches up, and its receipt reaches everyone', async () => {
    const back = await cluster.start(DOWN)
    await waitUntil(() => back.registry.tombstone(key.keyId) !== undefined, AbortSignal.timeout(15_000), () => 'the restarted node has no tombstone yet')
    await waitUntil(() => cluster.running().every(n => n.registry.tombstone(key.keyId)?.receipts.length === 9), AbortSignal.timeout(15_000),
      () => cluster.running().map(n => `${n.nodeId}: ${n.registry.tombstone(key.keyId)?.receipts.length ?? 'none'}`).join(', '))
    expect(await sharesOf(back, key.keyId)).toBe(0)
    // After a restart the tombstone is still there, and the key is not resurrected by anti-entropy.
    const i = 0
    await cluster.stop(i)
    const again = await cluster.start(i)
    expect(again.registry.tombstone(key.keyId)?.receipts).toHaveLength(9)
    expect(again.registry.get(key.keyId)).toBeUndefined()
  })
})
