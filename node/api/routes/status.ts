// GET / (the status page), GET /status (its data as JSON), GET /status/stream
// (the same data as server-sent events, one snapshot per STATUS_STREAM_INTERVAL_MS)
// and GET /favicon.ico (204, so browsers find no error to report).
// Queries are not read; a wrong method is 405; streams are capped per node.
import type { Hono } from 'hono'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  MAX_STATUS_STREAM_CLIENTS, STATUS_STREAM_BUSY_RETRY_AFTER_S, STATUS_STREAM_INTERVAL_MS, STATUS_STREAM_MAX_MS
} from '../../../protocols/constants.js'
import { HttpProblem, MethodNotAllowedProblem } from '../problems.js'
import { statusSnapshot, type StatusSource } from '../status/snapshot.js'
import { STATUS_PAGE_HEADERS, STATUS_PAGE_HTML } from '../status/page.js'

export interface StatusDeps extends StatusSource {
  /** Default MAX_STATUS_STREAM_CLIENTS. */
  maxStatusStreams?: number
  /** Default STATUS_STREAM_INTERVAL_MS. */
  statusStreamIntervalMs?: number
}

/** Every status stream slot is taken (503 with Retry-After); the page falls back to polling GET /status. */
export class StatusStreamsFullProblem extends HttpProblem {
  constructor (max: number) {
    super(503, 'status-streams-full', 'Service Unavailable', `this node already serves ${max} status streams, its limit; poll GET /status instead or retry later`,
      { code: 'status-streams-full' }, { 'retry-after': String(STATUS_STREAM_BUSY_RETRY_AFTER_S) })
  }
}

const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff'
}

export function addStatusRoutes (app: Hono, deps: StatusDeps): void {
  const maxStreams = deps.maxStatusStreams ?? MAX_STATUS_STREAM_CLIENTS
  const intervalMs = deps.statusStreamIntervalMs ?? STATUS_STREAM_INTERVAL_MS
  // Per app, not global: two nodes in one process (the scenario tests) each have their own cap.
  let openStreams = 0

  app.get('/', c => c.body(STATUS_PAGE_HTML, 200, STATUS_PAGE_HEADERS))
  // Browsers ask for it on their own; an empty answer keeps a 404 out of their console and the CSP at 'self'.
  app.get('/favicon.ico', c => c.body(null, 204, { 'cache-control': 'max-age=86400' }))
  app.get('/status', c => c.json(statusSnapshot(deps), 200, { 'cache-control': 'no-store' }))
  app.get('/status/stream', c => {
    // hono answers HEAD with the GET handler and drops the body unread: a stream started here would hold its slot.
    if (c.req.method === 'HEAD') return c.body(null, 200, SSE_HEADERS)
    if (openStreams >= maxStreams) throw new StatusStreamsFullProblem(maxStreams)
    openStreams++
    return c.body(snapshotStream(deps, intervalMs, () => { openStreams-- }), 200, SSE_HEADERS)
  })
  for (const path of ['/', '/favicon.ico', '/status', '/status/stream']) {
    app.all(path, c => { throw new MethodNotAllowedProblem(c.req.method, path, ['GET', 'HEAD']) })
  }
}

/**
 * A snapshot at once, then one per interval, produced only when the client
 * reads (a reader that stalls makes nothing pile up). The slot is given back
 * exactly once: when the client goes away (cancel) or at STATUS_STREAM_MAX_MS,
 * when the stream ends and the browser's EventSource reconnects.
 */
function snapshotStream (deps: StatusDeps, intervalMs: number, release: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const stop = new AbortController()
  let ended = false
  let sent = 0
  let lifetime: NodeJS.Timeout | undefined
  const end = (): void => {
    if (ended) return
    ended = true
    clearTimeout(lifetime)
    stop.abort()
    release()
  }
  return new ReadableStream<Uint8Array>({
    start: controller => {
      lifetime = setTimeout(() => {
        end()
        try { controller.close() } catch { /* already closed or cancelled */ }
      }, STATUS_STREAM_MAX_MS)
      lifetime.unref()
    },
    pull: async controller => {
      if (sent > 0) await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => {})
      if (ended) return
      let data: string
      try {
        data = JSON.stringify(statusSnapshot(deps))
      } catch (err) {
        end()
        controller.error(err)
        return
      }
      // `retry`: how long the browser waits before reconnecting after the stream ends.
      const retry = sent === 0 ? `retry: ${intervalMs * 2}\n` : ''
      controller.enqueue(encoder.encode(`${retry}event: status\ndata: ${data}\n\n`))
      sent++
    },
    cancel: end
  }, { highWaterMark: 0 })
}
