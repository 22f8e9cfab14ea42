// The liveness machine (protocols/roles/liveness-machine.ts) step by step: a start takes a
// run later than the last one and the run clock, beats only once that run is durable, says
// goodbye once, and counts peers by what freshness takes. Its behaviour under faults is
// test/sim/liveness.test.ts.
import { describe, expect, it } from 'vitest'
import { HEARTBEAT_INTERVAL_MS } from '../../protocols/constants.js'
import { isLive } from '../../protocols/roles/live-set.js'
import { lastRunOf, livenessMachine, nextRun, RUN_CLOCK_ORIGIN_MS, RUN_CLOCK_TICK_MS, RUNS_RECORD, type LivenessEffect, type LivenessState } from '../../protocols/roles/liveness-machine.js'
import { HEARTBEAT_RUNS, packSeq, unpackSeq, type Heartbeat } from '../../protocols/wire/heartbeat.js'

const T = RUN_CLOCK_ORIGIN_MS + 1_000 * RUN_CLOCK_TICK_MS + 5
const machine = livenessMachine({ selfPeerId: 'me', nodeId: 'node-1', epoch: 0 })
const hb = (kind: Heartbeat['kind'], run: number, counter: number): Heartbeat => ({ v: 1, kind, nodeId: 'node-2', epoch: 0, seq: packSeq(run, counter) })
const published = (effects: LivenessEffect[]): Heartbeat[] => effects.flatMap(e => e.kind === 'publish' ? [e.msg] : [])

function started (persisted: Map<string, unknown> = new Map()): LivenessState {
  const { state } = machine.restore(persisted, T)
  return machine.step(state, { kind: 'persisted', token: 'run', nowMs: T + 1 }).state
}

describe('the run of a start', () => {
  it('is after the last one and no earlier than the run clock; wraps to the clock past the last run', () => {
    const clock = 1_001
    expect(nextRun(undefined, T)).toBe(clock)
    expect(nextRun(5, T)).toBe(clock)
    expect(nextRun(clock, T)).toBe(clock + 1)
    expect(nextRun(50_000, T)).toBe(50_001)
    expect(nextRun(HEARTBEAT_RUNS - 1, T)).toBe(clock)
    // A clock set before the origin still gives a valid run.
    expect(nextRun(undefined, 0)).toBe(1)
  })

  it('reads only a run it could have written', () => {
    expect(lastRunOf({ run: 7 })).toBe(7)
    for (const bad of [undefined, null, 7, { run: 0 }, { run: -1 }, { run: 1.5 }, { run: HEARTBEAT_RUNS }, { run: '7' }]) expect(lastRunOf(bad)).toBeUndefined()
  })
})

describe('livenessMachine', () => {
  it('a start persists its run synced and publishes nothing until that write is durable', () => {
    const { state, effects } = machine.restore(new Map([[RUNS_RECORD, { run: 40_000 }]]), T)
    expect(state.run).toBe(40_001)
    expect(effects).toEqual([{ kind: 'persist', key: RUNS_RECORD, value: { run: 40_001 }, sync: true, token: 'run' }])
    // A timer or a stop before the write came back sends nothing.
    expect(machine.step(state, { kind: 'timer', timer: 'beat', nowMs: T + 1 }).effects).toEqual([])
    expect(machine.step(state, { kind: 'stop', nowMs: T + 1 }).effects).toEqual([])
    const beating = machine.step(state, { kind: 'persisted', token: 'run', nowMs: T + 2 })
    expect(published(beating.effects)).toEqual([{ v: 1, kind: 'heartbeat', nodeId: 'node-1', epoch: 0, seq: packSeq(40_001, 0) }])
    expect(beating.effects).toContainEqual({ kind: 'set-timer', timer: 'beat', atMs: T + 2 + HEARTBEAT_INTERVAL_MS })
  })

  it('beats every interval with the next counter, then says goodbye once and stops beating', () => {
    let s = started()
    const seqs: number[] = []
    for (let i = 1; i <= 3; i++) {
      const out = machine.step(s, { kind: 'timer', timer: 'beat', nowMs: T + i * HEARTBEAT_INTERVAL_MS })
      s = out.state
      seqs.push(...published(out.effects).map(m => unpackSeq(m.seq).counter))
    }
    expect(seqs).toEqual([1, 2, 3])
    const bye = machine.step(s, { kind: 'stop', nowMs: T + 3_500 })
    expect(bye.effects).toEqual([{ kind: 'cancel-timer', timer: 'beat' }, { kind: 'publish', msg: expect.objectContaining({ kind: 'goodbye', seq: packSeq(s.run, 4) }) }])
    expect(machine.step(bye.state, { kind: 'stop', nowMs: T + 3_600 }).effects).toEqual([])
    expect(machine.step(bye.state, { kind: 'timer', timer: 'beat', nowMs: T + 4_000 }).effects).toEqual([])
  })

  it('counts a peer live by a fresh heartbeat, down by its goodbye, and changes nothing for a stale one', () => {
    let s = started()
    s = machine.step(s, { kind: 'message', from: 'p2', msg: hb('heartbeat', 9, 3), nowMs: T + 10 }).state
    expect(isLive(s.words, 'me', 'p2', T + 10)).toBe(true)
    const stale = machine.step(s, { kind: 'message', from: 'p2', msg: hb('heartbeat', 9, 2), nowMs: T + 20 })
    expect(stale.state).toBe(s)
    expect(stale.effects).toEqual([{ kind: 'stale', peerId: 'p2', msg: hb('heartbeat', 9, 2) }])
    const bye = machine.step(s, { kind: 'message', from: 'p2', msg: hb('goodbye', 9, 4), nowMs: T + 30 })
    expect(bye.effects).toEqual([{ kind: 'counted-down', peerId: 'p2' }])
    expect(isLive(bye.state.words, 'me', 'p2', T + 31)).toBe(false)
    // Its restart (a later run) counts it live at once.
    const back = machine.step(bye.state, { kind: 'message', from: 'p2', msg: hb('heartbeat', 10, 0), nowMs: T + 40 })
    expect(isLive(back.state.words, 'me', 'p2', T + 41)).toBe(true)
  })

  it('a restart\'s heartbeats win at once over a replayed older run a restarted receiver took first', () => {
    let s = started()
    // Just restarted, this node hears a replay of p2's old run before p2's running one.
    s = machine.step(s, { kind: 'message', from: 'p2', msg: hb('heartbeat', 9, 500), nowMs: T + 10 }).state
    s = machine.step(s, { kind: 'message', from: 'p2', msg: hb('heartbeat', 12, 7), nowMs: T + 20 }).state
    expect(s.followed.get('p2')?.run).toBe(12)
    // The old run's later counters are stale now: retired.
    expect(machine.step(s, { kind: 'message', from: 'p2', msg: hb('heartbeat', 9, 501), nowMs: T + 30 }).effects[0]?.kind).toBe('stale')
  })
})
