// Which communication managers a client offers its sign requests to: one
// node's `GET /who_cm`, kept for a moment so that a client signing many
// messages does not ask before every request (one HTTP round trip and a
// node's work per signature), and asked again as soon as a manager fails.
import { HTTP_API } from '../../protocols/wire/http-api.js'
import type { WhoCm } from '../../protocols/wire/http.js'
import { callRoute } from './http.js'

export type Manager = WhoCm['managers'][number]

/**
 * How long one `who_cm` answer serves the next requests. Shorter than the
 * nodes' liveness window (3 s), so that a list never outlives a manager by
 * more than the nodes' own view does; and a failing manager drops it at once.
 */
export const MANAGERS_REUSE_MS = 2_000

export class ManagerDirectory {
  #answer: { managers: readonly Manager[], at: number } | undefined

  /**
   * @param node the node asked (base URL)
   * @param reuseMs how long an answer is reused; 0 asks before every request
   */
  constructor (readonly node: string, readonly reuseMs: number = MANAGERS_REUSE_MS) {
    if (!Number.isFinite(reuseMs) || reuseMs < 0) throw new RangeError(`reuseMs must be a finite number ≥ 0, got ${reuseMs}`)
  }

  /** The managers in rank order: the kept answer while it is fresh, else the node's answer now. */
  async managers (signal?: AbortSignal): Promise<readonly Manager[]> {
    const kept = this.#answer
    if (kept !== undefined && performance.now() - kept.at < this.reuseMs) return kept.managers
    // Requests that find no fresh answer each ask (with their own signal): at most a few per reuse period.
    const { managers } = await callRoute(this.node, HTTP_API.whoCm, {}, { signal })
    // An empty list is not kept: the next request asks again.
    this.#answer = managers.length > 0 && this.reuseMs > 0 ? { managers, at: performance.now() } : undefined
    return managers
  }

  /** Drops the kept answer: a manager on it failed, or none took a request. */
  forget (): void {
    this.#answer = undefined
  }
}
