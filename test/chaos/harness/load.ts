// Runs a bounded stream of sign requests at a fixed concurrency over a set of
// keys while a fault schedule acts on the nodes, printing progress.
import type { KeyFile } from '../../../cli/key-file.js'
import type { ChaosClient, SignOutcome } from './client.js'

export interface LoadOptions {
  count: number
  concurrency: number
  signal?: AbortSignal
  /** Printed every this many finished requests. */
  progressEvery?: number
  label?: string
}

export async function signStream (client: ChaosClient, keys: readonly KeyFile[], opts: LoadOptions): Promise<SignOutcome[]> {
  const outcomes: SignOutcome[] = []
  let next = 0
  const every = opts.progressEvery ?? Math.max(10, Math.round(opts.count / 5))
  const worker = async (): Promise<void> => {
    while (next < opts.count && opts.signal?.aborted !== true) {
      const key = keys[next % keys.length]!
      next++
      const outcome = await client.sign(key)
      outcomes.push(outcome)
      if (outcomes.length % every === 0) {
        const done = outcomes.filter(o => o.status === 'completed').length
        console.info(`chaos ${opts.label ?? ''}: ${outcomes.length}/${opts.count} requests finished, ${done} completed`)
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker))
  return outcomes
}
