// A pure machine's timers on the real clock (protocols/machine/types.ts: set-timer,
// cancel-timer): each named timer fires once at its time, a second set moves it, and
// none holds the process open. The shell passes what to do when one fires.
export class MachineTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>()

  constructor (private readonly fire: (timer: string) => void, private readonly now: () => number) {}

  set (timer: string, atMs: number): void {
    clearTimeout(this.timers.get(timer))
    const t = setTimeout(() => {
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
