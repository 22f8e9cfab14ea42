// A replayer in the network (docs/protocols/roles.md, freshness): it captures every heartbeat
// and goodbye the victim sends, and once the victim crashed re-sends them, signed as they
// are, to random peers at random times until the run ends, as a gossip relay that kept
// them past gossipsub's seen-cache could. The victim may stay down or restart.
// - liveness-replayer: on a lossy network where other nodes crash too, the replays never
//   keep a restarted victim from being counted live (live sets converge as without them);
// - liveness-replayer-seen: every peer got every message of the victim and kept its memory
//   (no loss from the victim, no partition, no other crash): then the replays never keep a
//   down victim live past a window. Without those conditions they can: a re-sent message a
//   peer never got, or got before it restarted, is news to it, as a late genuine one would be.
import { LIVENESS_WINDOW_MS } from '../../../protocols/constants.js'
import type { Envelope } from '../node.js'
import { Prng } from '../prng.js'
import type { Scenario } from '../scenario.js'
import type { Crash, Schedule } from '../schedule.js'
import type { Simulation } from '../simulation.js'
import { LIVENESS, type LivenessWorldInit } from './liveness-world.js'
import { downNodesAreNotLive, LIVENESS_PEERS, runLiveness } from './liveness.js'

export const VICTIM = 'p1'
/** The replayer re-sends one captured message every this many ms at most. */
const REPLAY_EVERY_MAX_MS = 400

/** The victim's crash: some time after its heartbeats are everywhere, down for good or for a few windows. */
function victimCrash (seed: number, mayStayDown: boolean): Crash {
  const prng = new Prng(seed).fork('victim')
  const atMs = prng.int(5_000, 12_000)
  const restartAtMs = mayStayDown && prng.chance(0.5) ? undefined : atMs + prng.int(LIVENESS_WINDOW_MS / 2, 3 * LIVENESS_WINDOW_MS)
  return { node: VICTIM, atMs, restartAtMs, graceful: prng.chance(0.5) }
}

/** Captures what `victim` sends and replays it to `peers` from `fromMs` on. Returns what it captured. */
export function addReplayer (sim: Simulation, victim: string, peers: readonly string[], fromMs: number): Uint8Array[] {
  const prng = sim.prng.fork('replayer')
  const captured: Uint8Array[] = []
  const seen = new Set<string>()
  sim.network.tap((from, _to, wire) => {
    const { machine, wire: bytes } = wire as Envelope
    if (from !== victim || machine !== LIVENESS) return
    const key = Buffer.from(bytes as Uint8Array).toString('hex')
    if (!seen.has(key)) captured.push(bytes as Uint8Array)
    seen.add(key)
  })
  const replayOne = (): void => {
    if (captured.length > 0) {
      const to = prng.pick(peers.filter(p => p !== victim))
      sim.network.inject(victim, to, { machine: LIVENESS, wire: prng.pick(captured) }, prng.int(1, 50))
    }
    sim.at(sim.elapsedMs + prng.int(1, REPLAY_EVERY_MAX_MS), 'replay', replayOne)
  }
  sim.at(fromMs, 'replayer starts', replayOne)
  return captured
}

export const livenessReplayerScenario: Scenario = {
  name: 'liveness-replayer',
  description: 'a replayer re-sends a crashed node\'s heartbeats and goodbyes on a lossy network: once back, the node is counted live as without it',
  run: (seed, opts) => runReplayer(seed, opts.traceLines)
}

/** One run of liveness-replayer; `world` lets a test run it on other machines. */
export function runReplayer (seed: number, traceLines?: number, world: Partial<LivenessWorldInit> = {}): Simulation {
  const crash = victimCrash(seed, false)
  return runLiveness(seed, traceLines, {
    limits: { maxCrashes: 3 },
    world,
    adjust: schedule => { schedule.crashes = [...schedule.crashes.filter(c => c.node !== VICTIM), crash].sort((a, b) => a.atMs - b.atMs) },
    extend: sim => { addReplayer(sim, VICTIM, LIVENESS_PEERS, crash.atMs) }
  })
}

export const livenessReplayerSeenScenario: Scenario = {
  name: 'liveness-replayer-seen',
  description: 'a replayer re-sends heartbeats and goodbyes every peer already took: a down node is not live past a window, a restarted one not counted down',
  run: (seed, opts) => {
    const crash = victimCrash(seed, true)
    return runLiveness(seed, opts.traceLines, {
      limits: { maxCrashes: 0, maxPartitions: 0 },
      adjust: schedule => {
        schedule.crashes = [crash]
        // The victim's own messages are delayed and repeated like any, never lost.
        const faults = { ...schedule.network.faults, dropRate: 0 }
        schedule.network = { ...schedule.network, links: [...LIVENESS_PEERS.filter(p => p !== VICTIM).map(to => ({ from: VICTIM, to, fromMs: 0, untilMs: Infinity, faults })), ...schedule.network.links] }
      },
      extend: (sim: Simulation, schedule: Schedule) => {
        addReplayer(sim, VICTIM, LIVENESS_PEERS, crash.atMs)
        sim.invariant('a down node is not live', downNodesAreNotLive(schedule, LIVENESS_PEERS))
      }
    })
  }
}
