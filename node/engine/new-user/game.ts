// The verification game (DESIGN 5): each member publishes the digest of the
// key record it received on its committee's topic; members compare. Digests
// from the committee's members are kept for a while whether or not anyone
// waits yet, because gossip may bring them before our own delivery.
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { committeeTopic, GAME_DIGEST_TTL_MS, MAX_GOSSIP_MESSAGE_BYTES, MAX_GAME_KEYS_TRACKED } from '../../../protocols/constants.js'
import { checkRecordSignature, recordDigest } from '../../../protocols/new-user/check-record.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import { GameMessageSchema, type GameMessage } from '../../../protocols/wire/new-user.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { gossipDecoder } from '../../../protocols/wire/tolerant.js'

/** This topic's gossip, read tolerantly (protocols/wire/tolerant.ts); made once. */
const decodeGameMessage = gossipDecoder(GameMessageSchema)

export interface GameOutcome {
  /** Members whose digest equals ours (ourselves included). */
  agreeing: number[]
  /** Members that published a different digest: the CL equivocated. */
  mismatched: Array<{ member: number, recordDigest: string }>
}

interface KeyDigests { firstSeenAt: number, byMember: Map<number, string> }

export class VerificationGame {
  private readonly digests = new Map<string, KeyDigests>()
  private readonly waiters = new Set<() => void>()
  private readonly topic: string
  /** peer id → member position in our committee. */
  private readonly positions: Map<string, number>

  constructor (private readonly libp2p: ShardsigLibp2p, membership: Membership, private readonly committee: number, private readonly log: Logger) {
    this.topic = committeeTopic(committee)
    this.positions = new Map((membership.committees[committee - 1] ?? []).map((m, i) => [m.peerId, i + 1]))
  }

  start (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.topicValidators.set(this.topic, this.validate)
    pubsub.addEventListener('message', this.onMessage)
    pubsub.subscribe(this.topic)
  }

  stop (): void {
    const pubsub = this.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(this.topic)
    for (const wake of this.waiters) wake()
  }

  async publish (msg: GameMessage): Promise<void> {
    this.note(msg.keyId, msg.member, msg.recordDigest)
    await this.libp2p.services.pubsub.publish(this.topic, new TextEncoder().encode(JSON.stringify(msg)))
  }

  /**
   * Waits until every member in `expected` has published, or `minAgreeing`
   * members agree and `graceMs` more passed, or `signal` fires; then compares.
   * A mismatch is final as soon as it is seen.
   */
  async play (keyId: string, recordDigest: string, expected: number[], opts: { minAgreeing: number, graceMs: number, signal: AbortSignal }): Promise<GameOutcome> {
    const { signal } = opts
    let graceEndsAt: number | undefined
    for (;;) {
      const outcome = this.outcome(keyId, recordDigest)
      const heard = this.digests.get(keyId)?.byMember
      const complete = expected.every(m => heard?.has(m) === true)
      if (outcome.mismatched.length > 0 || complete || signal.aborted) return outcome
      if (outcome.agreeing.length >= opts.minAgreeing) graceEndsAt ??= Date.now() + opts.graceMs
      if (graceEndsAt !== undefined && Date.now() >= graceEndsAt) return outcome
      await new Promise<void>(resolve => {
        let timer: NodeJS.Timeout | undefined
        const wake = (): void => {
          this.waiters.delete(wake)
          signal.removeEventListener('abort', wake)
          clearTimeout(timer)
          resolve()
        }
        if (graceEndsAt !== undefined) timer = setTimeout(wake, Math.max(0, graceEndsAt - Date.now()))
        this.waiters.add(wake)
        signal.addEventListener('abort', wake, { once: true })
      })
    }
  }

  outcome (keyId: string, recordDigest: string): GameOutcome {
    const agreeing: number[] = []
    const mismatched: GameOutcome['mismatched'] = []
    for (const [member, digest] of this.digests.get(keyId)?.byMember ?? []) {
      if (digest === recordDigest) agreeing.push(member)
      else mismatched.push({ member, recordDigest: digest })
    }
    return { agreeing: agreeing.sort((a, b) => a - b), mismatched }
  }

  private note (keyId: string, member: number, digest: string): void {
    this.expire()
    let entry = this.digests.get(keyId)
    if (entry === undefined) {
      entry = { firstSeenAt: Date.now(), byMember: new Map() }
      this.digests.set(keyId, entry)
    }
    // A member's first digest for a key counts; a later different one is a second, conflicting claim.
    const previous = entry.byMember.get(member)
    if (previous !== undefined && previous !== digest) {
      this.log.warn({ requestId: keyId, keyId, flow: 'new_user', member }, 'member published two different digests for one key')
    }
    if (previous === undefined) entry.byMember.set(member, digest)
    for (const wake of [...this.waiters]) wake()
  }

  private expire (): void {
    const now = Date.now()
    for (const [keyId, entry] of this.digests) {
      if (now - entry.firstSeenAt > GAME_DIGEST_TTL_MS || this.digests.size > MAX_GAME_KEYS_TRACKED) this.digests.delete(keyId)
      else break // insertion order is age order
    }
  }

  private readonly validate = (_from: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed' || msg.data.byteLength > MAX_GOSSIP_MESSAGE_BYTES) return TopicValidatorResult.Reject
    const position = this.positions.get(msg.from.toString())
    if (position === undefined) return TopicValidatorResult.Reject
    const decoded = decodeGameMessage(msg.data)
    // A kind of a newer minor version: not ours to judge (docs/protocols/versioning.md).
    if (decoded.kind === 'unknown-kind') return TopicValidatorResult.Ignore
    if (decoded.kind === 'invalid') return TopicValidatorResult.Reject
    const parsed = decoded.value
    if (parsed.member !== position || parsed.committee !== this.committee) return TopicValidatorResult.Reject
    // The digest must be of a record the owner really signed, for the key it names.
    if (parsed.record.keyId !== parsed.keyId || recordDigest(parsed.record) !== parsed.recordDigest) return TopicValidatorResult.Reject
    try {
      checkRecordSignature(parsed.record)
    } catch {
      return TopicValidatorResult.Reject
    }
    return TopicValidatorResult.Accept
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== this.topic) return
    const decoded = decodeGameMessage(msg.data)
    if (decoded.kind === 'ok') this.note(decoded.value.keyId, decoded.value.member, decoded.value.recordDigest)
  }
}

