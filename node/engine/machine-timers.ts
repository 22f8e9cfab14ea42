// A pure machine's timers on the real clock (protocols/machine/types.ts: set-timer,
// cancel-timer): each named timer fires once at its time, a second set moves it, and
// none holds the process open. The shell passes what to do when one fires.
//
// Node's setTimeout may run up to a millisecond before Date.now() reaches the time asked
// for (measured: 1,474 of 18,200 timers here). A machine that compares the time a timer
// brings with its deadline would take such a firing for a stale one and wait for ever, so
// a timer that runs early is set again for what is left: it fires only once `now()` is at
// its time.
export class MachineTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor (private readonly fire: (timer: string) => void, private readonly now: () => number) {}

  set (timer: string, atMs: number): void {
    clearTimeout(this.timers.get(timer))
    const t = setTimeout(() => {
      if (this.now() < atMs) return this.set(timer, atMs)
      this.timers.delete(timer)
      this.fire(timer)
    }, Math.max(0, atMs - this.now()))
    t.unref()
    this.timers.set(timer, t)
  }

  cancel (timer: string): void {
    clearTimeout(this.timers.get(timer))
    this.timers.delete(timer)
  }

  clear (): void {
    for (const t of this.timers.values()) clearTimeout(t)
    this.timers.clear()
  }
}
