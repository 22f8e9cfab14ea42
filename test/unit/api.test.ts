import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createApp, type ApiDeps } from '../../node/api/app.js'
import { LivenessTracker } from '../../node/engine/liveness.js'
import { NetworkView, ROLES_WARMUP_MS } from '../../node/engine/network-view.js'
import { electRoles } from '../../protocols/roles/index.js'
import type { LocalFindings } from '../../protocols/health/assess.js'
import { testFrost } from '../helpers/frost.js'
import { HealthSchema, PeersSchema, ProblemSchema, WhoClSchema, WhoCmSchema } from '../../protocols/wire/http.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { fakeGenesis } from '../helpers/genesis.js'

function setup (livePeers: string[], nowMs = 10_000) {
  const genesis = fakeGenesis(9, 3)
  const self = genesis.nodes[0]!
  const liveness = new LivenessTracker(self.peerId)
  for (const p of livePeers) liveness.heard(p, nowMs - 500)
  const view = new NetworkView({ genesis, self, liveness, connectedPeers: () => new Set(livePeers), keyCount: () => 0, recentBlame: () => [], startedAtMs: 0, now: () => nowMs })
  // The key routes are exercised against real nodes in test/scenario; here they only need to exist.
  const keys = {
    registry: { get: () => undefined, tombstone: () => undefined },
    keyStates: { stateOf: () => undefined, usable: () => false },
    deletion: { request: async () => { throw new Error('delete_user is not under test here') } },
    newUser: { handle: async () => { throw new Error('new_user is not under test here') } },
    dkg: { run: async () => { throw new Error('DKG is not under test here') } },
    lifecycle: { propose: async () => { throw new Error('update_node_set is not under test here') }, status: () => ({ active: { epoch: 0, genesisDigest: '00'.repeat(32) }, pending: null }) },
    sign: { submit: async () => { throw new Error('sign is not under test here') }, get: async () => [] },
    blame: { recent: () => [] },
    checkBlame: () => { throw new Error('blame checks are not under test here') }
  }
  return { app: createApp({ view, membership: membershipOf(genesis), genesis, ...keys, log: pino({ level: 'silent' }), maxBodyBytes: 1024, cryptoBackend: testFrost.info }), genesis, view }
}

describe('discovery endpoints', () => {
  it("/health names the library that does FROST's group operations", async () => {
    const { app } = setup([])
    const health = HealthSchema.parse(await (await app.request('/health')).json())
    expect(health.cryptoBackend).toEqual(testFrost.info)
    expect(health.cryptoBackend?.name).toMatch(/^(native|noble|mixed)$/)
  })

  it('answer with the documented shapes', async () => {
    const { app } = setup(['peer-2', 'peer-3', 'peer-4'])
    expect(HealthSchema.parse(await (await app.request('/health')).json()).peers).toEqual({ live: 4, connected: 3, total: 9 })
    const peers = PeersSchema.parse(await (await app.request('/peers')).json())
    expect(peers.peers).toHaveLength(8)
    expect(peers.peers.find(p => p.peerId === 'peer-2')).toMatchObject({ live: true, connected: true, lastHeartbeatAgoMs: 500 })
    expect(peers.peers.find(p => p.peerId === 'peer-9')).toMatchObject({ live: false, connected: false, lastHeartbeatAgoMs: null })
    const whoCl = WhoClSchema.parse(await (await app.request('/who_cl')).json())
    expect(whoCl.committees.map(c => c.committee)).toEqual([1, 2, 3])
    const whoCm = WhoCmSchema.parse(await (await app.request('/who_cm')).json())
    expect(whoCm.managers.length).toBe(3)
  })

  it('elects only live nodes, and names their HTTP URL from genesis', async () => {
    const { app, genesis } = setup(['peer-2'])
    const whoCl = WhoClSchema.parse(await (await app.request('/who_cl')).json())
    const live = new Set(['peer-1', 'peer-2'])
    for (const c of whoCl.committees) {
      for (const role of [c.leader, c.backup]) {
        if (role === null) continue
        expect(live.has(role.peerId)).toBe(true)
        expect(role.http).toBe(genesis.nodes.find(n => n.peerId === role.peerId)!.http)
      }
    }
    // committee 3 (nodes 3, 6, 9) has no live member
    expect(whoCl.committees[2]).toEqual({ committee: 3, leader: null, backup: null })
    const whoCm = WhoCmSchema.parse(await (await app.request('/who_cm')).json())
    expect(whoCm.managers.map(m => m.peerId).sort()).toEqual(['peer-1', 'peer-2'])
  })

  it('a peer silent for longer than the liveness window loses its role', async () => {
    const genesis = fakeGenesis(9, 3)
    const liveness = new LivenessTracker('peer-1')
    let now = 0
    for (const n of genesis.nodes) liveness.heard(n.peerId, now)
    // Started long ago: past the warm-up in which every member counts as live.
    const view = new NetworkView({ genesis, self: genesis.nodes[0]!, liveness, connectedPeers: () => new Set(), keyCount: () => 0, recentBlame: () => [], startedAtMs: -ROLES_WARMUP_MS, now: () => now })
    const leader2 = view.roles().committees[1]!.leader!
    now = 3_001
    for (const n of genesis.nodes) if (n.peerId !== leader2) liveness.heard(n.peerId, now)
    expect(view.roles().committees[1]!.leader).not.toBe(leader2)
    expect(view.liveSet().has(leader2)).toBe(false)
  })

  it('a node that just started elects roles as if every member it has not heard yet were live, until it has listened for ROLES_WARMUP_MS', () => {
    const genesis = fakeGenesis(9, 3)
    const all = electRoles({ epoch: genesis.epoch, members: genesis.nodes, live: new Set(genesis.nodes.map(n => n.peerId)), committees: 3, managers: genesis.params.managers })
    // A node ranked below the managers: alone in its live set it would count itself the only manager.
    const self = genesis.nodes.find(n => !all.managers.includes(n.peerId))!
    const liveness = new LivenessTracker(self.peerId)
    let now = 1_000
    const view = new NetworkView({ genesis, self, liveness, connectedPeers: () => new Set(), keyCount: () => 0, recentBlame: () => [], startedAtMs: now, now: () => now })
    expect(view.roles()).toEqual(all)
    expect(view.isManager()).toBe(false)
    // /health tells the truth about liveness meanwhile: nothing heard yet.
    expect(view.health().peers.live).toBe(1)
    now += ROLES_WARMUP_MS - 1
    expect(view.roles()).toEqual(all)
    // A member heard from and then silent for a liveness window is down, warm-up or not.
    const [m1] = all.managers
    liveness.heard(m1!, 1_000)
    expect(view.roles().managers).not.toContain(m1)
    expect(view.roles().managers).toHaveLength(all.managers.length)
    // Listened long enough: members never heard from are down.
    now += 1
    expect(view.roles().managers).toEqual([self.peerId])
    expect(view.isManager()).toBe(true)
  })
})

describe('bad input', () => {
  it('answers unknown routes with 404 problem details', async () => {
    const { app } = setup([])
    const res = await app.request('/nope')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(ProblemSchema.parse(await res.json()).status).toBe(404)
  })

  it('answers a wrong method on a discovery route with 405', async () => {
    const { app } = setup([])
    for (const path of ['/health', '/peers', '/who_cl', '/who_cm']) {
      const res = await app.request(path, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(405)
      expect(ProblemSchema.parse(await res.json()).detail).toContain('GET')
    }
  })

  it('rejects an oversized body with 413 before any handler runs', async () => {
    const { app } = setup([])
    for (const path of ['/health', '/who_cl', '/nope']) {
      const res = await app.request(path, { method: 'POST', body: 'x'.repeat(2048), headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(413)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
  })
})

describe('GET /health tells the truth (issue 17)', () => {
  // fakeGenesis(9, 3): committee 1 is peer-1, 4, 7; 2 is peer-2, 5, 8; 3 is peer-3, 6, 9. tc = tm = 2.
  function healthApp (live: string[], opts: { startedAtMs?: number, findings?: LocalFindings } = {}) {
    const genesis = fakeGenesis(9, 3, { tc: 2, tm: 2 })
    const self = genesis.nodes[0]!
    const now = 100_000
    const liveness = new LivenessTracker(self.peerId)
    for (const p of live) liveness.heard(p, now - 500)
    const findings = opts.findings
    const view = new NetworkView({
      genesis, self, liveness, connectedPeers: () => new Set(live), keyCount: () => 0, recentBlame: () => [],
      ...(findings !== undefined ? { findings: () => findings } : {}),
      startedAtMs: opts.startedAtMs ?? 0, now: () => now
    })
    return createApp({ view, membership: membershipOf(genesis), genesis, log: pino({ level: 'silent' }) } as unknown as ApiDeps)
  }

  it('200 ok with no reasons when its committee and tc committees have tm live members', async () => {
    const res = await healthApp(['peer-4', 'peer-2', 'peer-5']).request('/health')
    expect(res.status).toBe(200)
    expect(HealthSchema.parse(await res.json())).toMatchObject({ status: 'ok', reasons: [] })
  })

  it('503 degraded with reason peers when it hears nobody (gossip broken), and HEAD says the same', async () => {
    const app = healthApp([])
    const res = await app.request('/health')
    expect(res.status).toBe(503)
    const health = HealthSchema.parse(await res.json())
    expect(health.status).toBe('degraded')
    expect(health.peers.live).toBe(1)
    expect(health.reasons).toEqual([expect.objectContaining({ code: 'peers', committee: 1, committeeLive: 1, committeesReady: 0, tm: 2, tc: 2 })])
    expect(health.reasons![0]!.detail).toMatch(/fewer than tm = 2.*fewer than tc = 2/)
    // It still claims roles in its own view: that is what made "ok" a lie.
    expect(health.roles.length).toBeGreaterThan(0)
    expect((await app.request('/health', { method: 'HEAD' })).status).toBe(503)
  })

  it('503 starting during the roles warm-up when it has not heard enough peers yet', async () => {
    const res = await healthApp([], { startedAtMs: 100_000 - ROLES_WARMUP_MS + 1 }).request('/health')
    expect(res.status).toBe(503)
    expect(HealthSchema.parse(await res.json())).toMatchObject({ status: 'starting', reasons: [{ code: 'peers' }] })
  })

  it('503 degraded with reasons store and shares from the store checks, naming the key id', async () => {
    const keyId = 'ab'.repeat(16)
    const findings: LocalFindings = {
      store: { failures: 2, lastFailureAt: 99_000, lastFailure: 'get: IO error', windowMs: 60_000 },
      unreadableShares: [{ keyId, epoch: 0 }]
    }
    const res = await healthApp(genesisPeers(), { findings }).request('/health')
    expect(res.status).toBe(503)
    const health = HealthSchema.parse(await res.json())
    expect(health.status).toBe('degraded')
    expect(health.reasons).toEqual([
      expect.objectContaining({ code: 'store', failures: 2, lastFailureAt: 99_000 }),
      expect.objectContaining({ code: 'shares', keys: 1, keyIds: [keyId] })
    ])
    expect(JSON.stringify(health)).not.toContain('11'.repeat(32))
  })
})

function genesisPeers (): string[] {
  return fakeGenesis(9, 3).nodes.map(n => n.peerId).filter(p => p !== 'peer-1')
}
