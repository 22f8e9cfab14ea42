// GET /metrics: this node's Prometheus metrics in the text exposition format
// (node/metrics/, docs/operations.md). Query strings are ignored.
import type { Hono } from 'hono'
import type { Registry } from 'prom-client'
import { MethodNotAllowedProblem } from '../problems.js'

export interface MetricsDeps {
  /** The node's own registry; absent in apps built without one (some tests): then no /metrics route. */
  metrics?: Pick<Registry, 'metrics' | 'contentType'>
}

export function addMetricsRoutes (app: Hono, deps: MetricsDeps): void {
  const registry = deps.metrics
  if (registry === undefined) return
  app.get('/metrics', async c => {
    const text = await registry.metrics()
    return c.body(text, 200, { 'content-type': registry.contentType })
  })
  app.all('/metrics', c => { throw new MethodNotAllowedProblem(c.req.method, '/metrics', ['GET', 'HEAD']) })
}
