// GET /membership and POST /membership (any node of the active epoch):
// update_node_set's intake and progress (docs/protocols/lifecycle.md).
import type { Hono } from 'hono'
import { HTTP_API } from '../../../protocols/wire/http-api.js'
import type { MembershipStatus, MembershipUpdate } from '../../../protocols/wire/lifecycle.js'
import { readJsonBody } from '../body.js'
import { MethodNotAllowedProblem } from '../problems.js'

export interface MembershipDeps {
  lifecycle: { propose: (update: MembershipUpdate) => Promise<MembershipStatus>, status: () => MembershipStatus }
}

export function addMembershipRoutes (app: Hono, deps: MembershipDeps): void {
  app.get('/membership', c => c.json(deps.lifecycle.status()))
  app.post('/membership', async c => {
    const update = await readJsonBody(c, HTTP_API.membershipUpdate.body.schema)
    return c.json(await deps.lifecycle.propose(update))
  })
  app.all('/membership', c => { throw new MethodNotAllowedProblem(c.req.method, '/membership', ['GET', 'HEAD', 'POST']) })
}
