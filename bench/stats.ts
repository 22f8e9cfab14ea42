// Small statistics helpers for the benchmarks: percentiles over samples in ms,
// and a process's CPU time from /proc.
import { readFileSync } from 'node:fs'

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_S = 100

export function percentile (samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

export function summary (samples: readonly number[]): { n: number, p50: number, p95: number, p99: number, max: number } {
  const round = (x: number): number => Math.round(x * 10) / 10
  return {
    n: samples.length,
    p50: round(percentile(samples, 50)),
    p95: round(percentile(samples, 95)),
    p99: round(percentile(samples, 99)),
    max: round(Math.max(...samples))
  }
}

/** The middle value (mean of the two middle ones for an even count); NaN for no samples. */
export function median (samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Rounded to 0.1, as the reports print milliseconds. */
export function round1 (x: number): number {
  return Math.round(x * 10) / 10
}

/** Rounded to 0.01: sub-millisecond figures (the crypto floor with native group operations). */
export function round2 (x: number): number {
  return Math.round(x * 100) / 100
}

/** CLOCK_MONOTONIC in µs, the clock V8 stamps .cpuprofile samples with (bench/profile-summary.ts --window). */
export function monotonicUs (): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** utime + stime of a running process in ms (Linux, 10 ms resolution); throws if it is gone. */
export function processCpuMs (pid: number): number {
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (man 5 proc).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_S
}
