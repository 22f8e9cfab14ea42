// A manager's stock of presignatures (docs/protocols/sign.md#presignatures):
// per key, epoch and party member, the round-1 commitments that member made
// ahead for this manager. A session takes one of each party member's, or none
// at all; stock that runs low is refilled in the background, off every
// request's path. The nonces stay with the members; this holds public data.
import { signerTag, type Frost, type SigningCommitments } from '../../../protocols/frost/index.js'
import { MAX_PRESIGN_STOCK_KEYS, PRESIGN_BATCH, PRESIGN_LOW_WATER, PRESIGN_OFFER_MARGIN_MS, PRESIGN_TIMEOUT_MS, PRESIGN_TTL_MS } from '../../../protocols/constants.js'
import type { CurveName } from '../../../protocols/sharing/index.js'
import type { PartyAnswer, PartyMember, Presign, PresignedCommitment } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import { deadline } from '../../deadline.js'

/** How one presign request reaches a member (over libp2p, or a direct call when it is this node). */
export type PresignTransport = (member: PartyMember, req: Presign, signal: AbortSignal) => Promise<PartyAnswer>

interface Held { presigned: PresignedCommitment, at: number }

/** What a session takes: the wire forms for new_party and their decoded commitments, in party order. */
export interface TakenPresignatures { wire: PresignedCommitment[], decoded: SigningCommitments[] }

export interface PresignPoolInit {
  ask: PresignTransport
  /** Decodes and checks the presignatures a session takes. */
  frost: Frost
  log: Logger
  /** Stops refills when the coordinator stops. */
  signal: AbortSignal
  batch?: number
  lowWater?: number
  maxKeys?: number
  now?: () => number
}

export class PresignPool {
  /** key id and epoch → member peer id → presignatures, least recently used key first. */
  private readonly stock = new Map<string, Map<string, Held[]>>()
  private readonly refilling = new Set<string>()
  private readonly batch: number
  private readonly lowWater: number
  private readonly maxKeys: number
  private readonly now: () => number

  constructor (private readonly init: PresignPoolInit) {
    this.batch = init.batch ?? PRESIGN_BATCH
    this.lowWater = init.lowWater ?? PRESIGN_LOW_WATER
    this.maxKeys = init.maxKeys ?? MAX_PRESIGN_STOCK_KEYS
    this.now = init.now ?? Date.now
  }

  /**
   * One presignature of every party member, taken out of stock, in party order, with its points
   * decoded and checked (once, here: the session's aggregate uses these); undefined, and nothing
   * taken, unless every member has one fresh enough to offer. A member whose presignature does not
   * decode loses its whole stock here.
   */
  take (keyId: string, epoch: number, scheme: CurveName, party: readonly PartyMember[]): TakenPresignatures | undefined {
    const offerable = this.now() - (PRESIGN_TTL_MS - PRESIGN_OFFER_MARGIN_MS)
    const members = this.members(keyId, epoch, false)
    const queues = party.map(m => {
      const queue = members?.get(m.peerId) ?? []
      while (queue.length > 0 && queue[0]!.at < offerable) queue.shift()
      return queue
    })
    if (queues.some(q => q.length === 0)) return undefined
    const wire: PresignedCommitment[] = []
    const decoded: SigningCommitments[] = []
    for (const [i, member] of party.entries()) {
      const presigned = queues[i]![0]!.presigned
      try {
        const c = this.init.frost.decodeCommitments(scheme, presigned.commitment)
        if (signerTag(c) !== signerTag(member)) throw new Error(`it names committee ${c.committee} member ${c.member}`)
        wire.push(presigned)
        decoded.push(c)
      } catch (err) {
        this.init.log.warn({ keyId, member: member.peerId, err: (err as Error).message }, 'a member\'s presignature does not decode; its presignatures are dropped')
        this.forget(keyId, epoch, member.peerId)
        return undefined
      }
    }
    for (const q of queues) q.shift()
    return { wire, decoded }
  }

  /** In the background: asks each member whose stock is low for a batch more. Never throws. */
  refill (keyId: string, epoch: number, members: readonly PartyMember[]): void {
    for (const member of members) {
      const id = `${keyKey(keyId, epoch)}/${member.peerId}`
      if (this.refilling.has(id) || this.held(keyId, epoch, member.peerId) >= this.lowWater || this.init.signal.aborted) continue
      this.refilling.add(id)
      this.ask(keyId, epoch, member).finally(() => { this.refilling.delete(id) })
    }
  }

  /** Drops what is held of a member's (it no longer knows them: restarted, or they expired there). */
  forget (keyId: string, epoch: number, peerId: string): void {
    this.stock.get(keyKey(keyId, epoch))?.delete(peerId)
  }

  /** Presignatures held for a member now. */
  held (keyId: string, epoch: number, peerId: string): number {
    return this.stock.get(keyKey(keyId, epoch))?.get(peerId)?.length ?? 0
  }

  /** Keys (and epochs) with a stock now. */
  get keys (): number {
    return this.stock.size
  }

  /** Presignatures in stock now, all keys and members together (expired ones go when a session looks at them). */
  get size (): number {
    let n = 0
    for (const members of this.stock.values()) for (const queue of members.values()) n += queue.length
    return n
  }

  /**
   * A key's stock, made the most recently used; created if `create`, when the least recently used
   * key's stock goes beyond MAX_PRESIGN_STOCK_KEYS (its members' presignatures expire there).
   */
  private members (keyId: string, epoch: number, create: boolean): Map<string, Held[]> | undefined {
    const id = keyKey(keyId, epoch)
    let members = this.stock.get(id)
    if (members !== undefined) this.stock.delete(id)
    else if (create) members = new Map()
    if (members === undefined) return undefined
    this.stock.set(id, members)
    for (const oldest of this.stock.keys()) {
      if (this.stock.size <= this.maxKeys) break
      this.stock.delete(oldest)
    }
    return members
  }

  private async ask (keyId: string, epoch: number, member: PartyMember): Promise<void> {
    try {
      const answer = await this.init.ask(member, { kind: 'presign', keyId, epoch, count: this.batch }, deadline(PRESIGN_TIMEOUT_MS, this.init.signal))
      if (answer.kind !== 'presigned' || answer.keyId !== keyId || answer.epoch !== epoch) {
        this.init.log.debug({ keyId, member: member.peerId, answer: answer.kind === 'reject' ? answer.code : answer.kind }, 'no presignatures from a member')
        return
      }
      // Their points are checked when a session takes them (take), spread over the sessions instead of in one burst here.
      const wrong = answer.presigned.find(p => p.commitment.committee !== member.committee || p.commitment.member !== member.member)
      if (wrong !== undefined) throw new Error(`a presignature names committee ${wrong.commitment.committee} member ${wrong.commitment.member}`)
      const at = this.now()
      const members = this.members(keyId, epoch, true)!
      const queue = members.get(member.peerId) ?? []
      queue.push(...answer.presigned.map(presigned => ({ presigned, at })))
      members.set(member.peerId, queue)
    } catch (err) {
      this.init.log.debug({ keyId, member: member.peerId, err: (err as Error).message }, 'presignatures not refilled')
    }
  }
}

function keyKey (keyId: string, epoch: number): string {
  return `${keyId}/${epoch}`
}
