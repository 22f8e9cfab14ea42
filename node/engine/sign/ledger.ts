// A signer's memory of the requests it took part in, in the store (so it
// survives restarts). This is what keeps one request from completing twice
// with different signatures: any two valid parties share a signer when
// 2·tc > committees and 2·tm > every committee's size (docs/protocols/sign.md),
// and that signer works for one coordinator per request only.
//
// A signer claims a request for a coordinator before round 1 (synced). While
// it has sent no share the claim is a lease, so a request whose CM died can be
// taken over by another CM once the lease ends; once a share left, the claim
// is for good. With the share the ledger keeps the session it went to, so
// another CM can finish that session if the first one died (session recovery,
// docs/protocols/sign.md). Claims are checked and taken under a per-request lock.
//
// What must be durable (synced) and what need not: the contribution is synced
// before the share leaves, and so are abandoned-session marks before a recover
// is answered — those are what keep one request from two signatures. A claim
// (a lease, no share yet) and a completion are written without fsync: a crash
// that loses them loses no promise. After a restart the signer holds no nonces,
// so it can no longer contribute to the session it had claimed for, and any CM
// may claim the request anew; a lost completion makes the signer answer
// `contributed` instead of `completed-before`, and the CM then finishes that
// same session, to the same signature (docs/decisions/0011-ledger-durability.md).
//
// The ledger is the only writer of its records, so it keeps the entries it
// read or wrote lately in memory and reads the store only for the others.
//
// Retention (docs/protocols/sign.md#retention): an entry goes once its request
// can be signed by nobody, LEDGER_RETENTION_AFTER_EXPIRY_MS after the latest
// expiresAt this signer saw for it; every node, this one included, refuses the
// request as expired by then (checkSignRequest), so forgetting it lets no second
// signature through. Entries are filed by that time in an expiry index written
// in the same batch as the entry, and a pruner deletes what is due.
import { randomBytes } from 'node:crypto'
import { setImmediate as yieldToIo } from 'node:timers/promises'
import {
  LEDGER_RETENTION_AFTER_EXPIRY_MS, MAX_LEDGER_ENTRIES, MAX_SIGN_REQUEST_LIFETIME_MS, PRUNE_BATCH_RECORDS, SIGN_STATE_PRUNE_INTERVAL_MS
} from '../../../protocols/constants.js'
import type { Contribution } from '../../../protocols/wire/sign.js'
import {
  claimRule, completionRule, contributionRule, ledgerKey, LEDGER_PREFIX, recoverRule, releaseDeadRule, releaseRule,
  type ClaimCandidate, type ClaimResult, type LedgerEntry, type LedgerWrite, type RecoverResult, type Ruled
} from '../../../protocols/sign/ledger-rules.js'
import type { Logger } from '../../log.js'
import type { RetentionMetrics } from '../../metrics/index.js'
import type { BatchOp, KeyStore } from '../../store/index.js'
import { ExpiryIndex, type Indexed } from '../expiry-index.js'
import { KeyedLock } from '../keyed-lock.js'

export { LEDGER_PREFIX } from '../../../protocols/sign/ledger-rules.js'
/** Every entry's key filed under its expiresAt (ExpiryIndex). */
export const LEDGER_EXPIRY_PREFIX = 'ledger-expiry/'
/** Written once every entry of a build before the index is filed in it. */
export const LEDGER_INDEX_VERSION_KEY = 'ledger-expiry-index'

export type { ClaimResult, LedgerEntry } from '../../../protocols/sign/ledger-rules.js'

const LEDGER_INSTANCE_BYTES = 8
/** Entries kept in memory (the store has them all); the oldest are dropped first. */
const MAX_CACHED_ENTRIES = 4_096

export interface SignLedgerOptions {
  log?: Logger
  metrics?: RetentionMetrics
  now?: () => number
  /** Default MAX_LEDGER_ENTRIES: beyond it the ledger reports, and deletes nothing early. */
  maxEntries?: number
  pruneIntervalMs?: number
}

export class SignLedger {
  private readonly locks = new KeyedLock()
  /** Names the leases this instance takes (see LedgerEntry.leasedIn). */
  private readonly instance = randomBytes(LEDGER_INSTANCE_BYTES).toString('hex')
  /** Store key → entry (null: known to be absent), as last read or written. */
  private readonly cache = new Map<string, LedgerEntry | null>()
  /** Store key → its last write still in progress (see put). */
  private readonly writes = new Map<string, Promise<void>>()
  private readonly index: ExpiryIndex
  private readonly now: () => number
  private readonly maxEntries: number
  /** Entries in the store: counted at start, then kept as entries are written and deleted. */
  private entries = 0
  private timer: NodeJS.Timeout | undefined
  private pruning: Promise<number> | undefined
  private stopped = false

  constructor (private readonly store: KeyStore, private readonly opts: SignLedgerOptions = {}) {
    this.index = new ExpiryIndex(store, LEDGER_EXPIRY_PREFIX)
    this.now = opts.now ?? Date.now
    this.maxEntries = opts.maxEntries ?? MAX_LEDGER_ENTRIES
  }

  /**
   * Files the entries of a build before the expiry index in it (once), counts the entries,
   * and prunes every SIGN_STATE_PRUNE_INTERVAL_MS until stop(). Before the signer takes requests.
   */
  async start (): Promise<void> {
    await this.fileOlderEntries()
    this.entries = await this.index.count()
    this.opts.metrics?.retained('ledger_entries', () => this.entries, this.maxEntries)
    this.opts.metrics?.retained('ledger_cached', () => this.cache.size, MAX_CACHED_ENTRIES)
    this.timer = setInterval(() => {
      this.prune().catch((err: Error) => { this.opts.log?.warn({ err: err.message }, 'ledger prune failed; trying again next round') })
    }, this.opts.pruneIntervalMs ?? SIGN_STATE_PRUNE_INTERVAL_MS)
    this.timer.unref()
  }

  /** Stops the pruner; a prune in progress ends after its current record. */
  stop (): void {
    this.stopped = true
    if (this.timer !== undefined) clearInterval(this.timer)
  }

  /** Entries in the store now (after start). */
  get size (): number {
    return this.entries
  }

  /**
   * Deletes every entry whose request expired more than LEDGER_RETENTION_AFTER_EXPIRY_MS
   * before `nowMs`, PRUNE_BATCH_RECORDS at a time; the number deleted. Each one is
   * checked again under its request's lock, so a claim that extended it meanwhile keeps it.
   */
  async prune (nowMs = this.now()): Promise<number> {
    // One prune at a time: the timer's next round waits for a slow one instead of racing it.
    this.pruning ??= this.pruneDue(nowMs).finally(() => { this.pruning = undefined })
    return await this.pruning
  }

  private async pruneDue (nowMs: number): Promise<number> {
    const cutoff = nowMs - LEDGER_RETENTION_AFTER_EXPIRY_MS
    let deleted = 0
    for (;;) {
      const due = await this.index.due(cutoff, PRUNE_BATCH_RECORDS)
      let batch = 0
      for (const indexed of due) {
        if (this.stopped) break
        if (await this.pruneOne(indexed, cutoff)) batch++
      }
      deleted += batch
      this.opts.metrics?.pruned('ledger_entries', batch)
      if (due.length < PRUNE_BATCH_RECORDS || this.stopped) break
      await yieldToIo()
    }
    if (this.entries > this.maxEntries) {
      // Nothing more may go: each entry left keeps a request that can still be signed from completing twice.
      this.opts.log?.warn({ entries: this.entries, cap: this.maxEntries },
        'the sign ledger holds more entries of requests that can still be signed than its cap; none is deleted before its request expired (docs/operations.md#retained-state)')
    }
    return deleted
  }

  private async pruneOne (indexed: Indexed, cutoff: number): Promise<boolean> {
    const key = indexed.recordKey
    // The request's lock (locked() names it by key id and request id, which is the record key without the prefix).
    return await this.locks.run(key.slice(LEDGER_PREFIX.length), async () => {
      const entry = await this.read(key)
      if (entry === undefined || ExpiryIndex.clamp(entry.expiresAt) !== indexed.at) {
        // A stray index record (its entry went, or it is filed under another time): it alone goes, the entry is filed anew.
        await this.write(key, async () => {
          await this.store.batch([this.index.del(indexed.at, key), ...(entry !== undefined ? [this.index.put(entry.expiresAt, key)] : [])])
        })
        return false
      }
      if (indexed.at > cutoff) return false
      await this.write(key, async () => { await this.store.batch([{ type: 'del', key }, this.index.del(entry.expiresAt, key)]) })
      this.cache.delete(key)
      this.entries--
      return true
    })
  }

  /**
   * Entries written before the expiry index existed are filed in it once. Each has its
   * request's expiresAt (every build wrote it); one that does not is given the latest
   * expiry a request taken before this start can have (now + MAX_SIGN_REQUEST_LIFETIME_MS).
   */
  private async fileOlderEntries (): Promise<void> {
    if (await this.store.getJson(LEDGER_INDEX_VERSION_KEY) !== undefined) return
    const assumedExpiry = this.now() + MAX_SIGN_REQUEST_LIFETIME_MS
    let ops: BatchOp[] = []
    let filed = 0
    for await (const [key, value] of this.store.iterate(LEDGER_PREFIX)) {
      const entry = JSON.parse(new TextDecoder().decode(value)) as LedgerEntry
      if (!Number.isSafeInteger(entry.expiresAt)) {
        entry.expiresAt = assumedExpiry
        ops.push({ type: 'put', key, value: new TextEncoder().encode(JSON.stringify(entry)) })
      }
      ops.push(this.index.put(entry.expiresAt, key))
      filed++
      if (ops.length >= PRUNE_BATCH_RECORDS) {
        await this.store.batch(ops)
        ops = []
      }
    }
    await this.store.batch([...ops, { type: 'put', key: LEDGER_INDEX_VERSION_KEY, value: new TextEncoder().encode(JSON.stringify({ v: 1 })) }], { sync: true })
    if (filed > 0) this.opts.log?.info({ entries: filed }, 'ledger entries of an earlier build filed by expiry')
  }

  private key (keyId: string, requestId: string): string {
    return ledgerKey(keyId, requestId)
  }

  async get (keyId: string, requestId: string): Promise<LedgerEntry | undefined> {
    const key = this.key(keyId, requestId)
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached ?? undefined
    const entry = await this.read(key)
    this.remember(key, entry ?? null)
    return entry
  }

  /** From the cache or the store, without caching it. */
  private async read (key: string): Promise<LedgerEntry | undefined> {
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached ?? undefined
    // Evicted from the cache while a write of it is still on its way: the store has it once that is done.
    await this.writes.get(key)?.catch(() => {})
    return await this.store.getJson<LedgerEntry>(key)
  }

  private remember (key: string, entry: LedgerEntry | null): void {
    this.cache.delete(key)
    this.cache.set(key, entry)
    if (this.cache.size > MAX_CACHED_ENTRIES) this.cache.delete(this.cache.keys().next().value!)
  }

  /**
   * Writes an entry through the cache: readers see it at once. The store writes of one
   * record are issued one after another, each once the one before has completed, so they
   * reach the disk in order: an unsynced claim still on its way can never land after, and
   * overwrite, the synced contribution that follows it. `durable` syncs before resolving.
   * `before` is the entry as it was (undefined: a new one): a new entry, or one whose
   * expiresAt moved, is filed in the expiry index in the same batch.
   */
  private async put (entry: LedgerEntry, durable: boolean, before: LedgerEntry | undefined): Promise<void> {
    const key = this.key(entry.keyId, entry.requestId)
    this.remember(key, entry)
    const refiled = before !== undefined && before.expiresAt !== entry.expiresAt
    await this.write(key, async () => {
      if (before !== undefined && !refiled) {
        await this.store.putJson(key, entry, { sync: durable })
        return
      }
      const value = new TextEncoder().encode(JSON.stringify(entry))
      await this.store.batch([
        { type: 'put', key, value }, ...(refiled ? [this.index.del(before.expiresAt, key)] : []), this.index.put(entry.expiresAt, key)
      ], { sync: durable })
      if (before === undefined) this.entries++
    })
  }

  private async remove (entry: LedgerEntry): Promise<void> {
    const key = this.key(entry.keyId, entry.requestId)
    this.remember(key, null)
    await this.write(key, async () => {
      await this.store.batch([{ type: 'del', key }, this.index.del(entry.expiresAt, key)])
      this.entries--
    })
  }

  private async write (key: string, op: () => Promise<void>): Promise<void> {
    const previous = this.writes.get(key) ?? Promise.resolve()
    const done = previous.catch(() => {}).then(op)
    this.writes.set(key, done)
    try {
      await done
    } catch (err) {
      // The store may not hold what the cache says: read it again next time.
      this.cache.delete(key)
      throw err
    } finally {
      if (this.writes.get(key) === done) this.writes.delete(key)
    }
  }

  /** Claims the request for `candidate.coordinator`, or says why not (claimRule). */
  async claim (candidate: ClaimCandidate, nowMs: number): Promise<ClaimResult> {
    return await this.locked(candidate.keyId, candidate.requestId, async () => {
      const previous = await this.get(candidate.keyId, candidate.requestId)
      const { result, write } = claimRule(previous, candidate, nowMs, this.instance)
      if (write === undefined) return result
      // An unsynced claim is not waited for: a lease lost in a crash promises nothing (see the top of
      // this file), and the next write of this record waits for this one (put). If it fails, the
      // cache forgets the record, so recordContribution finds no claim and no share leaves. A later
      // expiry than the entry had is the exception: synced and waited for.
      const written = this.apply(write, previous)
      if (write.sync) await written
      else written.catch(() => {})
      return result
    })
  }

  /** Written (synced) before the round-2 share leaves this node (contributionRule): 'lost' or 'abandoned' and no share may leave. */
  async recordContribution (entry: LedgerEntry, contribution: Contribution): Promise<'recorded' | 'lost' | 'abandoned'> {
    return await this.ruled(entry.keyId, entry.requestId, current => contributionRule(current, entry, contribution))
  }

  /** Answers a CM's recover for `sessionId` (recoverRule): our contribution to it, or the session abandoned here for good. */
  async recoverOrAbandon (template: Pick<LedgerEntry, 'requestId' | 'keyId' | 'requestDigest' | 'expiresAt' | 'message'>, sessionId: string): Promise<RecoverResult> {
    return await this.ruled(template.keyId, template.requestId, current => recoverRule(current, template, sessionId))
  }

  /** Frees this request from a session `isDead` shows can never finish (releaseDeadRule); the check runs against our own record of it. */
  async releaseDeadSession (keyId: string, requestId: string, isDead: (contribution: Contribution) => boolean): Promise<'released' | 'kept'> {
    return await this.ruled(keyId, requestId, current => releaseDeadRule(current, isDead))
  }

  /** Undoes a first claim that led nowhere (e.g. the key's rate limit was reached). */
  async release (entry: LedgerEntry): Promise<void> {
    await this.ruled(entry.keyId, entry.requestId, current => releaseRule(current, entry))
  }

  async recordCompletion (keyId: string, requestId: string, signature: string): Promise<void> {
    await this.ruled(keyId, requestId, current => completionRule(current, signature))
  }

  /**
   * Writes what the signer machine decided (protocols/sign/ledger-rules.ts via signer-machine.ts):
   * `entry`, or a delete when undefined, synced or not. Readers see it at once (the cache); the
   * store's writes of one record keep their order. Resolves once the store has it.
   */
  async writeEntry (key: string, entry: LedgerEntry | undefined, sync: boolean): Promise<void> {
    const [keyId, requestId] = key.slice(LEDGER_PREFIX.length).split('/') as [string, string]
    const cached = this.cache.get(key)
    // The entry as it was, for the expiry index: from the cache at once, else read (under the record's write order).
    const before = cached !== undefined ? cached ?? undefined : await this.get(keyId, requestId)
    if (entry !== undefined) await this.put(entry, sync, before)
    else if (before !== undefined) await this.remove(before)
  }

  /** Runs a ledger rule on the entry under the request's lock and carries out its write before answering. */
  private async ruled<R> (keyId: string, requestId: string, rule: (current: LedgerEntry | undefined) => Ruled<R>): Promise<R> {
    return await this.locked(keyId, requestId, async () => {
      const current = await this.get(keyId, requestId)
      const { result, write } = rule(current)
      if (write !== undefined) await this.apply(write, current)
      return result
    })
  }

  private async apply (write: LedgerWrite, current: LedgerEntry | undefined): Promise<void> {
    if (write.entry !== undefined) await this.put(write.entry, write.sync, current)
    else if (current !== undefined) await this.remove(current)
  }

  private async locked<T> (keyId: string, requestId: string, fn: () => Promise<T>): Promise<T> {
    return await this.locks.run(`${keyId}/${requestId}`, fn)
  }
}
