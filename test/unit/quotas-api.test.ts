// HTTP quotas (issue 17, docs/protocols/http.md#quotas) through createApp and
// app.request(): per-client buckets answer 429 rate-limited with Retry-After,
// per-owner buckets are drawn on only after the owner's signature verified (so
// owner A exhausted leaves owner B served, and forged requests drain nothing),
// and a CM holds at most its share of unfinished requests per owner. The sign
// routes run against a real SignCoordinator whose requests stay pending: their
// keys' holders are nobody the view counts live, and its clock stands still.
import { x25519 } from '@noble/curves/ed25519.js'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { createApp, type ApiDeps } from '../../node/api/app.js'
import { clientKey } from '../../node/api/quotas.js'
import { keyStateOf } from '../../node/engine/lifecycle/key-state.js'
import { LivenessTracker } from '../../node/engine/liveness.js'
import { NetworkView } from '../../node/engine/network-view.js'
import { SignCoordinator } from '../../node/engine/sign/coordinator.js'
import type { KeyMaterial, KeyMaterials } from '../../node/engine/sign/key-material.js'
import { RateLimiter } from '../../node/engine/sign/rate-limiter.js'
import { createNodeMetrics, type NodeMetrics } from '../../node/metrics/index.js'
import type { KeyStore } from '../../node/store/index.js'
import type { BlameLog } from '../../node/engine/blame.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { NO_PARTY_GRACE_MS, PROTOCOL_VERSION } from '../../protocols/constants.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { isUsable } from '../../protocols/new-user/registry-entry.js'
import { SignRejection } from '../../protocols/sign/check-request.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { SIGN_REQUEST_KIND, type SignRequest } from '../../protocols/wire/sign.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'
import { testFrost } from '../helpers/frost.js'

const log = pino({ level: 'silent' })
/** The clock the coordinator and the key checks read: it stands still (requests never reach their grace or expiry). */
const NOW = Date.now()
/** How long the drain test lets a stopping CM run its requests (real time: the request there never finishes, so it is waited out). */
const DRAIN_IN_TEST_MS = 200

interface Owner { secret: Uint8Array, record: KeyRecord }

/** A genesis with real X25519 keys (so keys can be dealt against it) and a view in which `self` is a manager. */
function network (): { genesis: Genesis, view: NetworkView } {
  const genesis = fakeGenesis(9, 3)
  for (const n of genesis.nodes) n.encryptionPublicKey = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex')
  const viewOf = (self: Genesis['nodes'][number]): NetworkView => {
    const liveness = new LivenessTracker(self.peerId)
    for (const n of genesis.nodes) liveness.heard(n.peerId, NOW)
    return new NetworkView({ genesis, self, liveness, connectedPeers: () => new Set(), keyCount: () => 0, recentBlame: () => [], startedAtMs: NOW - 60_000, now: () => NOW })
  }
  const manager = viewOf(genesis.nodes[0]!).roles().managers[0]!
  return { genesis, view: viewOf(genesis.nodes.find(n => n.peerId === manager)!) }
}

/** An in-memory store: what the coordinator writes is not under test here, only that it can. */
function memoryStore (): KeyStore {
  const data = new Map<string, unknown>()
  return {
    getJson: async (key: string) => data.get(key),
    putJson: async (key: string, value: unknown) => { data.set(key, value) },
    batch: async (ops: Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }>) => {
      for (const op of ops) {
        if (op.type === 'del') data.delete(op.key)
        else data.set(op.key, op.value.length === 0 ? null : JSON.parse(new TextDecoder().decode(op.value)))
      }
    },
    iterate: async function * (prefix: string) {
      for (const [k, v] of data) if (k.startsWith(prefix)) yield [k, new TextEncoder().encode(JSON.stringify(v))] as [string, Uint8Array]
    }
  } as unknown as KeyStore
}

interface Harness {
  app: ReturnType<typeof createApp>
  metrics: NodeMetrics
  coordinator: SignCoordinator
  owners: Owner[]
  /** Advances the quotas' clock (ms). */
  advance: (ms: number) => void
  /** Advances the coordinator's clock (ms): its requests' next poll for a party sees the time passed. */
  advanceCoordinator: (ms: number) => void
}

const started: Array<{ coordinator: SignCoordinator, metrics: NodeMetrics }> = []
afterEach(() => {
  for (const s of started.splice(0)) {
    void s.coordinator.stop(0)
    s.metrics.stop()
  }
})

async function harness (opts: { owners: number, quotas?: ApiDeps['quotas'], maxPending?: number, ownerShare?: number }): Promise<Harness> {
  const { genesis, view } = network()
  const membership = membershipOf(genesis)
  const owners: Owner[] = []
  const materials = new Map<string, KeyMaterial>()
  for (let i = 0; i < opts.owners; i++) {
    const secret = newOwner()
    const record = (await deal(membership, secret)).record
    owners.push({ secret, record })
    // Held by nobody the view counts live: party selection keeps looking, and the request stays pending.
    const state = { ...keyStateOf(record), holders: record.holders.map(c => c.map((_, m) => `gone-${m}`)) }
    materials.set(record.keyId, { record, state } as unknown as KeyMaterial)
  }
  const keys = {
    get: (keyId: string) => {
      const m = materials.get(keyId)
      if (m === undefined) throw new SignRejection('unknown-key', `no key ${keyId}`)
      return m
    }
  } as unknown as KeyMaterials
  const metrics = createNodeMetrics({ version: 'test', nodeId: 'node-test', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
  let coordinatorClock = NOW
  const coordinator = new SignCoordinator({
    frost: testFrost,
    libp2p: {} as unknown as ShardsigLibp2p,
    localSigner: {
      onNewParty: async () => { throw new Error('no party in this test') },
      onRecover: async () => { throw new Error('no recovery in this test') },
      onCompleted: async () => {},
      onPresign: async () => { throw new Error('no presignatures in this test') }
    },
    view, keys, store: memoryStore(), blame: {} as unknown as BlameLog, rate: new RateLimiter(), log, metrics,
    maxPendingRequests: opts.maxPending ?? 1_000, ownerShareOfPending: opts.ownerShare ?? 1, now: () => coordinatorClock
  })
  started.push({ coordinator, metrics })
  let clock = 0
  const unset = async (): Promise<never> => { throw new Error('not under test here') }
  const app = createApp({
    view, membership, genesis, log,
    registry: {
      get: (keyId: string) => { const m = materials.get(keyId); return m === undefined ? undefined : { record: m.record, receipts: [] } },
      tombstone: () => undefined
    },
    keyStates: { stateOf: keyStateOf, usable: isUsable },
    newUser: { handle: unset },
    dkg: { run: unset },
    lifecycle: { propose: unset, status: () => ({ active: { epoch: 0, genesisDigest: '00'.repeat(32) }, pending: null }) },
    deletion: { request: unset },
    sign: coordinator,
    recentSignRequests: () => [],
    quotas: { now: () => clock, onRefused: (route: string, quota: 'client' | 'owner') => { metrics.quotaRefused(route, quota) }, ...opts.quotas }
  } as unknown as ApiDeps)
  return { app, metrics, coordinator, owners, advance: ms => { clock += ms }, advanceCoordinator: ms => { coordinatorClock += ms } }
}

/** The env @hono/node-server hands the app: the socket's remote address. */
const from = (address: string): { incoming: { socket: { remoteAddress: string } } } => ({ incoming: { socket: { remoteAddress: address } } })

let requestCounter = 0
function signRequest (owner: Owner, signer: Uint8Array = owner.secret, requestId = `quota-req-${String(++requestCounter).padStart(6, '0')}`): SignRequest {
  return signBody(SIGN_REQUEST_KIND, { v: PROTOCOL_VERSION, keyId: owner.record.keyId, message: 'cafe00', requestId, expiresAt: NOW + 60_000 }, signer) as SignRequest
}

async function postSign (h: Harness, request: SignRequest, address = '10.0.0.1'): Promise<Response> {
  return await h.app.request('/sign_request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) }, from(address))
}

async function refusals (metrics: NodeMetrics, route: string, quota: string): Promise<number> {
  const metric = (await metrics.registry.getSingleMetric('shardsig_quota_refusals_total')!.get())
  return metric.values.find(v => v.labels.route === route && v.labels.quota === quota)?.value ?? Number.NaN
}

describe('per-client quotas', () => {
  it('answer 429 rate-limited with Retry-After once a client\'s bucket is empty; another client is served; the bucket refills', async () => {
    const h = await harness({ owners: 1, quotas: { perClient: { read: { ratePerS: 0.5, burst: 2 } } } })
    const path = `/keys/${h.owners[0]!.record.keyId}`
    expect((await h.app.request(path, {}, from('10.0.0.1'))).status).toBe(200)
    expect((await h.app.request(path, {}, from('10.0.0.1'))).status).toBe(200)
    const refused = await h.app.request(path, {}, from('10.0.0.1'))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    // One token short at 0.5 per second: 2 s.
    expect(refused.headers.get('retry-after')).toBe('2')
    expect(await refused.json()).toMatchObject({ type: 'https://shardsig.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, quota: 'client' })
    // The class's bucket is shared by its routes (GET /sign_request/:id is `read` too), and not by other classes'.
    expect((await h.app.request('/sign_request/quota-req-none', {}, from('10.0.0.1'))).status).toBe(429)
    expect((await h.app.request('/who_cm', {}, from('10.0.0.1'))).status).toBe(200)
    expect((await h.app.request(path, {}, from('10.0.0.2'))).status).toBe(200)
    h.advance(1_999)
    expect((await h.app.request(path, {}, from('10.0.0.1'))).status).toBe(429)
    h.advance(1)
    expect((await h.app.request(path, {}, from('10.0.0.1'))).status).toBe(200)
    expect(await refusals(h.metrics, 'GET /keys/:keyId', 'client')).toBe(2)
    expect(await refusals(h.metrics, 'GET /sign_request/:requestId', 'client')).toBe(1)
  })

  it('POST routes are refused before their body is read; a wrong method is not counted', async () => {
    const h = await harness({ owners: 1, quotas: { perClient: { keys: { ratePerS: 1, burst: 1 } } } })
    const junk = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }
    expect((await h.app.request('/new_user', junk, from('10.0.0.1'))).status).toBe(400)
    const refused = await h.app.request('/new_user/dkg', junk, from('10.0.0.1'))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect((await h.app.request('/new_user', { method: 'PUT' }, from('10.0.0.1'))).status).toBe(405)
  })

  it('key a client by its socket address: X-Forwarded-For is ignored unless trusted, then its last entry counts', async () => {
    const read = { ratePerS: 1, burst: 1 }
    const untrusted = await harness({ owners: 0, quotas: { perClient: { read } } })
    const forwarded = (xff: string): RequestInit => ({ headers: { 'x-forwarded-for': xff } })
    expect((await untrusted.app.request('/membership', forwarded('1.1.1.1'), from('10.0.0.9'))).status).toBe(200)
    expect((await untrusted.app.request('/membership', forwarded('2.2.2.2'), from('10.0.0.9'))).status).toBe(429)

    const trusted = await harness({ owners: 0, quotas: { perClient: { read }, trustForwardedFor: true } })
    expect((await trusted.app.request('/membership', forwarded('1.1.1.1'), from('10.0.0.9'))).status).toBe(200)
    expect((await trusted.app.request('/membership', forwarded('9.9.9.9, 2.2.2.2'), from('10.0.0.9'))).status).toBe(200)
    // What a client writes before the proxy's entry is not the key: the proxy's last entry is.
    expect((await trusted.app.request('/membership', forwarded('3.3.3.3, 1.1.1.1'), from('10.0.0.9'))).status).toBe(429)
  })

  it('an IPv6 client is its /64; an IPv4-mapped address is the IPv4 one', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'))
    expect(clientKey('::1')).toBe('0:0:0:0::/64')
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey(undefined)).toBe('unknown')
    expect(clientKey('not an address')).toBe('unknown')
  })
})

describe('per-owner quotas', () => {
  it('owner A exhausted, owner B still served; forged requests for A\'s key and re-posts of A\'s known requests drain nothing', async () => {
    const h = await harness({ owners: 2, quotas: { perOwner: { sign: { ratePerS: 1, burst: 2 } } } })
    const [a, b] = [h.owners[0]!, h.owners[1]!]
    // Anyone can post a request naming A's key; without A's signature it is refused before A's bucket.
    for (let i = 0; i < 5; i++) expect((await postSign(h, signRequest(a, b.secret), `10.0.1.${i}`)).status).toBe(403)
    const first = signRequest(a)
    expect((await postSign(h, first)).status).toBe(202)
    expect((await postSign(h, signRequest(a))).status).toBe(202)
    const refused = await postSign(h, signRequest(a))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(await refused.json()).toMatchObject({ type: 'https://shardsig.dev/problems/rate-limited', quota: 'owner' })
    // From another address: the owner's bucket, not the client's.
    expect((await postSign(h, signRequest(a), '10.0.0.2')).status).toBe(429)
    // A request the CM already holds is answered with its state (a replay costs the owner nothing).
    expect((await postSign(h, first)).status).toBe(202)
    expect((await postSign(h, signRequest(b))).status).toBe(202)
    h.advance(1_000)
    expect((await postSign(h, signRequest(a))).status).toBe(202)
    expect(h.coordinator.pendingRequests).toBe(4)
    expect(await refusals(h.metrics, 'POST /sign_request', 'owner')).toBe(2)
    expect(await refusals(h.metrics, 'POST /sign_request', 'client')).toBe(0)
  })
})

describe('the CM\'s pending bound per owner', () => {
  it('one owner holds at most its share of unfinished requests (429 owner-busy with Retry-After); other owners still get through, up to the global bound', async () => {
    // 8 unfinished requests per CM, a quarter of them (2) per owner.
    const h = await harness({ owners: 5, maxPending: 8, ownerShare: 0.25 })
    const [a, b, c, d, e] = h.owners as [Owner, Owner, Owner, Owner, Owner]
    expect((await postSign(h, signRequest(a))).status).toBe(202)
    expect((await postSign(h, signRequest(a))).status).toBe(202)
    const busy = await postSign(h, signRequest(a))
    expect(busy.status).toBe(429)
    expect(busy.headers.get('retry-after')).toBe('2')
    expect(await busy.json()).toMatchObject({ type: 'https://shardsig.dev/problems/owner-busy', code: 'owner-busy', pending: 2, limit: 2 })
    for (const owner of [b, c, d]) {
      expect((await postSign(h, signRequest(owner))).status).toBe(202)
      expect((await postSign(h, signRequest(owner))).status).toBe(202)
    }
    expect(h.coordinator.pendingRequests).toBe(8)
    // The CM is full for everyone now.
    const full = await postSign(h, signRequest(e))
    expect(full.status).toBe(429)
    expect(await full.json()).toMatchObject({ code: 'coordinator-busy', pending: 8 })
    expect(await refusals(h.metrics, 'POST /sign_request', 'owner-pending')).toBe(1)
    expect(await refusals(h.metrics, 'POST /sign_request', 'pending')).toBe(1)
  })

  it('an owner\'s share comes back as its requests finish', async () => {
    const h = await harness({ owners: 1, maxPending: 4, ownerShare: 0.25 })
    const a = h.owners[0]!
    expect((await postSign(h, signRequest(a))).status).toBe(202)
    expect((await postSign(h, signRequest(a))).status).toBe(429)
    // The request finishes: no party came up within NO_PARTY_GRACE_MS (its next poll fails it)...
    h.advanceCoordinator(NO_PARTY_GRACE_MS + 1)
    await expect.poll(() => h.coordinator.pendingRequests, { timeout: 5_000 }).toBe(0)
    // ...and the owner's share is free again.
    expect((await postSign(h, signRequest(a))).status).toBe(202)
  })
})

describe('a CM that stops gracefully', () => {
  it('takes no new request, lets those it runs go on until the drain ends, then stops them (left pending)', async () => {
    const h = await harness({ owners: 1 })
    const a = h.owners[0]!
    expect((await postSign(h, signRequest(a))).status).toBe(202)
    const stopped = h.coordinator.stop(DRAIN_IN_TEST_MS)
    // Draining: the running request is not stopped, and a new one goes to another manager.
    expect(h.coordinator.pendingRequests).toBe(1)
    const refused = await postSign(h, signRequest(a))
    expect(refused.status).toBe(421)
    expect(h.coordinator.pendingRequests).toBe(1)
    await stopped
    // This one could never finish (nobody holding its key is live): the drain's end stopped it.
    await expect.poll(() => h.coordinator.pendingRequests, { timeout: 5_000 }).toBe(0)
  })
})
