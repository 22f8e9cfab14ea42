// The HTTP app every node serves, built from injected dependencies so tests
// can call app.request() without a socket. One error handler for everything.
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { MAX_HTTP_BODY_BYTES } from '../../protocols/constants.js'
import type { Logger } from '../log.js'
import type { NetworkView } from '../engine/network-view.js'
import { HttpProblem, MethodNotAllowedProblem, NotFoundProblem, PayloadTooLargeProblem, PROBLEM_BASE } from './problems.js'

export interface ApiDeps {
  view: NetworkView
  log: Logger
  maxBodyBytes?: number
}

/** GET-only discovery routes; other methods on them answer 405. */
const DISCOVERY_ROUTES = ['/health', '/peers', '/who_cl', '/who_cm'] as const

export function createApp (deps: ApiDeps): Hono {
  const app = new Hono()
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_HTTP_BODY_BYTES

  app.use('*', bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => { throw new PayloadTooLargeProblem(maxBodyBytes) }
  }))

  app.get('/health', c => c.json(deps.view.health()))
  app.get('/peers', c => c.json(deps.view.peers()))
  app.get('/who_cl', c => c.json(deps.view.whoCl()))
  app.get('/who_cm', c => c.json(deps.view.whoCm()))
  for (const path of DISCOVERY_ROUTES) {
    app.all(path, c => { throw new MethodNotAllowedProblem(c.req.method, path, ['GET', 'HEAD']) })
  }

  app.notFound(c => problemResponse(c, new NotFoundProblem(`no route ${c.req.method} ${c.req.path}`)))
  app.onError((err, c) => {
    if (err instanceof HttpProblem) return problemResponse(c, err)
    if (err instanceof HTTPException) {
      return problemResponse(c, new HttpProblem(err.status, 'http-error', err.message === '' ? 'HTTP Error' : err.message))
    }
    // Unexpected: log it with the route, answer without internals.
    deps.log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error in HTTP handler')
    return problemResponse(c, new HttpProblem(500, 'internal', 'Internal Server Error', 'the node failed to handle this request; see its log'))
  })
  return app
}

function problemResponse (c: Context, p: HttpProblem): Response {
  const body = { type: PROBLEM_BASE + p.problem, title: p.title, status: p.status, detail: p.message, ...p.extra }
  return new Response(JSON.stringify(body), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json' }
  })
}
