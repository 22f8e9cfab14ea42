// Simulated nodes running the liveness machine (protocols/roles/liveness-machine.ts) as the
// node runs it: heartbeats go out as the node's wire bytes, every peer reads them through the
// node's own edge (judgeHeartbeat), and a publish reaches each other member as one send
// (gossip without relays: relays are modelled as an adversary that re-sends). Shared by the
// liveness and versioning scenarios.
import { HEARTBEAT_INTERVAL_MS, LIVENESS_WINDOW_MS } from '../../../protocols/constants.js'
import { judgeHeartbeat, type HeartbeatEdge, type HeartbeatVerdict } from '../../../protocols/roles/heartbeat-edge.js'
import { liveSetOf } from '../../../protocols/roles/live-set.js'
import { livenessMachine, type LivenessEffect, type LivenessEvent, type LivenessMachine, type LivenessState } from '../../../protocols/roles/liveness-machine.js'
import { encodeHeartbeat, unpackSeq, type Heartbeat } from '../../../protocols/wire/heartbeat.js'
import { HEALED_LINK } from '../network.js'
import type { SimNode } from '../node.js'
import type { Schedule } from '../schedule.js'
import { Simulation, type SimulationInit } from '../simulation.js'
import type { DiskPlan } from '../store.js'

export const LIVENESS = 'liveness'
/** How long a graceful stop takes from its goodbye to the process exiting. */
export const GRACEFUL_EXIT_MS = 5
/**
 * After the network heals and every node is back, each node's live set is the nodes that are
 * up within this: the old run of a node that restarted is over a window after it was last
 * heard, and a heartbeat of the new run comes within an interval and a healed delay.
 */
export const CONVERGENCE_MS = LIVENESS_WINDOW_MS + HEARTBEAT_INTERVAL_MS + HEALED_LINK.maxDelayMs + 10

export const nodeIdOf = (peer: string): string => `node-${peer.slice(1)}`

export interface LivenessWorldInit {
  seed: number
  peers: readonly string[]
  schedule: Schedule
  traceLines?: number
  disk?: DiskPlan
  /** Replaces the machine (a test's deliberately broken one, to show an invariant catches it). */
  wrap?: (machine: LivenessMachine) => LivenessMachine
  /** What a publish of `node` puts on the wire (default: the heartbeat's bytes); a newer build adds fields, or messages of its own. */
  wiresOf?: (node: SimNode, msg: Heartbeat) => Uint8Array[]
}

/** Every verdict of an edge, by sender: what the node's gossipsub validator would have answered. */
export type EdgeLog = Array<{ atMs: number, from: string, to: string, verdict: HeartbeatVerdict['verdict'], why?: string }>

export interface LivenessWorld {
  sim: Simulation
  edgeLog: EdgeLog
  /** Every (run, counter) each node published, with the life it was published in. */
  published: Map<string, Map<number, number>>
}

export function buildLivenessWorld (init: LivenessWorldInit): LivenessWorld {
  const simInit: SimulationInit = { seed: init.seed, nodes: init.peers, network: init.schedule.network, traceLines: init.traceLines, disk: init.disk }
  const sim = new Simulation(simInit)
  const edge: HeartbeatEdge = { members: new Map(init.peers.map(p => [p, nodeIdOf(p)])), epoch: 0 }
  const edgeLog: EdgeLog = []
  const published = new Map<string, Map<number, number>>()
  for (const peer of init.peers) {
    const honest = livenessMachine({ selfPeerId: peer, nodeId: nodeIdOf(peer), epoch: 0 })
    const machine = init.wrap?.(honest) ?? honest
    sim.node(peer).add({
      name: LIVENESS,
      machine,
      encode: (msg: Heartbeat) => encodeHeartbeat(msg),
      decode: (from: string, wire: unknown) => {
        const judged = judgeHeartbeat(edge, from, wire as Uint8Array)
        edgeLog.push({ atMs: sim.nowMs, from, to: peer, verdict: judged.verdict, why: judged.verdict === 'accept' ? undefined : judged.why })
        return judged.verdict === 'accept' ? { kind: 'ok', msg: judged.heartbeat } : { kind: 'refused', why: `${judged.verdict} ${judged.why}` }
      }
    })
  }
  sim.onEffect((node, _machine, effect) => {
    const e = effect as LivenessEffect
    if (e.kind !== 'publish') return
    const { run, counter } = unpackSeq(e.msg.seq)
    const runs = published.get(node.id) ?? new Map<number, number>()
    published.set(node.id, runs)
    const life = runs.get(run)
    if (life !== undefined && life !== node.incarnation) sim.fail('no restart reuses a run', `${node.id} published counter ${counter} of run ${run} in life ${node.incarnation}, a run it already published in life ${life}`)
    runs.set(run, node.incarnation)
    for (const wire of init.wiresOf?.(node, e.msg) ?? [encodeHeartbeat(e.msg)]) {
      for (const to of init.peers) if (to !== node.id) sim.network.send(node.id, to, { machine: LIVENESS, wire })
    }
  })
  return { sim, edgeLog, published }
}

/** The live set `node` holds now, or undefined while it is down. */
export function liveSetAt (sim: Simulation, node: SimNode, peers: readonly string[]): Set<string> | undefined {
  const state = node.state<LivenessState>(LIVENESS)
  return state === undefined ? undefined : liveSetOf(state.words, node.id, peers, sim.nowMs, state.config.windowMs)
}

/** Stops `peer` gracefully: its goodbye, then the process exits. */
export function gracefulStop (sim: Simulation, peer: string): void {
  const stop: LivenessEvent = { kind: 'stop', nowMs: sim.nowMs }
  sim.node(peer).step(LIVENESS, stop)
}

/**
 * The invariant of convergence: from `fromMs` into the run, every node that is up counts
 * exactly the nodes that are up and beating as live.
 */
export function liveSetsAreTheUpNodes (peers: readonly string[], fromMs: number): (sim: Simulation) => string | undefined {
  return sim => {
    if (sim.elapsedMs < fromMs) return undefined
    const up = peers.filter(p => sim.node(p).state<LivenessState>(LIVENESS)?.phase === 'beating')
    for (const p of peers) {
      const live = liveSetAt(sim, sim.node(p), peers)
      if (live === undefined) continue
      const expected = new Set([p, ...up])
      const missing = [...expected].filter(q => !live.has(q))
      const extra = [...live].filter(q => !expected.has(q))
      if (missing.length > 0 || extra.length > 0) return `${p} counts [${[...live].sort().join(' ')}] live; up and beating: [${[...expected].sort().join(' ')}]`
    }
    return undefined
  }
}
