// Blame records: which peer misbehaved, how, and in which flow. Persisted in
// the store (so they survive restarts) and the recent ones shown in /health.
// Kept for BLAME_RETENTION_MS, at most MAX_BLAME_RECORDS of them (the newest):
// the oldest go at start and whenever a record is written past either bound,
// so a start reads at most that many (docs/operations.md#retained-state).
import { randomBytes } from 'node:crypto'
import type { BlameRecord } from '../../protocols/wire/http.js'
import { unprovableWhy } from '../../protocols/sign/blame-evidence.js'
import { BLAME_RETENTION_MS, MAX_BLAME_RECORDS, PRUNE_BATCH_RECORDS } from '../../protocols/constants.js'
import type { KeyStore } from '../store/index.js'
import type { Logger } from '../log.js'
import type { BlameMetrics, RetentionMetrics } from '../metrics/index.js'

export const BLAME_PREFIX = 'blame/'
/** How many blame records /health shows (newest first). */
export const RECENT_BLAME_COUNT = 20
/** Digits of the ms timestamp that starts every record's key (time order is key order). */
const AT_DIGITS = 15

export interface BlameLogOptions {
  now?: () => number
  /** Default MAX_BLAME_RECORDS. */
  maxRecords?: number
  /** Default BLAME_RETENTION_MS. */
  retentionMs?: number
}

export type { BlameRecord }

export class BlameLog {
  private recentRecords: BlameRecord[] = []
  /** Records in the store, and the time of the oldest (from its key): counted at load, kept since. */
  private count = 0
  private oldestAt = Infinity
  private readonly now: () => number
  private readonly maxRecords: number
  private readonly retentionMs: number

  constructor (private readonly store: KeyStore, private readonly log: Logger, private readonly metrics: BlameMetrics & Partial<RetentionMetrics>, opts: BlameLogOptions = {}) {
    this.now = opts.now ?? Date.now
    this.maxRecords = opts.maxRecords ?? MAX_BLAME_RECORDS
    this.retentionMs = opts.retentionMs ?? BLAME_RETENTION_MS
  }

  /**
   * Counts the records, deletes those past the retention or beyond the cap (the oldest; a store
   * of a build without these bounds may hold any number), then keeps the newest
   * RECENT_BLAME_COUNT in memory. Nothing but those few is held while reading.
   */
  async load (): Promise<void> {
    this.count = 0
    this.oldestAt = Infinity
    for await (const [key] of this.store.iterate(BLAME_PREFIX)) {
      if (this.count++ === 0) this.oldestAt = atOf(key)
    }
    this.metrics.retained?.('blame_records', () => this.count, this.maxRecords)
    await this.prune()
    let newest: Uint8Array[] = []
    for await (const [, value] of this.store.iterate(BLAME_PREFIX)) {
      newest.push(value)
      if (newest.length > 2 * RECENT_BLAME_COUNT) newest = newest.slice(-RECENT_BLAME_COUNT)
    }
    this.recentRecords = newest.map(v => JSON.parse(new TextDecoder().decode(v)) as BlameRecord).sort((a, b) => b.at - a.at).slice(0, RECENT_BLAME_COUNT)
  }

  /** Records in the store now (after load). */
  get size (): number {
    return this.count
  }

  /** Deletes, oldest first and PRUNE_BATCH_RECORDS at a time, the records past the retention and those beyond the cap; the number deleted. */
  async prune (nowMs = this.now()): Promise<number> {
    const cutoff = nowMs - this.retentionMs
    if (this.count <= this.maxRecords && this.oldestAt >= cutoff) return 0
    let doomed: string[] = []
    let deleted = 0
    const flush = async (): Promise<void> => {
      if (doomed.length === 0) return
      await this.store.batch(doomed.map(key => ({ type: 'del' as const, key })))
      this.count -= doomed.length
      deleted += doomed.length
      doomed = []
    }
    this.oldestAt = Infinity
    for await (const [key] of this.store.iterate(BLAME_PREFIX)) {
      if (this.count - doomed.length > this.maxRecords || atOf(key) < cutoff) {
        doomed.push(key)
        if (doomed.length >= PRUNE_BATCH_RECORDS) await flush()
        continue
      }
      this.oldestAt = atOf(key)
      break
    }
    await flush()
    if (deleted === 0) return 0
    this.recentRecords = this.recentRecords.filter(r => r.at >= cutoff)
    this.metrics.pruned?.('blame_records', deleted)
    return deleted
  }

  /** `log`: the session's logger (it carries the request id), else the node's. */
  async record (blamed: BlameRecord, log: Logger = this.log): Promise<void> {
    // Every record says what proves it, or that nothing can (docs/protocols/sign.md#blame-evidence).
    const entry: BlameRecord = { ...blamed, evidence: blamed.evidence ?? { kind: 'unprovable', why: unprovableWhy(blamed.reason) } }
    // Time-ordered keys; the random suffix keeps two blames in one millisecond apart.
    const key = `${BLAME_PREFIX}${entry.at.toString().padStart(15, '0')}-${randomBytes(4).toString('hex')}`
    await this.store.putJson(key, entry, { sync: true })
    this.count++
    this.oldestAt = Math.min(this.oldestAt, entry.at)
    await this.prune().catch((err: Error) => { this.log.warn({ err: err.message }, 'old blame records not pruned; trying again with the next') })
    this.recentRecords = [entry, ...this.recentRecords].slice(0, RECENT_BLAME_COUNT)
    this.metrics.blamed(entry.reason, entry.flow)
    // The evidence's kind only: it may hold the request's message, which logs need not carry.
    log.warn({ blame: { ...entry, evidence: entry.evidence?.kind } }, 'peer blamed')
  }

  recent (): BlameRecord[] {
    return [...this.recentRecords]
  }
}

/** The time in a record's key (`blame/<ms, 15 digits>-<random>`); 0 for a key of another shape, so it goes first. */
function atOf (key: string): number {
  const at = Number(key.slice(BLAME_PREFIX.length, BLAME_PREFIX.length + AT_DIGITS))
  return Number.isFinite(at) ? at : 0
}
