// The shell of the liveness machine (protocols/roles/liveness-machine.ts): feeds it the
// heartbeats and goodbyes of genesis members that the topic validator accepted, its timer
// and its store write, and carries out what it asks — publish on TOPIC_HEARTBEAT, keep its
// run record (synced), set its timer — handing its last words to the liveness tracker.
// The validator is the pure edge of protocols/roles/heartbeat-edge.ts.
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { GOODBYE_PUBLISH_TIMEOUT_MS, TOPIC_HEARTBEAT } from '../../protocols/constants.js'
import { judgeHeartbeat, type HeartbeatEdge } from '../../protocols/roles/heartbeat-edge.js'
import { livenessMachine, RUNS_RECORD, type LivenessEffect, type LivenessEvent, type LivenessMachine, type LivenessState } from '../../protocols/roles/liveness-machine.js'
import { decodeHeartbeat, encodeHeartbeat } from '../../protocols/wire/heartbeat.js'
import { raceSignal, withDeadline } from '../deadline.js'
import type { LivenessTracker } from '../engine/liveness.js'
import { MachineTimers } from '../engine/machine-timers.js'
import type { Logger } from '../log.js'
import type { KeyStore } from '../store/index.js'
import type { ShardsigLibp2p } from './create-libp2p.js'

/** The liveness machine's records in the store: its run record is `liveness/runs` (synced at every start). */
export const LIVENESS_STORE_PREFIX = 'liveness/'

export interface HeartbeatInit {
  libp2p: ShardsigLibp2p
  liveness: LivenessTracker
  nodeId: string
  epoch: number
  /** Genesis members: peer id → node id. */
  members: ReadonlyMap<string, string>
  /** Keeps the runs this node used (one small synced record). */
  store: Pick<KeyStore, 'getJson' | 'putJson'>
  log: Logger
  now?: () => number
}

export class HeartbeatService {
  readonly #machine: LivenessMachine
  readonly #edge: HeartbeatEdge
  readonly #timers: MachineTimers
  readonly #now: () => number
  #state: LivenessState | undefined
  #stopped = false

  constructor (private readonly init: HeartbeatInit) {
    this.#now = init.now ?? Date.now
    this.#timers = new MachineTimers(timer => { void this.#step({ kind: 'timer', timer, nowMs: this.#now() }) }, this.#now)
    this.#edge = { members: init.members, epoch: init.epoch }
    this.#machine = livenessMachine({
      selfPeerId: init.libp2p.peerId.toString(), nodeId: init.nodeId, epoch: init.epoch
    })
  }

  /** Subscribes, takes this start's run, and beats once its record is durable (the first beat goes out as this resolves). */
  async start (): Promise<void> {
    const pubsub = this.init.libp2p.services.pubsub
    pubsub.topicValidators.set(TOPIC_HEARTBEAT, this.validate)
    pubsub.addEventListener('message', this.onMessage)
    pubsub.subscribe(TOPIC_HEARTBEAT)
    const record = await this.init.store.getJson<unknown>(LIVENESS_STORE_PREFIX + RUNS_RECORD)
    const { state, effects } = this.#machine.restore(new Map(record === undefined ? [] : [[RUNS_RECORD, record]]), this.#now())
    this.#state = state
    await Promise.all(this.#carryOut(effects))
  }

  /**
   * The first step of a graceful stop: no more heartbeats, and one goodbye, so
   * that peers stop picking this node for parties and roles at once instead of
   * a liveness window later. Never throws; a goodbye that does not go out
   * (no peers, a deadline) leaves peers to notice the silence as before.
   */
  async goodbye (): Promise<void> {
    if (this.#state?.phase !== 'beating') return
    const published = this.#step({ kind: 'stop', nowMs: this.#now() })
    await withDeadline(GOODBYE_PUBLISH_TIMEOUT_MS, async signal => await raceSignal(Promise.all(published), signal)).catch((err: Error) => { this.init.log.debug({ err: err.message }, 'goodbye publish failed') })
  }

  stop (): void {
    this.#stopped = true
    this.#timers.clear()
    const pubsub = this.init.libp2p.services.pubsub
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(TOPIC_HEARTBEAT)
  }

  #step (event: LivenessEvent): Array<Promise<void>> {
    if (this.#state === undefined || this.#stopped) return []
    const { state, effects } = this.#machine.step(this.#state, event)
    this.#state = state
    this.init.liveness.follow(state.words)
    return this.#carryOut(effects)
  }

  /** Carries out the machine's effects; the promises are its publishes and writes (a goodbye waits for its own). */
  #carryOut (effects: LivenessEffect[]): Array<Promise<void>> {
    const pending: Array<Promise<void>> = []
    for (const effect of effects) {
      switch (effect.kind) {
        case 'publish': {
          const { kind } = effect.msg
          pending.push(this.init.libp2p.services.pubsub.publish(TOPIC_HEARTBEAT, encodeHeartbeat(effect.msg)).then(() => {}, (err: Error) => {
            // Publishing fails only while we are stopping or have no peers at all; the next beat retries.
            this.init.log.debug({ err: err.message }, `${kind} publish failed`)
          }))
          break
        }
        case 'persist':
          // A failed write rejects start(): a node that cannot keep its run does not beat. What the
          // write's completion makes the machine publish is not waited for (publishing never was).
          pending.push(this.init.store.putJson(LIVENESS_STORE_PREFIX + effect.key, effect.value, { sync: effect.sync }).then(() => {
            void this.#step({ kind: 'persisted', token: effect.token, nowMs: this.#now() })
          }))
          break
        case 'set-timer':
          this.#timers.set(effect.timer, effect.atMs)
          break
        case 'cancel-timer':
          this.#timers.cancel(effect.timer)
          break
        case 'stale':
          this.init.log.debug({ peerId: effect.peerId, kind: effect.msg.kind, seq: effect.msg.seq }, 'stale heartbeat ignored')
          break
        case 'counted-down':
          this.init.log.info({ peerId: effect.peerId, nodeId: this.init.members.get(effect.peerId) }, 'peer said goodbye: counted down now')
          break
        case 'send':
          // The liveness machine only gossips; a direct send would be a bug of the machine.
          throw new Error(`the liveness machine asked to send to ${effect.to}: it only publishes`)
      }
    }
    return pending
  }

  private readonly validate = (_from: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'signed') return TopicValidatorResult.Reject
    const judged = judgeHeartbeat(this.#edge, msg.from.toString(), msg.data)
    if (judged.verdict === 'accept') return TopicValidatorResult.Accept
    return judged.verdict === 'ignore' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== TOPIC_HEARTBEAT || msg.type !== 'signed') return
    // The validator accepted it: a well-formed heartbeat or goodbye of this epoch from the member it names.
    const decoded = decodeHeartbeat(msg.data)
    if (decoded.kind !== 'ok') return
    void this.#step({ kind: 'message', from: msg.from.toString(), msg: decoded.value, nowMs: this.#now() })
  }
}
