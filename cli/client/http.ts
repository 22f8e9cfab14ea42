// JSON over HTTP for the client: every call has a deadline, every answer is
// parsed with the schemas the node's route table declares (callRoute), and an
// error answer becomes a ProblemError carrying the node's problem details
// (except a status the route declares with a body of its own: /health's 503).
// Requests go through node:http (node:https for https URLs) with keep-alive
// agents, not fetch: undici's fetch cost ~0.25 ms more per request on
// 127.0.0.1 and ~3× the CPU (docs/performance.md), and a client signs with
// one request per signature. An https:// node whose fingerprint is pinned
// (cli/client/tls.ts) must present exactly that certificate.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { z } from 'zod'
import { successSchema, type HttpRoute, type SuccessBody } from '../../protocols/wire/http-api.js'
import { ProblemSchema, type Problem } from '../../protocols/wire/http.js'
import { deadline } from '../../node/deadline.js'
import { checkedTlsConnection, PinnedHttpsAgent, TlsFingerprintMismatchError, TlsPins, type FingerprintCheck } from './tls.js'

export const CLIENT_REQUEST_TIMEOUT_MS = 15_000
/** The largest answer the client reads: a node's biggest answers (GET /status, GET /genesis) are far below. */
export const CLIENT_MAX_ANSWER_BYTES = 16 * 1024 * 1024

export class ProblemError extends Error {
  constructor (readonly url: string, readonly status: number, readonly problem: Problem | undefined) {
    super(`${url}: ${status} ${problem?.title ?? ''}${problem?.detail !== undefined ? `: ${problem.detail}` : ''}`)
    this.name = 'ProblemError'
  }
}

export class NodeUnreachableError extends Error {
  constructor (readonly url: string, cause: unknown) {
    super(`${url}: ${cause instanceof Error && cause.name === 'TimeoutError' ? 'timed out' : `unreachable (${(cause as Error).message})`}`)
    this.name = 'NodeUnreachableError'
  }
}

export class AnswerTooLargeError extends Error {
  constructor (readonly url: string, readonly limitBytes: number) {
    super(`${url}: the answer is over the client's limit of ${limitBytes} bytes`)
    this.name = 'AnswerTooLargeError'
  }
}

export interface CallOptions {
  signal?: AbortSignal
  headers?: Record<string, string>
  /** Deadline of this call (default CLIENT_REQUEST_TIMEOUT_MS); longer when the server is asked to wait. */
  timeoutMs?: number
  /** Statuses besides 2xx whose body is parsed with the schema (e.g. /health's 503), not read as a problem. */
  acceptStatuses?: readonly number[]
  /** The fingerprints https:// URLs must present (default CLIENT_TLS_PINS); an https URL pinned nowhere is checked against the CAs. */
  pins?: TlsPins
  /** Accept only this certificate for this call, whatever `pins` says. */
  tlsFingerprint?: string
  /**
   * Decide on the certificate with this check instead, on a connection of this
   * call's own that is never pooled (trust.ts: a public GET whose answer is
   * checked by its digest, then the certificate against it).
   */
  tlsCheck?: FingerprintCheck
}

/**
 * The pins of this process, which every call uses unless given others. One per
 * process like the connection pools: a pin is a fact about a node's URL (the
 * genesis says which certificate it serves), the same for every call that
 * reaches it, and the CLI learns it once per command (cli/trust-flags.ts).
 */
export const CLIENT_TLS_PINS = new TlsPins()

/** What goes into a call besides the route: its path parameters, query and body. */
export interface RouteArgs {
  params?: Record<string, string>
  query?: Record<string, string | undefined>
  body?: unknown
}

/**
 * Calls one route of a node's API (protocols/wire/http-api.ts, the table the
 * node validates with and GET /openapi.json is built from) and parses the
 * answer with the schema that route declares for its success answers.
 */
export async function callRoute<R extends HttpRoute> (node: string, route: R, args: RouteArgs = {}, opts: CallOptions = {}): Promise<SuccessBody<R>> {
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = args.params?.[name]
    if (value === undefined) throw new Error(`${route.method} ${route.path}: no value for :${name}`)
    return encodeURIComponent(value)
  })
  const query = new URLSearchParams(Object.entries(args.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)).toString()
  const url = `${node.replace(/\/$/, '')}${path}${query === '' ? '' : `?${query}`}`
  // Every status the route answers with a body of its own (/health: 200 and 503) is parsed with the route's schema.
  const acceptStatuses = [...Object.keys(route.responses).map(Number), ...(opts.acceptStatuses ?? [])]
  return await callJson(route.method, url, successSchema(route), args.body, { ...opts, acceptStatuses })
}

export async function callJson<T> (method: 'GET' | 'POST', url: string, schema: z.ZodType<T>, body?: unknown, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers }
  // The caller's signal (Ctrl-C) and our own deadline, whichever fires first.
  const answer = await exchange(method, url, headers, body === undefined ? undefined : JSON.stringify(body), deadline(opts.timeoutMs ?? CLIENT_REQUEST_TIMEOUT_MS, opts.signal), opts)
  let json: unknown
  try {
    json = JSON.parse(answer.text)
  } catch {
    json = undefined
  }
  if ((answer.status < 200 || answer.status > 299) && opts.acceptStatuses?.includes(answer.status) !== true) {
    const problem = ProblemSchema.safeParse(json)
    throw new ProblemError(url, answer.status, problem.success ? problem.data : undefined)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new ProblemError(url, answer.status, { type: 'about:blank', title: 'Malformed answer', status: answer.status, detail: parsed.error.issues[0]?.message })
  return parsed.data
}

/**
 * How long an idle connection is kept for the next request: under a node's
 * keep-alive timeout (node:http's default, 5 s), so that the client never
 * reuses a connection the node is closing. (Without a timeout of its own, the
 * agent ignores the server's Keep-Alive hint.)
 */
const IDLE_CONNECTION_MS = 4_000
/** One connection pool per scheme for the process; idle sockets do not keep a CLI from exiting (node unrefs them). */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS })
}
/** And one per pinned fingerprint: a connection in it presented that certificate. */
const pinnedAgents = new Map<string, PinnedHttpsAgent>()

function pinnedAgent (fingerprint: string): PinnedHttpsAgent {
  let agent = pinnedAgents.get(fingerprint)
  if (agent === undefined) {
    agent = new PinnedHttpsAgent(fingerprint, { keepAlive: true, timeout: IDLE_CONNECTION_MS })
    pinnedAgents.set(fingerprint, agent)
  }
  return agent
}

/** How an https:// request connects: its own checked connection, a pinned pool, or the CA-checked pool. */
function tlsRoute (url: string, opts: CallOptions): Pick<RequestOptions, 'agent' | 'createConnection'> {
  if (opts.tlsCheck !== undefined) return { createConnection: checkedTlsConnection(url, opts.tlsCheck) }
  const pinned = opts.tlsFingerprint ?? (opts.pins ?? CLIENT_TLS_PINS).fingerprintFor(url)
  return { agent: pinned !== undefined ? pinnedAgent(pinned) : agents['https:'] }
}

/** Sends one request and reads the whole answer; NodeUnreachableError when no complete answer arrives. */
async function exchange (method: string, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal, opts: CallOptions): Promise<{ status: number, text: string }> {
  let target: URL
  try {
    target = new URL(url)
  } catch (err) {
    throw new NodeUnreachableError(url, err)
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new NodeUnreachableError(url, new Error(`${target.protocol} is not http: or https:`))
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise((resolve, reject) => {
    let settled = false
    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      // An aborted request fails with an AbortError; the deadline's own reason says "timed out".
      reject(err instanceof AnswerTooLargeError
        ? err
        : err instanceof TlsFingerprintMismatchError
          ? new TlsFingerprintMismatchError(url, err.expected, err.got)
          : new NodeUnreachableError(url, signal.aborted ? signal.reason : err))
    }
    const req = send(target, {
      method,
      ...(target.protocol === 'https:' ? tlsRoute(url, opts) : { agent: agents['http:'] }),
      headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal
    }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength
        if (size > CLIENT_MAX_ANSWER_BYTES) {
          fail(new AnswerTooLargeError(url, CLIENT_MAX_ANSWER_BYTES))
          req.destroy()
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => {
        if (settled) return
        settled = true
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', fail)
      // The connection closed before the answer was whole.
      res.on('close', () => { if (!res.complete) fail(new Error('the connection closed before the answer was complete')) })
    })
    req.on('error', fail)
    req.end(body)
  })
}
