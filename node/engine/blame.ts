// Blame records: which peer misbehaved, how, and in which flow. Persisted in
// the store (so they survive restarts) and the recent ones shown in /health.
import { randomBytes } from 'node:crypto'
import type { BlameRecord } from '../../protocols/wire/http.js'
import { unprovableWhy } from '../../protocols/sign/blame-evidence.js'
import type { KeyStore } from '../store/index.js'
import type { Logger } from '../log.js'
import type { BlameMetrics } from '../metrics/index.js'

export const BLAME_PREFIX = 'blame/'
/** How many blame records /health shows (newest first). */
export const RECENT_BLAME_COUNT = 20

export type { BlameRecord }

export class BlameLog {
  private recentRecords: BlameRecord[] = []

  constructor (private readonly store: KeyStore, private readonly log: Logger, private readonly metrics: BlameMetrics) {}

  async load (): Promise<void> {
    const all: BlameRecord[] = []
    for await (const [, value] of this.store.iterate(BLAME_PREFIX)) {
      all.push(JSON.parse(new TextDecoder().decode(value)) as BlameRecord)
    }
    this.recentRecords = all.sort((a, b) => b.at - a.at).slice(0, RECENT_BLAME_COUNT)
  }

  /** `log`: the session's logger (it carries the request id), else the node's. */
  async record (blamed: BlameRecord, log: Logger = this.log): Promise<void> {
    // Every record says what proves it, or that nothing can (docs/protocols/sign.md#blame-evidence).
    const entry: BlameRecord = { ...blamed, evidence: blamed.evidence ?? { kind: 'unprovable', why: unprovableWhy(blamed.reason) } }
    // Time-ordered keys; the random suffix keeps two blames in one millisecond apart.
    const key = `${BLAME_PREFIX}${entry.at.toString().padStart(15, '0')}-${randomBytes(4).toString('hex')}`
    await this.store.putJson(key, entry, { sync: true })
    this.recentRecords = [entry, ...this.recentRecords].slice(0, RECENT_BLAME_COUNT)
    this.metrics.blamed(entry.reason, entry.flow)
    // The evidence's kind only: it may hold the request's message, which logs need not carry.
    log.warn({ blame: { ...entry, evidence: entry.evidence?.kind } }, 'peer blamed')
  }

  recent (): BlameRecord[] {
    return [...this.recentRecords]
  }
}
