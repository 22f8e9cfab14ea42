// Publishes our heartbeat every HEARTBEAT_INTERVAL_MS, and a goodbye when the
// node stops gracefully; feeds the heartbeats and goodbyes of genesis members
// into the liveness tracker. Anything else on the topic is rejected at the edge
// by the topic validator.
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { GOODBYE_PUBLISH_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS, MAX_GOSSIP_MESSAGE_BYTES, TOPIC_HEARTBEAT } from '../../protocols/constants.js'
import { HeartbeatFreshness } from '../../protocols/roles/freshness.js'
import { decodeHeartbeat, encodeHeartbeat, HEARTBEAT_RUNS, packSeq, type Heartbeat } from '../../protocols/wire/heartbeat.js'
import { randomInt } from 'node:crypto'
import { raceSignal, withDeadline } from '../deadline.js'
import type { LivenessTracker } from '../engine/liveness.js'
import type { Logger } from '../log.js'
import type { ShardsigLibp2p } from './create-libp2p.js'

export interface HeartbeatInit {
  libp2p: ShardsigLibp2p
  liveness: LivenessTracker
  nodeId: string
  epoch: number
  /** Genesis members: peer id → node id. */
  members: ReadonlyMap<string, string>
  log: Logger
  now?: () => number
  /** This node's run (1 … HEARTBEAT_RUNS − 1); drawn at random when absent. */
  run?: number
}

export class HeartbeatService {
  private counter = 0
  private readonly run: number
  private timer: NodeJS.Timeout | undefined
  private readonly now: () => number
  private readonly freshness = new HeartbeatFreshness()

  constructor (private readonly init: HeartbeatInit) {
    this.now = init.now ?? Date.now
    this.run = init.run ?? randomInt(1, HEARTBEAT_RUNS)
  }

  start (): void {
    const pubsub = this.init.libp2p.services.pubsub
    pubsub.topicValidators.set(TOPIC_HEARTBEAT, this.validate)
    pubsub.addEventListener('message', this.onMessage)
    pubsub.subscribe(TOPIC_HEARTBEAT)
    this.publish()
    this.timer = setInterval(() => { this.publish() }, HEARTBEAT_INTERVAL_MS)
  }

  /**
   * The first step of a graceful stop: no more heartbeats, and one goodbye, so
   * that peers stop picking this node for parties and roles at once instead of
   * a liveness window later. Never throws; a goodbye that does not go out
   * (no peers, a deadline) leaves peers to notice the silence as before.
   */
  async goodbye (): Promise<void> {
    if (this.timer === undefined) return
    clearInterval(this.timer)
    this.timer = undefined
    await withDeadline(GOODBYE_PUBLISH_TIMEOUT_MS, async signal => await raceSignal(this.init.libp2p.services.pubsub.publish(TOPIC_HEARTBEAT, this.encode('goodbye')), signal)).catch((err: Error) => { this.init.log.debug({ err: err.message }, 'goodbye publish failed') })
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    const pubsub = this.init.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(TOPIC_HEARTBEAT)
  }

  private encode (kind: Heartbeat['kind']): Uint8Array {
    return encodeHeartbeat({ v: 1, kind, nodeId: this.init.nodeId, epoch: this.init.epoch, seq: packSeq(this.run, this.counter++) })
  }

  private publish (): void {
    this.init.libp2p.services.pubsub.publish(TOPIC_HEARTBEAT, this.encode('heartbeat')).catch((err: Error) => {
      // Publishing fails only while we are stopping or have no peers at all; the next beat retries.
      this.init.log.debug({ err: err.message }, 'heartbeat publish failed')
    })
  }

  private readonly validate = (_from: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed' || msg.data.byteLength > MAX_GOSSIP_MESSAGE_BYTES) return TopicValidatorResult.Reject
    const nodeId = this.init.members.get(msg.from.toString())
    if (nodeId === undefined) return TopicValidatorResult.Reject
    const decoded = decodeHeartbeat(msg.data)
    // A kind of a newer minor version: not ours to judge (docs/protocols/versioning.md).
    if (decoded.kind === 'unknown-kind') return TopicValidatorResult.Ignore
    if (decoded.kind === 'invalid' || decoded.value.nodeId !== nodeId) return TopicValidatorResult.Reject
    const hb = decoded.value
    // A heartbeat from another epoch is not an attack, just not ours to count.
    if (hb.epoch !== this.init.epoch) return TopicValidatorResult.Ignore
    return TopicValidatorResult.Accept
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== TOPIC_HEARTBEAT || msg.type !== 'signed') return
    // The validator accepted it: a well-formed heartbeat or goodbye of this epoch from the member it names.
    const peerId = msg.from.toString()
    const decoded = decodeHeartbeat(msg.data)
    if (decoded.kind !== 'ok') return
    const hb = decoded.value
    const now = this.now()
    // A relayed copy of an older one (an earlier counter, or a run that ended) changes nothing.
    if (this.freshness.admit(peerId, hb.seq, hb.kind, now) === 'stale') {
      this.init.log.debug({ peerId, kind: hb.kind, seq: hb.seq }, 'stale heartbeat ignored')
      return
    }
    if (hb.kind === 'goodbye') {
      this.init.liveness.saidGoodbye(peerId, now)
      this.init.log.info({ peerId, nodeId: this.init.members.get(peerId) }, 'peer said goodbye: counted down now')
      return
    }
    this.init.liveness.heard(peerId, now)
  }
}
