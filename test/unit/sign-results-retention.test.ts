// How long a CM keeps sign results (docs/protocols/sign.md#retention), on a
// real store with the clock passed in: a result answers GET and a repeated
// POST for SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS after its request expired,
// then goes; over the cap the earliest expiry goes first, but never a result
// whose request can still be signed; memory keeps only the recent ones. The
// requests here are taken a moment before they expire, so each CM fails them
// at once ("expired before a party could sign") and stores that result.
import { x25519 } from '@noble/curves/ed25519.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as yieldToIo } from 'node:timers/promises'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BlameLog } from '../../node/engine/blame.js'
import { keyStateOf } from '../../node/engine/lifecycle/key-state.js'
import { LivenessTracker } from '../../node/engine/liveness.js'
import { NetworkView } from '../../node/engine/network-view.js'
import { SignCoordinator } from '../../node/engine/sign/coordinator.js'
import { RESULT_EXPIRY_PREFIX, RESULT_INDEX_VERSION_KEY } from '../../node/engine/sign/result-store.js'
import type { KeyMaterial, KeyMaterials } from '../../node/engine/sign/key-material.js'
import { RateLimiter } from '../../node/engine/sign/rate-limiter.js'
import { createNodeMetrics, type NodeMetrics } from '../../node/metrics/index.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { openStore, type KeyStore } from '../../node/store/index.js'
import {
  LEDGER_RETENTION_AFTER_EXPIRY_MS, MAX_SIGN_REQUEST_LIFETIME_MS, PROTOCOL_VERSION, SIGN_CLOCK_SKEW_MS, SIGN_RESULT_CACHE_MS, SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS
} from '../../protocols/constants.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { SignRejection } from '../../protocols/sign/check-request.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { SIGN_REQUEST_KIND, type SignRequest } from '../../protocols/wire/sign.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js'
import { testFrost } from '../helpers/frost.js'

const T0 = Date.now()
/** Kept past the request's expiry + skew for GET: a day. */
const KEPT = SIGN_CLOCK_SKEW_MS + SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS

let dir: string
let store: KeyStore
let clock = T0
const started: Array<{ coordinator: SignCoordinator, metrics: NodeMetrics }> = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-results-retention-'))
  store = await openStore({ path: dir, passphrase: 'test', scrypt: { N: 2 ** 10 } })
  clock = T0
})
afterEach(async () => {
  for (const s of started.splice(0)) { void s.coordinator.stop(0); s.metrics.stop() }
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

interface Cm { coordinator: SignCoordinator, metrics: NodeMetrics, owner: Uint8Array, record: KeyRecord, warnings: string[] }

/** A started coordinator that is a manager in its view, one key, the shared store and clock. */
async function manager (opts: { maxResults?: number, maxCachedResults?: number } = {}): Promise<Cm> {
  const genesis = fakeGenesis(9, 3)
  for (const n of genesis.nodes) n.encryptionPublicKey = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex')
  const viewOf = (self: typeof genesis.nodes[number]): NetworkView => {
    const liveness = new LivenessTracker(self.peerId)
    for (const n of genesis.nodes) liveness.heard(n.peerId, T0)
    return new NetworkView({ genesis, self, liveness, connectedPeers: () => new Set(), keyCount: () => 0, recentBlame: () => [], startedAtMs: T0 - 60_000, now: () => T0 })
  }
  const managerPeer = viewOf(genesis.nodes[0]!).roles().managers[0]!
  const view = viewOf(genesis.nodes.find(n => n.peerId === managerPeer)!)
  const owner = newOwner()
  const { record } = await deal(membershipOf(genesis), owner)
  const material = { record, state: keyStateOf(record) } as unknown as KeyMaterial
  const keys = { get: () => material } as unknown as KeyMaterials
  const metrics = createNodeMetrics({ version: 'test', nodeId: 'node-test', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
  const warnings: string[] = []
  const coordinator = new SignCoordinator({
    frost: testFrost,
    libp2p: {} as unknown as ShardsigLibp2p,
    localSigner: {
      onNewParty: async () => { throw new Error('no party in this test') },
      onRecover: async () => { throw new Error('no recovery in this test') },
      onCompleted: async () => {},
      onPresign: async () => { throw new Error('no presignatures in this test') }
    },
    view, keys, store, blame: {} as unknown as BlameLog, rate: new RateLimiter(), metrics,
    log: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } }),
    now: () => clock, ...opts
  })
  await coordinator.start()
  started.push({ coordinator, metrics })
  return { coordinator, metrics, owner, record, warnings }
}

let counter = 0
/** A request that expires `inMs` from now (by default a moment ago: still taken, within the clock skew). */
function request (cm: Cm, inMs = -1): SignRequest {
  return signBody(SIGN_REQUEST_KIND, {
    v: PROTOCOL_VERSION, keyId: cm.record.keyId, message: 'cafe', requestId: `kept-${String(++counter).padStart(8, '0')}`, expiresAt: clock + inMs
  }, cm.owner) as SignRequest
}

/** Takes the request and waits until the CM stored its final (failed: expired) result. */
async function finished (cm: Cm, req: SignRequest): Promise<void> {
  await cm.coordinator.submit(req)
  for (let i = 0; i < 1_000; i++) {
    const stored = await store.getJson<{ result: { status: string } }>(`cm-request/${req.requestId}/${req.keyId}`)
    if (stored !== undefined && stored.result.status !== 'pending') return
    await yieldToIo()
  }
  throw new Error(`request ${req.requestId} not finished`)
}

async function gauge (m: NodeMetrics, name: string, kind: string): Promise<number | undefined> {
  return valueOf(parsePrometheusText(await m.registry.metrics()), name, { kind })
}

async function indexRecords (): Promise<number> {
  let n = 0
  for await (const _ of store.iterate(RESULT_EXPIRY_PREFIX)) n++
  return n
}

describe('sign result retention at a CM', () => {
  it('answers GET for a day after the request expired, then deletes the result and its index record', async () => {
    const cm = await manager()
    const req = request(cm)
    await finished(cm, req)
    expect(cm.coordinator.storedResults).toBe(1)
    expect(await cm.coordinator.prune(req.expiresAt + KEPT - 1)).toBe(0)
    expect(await cm.coordinator.get(req.requestId)).toMatchObject([{ status: 'failed', reason: expect.stringMatching(/expired before a party could sign/) }])
    expect(await cm.coordinator.prune(req.expiresAt + KEPT)).toBe(1)
    expect(await cm.coordinator.get(req.requestId)).toEqual([])
    expect(await store.getJson(`cm-request/${req.requestId}/${req.keyId}`)).toBeUndefined()
    expect(await indexRecords()).toBe(0)
    expect(await gauge(cm.metrics, 'shardsig_retained_records', 'sign_results')).toBe(0)
  })

  it('a replayed request after its result was pruned is refused as expired, not run again', async () => {
    const cm = await manager()
    const req = request(cm)
    await finished(cm, req)
    clock = req.expiresAt + KEPT
    expect(await cm.coordinator.prune()).toBe(1)
    await expect(cm.coordinator.submit(req)).rejects.toThrow(SignRejection)
    await expect(cm.coordinator.submit(req)).rejects.toMatchObject({ code: 'expired' })
    expect(cm.coordinator.storedResults).toBe(0)
  })

  it('over the cap the earliest expiry goes first, but never a result whose request can still be signed', async () => {
    const cm = await manager({ maxResults: 1 })
    const reqs: SignRequest[] = []
    for (const at of [0, 1_000, 2_000 + LEDGER_RETENTION_AFTER_EXPIRY_MS, 3_000 + LEDGER_RETENTION_AFTER_EXPIRY_MS]) {
      clock = T0 + at
      const req = request(cm)
      await finished(cm, req)
      reqs.push(req)
    }
    // The first two expired over skew + margin ago (nobody signs them any more); the last two not yet.
    clock = reqs[2]!.expiresAt + 1_000
    expect(await cm.coordinator.prune()).toBe(2)
    for (const [i, req] of reqs.entries()) expect((await cm.coordinator.get(req.requestId)).length, `request ${i}`).toBe(i < 2 ? 0 : 1)
    expect(cm.coordinator.storedResults).toBe(2)
    expect(cm.warnings.join('\n')).toMatch(/more results of requests that can still be signed than its cap/)
    expect(await gauge(cm.metrics, 'shardsig_retained_records_cap', 'sign_results')).toBe(1)
  })

  it('memory keeps at most its cap of finished results, and for SIGN_RESULT_CACHE_MS; a forgotten one is read back from the store', async () => {
    const cm = await manager({ maxCachedResults: 2 })
    const reqs = [request(cm), request(cm), request(cm), request(cm), request(cm)]
    for (const req of reqs) await finished(cm, req)
    await cm.coordinator.prune()
    expect(await gauge(cm.metrics, 'shardsig_retained_records', 'sign_results_cached')).toBe(2)
    expect(await cm.coordinator.get(reqs[0]!.requestId)).toMatchObject([{ status: 'failed', requestId: reqs[0]!.requestId }])
    // A repeated POST of a forgotten one gets the stored answer, not a new run.
    expect((await cm.coordinator.submit(reqs[0]!)).result).toMatchObject({ status: 'failed', reason: expect.stringMatching(/expired before a party could sign/) })
    clock += SIGN_RESULT_CACHE_MS + 1
    await cm.coordinator.prune()
    expect(await gauge(cm.metrics, 'shardsig_retained_records', 'sign_results_cached')).toBe(0)
    expect(cm.coordinator.storedResults).toBe(5)
  })

  it('files the results of an earlier build at start, as if their requests expired at the latest one taken before it could', async () => {
    const stored = (requestId: string): unknown => ({ requestDigest: 'd', result: { requestId, keyId: 'ab'.repeat(16), status: 'completed', scheme: 'ed25519', groupPublicKey: '00', attempts: 1 } })
    await store.putJson(`cm-request/old-00000001/${'ab'.repeat(16)}`, stored('old-00000001'))
    await store.putJson(`cm-request/old-00000002/${'ab'.repeat(16)}`, stored('old-00000002'))
    const cm = await manager()
    expect(cm.coordinator.storedResults).toBe(2)
    expect(await store.getJson(RESULT_INDEX_VERSION_KEY)).toEqual({ v: 1 })
    const assumed = T0 + MAX_SIGN_REQUEST_LIFETIME_MS
    expect(await cm.coordinator.prune(assumed + KEPT - 1)).toBe(0)
    expect(await cm.coordinator.get('old-00000001')).toMatchObject([{ status: 'completed' }])
    expect(await cm.coordinator.prune(assumed + KEPT)).toBe(2)
  })
})
