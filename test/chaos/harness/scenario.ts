// What every chaos scenario does after its faults: bring every node back,
// check the invariants (including that every key still signs), print and
// save the figures, and fail the test on any violation.
import { expect } from 'vitest'
import type { KeyFile } from '../../../cli/key-file.js'
import type { Devnet } from '../../../devnet/api.js'
import type { ChaosClient, SignOutcome } from './client.js'
import { restoreAll, type FaultLog } from './faults.js'
import { checkEveryKeySigns, checkManagersAgree, checkOutcomes, violationCount } from './invariants.js'
import { printReport, summarize, type ScenarioReport } from './report.js'
import { LONG_RUN, type Rng } from './rng.js'

export interface Conclusion {
  scenario: string
  rng: Rng
  devnet: Devnet
  client: ChaosClient
  outcomes: SignOutcome[]
  keys: readonly KeyFile[]
  faults: FaultLog
  extra?: Partial<ScenarioReport>
}

export async function conclude (c: Conclusion): Promise<ScenarioReport> {
  await restoreAll(c.devnet, c.faults)
  const byId = new Map(c.keys.map(k => [k.keyId, k]))
  const violations = checkOutcomes(c.outcomes, byId)
  await checkManagersAgree(c.devnet, c.outcomes, violations)
  await checkEveryKeySigns(c.client, c.keys, violations)
  const report = summarize(c.scenario, c.rng.seed, LONG_RUN, c.outcomes, c.faults.list(), violations, c.extra)
  await printReport(report)
  expect(violationCount(violations), JSON.stringify(violations, null, 1)).toBe(0)
  return report
}
