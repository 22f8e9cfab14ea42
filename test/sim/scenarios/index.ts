// Every scenario the simulator runs: `npm run sim` runs them all unless --scenario names some.
// A scenario registers here once it has its own test file under test/sim/.
import type { Scenario } from '../scenario.js'
import { echoScenario } from './echo.js'
import { livenessConvergesScenario, livenessRestartsScenario } from './liveness.js'
import { livenessReplayerScenario, livenessReplayerSeenScenario } from './liveness-replay.js'
import { signCleanScenario, signEcdsaScenario, signScenario, signToyScenario } from './sign.js'
import { versioningScenario } from './versioning.js'

export const SCENARIOS: readonly Scenario[] = [echoScenario, livenessConvergesScenario, livenessRestartsScenario, livenessReplayerScenario, livenessReplayerSeenScenario, versioningScenario, signScenario, signCleanScenario, signToyScenario, signEcdsaScenario]

export function scenarioNamed (name: string): Scenario {
  const scenario = SCENARIOS.find(s => s.name === name)
  if (scenario === undefined) throw new UnknownScenarioError(name)
  return scenario
}

export class UnknownScenarioError extends Error {
  constructor (readonly scenario: string) {
    super(`no scenario named '${scenario}'; known: ${SCENARIOS.map(s => s.name).join(', ')}`)
    this.name = 'UnknownScenarioError'
  }
}
