// What a scenario registers with the simulator, and the runner of many schedules: each
// schedule is one seed (the run's seed is the start seed plus its index), run to the end
// or to the first invariant that fails; failures keep their seed so `replay` redoes them.
import { InvariantViolation, type Simulation } from './simulation.js'

export interface Scenario {
  /** Short, for `--scenario` (kebab-case). */
  name: string
  /** One sentence: what a run does and which invariants it checks. */
  description: string
  /**
   * Builds the simulation of one run from its seed (nodes, machines, schedule, invariants)
   * and runs it to its end; throws InvariantViolation when an invariant fails.
   */
  run: (seed: number, opts: RunOptions) => Simulation
}

export interface RunOptions {
  /** Trace entries kept; Infinity for a replay. */
  traceLines?: number
}

export interface ScheduleOutcome {
  scenario: string
  seed: number
  steps: number
  failure?: InvariantViolation
}

export interface BatchReport {
  outcomes: ScheduleOutcome[]
  failures: ScheduleOutcome[]
  elapsedMs: number
  schedulesPerMinute: number
}

/** The seed of schedule `index` of a batch started at `seed`. */
export function scheduleSeed (seed: number, index: number): number {
  return (seed + index) >>> 0
}

/** Runs one schedule; an InvariantViolation is an outcome, any other error is a bug of the scenario and is thrown. */
export function runOne (scenario: Scenario, seed: number, opts: RunOptions = {}): ScheduleOutcome {
  try {
    const sim = scenario.run(seed, opts)
    return { scenario: scenario.name, seed, steps: sim.steps }
  } catch (err) {
    if (err instanceof InvariantViolation) {
      err.scenario = scenario.name
      return { scenario: scenario.name, seed, steps: 0, failure: err }
    }
    throw new Error(`scenario ${scenario.name} threw on seed ${seed}: ${(err as Error).stack ?? String(err)}`)
  }
}

/**
 * `schedules` runs of each scenario, seeds `seed`, `seed + 1`, …; `now` is the wall clock
 * used only to report the rate (passed in, so the runner itself reads no clock).
 */
export function runBatch (scenarios: readonly Scenario[], seed: number, schedules: number, now: () => number): BatchReport {
  const started = now()
  const outcomes: ScheduleOutcome[] = []
  for (const scenario of scenarios) {
    for (let i = 0; i < schedules; i++) outcomes.push(runOne(scenario, scheduleSeed(seed, i)))
  }
  const elapsedMs = Math.max(1, now() - started)
  return {
    outcomes,
    failures: outcomes.filter(o => o.failure !== undefined),
    elapsedMs,
    schedulesPerMinute: Math.round(outcomes.length * 60_000 / elapsedMs)
  }
}

/** Runs `seed` again keeping the whole trace: what a failure prints, in full. */
export function replay (scenario: Scenario, seed: number): { outcome: ScheduleOutcome, trace: string[] } {
  let trace: string[] = []
  try {
    const sim = scenario.run(seed, { traceLines: Infinity })
    trace = sim.trace.lines()
    return { outcome: { scenario: scenario.name, seed, steps: sim.steps }, trace }
  } catch (err) {
    if (!(err instanceof InvariantViolation)) throw err
    err.scenario = scenario.name
    return { outcome: { scenario: scenario.name, seed, steps: 0, failure: err }, trace: err.trace }
  }
}
