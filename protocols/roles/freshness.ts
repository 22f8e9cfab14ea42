// Which heartbeats and goodbyes are fresh (docs/protocols/roles.md#liveness-what-each-node-does):
// a receiver follows one run of each peer and the last counter it took in it,
// and remembers the runs that ended, so a signed heartbeat or goodbye that
// someone relays again later (gossipsub forgets what it has seen after two
// minutes) changes nothing. Pure: time is passed in, no I/O.
import { LIVENESS_WINDOW_MS } from '../constants.js'
import { unpackSeq } from '../wire/heartbeat.js'

/** Ended runs remembered per peer: restarts of one peer that a relayed message could still come from. */
export const RETIRED_RUNS_PER_PEER = 8

export type Freshness = 'fresh' | 'stale'

interface FollowedRun {
  run: number
  counter: number
  takenAtMs: number
  /** This run said goodbye: nothing more of it is fresh. */
  ended: boolean
  retired: number[]
}

export class HeartbeatFreshness {
  readonly #peers = new Map<string, FollowedRun>()

  constructor (private readonly windowMs = LIVENESS_WINDOW_MS) {}

  /**
   * Takes a heartbeat or goodbye the topic validator accepted, with its seq and arrival time,
   * and says whether it is news.
   * - The run followed: fresh when its counter is after the last one taken, and the run has
   *   not said goodbye.
   * - Another run: a restart, fresh when that run never ended here, and the followed run said
   *   goodbye or has been silent for a liveness window (a crash). So a relayed message of an old
   *   run cannot take over from a run that is alive, and at worst counts a peer that has been
   *   silent for a window live for one more window (as before runs existed).
   * - Run 0 (builds before runs): always fresh, as before.
   */
  admit (peerId: string, seq: number, kind: 'heartbeat' | 'goodbye', atMs: number): Freshness {
    const { run, counter } = unpackSeq(seq)
    if (run === 0) return 'fresh'
    const followed = this.#peers.get(peerId)
    if (followed === undefined) {
      this.#peers.set(peerId, { run, counter, takenAtMs: atMs, ended: kind === 'goodbye', retired: [] })
      return 'fresh'
    }
    if (run === followed.run) {
      if (followed.ended || counter <= followed.counter) return 'stale'
    } else {
      const followedIsOver = followed.ended || atMs - followed.takenAtMs >= this.windowMs
      if (!followedIsOver || followed.retired.includes(run)) return 'stale'
      followed.retired = [...followed.retired, followed.run].slice(-RETIRED_RUNS_PER_PEER)
      followed.run = run
    }
    followed.counter = counter
    followed.takenAtMs = atMs
    followed.ended = kind === 'goodbye'
    return 'fresh'
  }
}
