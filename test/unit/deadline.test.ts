// node/deadline.ts: deadlines that fire whatever the garbage collector does
// (Node 20 drops an AbortSignal.timeout that only an AbortSignal.any refers
// to; decision 0012), and a guard that no other code makes its own.
import { getEventListeners } from 'node:events'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { deadline, releaseDeadline, withDeadline } from '../../node/deadline.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** How many of `signals` abort within `waitMs`, with a full collection after each one is made and listened to. */
async function firedAfterGc (make: () => AbortSignal, count: number, waitMs: number): Promise<number> {
  let fired = 0
  for (let i = 0; i < count; i++) make().addEventListener('abort', () => { fired++ }, { once: true })
  gc()
  await new Promise(resolve => setTimeout(resolve, waitMs))
  gc()
  return fired
}

describe('deadline', () => {
  it('fires after a garbage collection: alone, under a parent, and under a caller\'s AbortSignal.timeout', async () => {
    const parent = new AbortController()
    expect(await firedAfterGc(() => deadline(50), 100, 300)).toBe(100)
    expect(await firedAfterGc(() => deadline(50, parent.signal), 100, 300)).toBe(100)
    expect(await firedAfterGc(() => deadline(60_000, AbortSignal.timeout(50)), 100, 300)).toBe(100)
    expect(await firedAfterGc(() => deadline(60_000, deadline(50, parent.signal)), 100, 300)).toBe(100)
  })

  it('aborts with a TimeoutError at its time, or first with a parent\'s reason', async () => {
    const timedOut = deadline(20)
    await new Promise(resolve => setTimeout(resolve, 60))
    expect(timedOut.aborted).toBe(true)
    expect((timedOut.reason as Error).name).toBe('TimeoutError')

    const parent = new AbortController()
    const child = deadline(60_000, undefined, parent.signal)
    expect(child.aborted).toBe(false)
    parent.abort(new Error('shutting down'))
    expect(child.aborted).toBe(true)
    expect((child.reason as Error).message).toBe('shutting down')

    expect(deadline(60_000, AbortSignal.abort('already')).reason).toBe('already')
    expect(deadline(-5).aborted).toBe(false) // a past deadline fires on the next turn, like AbortSignal.timeout(0)
  })

  it('withDeadline: aborts slow work at its time, and clears its timer once the work is done', async () => {
    await expect(withDeadline(20, async signal => await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) })))
      .rejects.toMatchObject({ name: 'TimeoutError' })
    const used = await withDeadline(20, async signal => signal)
    await new Promise(resolve => setTimeout(resolve, 60))
    expect(used.aborted).toBe(false)
    // A parent that aborts while the work runs aborts it; once the work is done its signal is left alone (nothing holds it).
    const parent = new AbortController()
    expect(await withDeadline(60_000, async signal => { parent.abort(new Error('stop')); return (signal.reason as Error).message }, parent.signal)).toBe('stop')
  })

  it('a parent that lives for good keeps nothing of the deadlines under it once they ended (AbortSignal.any kept a WeakRef of each)', async () => {
    const parent = new AbortController()
    const fired: AbortSignal[] = []
    for (let i = 0; i < 1_000; i++) fired.push(deadline(i % 7, parent.signal))
    for (let i = 0; i < 1_000; i++) await withDeadline(60_000, async signal => signal, parent.signal)
    // Released once its work is done: it neither fires nor follows the parent any more.
    const released = deadline(5, parent.signal)
    releaseDeadline(released)
    await new Promise(resolve => setTimeout(resolve, 30))
    expect(fired.every(s => s.aborted)).toBe(true)
    expect(released.aborted).toBe(false)
    // Node 20's AbortSignal.any adds every composite to a set on each source and never takes it out.
    const dependants = Object.getOwnPropertySymbols(parent.signal).filter(s => s.description === 'kDependantSignals')
    expect(dependants.map(s => (parent.signal as unknown as Record<symbol, Set<unknown>>)[s]!.size)).toEqual([])
    // One listener on the parent serves every deadline under it; those that ended are gone from it.
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1)
    const live = deadline(60_000, parent.signal)
    parent.abort(new Error('stop'))
    expect((live.reason as Error).message).toBe('stop')
    expect(released.aborted).toBe(false)
  })

  it('is the only place that makes a timeout signal or combines signals (node/, cli/, devnet/, protocols/)', async () => {
    const offenders: string[] = []
    for (const dir of ['node', 'cli', 'devnet', 'protocols']) {
      for (const file of await tsFiles(dir)) {
        if (file === join('node', 'deadline.ts')) continue
        const text = await readFile(file, 'utf8')
        text.split('\n').forEach((line, i) => {
          if (/AbortSignal\.(timeout|any)\(/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`)
        })
      }
    }
    expect(offenders, 'use deadline(ms, ...parents) from node/deadline.ts').toEqual([])
  })
})

async function tsFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts')).map(e => join(e.parentPath ?? e.path, e.name))
}
