// Which heartbeats and goodbyes are fresh (docs/protocols/roles.md#liveness-what-each-node-does):
// a receiver follows one run of each peer and the last counter it took in it,
// and remembers the runs that ended, so a signed heartbeat or goodbye that
// someone relays again later (gossipsub forgets what it has seen after two
// minutes) changes nothing. Pure: time is passed in, no I/O; the liveness machine
// (liveness-machine.ts) keeps what admitHeartbeat returns in its state.
import { LIVENESS_WINDOW_MS } from '../constants.js'
import { unpackSeq } from '../wire/heartbeat.js'

/** Ended runs remembered per peer: restarts of one peer that a relayed message could still come from. */
export const RETIRED_RUNS_PER_PEER = 8

export type Freshness = 'fresh' | 'stale'

/** What a receiver keeps of one peer's runs. */
export interface FollowedRun {
  readonly run: number
  readonly counter: number
  readonly takenAtMs: number
  /** This run said goodbye: nothing more of it is fresh. */
  readonly ended: boolean
  readonly retired: readonly number[]
}

/**
 * Takes a heartbeat or goodbye the topic validator accepted, with its seq and arrival time,
 * and says whether it is news, with what to follow of that peer from now on (unchanged when stale).
 * - The run followed: fresh when its counter is after the last one taken, and the run has
 *   not said goodbye.
 * - A later run (a restart: a node's runs grow, liveness-machine.ts): fresh at once when it
 *   never ended here. So a replayed message of an older run that a receiver took first (it
 *   had just restarted, or missed the newer run's start) cannot hold the running one off.
 * - An earlier run: fresh when that run never ended here, and the followed run said goodbye
 *   or has been silent for a liveness window. Runs go down only when they wrap, or from a
 *   build that drew them at random; a relayed message of an old run cannot take over from a
 *   run that is alive, and at worst counts a peer that has been silent for a window live for
 *   one more window.
 * - Run 0 (builds before runs): always fresh, as before, and nothing is followed for it.
 */
export function admitHeartbeat (
  followed: FollowedRun | undefined, seq: number, kind: 'heartbeat' | 'goodbye', atMs: number, windowMs = LIVENESS_WINDOW_MS
): { freshness: Freshness, followed: FollowedRun | undefined } {
  const { run, counter } = unpackSeq(seq)
  if (run === 0) return { freshness: 'fresh', followed }
  const ended = kind === 'goodbye'
  if (followed === undefined) return { freshness: 'fresh', followed: { run, counter, takenAtMs: atMs, ended, retired: [] } }
  if (run === followed.run) {
    if (followed.ended || counter <= followed.counter) return { freshness: 'stale', followed }
    return { freshness: 'fresh', followed: { ...followed, counter, takenAtMs: atMs, ended } }
  }
  const followedIsOver = run > followed.run || followed.ended || atMs - followed.takenAtMs >= windowMs
  if (!followedIsOver || followed.retired.includes(run)) return { freshness: 'stale', followed }
  const retired = [...followed.retired, followed.run].slice(-RETIRED_RUNS_PER_PEER)
  return { freshness: 'fresh', followed: { run, counter, takenAtMs: atMs, ended, retired } }
}

/** admitHeartbeat over a map of peers, for a holder that keeps it (tests, tools). */
export class HeartbeatFreshness {
  readonly #peers = new Map<string, FollowedRun>()

  constructor (private readonly windowMs = LIVENESS_WINDOW_MS) {}

  admit (peerId: string, seq: number, kind: 'heartbeat' | 'goodbye', atMs: number): Freshness {
    const { freshness, followed } = admitHeartbeat(this.#peers.get(peerId), seq, kind, atMs, this.windowMs)
    if (followed !== undefined) this.#peers.set(peerId, followed)
    return freshness
  }
}
