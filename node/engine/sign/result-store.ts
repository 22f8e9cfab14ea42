// A CM's sign results in its store (docs/protocols/sign.md#retention), under
// cm-request/<requestId>/<keyId> so that GET /sign_request/:id finds them by
// prefix. The first write of a result files it by its request's expiresAt in
// an expiry index; a result goes SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS after
// that expiry (+ skew), and beyond the cap the earliest expiry goes first, but
// never a result whose request can still be signed: a repeated POST of it would
// be taken as new and run again as the same coordinator.
import {
  LEDGER_RETENTION_AFTER_EXPIRY_MS, MAX_SIGN_REQUEST_LIFETIME_MS, MAX_SIGN_RESULTS, PRUNE_BATCH_RECORDS, SIGN_CLOCK_SKEW_MS, SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS
} from '../../../protocols/constants.js'
import type { SignResult } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { RetentionMetrics } from '../../metrics/index.js'
import type { BatchOp, KeyStore } from '../../store/index.js'
import { ExpiryIndex, type Indexed } from '../expiry-index.js'

const RESULT_PREFIX = 'cm-request/'
/** Every result's key filed under its request's expiresAt (ExpiryIndex). */
export const RESULT_EXPIRY_PREFIX = 'cm-request-expiry/'
/** Written once every result of a build before the index is filed in it. */
export const RESULT_INDEX_VERSION_KEY = 'cm-request-expiry-index'

export interface StoredResult {
  requestDigest: string
  result: SignResult
  /** The request's (absent in results of a build before retention: they are filed as found at start). */
  expiresAt?: number
}

export interface SignResultStoreInit {
  store: KeyStore
  log: Logger
  metrics: RetentionMetrics
  now: () => number
  /** Default MAX_SIGN_RESULTS. */
  maxResults?: number
  /** Called for each result deleted, so that memory forgets it too. */
  onDeleted: (keyId: string, requestId: string) => void
}

export class SignResultStore {
  private readonly index: ExpiryIndex
  /** Results in the store: counted at start, then kept as results are written and deleted. */
  private count = 0
  private readonly maxResults: number
  private pruning: Promise<number> | undefined

  constructor (private readonly init: SignResultStoreInit) {
    this.index = new ExpiryIndex(init.store, RESULT_EXPIRY_PREFIX)
    this.maxResults = init.maxResults ?? MAX_SIGN_RESULTS
  }

  /** Files the results of a build before the index in it (once) and counts them. */
  async start (): Promise<void> {
    await this.fileOlderResults()
    this.count = await this.index.count()
    this.init.metrics.retained('sign_results', () => this.count, this.maxResults)
  }

  /** Results in the store now (after start). */
  get size (): number {
    return this.count
  }

  /** Writes a result; its `first` write also files it by its request's expiry, in the same batch. */
  async put (stored: StoredResult & { expiresAt: number }, opts: { sync: boolean, first: boolean }): Promise<void> {
    const key = storeKey(stored.result.keyId, stored.result.requestId)
    if (!opts.first) {
      await this.init.store.putJson(key, stored, { sync: opts.sync })
      return
    }
    await this.init.store.batch([{ type: 'put', key, value: new TextEncoder().encode(JSON.stringify(stored)) }, this.index.put(stored.expiresAt, key)], { sync: opts.sync })
    this.count++
  }

  async get (keyId: string, requestId: string): Promise<StoredResult | undefined> {
    return await this.init.store.getJson<StoredResult>(storeKey(keyId, requestId))
  }

  /** Every stored result of a request id, one per key that used it. */
  async * byRequestId (requestId: string): AsyncIterable<StoredResult> {
    for await (const [, value] of this.init.store.iterate(`${RESULT_PREFIX}${requestId}/`)) {
      yield JSON.parse(new TextDecoder().decode(value)) as StoredResult
    }
  }

  /**
   * Deletes the results whose request expired (+ skew) more than SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS
   * before `nowMs`, then, beyond the cap, those of the earliest expiry that no one can sign any more;
   * the number deleted. `stopping` ends it between batches.
   */
  async prune (nowMs: number, stopping: () => boolean = () => false): Promise<number> {
    this.pruning ??= this.pruneNow(nowMs, stopping).finally(() => { this.pruning = undefined })
    return await this.pruning
  }

  private async pruneNow (nowMs: number, stopping: () => boolean): Promise<number> {
    let deleted = 0
    for (;;) {
      const due = await this.index.due(nowMs - SIGN_CLOCK_SKEW_MS - SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS, PRUNE_BATCH_RECORDS)
      deleted += await this.delete(due)
      if (due.length < PRUNE_BATCH_RECORDS || stopping()) break
    }
    while (this.count > this.maxResults && !stopping()) {
      const due = await this.index.due(nowMs - LEDGER_RETENTION_AFTER_EXPIRY_MS, Math.min(PRUNE_BATCH_RECORDS, this.count - this.maxResults))
      if (due.length === 0) break
      deleted += await this.delete(due)
    }
    this.init.metrics.pruned('sign_results', deleted)
    if (this.count > this.maxResults) {
      this.init.log.warn({ results: this.count, cap: this.maxResults },
        'this manager holds more results of requests that can still be signed than its cap; none is deleted before its request expired (docs/operations.md#retained-state)')
    }
    return deleted
  }

  /** Deletes each result with its index record, in one batch. Nothing else writes a result 24 h after its request expired. */
  private async delete (due: Indexed[]): Promise<number> {
    if (due.length === 0) return 0
    const ops: BatchOp[] = due.flatMap(d => [{ type: 'del' as const, key: d.recordKey }, this.index.del(d.at, d.recordKey)])
    await this.init.store.batch(ops)
    for (const d of due) {
      const [requestId, keyId] = d.recordKey.slice(RESULT_PREFIX.length).split('/')
      this.init.onDeleted(keyId ?? '', requestId ?? '')
    }
    this.count -= due.length
    return due.length
  }

  /**
   * Results written before the expiry index existed are filed in it once. They carry no
   * expiresAt, so each is filed as if its request expired at the latest a request taken
   * before this start can (now + MAX_SIGN_REQUEST_LIFETIME_MS): kept the whole retention from this start.
   */
  private async fileOlderResults (): Promise<void> {
    const { store, log } = this.init
    if (await store.getJson(RESULT_INDEX_VERSION_KEY) !== undefined) return
    const assumedExpiry = this.init.now() + MAX_SIGN_REQUEST_LIFETIME_MS
    let ops: BatchOp[] = []
    let filed = 0
    for await (const [key, value] of store.iterate(RESULT_PREFIX)) {
      const stored = JSON.parse(new TextDecoder().decode(value)) as StoredResult
      ops.push(this.index.put(Number.isSafeInteger(stored.expiresAt) ? stored.expiresAt! : assumedExpiry, key))
      filed++
      if (ops.length >= PRUNE_BATCH_RECORDS) {
        await store.batch(ops)
        ops = []
      }
    }
    await store.batch([...ops, { type: 'put', key: RESULT_INDEX_VERSION_KEY, value: new TextEncoder().encode(JSON.stringify({ v: 1 })) }], { sync: true })
    if (filed > 0) log.info({ results: filed }, 'sign results of an earlier build filed by expiry')
  }
}

/** Stored under the request id first, so GET /sign_request/:id finds it by prefix. */
function storeKey (keyId: string, requestId: string): string {
  return `${RESULT_PREFIX}${requestId}/${keyId}`
}
