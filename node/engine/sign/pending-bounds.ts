// A communication manager's bounds on the sign requests it holds unfinished:
// all of them (limits.maxPendingSignRequests) and, since anyone can deal a key
// and so become an owner, each owner's share of them
// (limits.ownerShareOfPendingSignRequests): one owner cannot fill the queue
// for everyone. Both refusals are 429 with Retry-After (coordinator-errors.ts).
import { MAX_PENDING_REQUESTS_PER_CM, OWNER_SHARE_OF_PENDING_SIGN_REQUESTS } from '../../../protocols/constants.js'
import { CoordinatorBusyError, OwnerBusyError } from './coordinator-errors.js'

/** Unfinished requests one owner may hold: its share of the CM's limit, rounded down, at least 1. */
export function ownerPendingLimit (maxPending: number, ownerShare: number): number {
  return Math.max(1, Math.floor(maxPending * ownerShare))
}

export class PendingBounds {
  private total = 0
  /** By owner auth key; no entry at 0, so the map holds at most `max` owners. */
  private readonly byOwner = new Map<string, number>()
  readonly max: number
  readonly maxPerOwner: number
  private readonly onRefused: (quota: 'pending' | 'owner-pending') => void

  constructor (opts: { max?: number, ownerShare?: number, onRefused?: (quota: 'pending' | 'owner-pending') => void } = {}) {
    this.max = opts.max ?? MAX_PENDING_REQUESTS_PER_CM
    this.maxPerOwner = ownerPendingLimit(this.max, opts.ownerShare ?? OWNER_SHARE_OF_PENDING_SIGN_REQUESTS)
    this.onRefused = opts.onRefused ?? (() => {})
  }

  /** Unfinished requests held now. */
  get pending (): number {
    return this.total
  }

  /** Throws CoordinatorBusyError or OwnerBusyError when one more request of `owner` would pass a bound. */
  check (owner: string): void {
    if (this.total >= this.max) {
      this.onRefused('pending')
      throw new CoordinatorBusyError(this.total)
    }
    const held = this.byOwner.get(owner) ?? 0
    if (held >= this.maxPerOwner) {
      this.onRefused('owner-pending')
      throw new OwnerBusyError(held, this.maxPerOwner)
    }
  }

  /** Counts one request of `owner` (after check); the function returned gives it back, once. */
  hold (owner: string): () => void {
    this.total++
    this.byOwner.set(owner, (this.byOwner.get(owner) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.total--
      const left = (this.byOwner.get(owner) ?? 1) - 1
      if (left > 0) this.byOwner.set(owner, left)
      else this.byOwner.delete(owner)
    }
  }
}
