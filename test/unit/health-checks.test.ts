// The node's own store checks for /health (node/engine/health) on a real
// classic-level store in a temporary folder: the share audit names a share
// record whose sealed bytes were altered on disk and reads every other one; a
// signer's read of such a record marks it too; other store failures are the
// `store` reason; a rewritten record is fine again after the next audit; and
// shardsig_health_degraded follows /health.
import { ClassicLevel } from 'classic-level'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHealthChecks, STORE_PROBE_KEY } from '../../node/engine/health/checks.js'
import { HealthFindings } from '../../node/engine/health/findings.js'
import { auditShares, prefixesAfter } from '../../node/engine/health/share-audit.js'
import { parseShareKey, SHARE_KEY_ALPHABET, shareKey, ShareStore, type StoredShare } from '../../node/engine/new-user/share-store.js'
import { createNodeMetrics, instrumentStore, type NodeMetrics } from '../../node/metrics/index.js'
import { registerHealthGauges } from '../../node/metrics/health.js'
import { openStore, StoreClosedError, StoreCorruptError, type KeyStore } from '../../node/store/index.js'
import { assessHealth } from '../../protocols/health/assess.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js'

const PASS = 'test passphrase'
const SMALL = { N: 2 ** 10 }
const silent = pino({ level: 'silent' })
const KEYS = ['0a', '3f', '3f01', '7c', 'c1', 'ff'].map(k => k.padEnd(32, '0'))

let dir: string
let dbPath: string
const opened: KeyStore[] = []
const metricsStarted: NodeMetrics[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-health-'))
  dbPath = join(dir, 'store')
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async s => await s.close()))
  for (const m of metricsStarted.splice(0)) m.stop()
  await rm(dir, { recursive: true, force: true })
})

function share (keyId: string, epoch = 0): StoredShare {
  return { keyId, epoch, scheme: 'ed25519', committee: 1, member: 1, share: '11'.repeat(32), recordDigest: '22'.repeat(32), state: 'active', receivedAt: 1 }
}

/** The store as the node opens it: instrumented, its failures going to the findings. */
async function openInstrumented (findings: HealthFindings): Promise<KeyStore> {
  const m = createNodeMetrics({ version: '0.0.0', nodeId: 'node-1', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
  metricsStarted.push(m)
  const store = instrumentStore(await openStore({ path: dbPath, passphrase: PASS, scrypt: SMALL }), m, { onError: findings.storeFailed })
  opened.push(store)
  return store
}

async function closeAll (): Promise<void> {
  await Promise.all(opened.splice(0).map(async s => await s.close()))
}

/** Flips one byte of a record's sealed envelope with a second handle while the store is closed, as a failing disk or an attacker would. */
async function flipByte (recordKey: string): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(dbPath, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  try {
    const raw = Uint8Array.from((await db.get(recordKey)) ?? [])
    expect(raw.length).toBeGreaterThan(40)
    raw[raw.length - 20] = (raw[raw.length - 20] as number) ^ 0x01
    await db.put(recordKey, raw)
  } finally {
    await db.close()
  }
}

async function storeWithShares (): Promise<void> {
  const store = await openInstrumented(new HealthFindings())
  const shares = new ShareStore(store)
  for (const keyId of KEYS) await shares.put(share(keyId))
  await shares.put(share(KEYS[1]!, 1))
  await shares.put(share(KEYS[1]!, 10))
  await closeAll()
}

describe('prefixesAfter', () => {
  it('covers exactly the share keys after a record, each once', () => {
    // Share keys of a few key ids and epochs, sorted as LevelDB sorts them (bytewise).
    const keys = KEYS.flatMap(k => [0, 1, 2, 10, 11, 100].map(e => shareKey(k, e))).sort()
    for (const r of keys) {
      const prefixes = prefixesAfter(r, 'share/')
      const covered = keys.filter(k => prefixes.some(p => k.startsWith(p)))
      expect(covered).toEqual(keys.filter(k => k > r))
      for (const k of covered) expect(prefixes.filter(p => k.startsWith(p)), k).toHaveLength(1)
    }
    expect(SHARE_KEY_ALPHABET).toBe([...SHARE_KEY_ALPHABET].sort().join(''))
  })

  it('parses what shareKey writes, and nothing else', () => {
    expect(parseShareKey(shareKey(KEYS[0]!, 7))).toEqual({ keyId: KEYS[0], epoch: 7 })
    expect(parseShareKey('share/xyz/0')).toBeUndefined()
    expect(parseShareKey('registry/' + KEYS[0]!)).toBeUndefined()
  })
})

describe('share audit', () => {
  it('names the share records that do not authenticate and reads every other one', async () => {
    await storeWithShares()
    await flipByte(shareKey(KEYS[1]!, 1))
    await flipByte(shareKey(KEYS[4]!, 0))
    const findings = new HealthFindings()
    const store = await openInstrumented(findings)
    // The store's own scan stops at the first: that is why the audit resumes after it.
    await expect(new ShareStore(store).all()).rejects.toBeInstanceOf(StoreCorruptError)
    const result = await auditShares(store)
    expect(result.readable).toBe(KEYS.length + 2 - 2)
    expect(result.unreadable.map(s => [s.keyId, s.epoch])).toEqual([[KEYS[1], 1], [KEYS[4], 0]])
  })

  it('at start and after: findings name the key ids; a rewritten record is fine after the next audit', async () => {
    await storeWithShares()
    await flipByte(shareKey(KEYS[2]!, 0))
    const findings = new HealthFindings({ log: silent })
    const store = await openInstrumented(findings)
    const checks = await startHealthChecks({ store, findings, log: silent })
    try {
      expect(findings.snapshot()).toEqual({ store: null, unreadableShares: [{ keyId: KEYS[2], epoch: 0 }] })
      // The share is dealt again (a reshare writes it anew): the next audit clears it.
      await new ShareStore(store).put(share(KEYS[2]!))
      expect((await checks.auditShares())?.unreadable).toEqual([])
      expect(findings.snapshot().unreadableShares).toEqual([])
    } finally {
      await checks.stop()
    }
  })

  it('a signer reading a share that does not authenticate marks it, before any audit', async () => {
    await storeWithShares()
    await flipByte(shareKey(KEYS[5]!, 0))
    const findings = new HealthFindings()
    const store = await openInstrumented(findings)
    // What Signer.usableKey does in a session: read this node's share of the key at its epoch.
    await expect(new ShareStore(store).get(KEYS[5]!, 0)).rejects.toMatchObject({ name: 'StoreCorruptError', recordKey: shareKey(KEYS[5]!, 0) })
    expect(findings.snapshot()).toEqual({ store: null, unreadableShares: [{ keyId: KEYS[5], epoch: 0 }] })
    // Not a store failure: the store works; that record is bad.
    expect(findings.snapshot().store).toBeNull()
  })
})

describe('store failures', () => {
  it('any other failure is the store reason for its window; a closed store or a refused key is not', async () => {
    let now = 1_000_000
    const findings = new HealthFindings({ windowMs: 60_000, now: () => now })
    findings.storeFailed('get', new StoreClosedError(dbPath))
    findings.storeFailed('get', new TypeError('value must be a Uint8Array'))
    expect(findings.snapshot().store).toBeNull()
    const io = Object.assign(new Error('IO error: /store/000005.ldb: Input/output error'), { code: 'LEVEL_IO_ERROR' })
    findings.storeFailed('get', io)
    // The same error reported again (the caller caught what the instrumented store saw) counts once.
    findings.storeFailed('probe', io)
    now += 10_000
    findings.storeFailed('put', new Error('No space left on device'))
    expect(findings.snapshot().store).toEqual({ failures: 2, lastFailureAt: now, lastFailure: 'put: No space left on device', windowMs: 60_000 })
    now += 55_000
    expect(findings.snapshot().store?.failures).toBe(1)
    now += 10_000
    expect(findings.snapshot().store).toBeNull()
  })

  it('a record other than a share that does not authenticate is a store failure', async () => {
    const findings = new HealthFindings()
    const store = await openInstrumented(findings)
    await store.putJson('registry/' + KEYS[0]!, { x: 1 })
    await closeAll()
    await flipByte('registry/' + KEYS[0]!)
    const again = await openInstrumented(findings)
    await expect(again.getJson('registry/' + KEYS[0]!)).rejects.toBeInstanceOf(StoreCorruptError)
    expect(findings.snapshot().store?.lastFailure).toMatch(/^get: .*"registry\/0a0+" does not authenticate/)
    expect(findings.snapshot().unreadableShares).toEqual([])
  })

  it('the probe reads back what was written at start; a probe record altered on disk fails it', async () => {
    const findings = new HealthFindings({ log: silent })
    const store = await openInstrumented(findings)
    const checks = await startHealthChecks({ store, findings, log: silent, storeProbeIntervalMs: 3_600_000 })
    await checks.probeStore()
    expect(findings.snapshot().store).toBeNull()
    // Another value under the probe's key (as if the record were lost or swapped): the next probe says so.
    await store.put(STORE_PROBE_KEY, new Uint8Array(16))
    await checks.probeStore()
    expect(findings.snapshot().store?.lastFailure).toMatch(/^probe: the probe record health\/probe holds other bytes/)
    await checks.stop()
  })
})

describe('shardsig_health_degraded', () => {
  it('is 1 per reason while degraded, 0 while ok or starting', async () => {
    const m = createNodeMetrics({ version: '0.0.0', nodeId: 'node-1', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
    metricsStarted.push(m)
    const genesis = fakeGenesis(9, 3, { tc: 2, tm: 2 })
    let live = new Set(['peer-1'])
    let warmingUp = true
    const unreadableShares = [{ keyId: KEYS[0]!, epoch: 0 }]
    let findings = { store: null, unreadableShares: [] as typeof unreadableShares }
    registerHealthGauges(m.registry, () => assessHealth({ params: genesis.params, members: genesis.nodes, self: genesis.nodes[0]!, live, warmingUp, local: findings }))
    const gauge = async (): Promise<number[]> => {
      const s = parsePrometheusText(await m.registry.metrics())
      return ['peers', 'store', 'shares'].map(reason => valueOf(s, 'shardsig_health_degraded', { reason }))
    }
    expect(await gauge()).toEqual([0, 0, 0]) // starting
    warmingUp = false
    expect(await gauge()).toEqual([1, 0, 0])
    findings = { store: null, unreadableShares }
    expect(await gauge()).toEqual([1, 0, 1])
    live = new Set(genesis.nodes.map(n => n.peerId))
    expect(await gauge()).toEqual([0, 0, 1])
    findings = { store: null, unreadableShares: [] }
    expect(await gauge()).toEqual([0, 0, 0])
  })
})
