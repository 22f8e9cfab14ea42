// JSON over HTTP for the client: every call has a deadline, every answer is
// parsed with the schemas the node's route table declares (callRoute), and an
// error answer becomes a ProblemError carrying the node's problem details.
import type { z } from 'zod'
import { successSchema, type HttpRoute, type SuccessBody } from '../../protocols/wire/http-api.js'
import { ProblemSchema, type Problem } from '../../protocols/wire/http.js'
import { deadline } from '../../node/deadline.js'

export const CLIENT_REQUEST_TIMEOUT_MS = 15_000

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

export interface CallOptions {
  signal?: AbortSignal
  headers?: Record<string, string>
  /** Deadline of this call (default CLIENT_REQUEST_TIMEOUT_MS); longer when the server is asked to wait. */
  timeoutMs?: number
}

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
  return await callJson(route.method, url, successSchema(route), args.body, opts)
}

export async function callJson<T> (method: 'GET' | 'POST', url: string, schema: z.ZodType<T>, body?: unknown, opts: CallOptions = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      // The caller's signal (Ctrl-C) and our own deadline, whichever fires first.
      signal: deadline(opts.timeoutMs ?? CLIENT_REQUEST_TIMEOUT_MS, opts.signal)
    })
  } catch (err) {
    throw new NodeUnreachableError(url, err)
  }
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  if (!res.ok) {
    const problem = ProblemSchema.safeParse(json)
    throw new ProblemError(url, res.status, problem.success ? problem.data : undefined)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new ProblemError(url, res.status, { type: 'about:blank', title: 'Malformed answer', status: res.status, detail: parsed.error.issues[0]?.message })
  return parsed.data
}
