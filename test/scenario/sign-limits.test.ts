// A manager's queue is bounded: past its limit of unfinished requests it
// answers 429 with Retry-After (problem code coordinator-busy) instead of
// queueing without end, and what it accepted still completes. Three real
// in-process nodes (one committee, tc = 1, tm = 2, one manager) with the
// operator limit limits.maxPendingSignRequests set to 2, all of it open to one
// owner (limits.ownerShareOfPendingSignRequests 1: the per-owner share is
// test/unit/quotas-api.test.ts's).
import { hexToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSignRequest, newRequestId, sign } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import { describeLiveness, startInProcessCluster, waitUntil, waitUntilKeyHeld, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { makeKey } from '../helpers/keys.js'

const MAX_PENDING = 2
const BURST = 12

let cluster: InProcessCluster
let key: KeyFile

beforeAll(async () => {
  cluster = await startInProcessCluster(3, { basePortFrom: 25400, limits: { maxPendingSignRequests: MAX_PENDING, ownerShareOfPendingSignRequests: 1 } })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  key = await makeKey(cluster.running()[0]!.http.url, 'secp256k1', { ratePerMinute: 1000 })
  // The manager must know the key before the burst: each node merges it (a synced write) as the gossip arrives.
  await waitUntilKeyHeld(cluster.running(), key.keyId, AbortSignal.timeout(10_000))
}, 60_000)

afterAll(async () => { await cluster?.close() })

describe('a manager with a full queue', () => {
  it('answers 429 with Retry-After and problem details, and completes what it accepted', async () => {
    const manager = cluster.running().find(n => n.view.roles().managers.includes(n.identity.peerId))!
    const requests = Array.from({ length: BURST }, (_, i) => buildSignRequest(key, hexToBytes(`0${i.toString(16)}`), newRequestId(), Date.now() + 60_000))
    const answers = await Promise.all(requests.map(async r => {
      const res = await fetch(`${manager.http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) })
      return { request: r, status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: await res.json() as Record<string, unknown> }
    }))
    const busy = answers.filter(a => a.status === 429)
    const accepted = answers.filter(a => a.status === 202 || a.status === 200)
    console.info(`sign limits: ${BURST} concurrent requests, ${accepted.length} accepted, ${busy.length} answered 429`)
    expect(busy.length + accepted.length, `other answers: ${JSON.stringify(answers.filter(a => !busy.includes(a) && !accepted.includes(a)).map(a => ({ status: a.status, body: a.body })))}`).toBe(BURST)
    expect(busy.length).toBeGreaterThan(0)
    expect(accepted.length).toBeGreaterThanOrEqual(MAX_PENDING)
    for (const b of busy) {
      expect(b.retryAfter).toMatch(/^\d+$/)
      expect(b.type).toContain('application/problem+json')
      expect(b.body).toMatchObject({ status: 429, code: 'coordinator-busy' })
    }
    // The accepted ones finish; a refused one can simply be sent again.
    for (const a of accepted) {
      const result = await sign({ node: manager.http.url, key, message: hexToBytes(a.request.message), requestId: a.request.requestId })
      expect(result.status, result.reason).toBe('completed')
    }
    const retried = await sign({ node: manager.http.url, key, message: hexToBytes(busy[0]!.request.message), requestId: busy[0]!.request.requestId })
    expect(retried.status, retried.reason).toBe('completed')
  })
})
