// Deadlines as AbortSignals, the one way this code base makes them.
//
// Node 20 (and 22 before nodejs/node#57736 was fixed) holds the sources of an
// AbortSignal.any() composite weakly, and an AbortSignal.timeout() weakly from
// its own timer: after a garbage collection, `AbortSignal.any([signal,
// AbortSignal.timeout(ms)])` never aborts, and a wait bounded by it lasts
// forever. Measured on this machine (Node 20.20.2): 200 of 200 such
// composites never fired after one gc(). It made a coordinator wait 8 s
// instead of its 5 s for answers that never came (decision 0012).
//
// Here the event loop's timer holds the timeout's controller strongly, and a
// composite holds its sources strongly (a caller's AbortSignal.timeout
// among them), so a deadline fires whatever the garbage collector does.

/** The sources a composite keeps alive as long as it lives itself. */
const SOURCES = Symbol('deadline sources')

/** Aborts with a `TimeoutError` (as AbortSignal.timeout does) after `ms`, or with the first of `parents` that aborts. */
export function deadline (ms: number, ...parents: Array<AbortSignal | undefined>): AbortSignal {
  const sources = [...parents.filter((p): p is AbortSignal => p !== undefined), timeoutSignal(ms)]
  if (sources.length === 1) return sources[0]!
  const combined = AbortSignal.any(sources)
  Object.defineProperty(combined, SOURCES, { value: sources })
  return combined
}

/**
 * Runs `work` under a deadline of `ms` (and `parents`) and clears the deadline's
 * timer as soon as `work` settles. For per-message deadlines (a handler's
 * answer): a `deadline()` lives until it fires, and with it whatever the
 * work's abort listeners hold (streams, buffers) — thousands of messages a
 * second would keep seconds' worth of them alive.
 */
export async function withDeadline<T> (ms: number, work: (signal: AbortSignal) => Promise<T>, ...parents: Array<AbortSignal | undefined>): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`deadline of ${Math.round(ms)} ms exceeded`, 'TimeoutError'))
  }, Math.max(0, ms))
  timer.unref()
  const live = parents.filter((p): p is AbortSignal => p !== undefined)
  const signal = live.length === 0 ? controller.signal : AbortSignal.any([...live, controller.signal])
  if (live.length > 0) Object.defineProperty(signal, SOURCES, { value: [...live, controller.signal] })
  try {
    return await work(signal)
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `promise`, or a rejection once `signal` aborts (with `abortError()`, by default the signal's
 * reason), whichever comes first: for waits on work that takes no signal of its own.
 * The work itself goes on; only the wait is cut short.
 */
export async function raceSignal<T> (promise: Promise<T>, signal: AbortSignal, abortError: () => unknown = () => signal.reason): Promise<T> {
  if (signal.aborted) throw abortError()
  let onAbort = (): void => {}
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(abortError()) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** A signal that aborts after `ms` (0 for a negative `ms`); its timer does not keep the process alive. */
function timeoutSignal (ms: number): AbortSignal {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`deadline of ${Math.round(ms)} ms exceeded`, 'TimeoutError'))
  }, Math.max(0, ms))
  timer.unref()
  return controller.signal
}
