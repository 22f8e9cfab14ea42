// Signing in the simulator (test/sim/scenarios/sign.ts): random schedules of faults over
// nine nodes running the signer and coordinator machines with real FROST; a failure
// prints its seed and `npm run sim -- --scenario sign --replay <seed>` replays it.
import { describe, expect, it } from 'vitest'
import { replay, runBatch, type Scenario } from './scenario.js'
import { runSign, signCleanScenario, signEcdsaScenario, signScenario, signToyScenario } from './scenarios/sign.js'

const SCHEDULES = Number(process.env.SIM_SIGN_SCHEDULES ?? 200)
/** DKLs23 costs ~100 times FROST's CPU per signer: fewer schedules, the same faults. */
const ECDSA_SCHEDULES = Number(process.env.SIM_SIGN_ECDSA_SCHEDULES ?? 12)

describe('signing under random schedules', () => {
  it(`${SCHEDULES} schedules with faults: signatures verify, one per request id, no nonce reused, blame only for the faulty, nothing past its deadline`, () => {
    const report = runBatch([signScenario], 1, SCHEDULES, Date.now)
    console.log(`[sim] sign: ${report.outcomes.length} schedules, ${report.schedulesPerMinute} a minute`)
    expect(report.failures.map(f => f.failure!.report())).toEqual([])
  })

  it(`${SCHEDULES} schedules without faults: every request completes`, () => {
    const report = runBatch([signCleanScenario], 1_000, SCHEDULES, Date.now)
    expect(report.failures.map(f => f.failure!.report())).toEqual([])
  })

  it(`${SCHEDULES} schedules of a three-round protocol with a point-to-point round, on the same machines unchanged`, () => {
    const report = runBatch([signToyScenario], 2_000, SCHEDULES, Date.now)
    expect(report.failures.map(f => f.failure!.report())).toEqual([])
  })

  it(`${ECDSA_SCHEDULES} schedules with faults under DKLs23 threshold ECDSA: signatures verify and recover the key, one per request id, blame only for the faulty`, () => {
    const report = runBatch([signEcdsaScenario], 3_000, ECDSA_SCHEDULES, Date.now)
    console.log(`[sim] sign-ecdsa: ${report.outcomes.length} schedules, ${report.schedulesPerMinute} a minute`)
    expect(report.failures.map(f => f.failure!.report())).toEqual([])
  }, 600_000)

  it('DKLs23 with one cheating signer and no network faults: every cheat is refused or traced to it, and blamed on it alone', () => {
    // The cheat either sends a counterparty a round-2 message whose Γ^u does not fit its R_i (refused there, named
    // missing) or adds one to its final share (the coordinator's evidence check names it): both paths, by session.
    const blamed: string[] = []
    for (const seed of [11, 12, 13, 14]) {
      const sim = runSign(seed, { protocol: 'ecdsa', faulty: true, managerCrashes: false, limits: { maxDropRate: 0, maxDuplicateRate: 0, maxPartitions: 0, maxLinkFaults: 0, maxCrashes: 0 }, traceLines: 100_000 })
      for (const line of sim.trace.lines()) if (line.includes('effect blame')) blamed.push(line)
    }
    expect(blamed.length).toBeGreaterThan(0)
    expect(blamed.some(l => l.includes('invalid-share'))).toBe(true)
  }, 300_000)

  it('a signer that forgets its ledger is caught: two sessions of one request get every share, two signatures could be made', () => {
    const broken: Scenario = { ...signScenario, name: 'sign-amnesiac', run: (seed, opts) => runSign(seed, { traceLines: opts.traceLines, amnesiac: true }) }
    const report = runBatch([broken], 5_000, 40, Date.now)
    expect(report.failures.map(f => f.failure!.invariant)).toContain('one signature per request id')
  })

  it('a seed replays to the same trace', () => {
    const a = replay(signScenario, 7)
    const b = replay(signScenario, 7)
    expect(a.trace).toEqual(b.trace)
    expect(a.trace.length).toBeGreaterThan(100)
  })
})
