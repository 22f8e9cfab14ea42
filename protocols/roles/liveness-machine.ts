// The liveness machine (docs/protocols/roles.md#liveness-what-each-node-does; the contract of
// protocols/machine/types.ts): a node's heartbeats and goodbye, and what it makes of its
// peers'. Every start takes a later run than the last one (a synced record) and beats only
// once that record is durable, so no restart reuses a (run, counter) a peer already took,
// and a peer takes the new run at once over any older one a replayer re-sends
// (freshness.ts). Peers' messages reach it after the edge
// (heartbeat-edge.ts): freshness (freshness.ts) decides whether one is news, and the fresh
// ones make the last words the live set is read from (live-set.ts).
import { HEARTBEAT_INTERVAL_MS, LIVENESS_WINDOW_MS, PROTOCOL_VERSION } from '../constants.js'
import type { CoreEffect, CoreEvent, EpochMs, Machine, Stepped } from '../machine/types.js'
import { HEARTBEAT_RUNS, packSeq, type Heartbeat } from '../wire/heartbeat.js'
import { admitHeartbeat, type FollowedRun } from './freshness.js'
import { hear, type LastWords } from './live-set.js'

/** The record of the last run this node took, in its store (under the machine's own prefix). */
export const RUNS_RECORD = 'runs'
/**
 * A start's run is at least the minutes since RUN_CLOCK_ORIGIN_MS (2026-01-01 UTC), so a node
 * whose store came back from a backup (its record older than its last run) still takes a
 * run later than any it used, unless it restarted more than once a minute since the backup.
 * 2^21 − 1 minutes last about 4 years; past that runs wrap to 1 (a peer then takes the lower
 * run once the followed one has been silent for a window, as after a crash).
 */
export const RUN_CLOCK_ORIGIN_MS = Date.UTC(2026, 0, 1)
export const RUN_CLOCK_TICK_MS = 60_000
const BEAT_TIMER = 'beat'
const RUN_TOKEN = 'run'

export interface LivenessConfig {
  selfPeerId: string
  nodeId: string
  epoch: number
  intervalMs?: number
  windowMs?: number
}

export interface LivenessState {
  readonly config: Required<LivenessConfig>
  readonly run: number
  /** The counter of the next heartbeat or goodbye of this run. */
  readonly counter: number
  /** starting: the run's record is not durable yet, nothing is sent; stopped: said goodbye. */
  readonly phase: 'starting' | 'beating' | 'stopped'
  readonly followed: ReadonlyMap<string, FollowedRun>
  readonly words: LastWords
}

/** Asked of the machine by its shell: a graceful stop, say goodbye. */
export type LivenessEvent = CoreEvent<Heartbeat> | { kind: 'stop', nowMs: EpochMs }

export type LivenessEffect =
  | CoreEffect<Heartbeat>
  /** Gossip `msg` on TOPIC_HEARTBEAT. */
  | { kind: 'publish', msg: Heartbeat }
  /** A heartbeat or goodbye that was not news (a relayed old one): nothing changed. */
  | { kind: 'stale', peerId: string, msg: Heartbeat }
  /** A peer said goodbye: counted down now. */
  | { kind: 'counted-down', peerId: string }

export type LivenessMachine = Machine<LivenessState, LivenessEvent, LivenessEffect>

export function livenessMachine (config: LivenessConfig): LivenessMachine {
  const settled: LivenessState['config'] = {
    selfPeerId: config.selfPeerId,
    nodeId: config.nodeId,
    epoch: config.epoch,
    intervalMs: config.intervalMs ?? HEARTBEAT_INTERVAL_MS,
    windowMs: config.windowMs ?? LIVENESS_WINDOW_MS
  }
  return {
    restore: (persisted, nowMs) => {
      const run = nextRun(lastRunOf(persisted.get(RUNS_RECORD)), nowMs)
      return {
        state: { config: settled, run, counter: 0, phase: 'starting', followed: new Map(), words: new Map() },
        effects: [{ kind: 'persist', key: RUNS_RECORD, value: { run }, sync: true, token: RUN_TOKEN }]
      }
    },
    step: (state, event) => step(state, event)
  }
}

/** The run a record names, if it names one (the record is only ever ours; anything else is ignored). */
export function lastRunOf (record: unknown): number | undefined {
  const run = (record as { run?: unknown } | undefined)?.run
  return Number.isSafeInteger(run) && (run as number) > 0 && (run as number) < HEARTBEAT_RUNS ? run as number : undefined
}

/** The run of a start: after the last one, and no earlier than the run clock; 1 again past the last run. */
export function nextRun (last: number | undefined, nowMs: EpochMs): number {
  const minutes = Math.max(0, Math.floor((nowMs - RUN_CLOCK_ORIGIN_MS) / RUN_CLOCK_TICK_MS))
  const clock = 1 + (minutes % (HEARTBEAT_RUNS - 1))
  if (last === undefined) return clock
  const next = Math.max(last + 1, clock)
  return next < HEARTBEAT_RUNS ? next : clock
}

function step (s: LivenessState, e: LivenessEvent): Stepped<LivenessState, LivenessEffect> {
  switch (e.kind) {
    case 'persisted':
      // The run is durable: a later start will not draw it again. Beat now and every interval.
      if (e.token !== RUN_TOKEN || s.phase !== 'starting') return { state: s, effects: [] }
      return beat({ ...s, phase: 'beating' }, e.nowMs)
    case 'timer':
      if (e.timer !== BEAT_TIMER || s.phase !== 'beating') return { state: s, effects: [] }
      return beat(s, e.nowMs)
    case 'stop': {
      // Only a run that is durable speaks; one still starting has said nothing a peer follows.
      if (s.phase !== 'beating') return { state: { ...s, phase: 'stopped' }, effects: [] }
      const goodbye = message(s, 'goodbye')
      return {
        state: { ...s, phase: 'stopped', counter: s.counter + 1 },
        effects: [{ kind: 'cancel-timer', timer: BEAT_TIMER }, { kind: 'publish', msg: goodbye }]
      }
    }
    case 'message':
      return heard(s, e.from, e.msg, e.nowMs)
  }
}

function message (s: LivenessState, kind: Heartbeat['kind']): Heartbeat {
  return { v: PROTOCOL_VERSION, kind, nodeId: s.config.nodeId, epoch: s.config.epoch, seq: packSeq(s.run, s.counter) }
}

function beat (s: LivenessState, nowMs: EpochMs): Stepped<LivenessState, LivenessEffect> {
  return {
    state: { ...s, counter: s.counter + 1 },
    effects: [{ kind: 'publish', msg: message(s, 'heartbeat') }, { kind: 'set-timer', timer: BEAT_TIMER, atMs: nowMs + s.config.intervalMs }]
  }
}

/** A heartbeat or goodbye the edge accepted from `peerId`: news only if fresh. */
function heard (s: LivenessState, peerId: string, msg: Heartbeat, nowMs: EpochMs): Stepped<LivenessState, LivenessEffect> {
  if (peerId === s.config.selfPeerId) return { state: s, effects: [] }
  const { freshness, followed } = admitHeartbeat(s.followed.get(peerId), msg.seq, msg.kind, nowMs, s.config.windowMs)
  if (freshness === 'stale') return { state: s, effects: [{ kind: 'stale', peerId, msg }] }
  const goodbye = msg.kind === 'goodbye'
  const state: LivenessState = {
    ...s,
    followed: followed === undefined ? s.followed : new Map(s.followed).set(peerId, followed),
    words: hear(s.words, peerId, nowMs, goodbye)
  }
  return { state, effects: goodbye ? [{ kind: 'counted-down', peerId }] : [] }
}
