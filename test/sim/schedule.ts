// The faults of one run, drawn from its seed within the limits a property run gives:
// how lossy, repetitive and slow the network is, which partitions and link faults happen
// when, and which nodes crash (or stop gracefully) and come back when. A schedule is
// plain data, so the trace can print it and a replay redraws exactly the same one.
import type { LinkFault, LinkFaults, NetworkPlan, Partition } from './network.js'
import type { Prng } from './prng.js'
import type { Simulation } from './simulation.js'

export interface ScheduleLimits {
  /** Faults start after `quietStartMs` and end by `faultsUntilMs` (virtual ms into the run). */
  quietStartMs: number
  faultsUntilMs: number
  maxDropRate: number
  maxDuplicateRate: number
  /** The slowest a message may be during the faults. */
  maxDelayMs: number
  maxPartitions: number
  maxPartitionMs: number
  maxLinkFaults: number
  maxCrashes: number
  maxDownMs: number
  /** Whether a node may still be down when the faults end (else every crash restarts before). */
  mayStayDown: boolean
  /** Share of stops that are graceful (the machine is told first, e.g. to say goodbye). */
  gracefulShare: number
}

export const DEFAULT_LIMITS: ScheduleLimits = {
  quietStartMs: 2_000,
  faultsUntilMs: 20_000,
  maxDropRate: 0.3,
  maxDuplicateRate: 0.2,
  maxDelayMs: 400,
  maxPartitions: 2,
  maxPartitionMs: 8_000,
  maxLinkFaults: 2,
  maxCrashes: 3,
  maxDownMs: 8_000,
  mayStayDown: false,
  gracefulShare: 0.3
}

export interface Crash {
  node: string
  atMs: number
  /** When it boots again; undefined: it stays down. */
  restartAtMs: number | undefined
  graceful: boolean
}

export interface Schedule {
  network: NetworkPlan
  crashes: Crash[]
}

export function drawSchedule (prng: Prng, nodes: readonly string[], limits: ScheduleLimits = DEFAULT_LIMITS): Schedule {
  const within = (startMs: number, maxLengthMs: number): [number, number] => {
    const from = prng.int(limits.quietStartMs, limits.faultsUntilMs - 1)
    return [Math.max(from, startMs), Math.min(from + prng.int(1, maxLengthMs), limits.faultsUntilMs)]
  }
  const faults = (): LinkFaults => ({
    dropRate: prng.float() * limits.maxDropRate,
    duplicateRate: prng.float() * limits.maxDuplicateRate,
    minDelayMs: 1,
    maxDelayMs: prng.int(2, limits.maxDelayMs)
  })
  const network = faults()
  const partitions: Partition[] = []
  for (let i = prng.int(0, limits.maxPartitions); i > 0; i--) {
    const [fromMs, untilMs] = within(0, limits.maxPartitionMs)
    const side = nodes.filter(() => prng.chance(0.5))
    if (side.length > 0 && side.length < nodes.length) partitions.push({ fromMs, untilMs, side })
  }
  const links: LinkFault[] = []
  for (let i = prng.int(0, limits.maxLinkFaults); i > 0; i--) {
    const from = prng.pick(nodes)
    const to = prng.pick(nodes.filter(n => n !== from))
    const [fromMs, untilMs] = within(0, limits.maxPartitionMs)
    links.push({ from, to, fromMs, untilMs, faults: { ...faults(), dropRate: prng.float() } })
  }
  const crashes: Crash[] = []
  const busyUntil = new Map<string, number>()
  for (let i = prng.int(0, limits.maxCrashes); i > 0; i--) {
    const node = prng.pick(nodes)
    const atMs = prng.int(limits.quietStartMs, limits.faultsUntilMs - 1)
    if (atMs <= (busyUntil.get(node) ?? -1)) continue
    const stays = limits.mayStayDown && prng.chance(0.3)
    const restartAtMs = stays ? undefined : Math.min(atMs + prng.int(1, limits.maxDownMs), limits.faultsUntilMs)
    busyUntil.set(node, restartAtMs ?? Infinity)
    crashes.push({ node, atMs, restartAtMs, graceful: prng.chance(limits.gracefulShare) })
  }
  crashes.sort((a, b) => a.atMs - b.atMs)
  return { network: { faults: network, faultsUntilMs: limits.faultsUntilMs, partitions, links }, crashes }
}

/** The nodes a schedule leaves down after its faults. */
export function downAtEnd (schedule: Schedule): Set<string> {
  return new Set(schedule.crashes.filter(c => c.restartAtMs === undefined).map(c => c.node))
}

/**
 * Puts a schedule's crashes and restarts on the simulation's clock. A graceful stop calls
 * `beforeGracefulStop` (the scenario tells its machines, e.g. to say goodbye) and crashes
 * the node `gracefulStopMs` later, as a process that exits after its goodbye.
 */
export function applyCrashes (sim: Simulation, schedule: Schedule, opts: { beforeGracefulStop?: (node: string) => void, gracefulStopMs?: number } = {}): void {
  sim.trace.add({ atMs: sim.nowMs, where: 'sim', what: 'schedule', detail: schedule })
  for (const c of schedule.crashes) {
    if (c.graceful && opts.beforeGracefulStop !== undefined) {
      sim.at(c.atMs, `graceful stop ${c.node}`, () => { opts.beforeGracefulStop?.(c.node) })
      sim.at(c.atMs + (opts.gracefulStopMs ?? 1), `exit ${c.node}`, () => { sim.node(c.node).crash() })
    } else {
      sim.at(c.atMs, `crash ${c.node}`, () => { sim.node(c.node).crash() })
    }
    if (c.restartAtMs !== undefined) {
      const restartAtMs = Math.max(c.restartAtMs, c.atMs + (opts.gracefulStopMs ?? 1) + 1)
      // A restart pushed past the exit of a graceful stop may land after the node's next crash drew its own.
      sim.at(restartAtMs, `restart ${c.node}`, () => { if (!sim.node(c.node).up) sim.node(c.node).boot() })
    }
  }
}
