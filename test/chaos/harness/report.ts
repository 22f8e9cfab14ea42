// Per-scenario figures: requests sent, completed, failed by reason, latency
// percentiles and time to recover; printed and written to
// bench/results/chaos/<scenario>.json (git-ignored) for the closing notes.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { percentile } from '../../../bench/stats.js'
import type { SignOutcome } from './client.js'
import type { Violations } from './invariants.js'

const RESULTS_DIR = join(import.meta.dirname, '..', '..', '..', 'bench', 'results', 'chaos')

export interface ScenarioReport {
  scenario: string
  seed: number
  long: boolean
  sent: number
  completed: number
  failed: number
  failedByReason: Record<string, number>
  completedPercent: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  recoverMs?: number
  faults: string[]
  violations: Violations
  extra?: Record<string, unknown>
}

/** Ids, peer ids and numbers out, so equal causes count together. */
export function reasonClass (reason: string | undefined): string {
  return (reason ?? 'no reason')
    .replace(/12D3Koo[A-Za-z0-9]+/g, '<peer>')
    .replace(/\b[0-9a-f]{32}\b/g, '<key>')
    .replace(/request [A-Za-z0-9_-]{8,64}/g, 'request <id>')
    .replace(/session [A-Za-z0-9_-]{8,80}/g, 'session <id>')
    .replace(/\d+/g, 'N')
    .slice(0, 200)
}

export function summarize (scenario: string, seed: number, long: boolean, outcomes: readonly SignOutcome[], faults: string[], violations: Violations, extra: Partial<ScenarioReport> = {}): ScenarioReport {
  const completed = outcomes.filter(o => o.status === 'completed')
  const failedByReason: Record<string, number> = {}
  for (const o of outcomes) {
    if (o.status === 'completed') continue
    const k = `${o.status}: ${reasonClass(o.reason)}`
    failedByReason[k] = (failedByReason[k] ?? 0) + 1
  }
  const latencies = completed.map(o => o.latencyMs)
  return {
    scenario,
    seed,
    long,
    sent: outcomes.length,
    completed: completed.length,
    failed: outcomes.length - completed.length,
    failedByReason,
    completedPercent: outcomes.length === 0 ? 100 : Math.round(10_000 * completed.length / outcomes.length) / 100,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length === 0 ? Number.NaN : Math.max(...latencies),
    faults,
    violations,
    ...extra
  }
}

export async function printReport (r: ScenarioReport): Promise<void> {
  const lines = [
    `chaos ${r.scenario} (seed ${r.seed}${r.long ? ', long run' : ''}): sent ${r.sent}, completed ${r.completed} (${r.completedPercent} %), failed ${r.failed}`,
    `  latency of completed: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms${r.recoverMs !== undefined ? `; time to recover ${r.recoverMs} ms` : ''}`,
    ...Object.entries(r.failedByReason).map(([reason, n]) => `  failed ×${n}: ${reason}`),
    `  faults: ${r.faults.length} (${r.faults.slice(0, 6).join(', ')}${r.faults.length > 6 ? ', …' : ''})`,
    ...Object.entries(r.violations).filter(([, v]) => (v as string[]).length > 0).map(([k, v]) => `  VIOLATION ${k}: ${(v as string[]).slice(0, 5).join(' | ')}`)
  ]
  console.info(lines.join('\n'))
  await mkdir(RESULTS_DIR, { recursive: true })
  await writeFile(join(RESULTS_DIR, `${r.scenario}.json`), JSON.stringify(r, null, 2) + '\n')
}
