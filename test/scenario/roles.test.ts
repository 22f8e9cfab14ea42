// Nine real nodes in one process (libp2p on 127.0.0.1, stores in a temp dir):
// they agree on roles, re-elect a committee leader that stops, and settle
// again when it comes back; a node that stops gracefully is counted down at
// once (its goodbye), not a liveness window later; a node that can no longer
// sign says so on /health (503 degraded) until the others return.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ShardsigNode } from '../../node/node.js'
import { rolesEqual, type Roles } from '../../protocols/roles/index.js'
import { HealthSchema, type Health } from '../../protocols/wire/http.js'
import { rawRequest } from '../helpers/raw-http.js'
import { startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'

/** The bound for re-election after a leader stops. */
const FAILOVER_BOUND_MS = 5_000
/**
 * How soon after a graceful stop begins every other node must count the node down. Without a
 * goodbye it takes at least LIVENESS_WINDOW_MS − HEARTBEAT_INTERVAL_MS = 2 s (its last heartbeat
 * is at most one interval old when it stops), so this bound fails without one.
 */
const GOODBYE_BOUND_MS = 1_500

/** GET /health over HTTP as a load balancer sees it: the status code and the body (a Health either way). */
async function healthOf (node: ShardsigNode): Promise<Health & { httpStatus: number }> {
  const res = await fetch(`${node.http.url}/health`)
  return { ...HealthSchema.parse(await res.json()), httpStatus: res.status }
}

/** Polls a node's /health until `done` holds; on the deadline, fails with the last answer. */
async function pollHealth (node: ShardsigNode, done: (h: Health & { httpStatus: number }) => boolean, signal: AbortSignal): Promise<Health & { httpStatus: number }> {
  let last = await healthOf(node)
  while (!done(last)) {
    if (signal.aborted) throw new Error(`${node.nodeId} /health never matched; last: ${last.httpStatus} ${JSON.stringify(last.reasons)}`)
    await new Promise(resolve => setTimeout(resolve, 100))
    last = await healthOf(node)
  }
  return last
}

function allAgree (cluster: InProcessCluster, expectedLive: number): boolean {
  const nodes = cluster.running()
  const views: Roles[] = nodes.map(n => n.view.roles())
  return nodes.every(n => n.view.liveSet().size === expectedLive) &&
    views.every(v => rolesEqual(v, views[0]!)) &&
    views[0]!.committees.every(c => c.leader !== null)
}

describe('9 in-process nodes', () => {
  let cluster: InProcessCluster

  beforeAll(async () => {
    cluster = await startInProcessCluster(9)
    await waitUntil(() => allAgree(cluster, 9), AbortSignal.timeout(20_000))
  }, 60_000)

  afterAll(async () => { await cluster?.close() })

  it('agree on one leader and backup per committee and on the managers', () => {
    const roles = cluster.running()[0]!.view.roles()
    expect(roles.committees).toHaveLength(3)
    for (const c of roles.committees) {
      const members = cluster.state.nodes.filter(n => n.committee === c.committee).map(n => n.peerId)
      expect(members).toContain(c.leader)
      expect(members).toContain(c.backup)
      expect(c.leader).not.toBe(c.backup)
    }
    expect(roles.managers).toHaveLength(3)
  })

  it('elect the same new leader within 5 s when the leader of committee 1 stops, and settle back when it returns', async () => {
    const before = cluster.running()[0]!.view.roles()
    const oldLeader = before.committees[0]!.leader!
    const oldBackup = before.committees[0]!.backup!
    const index = cluster.state.nodes.findIndex(n => n.peerId === oldLeader)

    await cluster.stop(index)
    const tookMs = await waitUntil(() => allAgree(cluster, 8), AbortSignal.timeout(FAILOVER_BOUND_MS))
    const after = cluster.running()[0]!.view.roles()
    expect(after.committees[0]!.leader).toBe(oldBackup)
    expect(after.managers).not.toContain(oldLeader)
    // Rendezvous hashing moves only the roles the stopped node held.
    expect(after.committees.slice(1)).toEqual(before.committees.slice(1))
    console.log(`re-election after stopping the committee 1 leader: ${tookMs} ms`)

    const back = await cluster.start(index)
    expect(back.identity.peerId).toBe(oldLeader)
    await waitUntil(() => allAgree(cluster, 9), AbortSignal.timeout(15_000))
    expect(rolesEqual(cluster.running()[0]!.view.roles(), before)).toBe(true)
  })

  it('count a node that stops gracefully down at once: it says goodbye; back, it is live again', async () => {
    const before = cluster.running()[0]!.view.roles()
    // A node holding no committee role, so the roles stay as they are.
    const holders = new Set(before.committees.flatMap(c => [c.leader, c.backup]))
    const index = cluster.state.nodes.findIndex(n => !holders.has(n.peerId))
    const peerId = cluster.state.nodes[index]!.peerId
    const others = cluster.running().filter(n => n.self.peerId !== peerId)

    const stopping = cluster.stop(index, { graceful: true })
    const tookMs = await waitUntil(() => others.every(n => !n.view.liveSet().has(peerId)), AbortSignal.timeout(GOODBYE_BOUND_MS))
    await stopping
    console.log(`a graceful stop counted down by every other node after ${tookMs} ms`)

    await cluster.start(index)
    await waitUntil(() => allAgree(cluster, 9), AbortSignal.timeout(15_000))
    expect(rolesEqual(cluster.running()[0]!.view.roles(), before)).toBe(true)
  })

  it('a survivor that can no longer sign says so: /health 503 degraded (peers); back to 200 ok when the others return', async () => {
    // 3 committees of 3, tc = tm = 2: with two members gone from committees 2 and 3 each, only committee 1 has tm live.
    const byCommittee = (c: number): number[] => cluster.state.nodes.flatMap((n, i) => n.committee === c ? [i] : [])
    const stopped = [...byCommittee(2).slice(0, 2), ...byCommittee(3).slice(0, 2)]
    const survivor = cluster.nodes[byCommittee(1)[0]!]!
    const inOwnCommitteeShort = cluster.nodes[byCommittee(2)[2]!]!
    expect(await healthOf(survivor)).toMatchObject({ httpStatus: 200, status: 'ok' })

    await Promise.all(stopped.map(async i => { await cluster.stop(i, { graceful: true }) }))
    // 'starting' first if the survivor itself started less than ROLES_WARMUP_MS ago (an earlier test restarted nodes).
    const degraded = await pollHealth(survivor, h => h.status === 'degraded', AbortSignal.timeout(15_000))
    expect(degraded.httpStatus).toBe(503)
    expect(degraded.reasons).toEqual([expect.objectContaining({ code: 'peers', committee: 1, committeeLive: 3, committeesReady: 1, tm: 2, tc: 2 })])
    // A node of committee 2 is short in its own committee too.
    const short = await pollHealth(inOwnCommitteeShort, h => h.status === 'degraded', AbortSignal.timeout(15_000))
    expect(short.reasons).toEqual([expect.objectContaining({ code: 'peers', committee: 2, committeeLive: 1, committeesReady: 1 })])

    await Promise.all(stopped.map(async i => await cluster.start(i)))
    for (const node of cluster.running()) {
      const back = await pollHealth(node, h => h.httpStatus === 200, AbortSignal.timeout(15_000))
      expect(back, node.nodeId).toMatchObject({ status: 'ok', reasons: [] })
    }
    await waitUntil(() => allAgree(cluster, 9), AbortSignal.timeout(15_000))
  })

  it('answers malformed and oversized requests to every endpoint with 4xx problem details and stays up', async () => {
    const node = cluster.running()[0]!
    const bad: Array<[string, { method: string, headers?: Record<string, string>, body?: string }]> = []
    for (const path of ['/health', '/peers', '/who_cl', '/who_cm', '/new_user', '/sign_request', '/keys/x', '/nope']) {
      bad.push([path, { method: 'POST', body: '{"unterminated', headers: { 'content-type': 'application/json' } }])
      bad.push([path, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } }])
      bad.push([path, { method: 'PUT', body: '[]', headers: { 'content-type': 'text/plain' } }])
      bad.push([path + '?' + 'q='.repeat(1000), { method: 'DELETE' }])
    }
    for (const [path, init] of bad) {
      const res = await rawRequest(node.http.url + path, init)
      expect(res.status, `${init.method} ${path}`).toBeGreaterThanOrEqual(400)
      expect(res.status, `${init.method} ${path}`).toBeLessThan(500)
      expect(res.contentType).toBe('application/problem+json')
      expect(JSON.parse(res.body).status).toBe(res.status)
    }
    expect((await fetch(node.http.url + '/health')).status).toBe(200)
  })
})
