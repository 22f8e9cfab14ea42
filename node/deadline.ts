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
// Here the event loop's timer holds the deadline's controller strongly, and
// each parent holds the deadlines under it strongly until they end, so a
// deadline fires whatever the garbage collector does.
//
// Nor is AbortSignal.any used at all: on Node 20 it adds a WeakRef to every
// source's set of dependants and never takes it out, so a parent that lives
// as long as the process (a coordinator's stop signal, under ~3 deadlines a
// request) grew by ~190 bytes a request for good (docs/performance.md#memory).
// A parent here has one listener, and a deadline leaves its set when it ends:
// it fires, its parent aborts, or its work is done (releaseDeadline).

/** A deadline that has not ended: its controller, its timer, the parents that hold it. */
interface Live { controller: AbortController, timer: NodeJS.Timeout, parents: AbortSignal[] }

/** Per parent: the deadlines under it that have not ended yet (one listener on the parent serves them all). */
const underParent = new WeakMap<AbortSignal, Set<Live>>()
/** Each deadline's signal, to end it early (releaseDeadline). */
const bySignal = new WeakMap<AbortSignal, Live>()

/** Aborts with a `TimeoutError` (as AbortSignal.timeout does) after `ms`, or with the first of `parents` that aborts. */
export function deadline (ms: number, ...parents: Array<AbortSignal | undefined>): AbortSignal {
  const live: Live = { controller: new AbortController(), timer: undefined as unknown as NodeJS.Timeout, parents: parents.filter((p): p is AbortSignal => p !== undefined) }
  const { controller } = live
  bySignal.set(controller.signal, live)
  const aborted = live.parents.find(p => p.aborted)
  if (aborted !== undefined) {
    controller.abort(aborted.reason)
    return controller.signal
  }
  live.timer = setTimeout(() => {
    end(live)
    controller.abort(new DOMException(`deadline of ${Math.round(ms)} ms exceeded`, 'TimeoutError'))
  }, Math.max(0, ms))
  live.timer.unref()
  for (const parent of live.parents) {
    let children = underParent.get(parent)
    if (children === undefined) {
      const set = new Set<Live>()
      children = set
      underParent.set(parent, set)
      parent.addEventListener('abort', () => {
        for (const child of [...set]) {
          end(child)
          child.controller.abort(parent.reason)
        }
      }, { once: true })
    }
    children.add(live)
  }
  return controller.signal
}

/**
 * Ends a deadline made by deadline() without aborting it, once the work it bounded is done:
 * its timer is cleared and its parents hold it no more (otherwise both keep it, and whatever
 * its abort listeners hold, until it fires). Nothing for any other signal.
 */
export function releaseDeadline (signal: AbortSignal): void {
  const live = bySignal.get(signal)
  if (live !== undefined) end(live)
}

function end (live: Live): void {
  clearTimeout(live.timer)
  for (const parent of live.parents) underParent.get(parent)?.delete(live)
}

/**
 * Runs `work` under a deadline of `ms` (and `parents`) and clears the deadline's
 * timer as soon as `work` settles. For per-message deadlines (a handler's
 * answer): a `deadline()` lives until it fires, and with it whatever the
 * work's abort listeners hold (streams, buffers) — thousands of messages a
 * second would keep seconds' worth of them alive.
 */
export async function withDeadline<T> (ms: number, work: (signal: AbortSignal) => Promise<T>, ...parents: Array<AbortSignal | undefined>): Promise<T> {
  const signal = deadline(ms, ...parents)
  try {
    return await work(signal)
  } finally {
    releaseDeadline(signal)
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
