// A counting semaphore with abortable waits: at most `size` holders at once,
// the rest served in arrival order.
export class Semaphore {
  private held = 0
  private readonly waiting: Array<() => void> = []

  constructor (private readonly size: number) {}

  /** Resolves with a release function once a slot is free; rejects when `signal` fires first. */
  async acquire (signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw signal.reason
    if (this.held < this.size) {
      this.held++
      return this.releaser()
    }
    return await new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort)
        this.held++
        resolve(this.releaser())
      }
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant)
        if (i >= 0) this.waiting.splice(i, 1)
        reject(signal.reason)
      }
      if (signal.aborted) { reject(signal.reason); return }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(grant)
    })
  }

  private releaser (): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      this.held--
      this.waiting.shift()?.()
    }
  }
}
