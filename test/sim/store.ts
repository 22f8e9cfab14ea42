// A node's disk in the simulator, with the durability the machine contract promises
// (protocols/machine/types.ts): writes complete in the order they were asked for, after a
// latency drawn from the PRNG; a synced write that completed is durable, and so is every
// write before it (one log, as LevelDB's); anything not yet durable may be lost by a
// crash, and what a crash keeps is a prefix of it in write order, decided write by write.
import type { VirtualClock } from './clock.js'
import type { Prng } from './prng.js'

export interface DiskPlan {
  minLatencyMs: number
  maxLatencyMs: number
  /** Probability that a crash keeps each not-yet-durable write, in order, until the first it loses. */
  unsyncedKeepRate: number
}

export const DEFAULT_DISK: DiskPlan = { minLatencyMs: 0, maxLatencyMs: 4, unsyncedKeepRate: 0.5 }

interface PendingWrite { key: string, value: unknown, sync: boolean }

export interface CrashLoss { kept: number, lost: number, lostKeys: string[] }

export class SimStore {
  readonly #durable = new Map<string, unknown>()
  /** Writes asked for (completed or not) that a crash may still lose, oldest first. */
  #volatile: PendingWrite[] = []
  #diskFreeAtMs = 0
  /** Bumped by a crash: completions of writes from before it are not reported. */
  #generation = 0

  constructor (private readonly clock: VirtualClock, private readonly prng: Prng, private readonly plan: DiskPlan = DEFAULT_DISK) {}

  /** Writes `value` (undefined deletes); `done` runs when the write completes, unless a crash came first. */
  write (key: string, value: unknown, sync: boolean, done: () => void): void {
    const write: PendingWrite = { key, value, sync }
    this.#volatile.push(write)
    const generation = this.#generation
    const atMs = Math.max(this.clock.nowMs, this.#diskFreeAtMs) + this.prng.int(this.plan.minLatencyMs, this.plan.maxLatencyMs)
    this.#diskFreeAtMs = atMs
    this.clock.at(atMs, () => {
      if (generation !== this.#generation) return
      if (sync) this.#makeDurableThrough(write)
      done()
    })
  }

  /** What the node reads while it is up: every write it made. */
  view (): Map<string, unknown> {
    const out = new Map(this.#durable)
    for (const w of this.#volatile) apply(out, w)
    return out
  }

  /** Only what is durable now (what a crash this instant would surely keep). */
  durable (): ReadonlyMap<string, unknown> {
    return this.#durable
  }

  /** A crash: keeps a prefix of the writes that were not durable yet, loses the rest. */
  crash (): CrashLoss {
    this.#generation++
    let kept = 0
    while (kept < this.#volatile.length && this.prng.chance(this.plan.unsyncedKeepRate)) kept++
    for (const w of this.#volatile.slice(0, kept)) apply(this.#durable, w)
    const lost = this.#volatile.slice(kept)
    this.#volatile = []
    this.#diskFreeAtMs = this.clock.nowMs
    return { kept, lost: lost.length, lostKeys: lost.map(w => w.key) }
  }

  /**
   * The process exits after a graceful stop: the store is closed, not cut off, so every write
   * asked for is kept (LevelDB's log is in the OS's hands once written); completions are not reported.
   */
  close (): CrashLoss {
    this.#generation++
    const kept = this.#volatile.length
    for (const w of this.#volatile) apply(this.#durable, w)
    this.#volatile = []
    this.#diskFreeAtMs = this.clock.nowMs
    return { kept, lost: 0, lostKeys: [] }
  }

  #makeDurableThrough (write: PendingWrite): void {
    const i = this.#volatile.indexOf(write)
    if (i < 0) return
    for (const w of this.#volatile.slice(0, i + 1)) apply(this.#durable, w)
    this.#volatile = this.#volatile.slice(i + 1)
  }
}

function apply (map: Map<string, unknown>, w: PendingWrite): void {
  if (w.value === undefined) map.delete(w.key)
  else map.set(w.key, w.value)
}
