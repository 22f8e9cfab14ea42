// A signer's presignatures (docs/protocols/sign.md#presignatures): round-1
// nonces made ahead for one manager and one key at one epoch, kept in memory
// only, and handed to exactly one session. Whatever goes wrong with one (it
// is asked for under another manager, key, epoch or commitment) burns it: a
// nonce pair is used at most once, and a restart forgets them all. Nonces that
// will never sign are zeroed when they go (discardNonces). Bounded: at most
// MAX_PRESIGNS_PER_MANAGER for each of at most MAX_PRESIGN_MANAGERS managers,
// none older than PRESIGN_TTL_MS once any manager asks again.
import { randomBytes } from 'node:crypto'
import { discardNonces, encodeCommitments, type Frost, type Round1, type SignerKey, type SigningCommitments, type SigningCommitmentsWire } from '../../../protocols/frost/index.js'
import { MAX_PRESIGN_MANAGERS, MAX_PRESIGNS_PER_MANAGER, PRESIGN_TTL_MS } from '../../../protocols/constants.js'

/** Random bytes in a presignature id (16 base64url characters): nobody can guess another manager's. */
const PRESIGN_ID_BYTES = 12

interface Entry { keyId: string, epoch: number, round1: Round1, madeAt: number }

export interface PresignNoncesOptions {
  /** Makes the nonces (FROST round 1). */
  frost: Frost
  ttlMs?: number
  maxPerManager?: number
  /** Managers kept at most; the least recently asked go first, their nonces zeroed. */
  maxManagers?: number
  now?: () => number
}

export class PresignNonces {
  /** manager peer id → presignature id → entry, oldest first (Map insertion order); managers least recently asked first. */
  private readonly byManager = new Map<string, Map<string, Entry>>()
  private readonly ttlMs: number
  private readonly maxPerManager: number
  private readonly maxManagers: number
  private readonly now: () => number
  private readonly frost: Frost

  constructor (opts: PresignNoncesOptions) {
    this.frost = opts.frost
    this.ttlMs = opts.ttlMs ?? PRESIGN_TTL_MS
    this.maxPerManager = opts.maxPerManager ?? MAX_PRESIGNS_PER_MANAGER
    this.maxManagers = opts.maxManagers ?? MAX_PRESIGN_MANAGERS
    this.now = opts.now ?? Date.now
  }

  /**
   * Makes `count` nonce pairs with `key` (FROST round 1) for `manager`; the oldest of its go beyond the cap.
   * First every manager's expired ones go (a manager that lost its role asks no more), and beyond
   * maxManagers the least recently asked manager's all go.
   */
  make (manager: string, keyId: string, epoch: number, key: SignerKey, count: number): Array<{ id: string, commitments: SigningCommitments }> {
    this.sweep()
    const asking = this.byManager.get(manager)
    if (asking !== undefined) {
      // Most recently asked last.
      this.byManager.delete(manager)
      this.byManager.set(manager, asking)
    }
    const held = this.held(manager)
    for (const [other, entries] of this.byManager) {
      if (this.byManager.size <= this.maxManagers) break
      this.drop(other, entries)
    }
    const made: Array<{ id: string, commitments: SigningCommitments }> = []
    for (let i = 0; i < count; i++) {
      const id = randomBytes(PRESIGN_ID_BYTES).toString('base64url')
      const round1 = this.frost.commit(key)
      held.set(id, { keyId, epoch, round1, madeAt: this.now() })
      made.push({ id, commitments: round1.commitments })
    }
    for (const [id, entry] of held) {
      if (held.size <= this.maxPerManager) break
      held.delete(id)
      discardNonces(entry.round1.nonces)
    }
    return made
  }

  /**
   * Takes presignature `id` for one session: its round 1 if `manager` asked for it, for this key
   * and epoch, with exactly these commitments. It is gone afterwards, whatever the answer.
   */
  take (manager: string, id: string, keyId: string, epoch: number, commitments: SigningCommitmentsWire): Round1 | undefined {
    const held = this.byManager.get(manager)
    const entry = held?.get(id)
    if (held === undefined || entry === undefined) return undefined
    held.delete(id)
    if (held.size === 0) this.byManager.delete(manager)
    const own = encodeCommitments(entry.round1.commitments)
    const same = entry.keyId === keyId && entry.epoch === epoch && this.now() - entry.madeAt <= this.ttlMs &&
      own.committee === commitments.committee && own.member === commitments.member &&
      own.hiding === commitments.hiding && own.binding === commitments.binding
    if (same) return entry.round1
    discardNonces(entry.round1.nonces)
    return undefined
  }

  /** Presignatures held for `manager` now (expired ones dropped first). */
  count (manager: string): number {
    return this.byManager.has(manager) ? this.held(manager).size : 0
  }

  /** Presignatures held now, every manager's (expired ones dropped first). */
  get size (): number {
    this.sweep()
    let n = 0
    for (const held of this.byManager.values()) n += held.size
    return n
  }

  /** Managers with presignatures held now (expired ones dropped first). */
  get managers (): number {
    this.sweep()
    return this.byManager.size
  }

  /** Drops every manager's expired presignatures, and managers left with none. */
  private sweep (): void {
    for (const manager of [...this.byManager.keys()]) {
      if (this.held(manager).size === 0) this.byManager.delete(manager)
    }
  }

  private drop (manager: string, entries: Map<string, Entry>): void {
    for (const entry of entries.values()) discardNonces(entry.round1.nonces)
    this.byManager.delete(manager)
  }

  /** The manager's entries, without those older than the time to live. */
  private held (manager: string): Map<string, Entry> {
    let held = this.byManager.get(manager)
    if (held === undefined) {
      held = new Map()
      this.byManager.set(manager, held)
    }
    const oldest = this.now() - this.ttlMs
    for (const [id, entry] of held) {
      if (entry.madeAt >= oldest) break
      held.delete(id)
      discardNonces(entry.round1.nonces)
    }
    return held
  }
}
