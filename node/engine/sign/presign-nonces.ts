// A signer's presignatures (docs/protocols/sign.md#presignatures): round-1
// nonces made ahead for one manager and one key at one epoch, kept in memory
// only, and handed to exactly one session. Whatever goes wrong with one (it
// is asked for under another manager, key, epoch or commitment) burns it: a
// nonce pair is used at most once, and a restart forgets them all. Nonces that
// will never sign are zeroed when they go (discardNonces).
import { randomBytes } from 'node:crypto'
import { commit, discardNonces, encodeCommitments, type Round1, type SignerKey, type SigningCommitments, type SigningCommitmentsWire } from '../../../protocols/frost/index.js'
import { MAX_PRESIGNS_PER_MANAGER, PRESIGN_TTL_MS } from '../../../protocols/constants.js'

/** Random bytes in a presignature id (16 base64url characters): nobody can guess another manager's. */
const PRESIGN_ID_BYTES = 12

interface Entry { keyId: string, epoch: number, round1: Round1, madeAt: number }

export interface PresignNoncesOptions {
  ttlMs?: number
  maxPerManager?: number
  now?: () => number
}

export class PresignNonces {
  /** manager peer id → presignature id → entry, oldest first (Map insertion order). */
  private readonly byManager = new Map<string, Map<string, Entry>>()
  private readonly ttlMs: number
  private readonly maxPerManager: number
  private readonly now: () => number

  constructor (opts: PresignNoncesOptions = {}) {
    this.ttlMs = opts.ttlMs ?? PRESIGN_TTL_MS
    this.maxPerManager = opts.maxPerManager ?? MAX_PRESIGNS_PER_MANAGER
    this.now = opts.now ?? Date.now
  }

  /** Makes `count` nonce pairs with `key` (FROST round 1) for `manager`; the oldest of its go beyond the cap. */
  make (manager: string, keyId: string, epoch: number, key: SignerKey, count: number): Array<{ id: string, commitments: SigningCommitments }> {
    const held = this.held(manager)
    const made: Array<{ id: string, commitments: SigningCommitments }> = []
    for (let i = 0; i < count; i++) {
      const id = randomBytes(PRESIGN_ID_BYTES).toString('base64url')
      const round1 = commit(key)
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
