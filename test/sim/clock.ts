// The virtual clock: a queue of events ordered by (time, insertion sequence), so two
// events due at the same millisecond run in the order they were scheduled and a run
// never depends on anything but what was scheduled before it. Nothing waits: running
// the queue jumps the clock from one event to the next.

export interface Scheduled {
  readonly atMs: number
  readonly seq: number
  readonly run: () => void
  cancelled: boolean
}

export class VirtualClock {
  #nowMs: number
  #seq = 0
  readonly #heap: Scheduled[] = []

  constructor (startMs: number) {
    this.#nowMs = startMs
  }

  get nowMs (): number {
    return this.#nowMs
  }

  /** Runs `run` at `atMs` (now if that is in the past); the handle cancels it. */
  at (atMs: number, run: () => void): Scheduled {
    const item: Scheduled = { atMs: Math.max(atMs, this.#nowMs), seq: this.#seq++, run, cancelled: false }
    this.#push(item)
    return item
  }

  after (delayMs: number, run: () => void): Scheduled {
    return this.at(this.#nowMs + delayMs, run)
  }

  /** Runs every event due up to and including `untilMs`, then sets the clock there. `stop` ends early. */
  runUntil (untilMs: number, stop: () => boolean = () => false): void {
    while (this.#heap.length > 0 && !stop()) {
      const next = this.#heap[0]!
      if (next.atMs > untilMs) break
      this.#pop()
      if (next.cancelled) continue
      this.#nowMs = next.atMs
      next.run()
    }
    if (!stop()) this.#nowMs = Math.max(this.#nowMs, untilMs)
  }

  get pending (): number {
    return this.#heap.length
  }

  #before (a: Scheduled, b: Scheduled): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq)
  }

  #push (item: Scheduled): void {
    const h = this.#heap
    h.push(item)
    let i = h.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#before(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  #pop (): void {
    const h = this.#heap
    const last = h.pop()!
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.#before(h[l]!, h[m]!)) m = l
      if (r < h.length && this.#before(h[r]!, h[m]!)) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}
