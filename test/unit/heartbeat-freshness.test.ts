// Fresh heartbeats and goodbyes (protocols/roles/freshness.ts, issue #17):
// a signed heartbeat or goodbye relayed again later changes nothing.
import { fc, it as prop } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { HeartbeatFreshness, RETIRED_RUNS_PER_PEER } from '../../protocols/roles/freshness.js'
import { decodeHeartbeat, encodeHeartbeat, HEARTBEAT_COUNTER_SPAN, HEARTBEAT_RUNS, packSeq, unpackSeq } from '../../protocols/wire/heartbeat.js'
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'

const P = 'peer-1'
const RUN = 77
const T0 = 1_000_000

describe('heartbeat seq packing', () => {
  prop.prop([fc.integer({ min: 0, max: HEARTBEAT_RUNS - 1 }), fc.integer({ min: 0, max: HEARTBEAT_COUNTER_SPAN - 1 })])('round-trips and stays an exact JSON number', (run, counter) => {
    const seq = packSeq(run, counter)
    expect(Number.isSafeInteger(seq)).toBe(true)
    expect(unpackSeq(seq)).toEqual({ run, counter })
    expect(decodeHeartbeat(encodeHeartbeat({ v: 1, kind: 'heartbeat', nodeId: 'node-1', epoch: 0, seq }))).toEqual({ kind: 'ok', value: expect.objectContaining({ seq }) })
  })

  it('refuses a run or counter out of range', () => {
    expect(() => packSeq(HEARTBEAT_RUNS, 0)).toThrow(RangeError)
    expect(() => packSeq(1, HEARTBEAT_COUNTER_SPAN)).toThrow(RangeError)
    expect(() => packSeq(-1, 0)).toThrow(RangeError)
  })
})

describe('HeartbeatFreshness', () => {
  it('takes the counters of a run in order and refuses a repeated or older one (replayed heartbeat)', () => {
    const f = new HeartbeatFreshness()
    expect(f.admit(P, packSeq(RUN, 0), 'heartbeat', T0)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN, 1), 'heartbeat', T0 + 1_000)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN, 1), 'heartbeat', T0 + 1_500)).toBe('stale')
    expect(f.admit(P, packSeq(RUN, 0), 'heartbeat', T0 + 1_600)).toBe('stale')
    expect(f.admit(P, packSeq(RUN, 5), 'heartbeat', T0 + 2_000)).toBe('fresh')
  })

  it('a relayed goodbye of a run that is still alive is stale (replayed goodbye)', () => {
    const f = new HeartbeatFreshness()
    // An earlier run said goodbye; the node restarted; someone relays that goodbye again.
    f.admit(P, packSeq(RUN, 3), 'goodbye', T0)
    expect(f.admit(P, packSeq(RUN + 1, 0), 'heartbeat', T0 + 500)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN + 1, 1), 'heartbeat', T0 + 1_500)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN, 3), 'goodbye', T0 + 200_000)).toBe('stale')
  })

  it('nothing of a run that said goodbye is fresh again (relayed heartbeat after a goodbye)', () => {
    const f = new HeartbeatFreshness()
    f.admit(P, packSeq(RUN, 10), 'heartbeat', T0)
    expect(f.admit(P, packSeq(RUN, 11), 'goodbye', T0 + 1_000)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN, 12), 'heartbeat', T0 + 1_100)).toBe('stale')
    expect(f.admit(P, packSeq(RUN, 11), 'goodbye', T0 + 1_200)).toBe('stale')
  })

  it('a restart after a goodbye is fresh at once', () => {
    const f = new HeartbeatFreshness()
    f.admit(P, packSeq(RUN, 4), 'goodbye', T0)
    expect(f.admit(P, packSeq(RUN + 9, 0), 'heartbeat', T0 + 10)).toBe('fresh')
  })

  it('a restart after a crash (a later run) is fresh at once; the crashed run is over for good', () => {
    const f = new HeartbeatFreshness()
    f.admit(P, packSeq(RUN, 4), 'heartbeat', T0)
    expect(f.admit(P, packSeq(RUN + 9, 0), 'heartbeat', T0 + 1)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN, 5), 'heartbeat', T0 + 10 * LIVENESS_WINDOW_MS)).toBe('stale')
  })

  it('an earlier run (wrapped, or drawn at random by a build before runs grew) is fresh once the followed run has been silent for a liveness window, not before', () => {
    const f = new HeartbeatFreshness()
    f.admit(P, packSeq(RUN, 4), 'heartbeat', T0)
    expect(f.admit(P, packSeq(RUN - 9, 0), 'heartbeat', T0 + LIVENESS_WINDOW_MS - 1)).toBe('stale')
    expect(f.admit(P, packSeq(RUN - 9, 1), 'heartbeat', T0 + LIVENESS_WINDOW_MS)).toBe('fresh')
    expect(f.admit(P, packSeq(RUN, 5), 'heartbeat', T0 + 10 * LIVENESS_WINDOW_MS)).toBe('stale')
  })

  it('a relayed message of an old run cannot take over from a run that is alive (old-run takeover)', () => {
    const f = new HeartbeatFreshness()
    f.admit(P, packSeq(RUN, 0), 'heartbeat', T0)
    // A receiver that never saw run RUN − 5 end cannot tell it is old: but RUN is alive, so it is stale.
    expect(f.admit(P, packSeq(RUN - 5, 900), 'heartbeat', T0 + 500)).toBe('stale')
    expect(f.admit(P, packSeq(RUN, 1), 'heartbeat', T0 + 1_000)).toBe('fresh')
  })

  it(`remembers the last ${RETIRED_RUNS_PER_PEER} runs that ended`, () => {
    const f = new HeartbeatFreshness()
    let t = T0
    for (let run = 1; run <= RETIRED_RUNS_PER_PEER + 1; run++) f.admit(P, packSeq(run, 0), 'goodbye', t += 10)
    for (let run = 2; run <= RETIRED_RUNS_PER_PEER; run++) expect(f.admit(P, packSeq(run, 0), 'goodbye', t += 10), `run ${run}`).toBe('stale')
  })

  it('run 0 (builds before runs) is always fresh, as before', () => {
    const f = new HeartbeatFreshness()
    expect(f.admit(P, 5, 'heartbeat', T0)).toBe('fresh')
    expect(f.admit(P, 0, 'heartbeat', T0 + 1)).toBe('fresh')
    expect(f.admit(P, 0, 'goodbye', T0 + 2)).toBe('fresh')
  })

  it('peers are followed apart', () => {
    const f = new HeartbeatFreshness()
    f.admit(P, packSeq(RUN, 9), 'heartbeat', T0)
    expect(f.admit('peer-2', packSeq(RUN, 1), 'heartbeat', T0)).toBe('fresh')
  })
})
