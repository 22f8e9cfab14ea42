// JSON over HTTP for the client: every call has a deadline, every answer is
// parsed with the same schemas the node uses, and an error answer becomes a
// ProblemError carrying the node's problem details.
import type { z } from 'zod'
import { ProblemSchema, type Problem } from '../../protocols/wire/http.js'

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

export async function callJson<T> (method: 'GET' | 'POST', url: string, schema: z.ZodType<T>, body?: unknown, opts: CallOptions = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      // The caller's signal (Ctrl-C) and our own deadline, whichever fires first.
      signal: opts.signal === undefined ? AbortSignal.timeout(opts.timeoutMs ?? CLIENT_REQUEST_TIMEOUT_MS) : AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs ?? CLIENT_REQUEST_TIMEOUT_MS)])
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
