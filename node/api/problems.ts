// Typed HTTP errors. Each carries its status and an RFC 9457 problem type; the
// one error handler in app.ts turns them into application/problem+json. Their
// shapes are documented in protocols/wire/problems.ts (GET /openapi.json).
import { PROBLEM_BASE } from '../../protocols/wire/problems.js'

export { PROBLEM_BASE }

export class HttpProblem extends Error {
  constructor (
    readonly status: number,
    readonly problem: string,
    readonly title: string,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers the status calls for (e.g. Allow on 405). */
    readonly headers: Record<string, string> = {}
  ) {
    super(detail ?? title)
    this.name = 'HttpProblem'
  }
}

export class NotFoundProblem extends HttpProblem {
  constructor (detail: string) { super(404, 'not-found', 'Not Found', detail) }
}

export class MethodNotAllowedProblem extends HttpProblem {
  constructor (method: string, path: string, allowed: string[]) {
    super(405, 'method-not-allowed', 'Method Not Allowed', `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, {}, { allow: allowed.join(', ') })
  }
}

export class PayloadTooLargeProblem extends HttpProblem {
  constructor (limitBytes: number) {
    super(413, 'payload-too-large', 'Payload Too Large', `request body exceeds ${limitBytes} bytes`)
  }
}

export class BadRequestProblem extends HttpProblem {
  constructor (detail: string, extra?: Record<string, unknown>) { super(400, 'bad-request', 'Bad Request', detail, extra) }
}

export class UnsupportedMediaTypeProblem extends HttpProblem {
  constructor (got: string | undefined) {
    super(415, 'unsupported-media-type', 'Unsupported Media Type', `expected application/json, got ${got ?? 'no content type'}`)
  }
}

/** The HTTP layer refused the request before any route saw it (a malformed request line, header or length). */
export class MalformedHttpProblem extends HttpProblem {
  constructor (status: number, problem: string, title: string, detail: string) { super(status, problem, title, detail) }
}

/** The one JSON shape of every error answer (RFC 9457). */
export function problemJson (p: HttpProblem): string {
  return JSON.stringify({ type: PROBLEM_BASE + p.problem, title: p.title, status: p.status, detail: p.message, ...p.extra })
}

export function problemResponse (p: HttpProblem): Response {
  return new Response(problemJson(p), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...p.headers }
  })
}

/** The node does not hold the role the route needs; `roles` is how it sees them (DESIGN 4). */
export class MisdirectedProblem extends HttpProblem {
  constructor (detail: string, roles: unknown) {
    super(421, 'misdirected', 'Misdirected Request', detail, { roles })
  }
}
