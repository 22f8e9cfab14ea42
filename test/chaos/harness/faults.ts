// Fault schedules on real node processes through the devnet API, each event
// logged with its time since the schedule started.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Devnet } from '../../../devnet/api.js'
import type { Rng } from './rng.js'

/** How long a restarted node may take to answer /health again. */
export const RESTART_TIMEOUT_MS = 30_000

export class FaultLog {
  readonly events: Array<{ at: number, what: string }> = []
  private readonly t0 = Date.now()

  add (what: string): number {
    const at = Date.now()
    this.events.push({ at, what })
    console.info(`chaos fault +${((at - this.t0) / 1000).toFixed(1)} s: ${what}`)
    return at
  }

  list (): string[] {
    return this.events.map(e => `+${((e.at - this.t0) / 1000).toFixed(1)}s ${e.what}`)
  }
}

/**
 * Until `signal` aborts: wait `gapMs`, kill -9 a random running node, leave it
 * down for `downMs`, start it again (and wait until it is healthy). One node
 * is down at a time, so every committee keeps tm live members.
 */
export async function killRandomNodes (devnet: Devnet, rng: Rng, log: FaultLog, opts: { gapMs: [number, number], downMs: [number, number], signal: AbortSignal }): Promise<void> {
  const pause = async (range: [number, number]): Promise<void> => { await sleep(rng.int(...range), undefined, { signal: opts.signal }).catch(() => {}) }
  while (!opts.signal.aborted) {
    await pause(opts.gapMs)
    if (opts.signal.aborted) break
    const victim = rng.pick(devnet.running())
    await devnet.kill(victim)
    log.add(`kill -9 node ${victim}`)
    await pause(opts.downMs)
    await devnet.start(victim, { timeoutMs: RESTART_TIMEOUT_MS })
    log.add(`node ${victim} restarted and healthy`)
  }
}

/** Starts every node that is down (after a scenario), and waits until all agree on roles. */
export async function restoreAll (devnet: Devnet, log?: FaultLog): Promise<void> {
  for (const n of devnet.nodes()) {
    if (n.process === 'paused') await devnet.resume(n.index)
    if (n.process === 'down') {
      await devnet.start(n.index, { timeoutMs: RESTART_TIMEOUT_MS })
      log?.add(`node ${n.index} started`)
    }
  }
  await devnet.waitForAgreement({ timeoutMs: RESTART_TIMEOUT_MS })
}

/** Completion times of the outcomes, and the longest stretch without one inside [from, to]. */
export function longestStallMs (completedAt: readonly number[], from: number, to: number): number {
  const times = [from, ...completedAt.filter(t => t >= from && t <= to).sort((a, b) => a - b), to]
  let longest = 0
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!)
  return longest
}
