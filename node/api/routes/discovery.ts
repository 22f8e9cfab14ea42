// GET /health, /peers, /who_cl, /who_cm, /members: how this node sees the network.
import type { Hono } from 'hono'
import type { CryptoBackendInfo } from '../../../protocols/frost/index.js'
import type { Genesis } from '../../../protocols/wire/genesis.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { NetworkView } from '../../engine/network-view.js'
import { MethodNotAllowedProblem } from '../problems.js'

export interface DiscoveryDeps {
  view: NetworkView
  membership: Membership
  genesis: Genesis
  /** Which library does FROST's group operations at this node (its Frost's `info`); /health shows it. */
  cryptoBackend?: CryptoBackendInfo
}

export function addDiscoveryRoutes (app: Hono, deps: DiscoveryDeps): void {
  const { view } = deps
  // 503 unless ok, with the same body: load balancers and systemd checks read the status code.
  app.get('/health', c => {
    const health = view.health()
    return c.json({ ...health, ...(deps.cryptoBackend !== undefined ? { cryptoBackend: deps.cryptoBackend } : {}) }, health.status === 'ok' ? 200 : 503, { 'cache-control': 'no-store' })
  })
  app.get('/peers', c => c.json(view.peers()))
  app.get('/who_cl', c => c.json(view.whoCl()))
  app.get('/who_cm', c => c.json(view.whoCm()))
  app.get('/members', c => c.json(deps.membership))
  app.get('/genesis', c => c.json(deps.genesis))
  for (const path of ['/health', '/peers', '/who_cl', '/who_cm', '/members', '/genesis']) {
    app.all(path, c => { throw new MethodNotAllowedProblem(c.req.method, path, ['GET', 'HEAD']) })
  }
}
