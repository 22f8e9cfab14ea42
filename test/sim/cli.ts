// `npm run sim -- --schedules N --seed S [--scenario name …] [--replay SEED] [--list]`:
// runs N schedules of each scenario from seed S (seeds S, S+1, …), prints schedules a
// minute and every failure with its seed and trace, and exits 1 if any failed. --replay
// runs one seed keeping its whole trace and prints it. Run by scripts/sim.mjs.
import { parseArgs } from 'node:util'
import { replay, runBatch } from './scenario.js'
import { scenarioNamed, SCENARIOS } from './scenarios/index.js'

const USAGE = 'usage: npm run sim -- [--schedules N] [--seed S] [--scenario NAME]… [--replay SEED] [--list]'

function seedOf (text: string, flag: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`${flag} ${text} is not a 32-bit unsigned integer\n${USAGE}`)
  return n
}

function main (argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      schedules: { type: 'string', default: '100' },
      seed: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      replay: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help === true) {
    console.log(USAGE)
    return 0
  }
  if (values.list === true) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(28)} ${s.description}`)
    return 0
  }
  const scenarios = values.scenario === undefined ? SCENARIOS : values.scenario.map(scenarioNamed)
  if (values.replay !== undefined) {
    const seed = seedOf(values.replay, '--replay')
    let failed = false
    for (const scenario of scenarios) {
      const { outcome, trace } = replay(scenario, seed)
      console.log(`=== ${scenario.name}, seed ${seed}: ${outcome.failure?.message ?? 'passed'}`)
      console.log(trace.join('\n'))
      failed ||= outcome.failure !== undefined
    }
    return failed ? 1 : 0
  }
  const schedules = Number(values.schedules)
  if (!Number.isInteger(schedules) || schedules < 1) throw new Error(`--schedules ${values.schedules} is not a positive integer\n${USAGE}`)
  // Without --seed, a new one each time (printed, so any failure replays).
  const seed = values.seed === undefined ? (Date.now() % 2 ** 32) >>> 0 : seedOf(values.seed, '--seed')
  console.log(`seed ${seed}, ${schedules} schedules of ${scenarios.map(s => s.name).join(', ')}`)
  const report = runBatch(scenarios, seed, schedules, () => performance.now())
  for (const f of report.failures) console.log(`\nFAILED ${f.scenario} seed ${f.seed}\n${f.failure!.report()}`)
  for (const scenario of scenarios) {
    const mine = report.outcomes.filter(o => o.scenario === scenario.name)
    console.log(`${scenario.name}: ${mine.length - mine.filter(o => o.failure !== undefined).length}/${mine.length} passed`)
  }
  console.log(`${report.outcomes.length} schedules in ${(report.elapsedMs / 1_000).toFixed(1)} s: ${report.schedulesPerMinute} schedules a minute`)
  if (report.failures.length > 0) console.log(`failing seeds: ${report.failures.map(f => `${f.scenario}:${f.seed}`).join(' ')}`)
  return report.failures.length > 0 ? 1 : 0
}

try {
  process.exitCode = main(process.argv.slice(2))
} catch (err) {
  console.error((err as Error).message)
  process.exitCode = 2
}
