// Scenarios of the liveness machine (docs/protocols/roles.md#liveness-what-each-node-does):
// - liveness-converges: under drops, delays, duplicates, partitions, crashes and graceful
//   stops, every node's live set is the nodes that are up within CONVERGENCE_MS of the
//   network healing, and a node that is down is never counted live longer than a window
//   after its last message could arrive;
// - liveness-replayer: the same, with an adversary that captured a node's heartbeats and
//   goodbyes and re-sends them once it crashed;
// - liveness-restarts: many crashes with lost unsynced writes, several a minute (so the run
//   clock does not help): no restart reuses a run.
import { LIVENESS_WINDOW_MS } from '../../../protocols/constants.js'
import { Prng } from '../prng.js'
import type { Scenario } from '../scenario.js'
import { applyCrashes, DEFAULT_LIMITS, drawSchedule, type Schedule, type ScheduleLimits } from '../schedule.js'
import type { Simulation } from '../simulation.js'
import { buildLivenessWorld, CONVERGENCE_MS, GRACEFUL_EXIT_MS, gracefulStop, liveSetAt, liveSetsAreTheUpNodes, type LivenessWorld, type LivenessWorldInit } from './liveness-world.js'

export const LIVENESS_PEERS = ['p1', 'p2', 'p3', 'p4', 'p5']
/** Virtual time a run goes on after convergence is due, checking it holds. */
const HOLD_MS = 4_000

/** The slowest a message can be anywhere in the schedule. */
export function slowestDelayMs (schedule: Schedule): number {
  return Math.max(schedule.network.faults.maxDelayMs, ...schedule.network.links.map(l => l.faults.maxDelayMs), 20)
}

/**
 * A node that crashed (or exited after its goodbye) is counted live by nobody once its last
 * message could have arrived and a window has passed, until it restarts. `replayed`: the
 * peers an adversary re-sent messages of, which this bound does not cover (see the replayer).
 */
export function downNodesAreNotLive (schedule: Schedule, peers: readonly string[]): (sim: Simulation) => string | undefined {
  const slowest = slowestDelayMs(schedule)
  return sim => {
    for (const c of schedule.crashes) {
      const exitMs = c.atMs + (c.graceful ? GRACEFUL_EXIT_MS : 0)
      if (sim.elapsedMs <= exitMs + slowest + LIVENESS_WINDOW_MS || (c.restartAtMs !== undefined && sim.elapsedMs >= c.restartAtMs)) continue
      if (sim.node(c.node).up) continue
      for (const p of peers) {
        if (liveSetAt(sim, sim.node(p), peers)?.has(c.node) === true) return `${p} counts ${c.node} live, down since ${exitMs} ms`
      }
    }
    return undefined
  }
}

export interface LivenessRun {
  limits?: Partial<ScheduleLimits>
  world?: Partial<LivenessWorldInit>
  /** Changes the schedule drawn, before the nodes are built (crashes of its own, cleaner links). */
  adjust?: (schedule: Schedule) => void
  /** Sees the world once built (its edge log, what was published). */
  onWorld?: (world: LivenessWorld) => void
  /** Adds to the run before it starts (an adversary, more invariants). */
  extend?: (sim: Simulation, schedule: Schedule) => void
}

/** Draws a schedule, builds the nodes, checks convergence and the down-node bound, runs to the end. */
export function runLiveness (seed: number, traceLines: number | undefined, opts: LivenessRun = {}): Simulation {
  const limits: ScheduleLimits = { ...DEFAULT_LIMITS, ...opts.limits }
  const schedule = drawSchedule(new Prng(seed).fork('schedule'), LIVENESS_PEERS, limits)
  opts.adjust?.(schedule)
  const world = buildLivenessWorld({ seed, peers: LIVENESS_PEERS, schedule, traceLines, ...opts.world })
  opts.onWorld?.(world)
  const { sim } = world
  opts.extend?.(sim, schedule)
  const healedMs = Math.max(limits.faultsUntilMs, ...schedule.crashes.map(c => (c.restartAtMs ?? 0) + GRACEFUL_EXIT_MS + 1))
  sim.invariant('live sets converge to the nodes that are up', liveSetsAreTheUpNodes(LIVENESS_PEERS, healedMs + CONVERGENCE_MS))
  applyCrashes(sim, schedule, { beforeGracefulStop: p => { gracefulStop(sim, p) }, gracefulStopMs: GRACEFUL_EXIT_MS })
  sim.start()
  sim.runUntil(healedMs + CONVERGENCE_MS + HOLD_MS)
  return sim
}

export const livenessConvergesScenario: Scenario = {
  name: 'liveness-converges',
  description: 'drops, delays, duplicates, partitions, crashes, goodbyes: live sets converge to the up nodes within a window after healing; down nodes are not live',
  run: (seed, opts) => runLiveness(seed, opts.traceLines, {
    limits: { mayStayDown: true },
    extend: (sim, schedule) => { sim.invariant('a down node is not live', downNodesAreNotLive(schedule, LIVENESS_PEERS)) }
  })
}

export const livenessRestartsScenario: Scenario = {
  name: 'liveness-restarts',
  description: 'many crashes a minute, losing unsynced writes: no restart reuses a run a peer could have taken',
  run: (seed, opts) => runLiveness(seed, opts.traceLines, {
    limits: { maxCrashes: 10, maxDownMs: 1_500, gracefulShare: 0.2 }
  })
}
