// The HTTP app every node serves, built from injected dependencies so tests
// can call app.request() without a socket. One error handler for everything;
// one quota middleware per route that costs work (quotas.ts).
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { MAX_HTTP_BODY_BYTES } from '../../protocols/constants.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import { HTTP_API, type HttpRoute } from '../../protocols/wire/http-api.js'
import type { Membership } from '../../protocols/wire/membership.js'
import type { NetworkView } from '../engine/network-view.js'
import type { Logger } from '../log.js'
import { toProblem } from './error-map.js'
import { HttpProblem, NotFoundProblem, PayloadTooLargeProblem, problemResponse } from './problems.js'
import { HttpQuotas, type HttpQuotaOptions } from './quotas.js'
import { addBlameRoutes, type BlameDeps } from './routes/blame.js'
import { addDeleteUserRoutes, type DeleteUserDeps } from './routes/delete-user.js'
import { addDiscoveryRoutes, type DiscoveryDeps } from './routes/discovery.js'
import { addKeyRoutes, type KeysDeps } from './routes/keys.js'
import { addMembershipRoutes, type MembershipDeps } from './routes/membership.js'
import { addMetricsRoutes, type MetricsDeps } from './routes/metrics.js'
import { addOpenApiRoutes } from './routes/openapi.js'
import { addSignRoutes, type SignDeps } from './routes/sign.js'
import { addStatusRoutes, type StatusDeps } from './routes/status.js'

export interface ApiDeps extends KeysDeps, SignDeps, MetricsDeps, StatusDeps, DeleteUserDeps, MembershipDeps, BlameDeps, DiscoveryDeps {
  view: NetworkView
  membership: Membership
  genesis: Genesis
  log: Logger
  maxBodyBytes?: number
  /** Per-client and per-owner buckets (config limits.http, a clock, a refusal counter); defaults from protocols/constants.ts. */
  quotas?: HttpQuotaOptions
}

export function createApp (deps: ApiDeps): Hono {
  const app = new Hono()
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_HTTP_BODY_BYTES

  app.use('*', bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => { throw new PayloadTooLargeProblem(maxBodyBytes) }
  }))
  // Before its handler (and the body's parsing), each route that costs work takes a token of the client's bucket.
  const quotas = new HttpQuotas(deps.quotas)
  for (const route of Object.values(HTTP_API) as HttpRoute[]) {
    if (route.quota !== undefined) app.on(route.method, route.path, quotas.forClient(route))
  }
  addDiscoveryRoutes(app, deps)
  addKeyRoutes(app, deps)
  addSignRoutes(app, deps, quotas)
  addDeleteUserRoutes(app, deps, quotas)
  addMembershipRoutes(app, deps)
  addStatusRoutes(app, deps)
  addBlameRoutes(app, deps)
  addMetricsRoutes(app, deps)
  addOpenApiRoutes(app)

  app.notFound(c => problemResponse(new NotFoundProblem(`no route ${c.req.method} ${c.req.path}`)))
  app.onError((err, c) => {
    const problem = toProblem(err, deps.view)
    if (problem !== undefined) return problemResponse(problem)
    if (err instanceof HTTPException) {
      return problemResponse(new HttpProblem(err.status, 'http-error', err.message === '' ? 'HTTP Error' : err.message))
    }
    // Unexpected: log it with the route, answer without internals.
    deps.log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error in HTTP handler')
    return problemResponse(new HttpProblem(500, 'internal', 'Internal Server Error', 'the node failed to handle this request; see its log'))
  })
  return app
}
