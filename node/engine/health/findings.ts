// What this node found wrong with its own store since it started, for /health:
// store operations that failed (any part of the node, reported by the
// instrumented store, node/metrics/store.ts) and share records that do not
// authenticate (the share audit, or a signer that read one). Which of them make
// the node `degraded` is protocols/health/assess.ts's decision.
import { STORE_FAILURE_WINDOW_MS } from '../../../protocols/constants.js'
import type { LocalFindings } from '../../../protocols/health/assess.js'
import type { Logger } from '../../log.js'
import { InvalidStoreKeyError, StoreClosedError, StoreCorruptError } from '../../store/index.js'
import { parseShareKey } from '../new-user/share-store.js'

/** Failures counted within the window at most; more are still reported, as this many. */
const MAX_TRACKED_FAILURES = 1_000

export interface UnreadableShare { keyId: string, epoch: number, recordKey: string }

export class HealthFindings {
  private failures: Array<{ at: number, text: string }> = []
  /** By record key; `at` when it was last found unreadable. */
  private unreadable = new Map<string, UnreadableShare & { at: number }>()
  /** An error is counted once, whether the instrumented store or the caller that caught it reports it. */
  private readonly seen = new WeakSet<object>()
  /** The clock findings are timed with (injected in tests). */
  readonly now: () => number

  constructor (private readonly opts: { log?: Logger, windowMs?: number, now?: () => number } = {}) {
    this.now = opts.now ?? Date.now
  }

  private get windowMs (): number {
    return this.opts.windowMs ?? STORE_FAILURE_WINDOW_MS
  }

  /**
   * A store operation threw. A share record that does not authenticate is the `shares` reason;
   * a closed store (the node is stopping) and a key the store refuses (the caller's mistake) say
   * nothing about the store; anything else is the `store` reason.
   */
  readonly storeFailed = (op: string, err: unknown): void => {
    if (typeof err === 'object' && err !== null) {
      if (this.seen.has(err)) return
      this.seen.add(err)
    }
    if (err instanceof StoreClosedError || err instanceof InvalidStoreKeyError || err instanceof TypeError) return
    if (err instanceof StoreCorruptError) {
      const share = parseShareKey(err.recordKey)
      if (share !== undefined) {
        this.shareUnreadable({ ...share, recordKey: err.recordKey })
        return
      }
    }
    const at = this.now()
    this.prune(at)
    if (this.failures.length === 0) this.opts.log?.error({ err, op }, 'store operation failed: /health reports degraded (store)')
    this.failures.push({ at, text: `${op}: ${err instanceof Error ? err.message : String(err)}` })
    if (this.failures.length > MAX_TRACKED_FAILURES) this.failures.shift()
  }

  /** A share record did not authenticate when read. */
  shareUnreadable (share: UnreadableShare): void {
    if (!this.unreadable.has(share.recordKey)) {
      this.opts.log?.error({ keyId: share.keyId, epoch: share.epoch, recordKey: share.recordKey }, 'share record does not authenticate: /health reports degraded (shares)')
    }
    this.unreadable.set(share.recordKey, { ...share, at: this.now() })
  }

  /**
   * A whole scan of the share records, begun at `startedAt`, found these: they replace what was
   * known (a record rewritten or erased since is fine again), except what was found during the scan.
   */
  shareAuditDone (found: readonly UnreadableShare[], startedAt: number): void {
    const next = new Map<string, UnreadableShare & { at: number }>()
    for (const [key, s] of this.unreadable) if (s.at >= startedAt) next.set(key, s)
    const at = this.now()
    for (const s of found) {
      if (!this.unreadable.has(s.recordKey)) this.opts.log?.error({ keyId: s.keyId, epoch: s.epoch, recordKey: s.recordKey }, 'share record does not authenticate: /health reports degraded (shares)')
      next.set(s.recordKey, { ...s, at })
    }
    this.unreadable = next
  }

  snapshot (): LocalFindings {
    const now = this.now()
    this.prune(now)
    const last = this.failures.at(-1)
    return {
      store: last === undefined ? null : { failures: this.failures.length, lastFailureAt: last.at, lastFailure: last.text, windowMs: this.windowMs },
      unreadableShares: [...this.unreadable.values()]
        .map(({ keyId, epoch }) => ({ keyId, epoch }))
        .sort((a, b) => a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.epoch - b.epoch)
    }
  }

  private prune (now: number): void {
    const from = now - this.windowMs
    let drop = 0
    while (drop < this.failures.length && this.failures[drop]!.at < from) drop++
    if (drop > 0) this.failures = this.failures.slice(drop)
  }
}
