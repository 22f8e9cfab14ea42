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
import { randomBytes } from 'node:crypto'
import type { Contribution } from '../../../protocols/wire/sign.js'
import type { KeyStore } from '../../store/index.js'
import { KeyedLock } from '../keyed-lock.js'

export const LEDGER_PREFIX = 'signed/'

export interface LedgerEntry {
  requestId: string
  keyId: string
  /** requestIdentity(): another message under the same key and id is a conflict. */
  requestDigest: string
  coordinator: string
  /** A round-2 share went to `coordinator`: no other coordinator gets one for this request. */
  contributed: boolean
  /** Until then (ms) the claim holds even without a share. */
  leaseUntil: number
  /**
   * The ledger instance (one per node process) that took the lease. A lease
   * from before a restart holds nothing: the nonces of its session died with
   * that process, so this signer can never contribute to it.
   */
  leasedIn?: string
  expiresAt: number
  /** The message (hex), to check a completion notice's signature before keeping it. */
  message: string
  /** Set when the coordinator reported the finished signature. */
  signature?: string
  /** The session our share went to (the latest one, when the coordinator retried with us). */
  contribution?: Contribution
  /**
   * Sessions a CM asked us for (recover) before we contributed: we never
   * contribute to them, so a session judged unfinishable stays so.
   */
  abandoned?: string[]
}

/** Abandoned session ids kept per request (a request has a few sessions at most). */
const MAX_ABANDONED_SESSIONS = 16
const LEDGER_INSTANCE_BYTES = 8
/** Entries kept in memory (the store has them all); the oldest are dropped first. */
const MAX_CACHED_ENTRIES = 4_096

export type ClaimResult =
  | { kind: 'claimed', entry: LedgerEntry, first: boolean }
  | { kind: 'completed', signature: string }
  | { kind: 'conflict' }
  /** For good: a share went to `by`, in the session `contribution` describes. */
  | { kind: 'held', by: string, contribution?: Contribution }
  /** For now: `by` holds a lease until `until`. */
  | { kind: 'leased', by: string, until: number }

export class SignLedger {
  private readonly locks = new KeyedLock()
  /** Names the leases this instance takes (see LedgerEntry.leasedIn). */
  private readonly instance = randomBytes(LEDGER_INSTANCE_BYTES).toString('hex')
  /** Store key → entry (null: known to be absent), as last read or written. */
  private readonly cache = new Map<string, LedgerEntry | null>()
  /** Store key → its last write still in progress (see put). */
  private readonly writes = new Map<string, Promise<void>>()

  constructor (private readonly store: KeyStore) {}

  private key (keyId: string, requestId: string): string {
    return `${LEDGER_PREFIX}${keyId}/${requestId}`
  }

  async get (keyId: string, requestId: string): Promise<LedgerEntry | undefined> {
    const key = this.key(keyId, requestId)
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached ?? undefined
    // Evicted from the cache while a write of it is still on its way: the store has it once that is done.
    await this.writes.get(key)?.catch(() => {})
    const entry = await this.store.getJson<LedgerEntry>(key)
    this.remember(key, entry ?? null)
    return entry
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
   */
  private async put (entry: LedgerEntry, durable: boolean): Promise<void> {
    const key = this.key(entry.keyId, entry.requestId)
    this.remember(key, entry)
    await this.write(key, async () => { await this.store.putJson(key, entry, { sync: durable }) })
  }

  private async remove (keyId: string, requestId: string): Promise<void> {
    const key = this.key(keyId, requestId)
    this.remember(key, null)
    await this.write(key, async () => { await this.store.delete(key) })
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

  /** Claims the request for `candidate.coordinator`, or says why not. */
  async claim (candidate: Omit<LedgerEntry, 'contributed' | 'signature' | 'contribution' | 'abandoned' | 'leasedIn'>, nowMs: number): Promise<ClaimResult> {
    return await this.locked(candidate.keyId, candidate.requestId, async () => {
      const previous = await this.get(candidate.keyId, candidate.requestId)
      if (previous !== undefined) {
        if (previous.requestDigest !== candidate.requestDigest) return { kind: 'conflict' }
        if (previous.signature !== undefined) return { kind: 'completed', signature: previous.signature }
        if (previous.coordinator !== candidate.coordinator) {
          if (previous.contributed) return { kind: 'held', by: previous.coordinator, contribution: previous.contribution }
          if (nowMs < previous.leaseUntil && previous.leasedIn === this.instance) return { kind: 'leased', by: previous.coordinator, until: previous.leaseUntil }
        }
      }
      const entry: LedgerEntry = {
        ...candidate,
        leasedIn: this.instance,
        // Same coordinator again (a retry): keep what it already got from us.
        contributed: previous?.coordinator === candidate.coordinator ? previous.contributed : false,
        contribution: previous?.coordinator === candidate.coordinator ? previous.contribution : undefined,
        abandoned: previous?.abandoned
      }
      // Not synced, and not waited for: a lease lost in a crash promises nothing (see the top of
      // this file), and the next write of this record waits for this one (put). If it fails, the
      // cache forgets the record, so recordContribution finds no claim and no share leaves.
      this.put(entry, false).catch(() => {})
      return { kind: 'claimed', entry, first: previous === undefined || previous.coordinator === '' }
    })
  }

  /**
   * Written (synced) before the round-2 share leaves this node. 'lost' when the
   * claim was lost meanwhile (a session outlived its lease and another CM took
   * the request over), 'abandoned' when a recover declared the session
   * unfinishable first: in both cases no share may leave.
   */
  async recordContribution (entry: LedgerEntry, contribution: Contribution): Promise<'recorded' | 'lost' | 'abandoned'> {
    return await this.locked(entry.keyId, entry.requestId, async () => {
      const current = await this.get(entry.keyId, entry.requestId)
      if (current === undefined || current.coordinator !== entry.coordinator || current.requestDigest !== entry.requestDigest) return 'lost'
      if (current.abandoned?.includes(contribution.sessionId) === true) return 'abandoned'
      await this.put({ ...current, contributed: true, contribution }, true)
      return 'recorded'
    })
  }

  /**
   * Answers a CM's recover for `sessionId`: our contribution to it if we sent
   * one; otherwise the session is marked abandoned here (synced) and we never
   * contribute to it, so the CM's judgement "incomplete" cannot be overtaken
   * by a share of ours that was still on its way.
   */
  async recoverOrAbandon (template: Pick<LedgerEntry, 'requestId' | 'keyId' | 'requestDigest' | 'expiresAt' | 'message'>, sessionId: string):
  Promise<{ kind: 'contributed', contribution: Contribution } | { kind: 'completed', signature: string } | { kind: 'conflict' } | { kind: 'abandoned' }> {
    return await this.locked(template.keyId, template.requestId, async () => {
      const current = await this.get(template.keyId, template.requestId)
      if (current !== undefined && current.requestDigest !== template.requestDigest) return { kind: 'conflict' }
      if (current?.signature !== undefined) return { kind: 'completed', signature: current.signature }
      if (current?.contribution?.sessionId === sessionId) return { kind: 'contributed', contribution: current.contribution }
      // No claim yet: an empty one (no coordinator, lease over) that any CM may take, carrying the mark.
      const base: LedgerEntry = current ?? { ...template, coordinator: '', leaseUntil: 0, contributed: false }
      const abandoned = [...new Set([...(base.abandoned ?? []), sessionId])].slice(-MAX_ABANDONED_SESSIONS)
      await this.put({ ...base, abandoned }, true)
      return { kind: 'abandoned' }
    })
  }

  /**
   * Frees this request from the coordinator our share went to, when `isDead`
   * says the session it went to can never finish (a member's signed
   * abandonment, checked by the caller against our own record of that
   * session). Synced: the session is marked abandoned here too, so we never
   * take it up again. 'released', or 'kept' when the entry is not held by such
   * a session.
   */
  async releaseDeadSession (keyId: string, requestId: string, isDead: (contribution: Contribution) => boolean): Promise<'released' | 'kept'> {
    return await this.locked(keyId, requestId, async () => {
      const current = await this.get(keyId, requestId)
      if (current === undefined || current.signature !== undefined || !current.contributed || current.contribution === undefined || !isDead(current.contribution)) return 'kept'
      const abandoned = [...new Set([...(current.abandoned ?? []), current.contribution.sessionId])].slice(-MAX_ABANDONED_SESSIONS)
      await this.put({ ...current, coordinator: '', leaseUntil: 0, contributed: false, contribution: undefined, abandoned }, true)
      return 'released'
    })
  }

  /** Undoes a first claim that led nowhere (e.g. the key's rate limit was reached). */
  async release (entry: LedgerEntry): Promise<void> {
    await this.locked(entry.keyId, entry.requestId, async () => {
      const current = await this.get(entry.keyId, entry.requestId)
      if (current === undefined || current.contributed || current.coordinator !== entry.coordinator) return
      // Abandoned-session marks outlive the claim.
      if (current.abandoned !== undefined) {
        await this.put({ ...current, coordinator: '', leaseUntil: 0 }, true)
      } else {
        await this.remove(entry.keyId, entry.requestId)
      }
    })
  }

  async recordCompletion (keyId: string, requestId: string, signature: string): Promise<void> {
    await this.locked(keyId, requestId, async () => {
      const entry = await this.get(keyId, requestId)
      if (entry === undefined || entry.signature !== undefined) return
      // Not synced: a lost completion leads to the same signature again (see the top of this file).
      await this.put({ ...entry, signature }, false)
    })
  }

  private async locked<T> (keyId: string, requestId: string, fn: () => Promise<T>): Promise<T> {
    return await this.locks.run(`${keyId}/${requestId}`, fn)
  }
}
