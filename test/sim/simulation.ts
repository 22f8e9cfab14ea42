// One simulated run: nodes, their network and disks on one virtual clock and one seeded
// PRNG. Invariants are checked after every step of every machine; the first one that
// fails stops the run with an InvariantViolation carrying the seed and the trace.
import { VirtualClock } from './clock.js'
import { UnknownSimNodeError } from './errors.js'
import { SimNetwork, type NetworkPlan } from './network.js'
import { SimNode, type EffectHandler } from './node.js'
import { Prng } from './prng.js'
import { DEFAULT_DISK, SimStore, type DiskPlan } from './store.js'
import { DEFAULT_TRACE_LINES, Trace } from './trace.js'

/** Virtual time a run starts at: an ordinary epoch time, so machines see plausible clocks. */
export const SIM_START_MS = 1_800_000_000_000

export interface SimulationInit {
  seed: number
  nodes: readonly string[]
  network: NetworkPlan
  disk?: DiskPlan
  /** Trace entries kept (the last ones); Infinity keeps the whole run, for replays and determinism tests. */
  traceLines?: number
  /** Every timer fires this long before its time (a runner fault: Node's setTimeout fires up to 1 ms before Date.now reaches it). */
  timersEarlyMs?: number
}

/** An invariant: undefined while it holds, else what is wrong. */
export type Invariant = (sim: Simulation) => string | undefined

export class InvariantViolation extends Error {
  /** Set by the runner (scenario.ts), so the report names what to replay. */
  scenario = '<scenario>'

  constructor (readonly seed: number, readonly invariant: string, readonly problem: string, readonly atMs: number, readonly trace: string[]) {
    super(`invariant '${invariant}' failed at ${atMs - SIM_START_MS} ms of seed ${seed}: ${problem}`)
    this.name = 'InvariantViolation'
  }

  /** What a failing run prints: the seed to replay, the problem, and the last trace lines. */
  report (): string {
    return [this.message, `replay: npm run sim -- --scenario ${this.scenario} --replay ${this.seed}`, '--- last trace lines ---', ...this.trace].join('\n')
  }
}

export class Simulation {
  readonly prng: Prng
  readonly clock = new VirtualClock(SIM_START_MS)
  readonly trace: Trace
  readonly network: SimNetwork
  readonly nodes = new Map<string, SimNode>()
  readonly #invariants: Array<{ name: string, check: Invariant }> = []
  #effectHandler: EffectHandler = () => {}
  #violation: InvariantViolation | undefined
  steps = 0

  constructor (readonly init: SimulationInit) {
    this.prng = new Prng(init.seed)
    this.trace = new Trace(init.traceLines ?? DEFAULT_TRACE_LINES, SIM_START_MS)
    this.network = new SimNetwork(this.clock, this.prng.fork('network'), this.trace, init.network)
    const hooks = {
      afterStep: () => { this.#afterStep() },
      onEffect: (node: SimNode, machine: string, effect: { kind: string }) => { this.#effectHandler(node, machine, effect) },
      timersEarlyMs: init.timersEarlyMs
    }
    for (const id of init.nodes) {
      const store = new SimStore(this.clock, this.prng.fork(`disk/${id}`), init.disk ?? DEFAULT_DISK)
      this.nodes.set(id, new SimNode(id, store, this.clock, this.network, this.trace, hooks))
    }
  }

  get nowMs (): number {
    return this.clock.nowMs
  }

  /** Virtual milliseconds since the run started. */
  get elapsedMs (): number {
    return this.clock.nowMs - SIM_START_MS
  }

  node (id: string): SimNode {
    const node = this.nodes.get(id)
    if (node === undefined) throw new UnknownSimNodeError(id, 'Simulation.node')
    return node
  }

  /** Where effects that are not core ones go (gossip, answers to clients, blame). They are traced either way. */
  onEffect (handler: EffectHandler): void {
    this.#effectHandler = (node, machine, effect) => {
      this.trace.add({ atMs: this.clock.nowMs, where: node.id, what: `effect ${effect.kind}`, detail: effect })
      handler(node, machine, effect)
    }
  }

  invariant (name: string, check: Invariant): void {
    this.#invariants.push({ name, check })
  }

  /** Runs `fn` at `elapsedMs` into the run, traced as `label`. */
  at (elapsedMs: number, label: string, fn: () => void): void {
    this.clock.at(SIM_START_MS + elapsedMs, () => {
      this.trace.add({ atMs: this.clock.nowMs, where: 'sim', what: label })
      fn()
      this.#afterStep()
    })
  }

  /** Boots every node that is not up. */
  start (): void {
    for (const node of this.nodes.values()) if (!node.up) node.boot()
  }

  /** Runs until `elapsedMs` into the run; throws the first invariant that failed. */
  runUntil (elapsedMs: number): void {
    this.clock.runUntil(SIM_START_MS + elapsedMs, () => this.#violation !== undefined)
    if (this.#violation !== undefined) throw this.#violation
  }

  /** Fails the run now (for checks made outside a step, e.g. at the end). */
  fail (invariant: string, problem: string): never {
    throw this.#violate(invariant, problem)
  }

  #afterStep (): void {
    this.steps++
    if (this.#violation !== undefined) return
    for (const { name, check } of this.#invariants) {
      const problem = check(this)
      if (problem !== undefined) {
        this.#violation = this.#violate(name, problem)
        return
      }
    }
  }

  #violate (invariant: string, problem: string): InvariantViolation {
    this.#violation ??= new InvariantViolation(this.init.seed, invariant, problem, this.clock.nowMs, this.trace.lines())
    return this.#violation
  }
}
