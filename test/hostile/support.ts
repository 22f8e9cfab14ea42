// Shared by the hostile-input suite (issue #6): how many cases to run
// (SHARDSIG_LONG=1 for the long run), a real garbage collection for heap
// figures, and the one-line figure every test prints.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** `SHARDSIG_LONG=1` runs the long version (e.g. 50,000 cases instead of 10,000). */
export const LONG = process.env.SHARDSIG_LONG === '1'

/** Cases per test; `SHARDSIG_HOSTILE_CASES=n` overrides both, for a quick local try. */
export function caseCount (short: number, long: number): number {
  const forced = Number(process.env.SHARDSIG_HOSTILE_CASES)
  if (Number.isSafeInteger(forced) && forced > 0) return forced
  return LONG ? long : short
}

let gc: (() => void) | undefined

/**
 * A full collection. Vitest workers run without --expose-gc; V8 lets a process
 * turn the flag on later, and a fresh context then sees `gc`.
 */
export function collectGarbage (): void {
  if (gc === undefined) {
    const global = (globalThis as { gc?: () => void }).gc
    if (typeof global === 'function') {
      gc = global
    } else {
      setFlagsFromString('--expose-gc')
      gc = runInNewContext('gc') as () => void
    }
  }
  gc()
}

/** heapUsed in MiB after two full collections (the second frees what finalisers of the first released). */
export async function heapUsedMiB (): Promise<number> {
  collectGarbage()
  await new Promise(resolve => setImmediate(resolve))
  collectGarbage()
  return process.memoryUsage().heapUsed / 2 ** 20
}

export function mib (n: number): string {
  return `${n.toFixed(1)} MiB`
}

/** Counts of something (statuses, outcomes) as `k×n` pairs, biggest first. */
export class Tally {
  private readonly counts = new Map<string, number>()

  add (key: string | number, n = 1): void {
    const k = String(key)
    this.counts.set(k, (this.counts.get(k) ?? 0) + n)
  }

  get (key: string | number): number {
    return this.counts.get(String(key)) ?? 0
  }

  total (): number {
    let t = 0
    for (const n of this.counts.values()) t += n
    return t
  }

  toString (): string {
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}×${Math.round(n)}`).join(' ')
  }
}

/** The one line each hostile test prints, so a CI log shows the figures without a reporter. */
export function figure (name: string, parts: Record<string, string | number>): void {
  const text = Object.entries(parts).map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`).join(' ')
  console.log(`[hostile] ${name}: ${text}`)
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R> (items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i]!, i)
    }
  }))
  return results
}

/** How long a node may take to hear its peers again after an attack before /health must say ok. */
export const HEALTH_OK_WITHIN_MS = 15_000

/**
 * The node answers GET /health `200 ok` within `withinMs`: it serves, and it hears enough peers
 * (right after a load its peers' heartbeats may be a moment late: `503 degraded`, reason `peers`).
 * Resolves to the last status seen.
 */
export async function healthOkWithin (url: string, withinMs = HEALTH_OK_WITHIN_MS): Promise<number> {
  const deadline = Date.now() + withinMs
  for (;;) {
    const res = await fetch(`${url}/health`, { headers: { connection: 'close' } })
    await res.body?.cancel()
    if (res.status === 200 || Date.now() > deadline) return res.status
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
