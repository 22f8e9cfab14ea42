// How long a node keeps blame records (node/engine/blame.ts,
// docs/operations.md#retained-state), on a real store with the clock passed
// in: at most MAX_BLAME_RECORDS, the newest, none older than the retention;
// a start deletes what a build without these bounds left and keeps only the
// newest few in memory.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BLAME_PREFIX, BlameLog, RECENT_BLAME_COUNT, type BlameRecord } from '../../node/engine/blame.js'
import { createNodeMetrics, type NodeMetrics } from '../../node/metrics/index.js'
import { openStore, type KeyStore } from '../../node/store/index.js'
import { BLAME_RETENTION_MS } from '../../protocols/constants.js'
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js'

const T0 = 1_800_000_000_000
const log = pino({ level: 'silent' })
let dir: string
let store: KeyStore
let metrics: NodeMetrics

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-blame-retention-'))
  store = await openStore({ path: dir, passphrase: 'test', scrypt: { N: 2 ** 10 } })
  metrics = createNodeMetrics({ version: 'test', nodeId: 'node-1', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
})
afterEach(async () => {
  metrics.stop()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

const blame = (at: number): BlameRecord => ({ at, culprit: `peer-${at}`, reason: 'silent', flow: 'sign', detail: `blamed at ${at}` })

async function stored (): Promise<number[]> {
  const at: number[] = []
  for await (const [, value] of store.iterate(BLAME_PREFIX)) at.push((JSON.parse(new TextDecoder().decode(value)) as BlameRecord).at)
  return at
}

describe('blame retention', () => {
  it('keeps at most its cap of records, the newest, as records are written', async () => {
    const blameLog = new BlameLog(store, log, metrics, { now: () => T0 + 100, maxRecords: 10 })
    await blameLog.load()
    for (let i = 0; i < 15; i++) await blameLog.record(blame(T0 + i))
    expect(blameLog.size).toBe(10)
    expect(await stored()).toEqual(Array.from({ length: 10 }, (_, i) => T0 + 5 + i))
    expect(blameLog.recent()[0]!.at).toBe(T0 + 14)
    const scrape = parsePrometheusText(await metrics.registry.metrics())
    expect(valueOf(scrape, 'shardsig_retained_records', { kind: 'blame_records' })).toBe(10)
    expect(valueOf(scrape, 'shardsig_retained_records_pruned_total', { kind: 'blame_records' })).toBe(5)
    // Every blame still counts in the metric that never forgets.
    expect(valueOf(scrape, 'shardsig_blame_events_total', { reason: 'silent', flow: 'sign' })).toBe(15)
  })

  it('a start deletes what a build without bounds left beyond the cap and past the retention, and keeps only the newest few in memory', async () => {
    // Written as a build before retention wrote them: one a day ago, 59 over 40 days.
    const old = Array.from({ length: 59 }, (_, i) => T0 - BLAME_RETENTION_MS - (59 - i) * 60_000)
    for (const at of [...old, T0 - 86_400_000]) await store.putJson(`${BLAME_PREFIX}${at.toString().padStart(15, '0')}-00000000`, blame(at))
    const blameLog = new BlameLog(store, log, metrics, { now: () => T0, maxRecords: 50 })
    await blameLog.load()
    expect(await stored()).toEqual([T0 - 86_400_000])
    expect(blameLog.size).toBe(1)
    expect(blameLog.recent().map(r => r.at)).toEqual([T0 - 86_400_000])
  })

  it('records age out when the next one is written, and a restart reads the same', async () => {
    let now = T0
    const blameLog = new BlameLog(store, log, metrics, { now: () => now })
    await blameLog.load()
    for (let i = 0; i < RECENT_BLAME_COUNT + 5; i++) await blameLog.record(blame(T0 + i))
    now = T0 + BLAME_RETENTION_MS + 10
    await blameLog.record(blame(now))
    // Those of T0 … T0 + 9 are past the retention now.
    expect(blameLog.size).toBe(RECENT_BLAME_COUNT + 5 - 10 + 1)
    expect(blameLog.recent().every(r => r.at >= T0 + 10)).toBe(true)
    const restarted = new BlameLog(store, log, metrics, { now: () => now })
    await restarted.load()
    expect(restarted.size).toBe(blameLog.size)
    expect(restarted.recent().map(r => r.at)).toEqual(blameLog.recent().map(r => r.at))
  })
})
