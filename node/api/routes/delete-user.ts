// POST /delete_user (any node): the owner deletes a key; the answer reports
// which holders confirmed erasure within a short wait (docs/protocols/delete_user.md).
import type { Hono } from 'hono'
import type { DeleteUserRequest, DeleteUserResult } from '../../../protocols/wire/delete-user.js'
import { HTTP_API } from '../../../protocols/wire/http-api.js'
import { readJsonBody } from '../body.js'
import { MethodNotAllowedProblem } from '../problems.js'
import type { HttpQuotas } from '../quotas.js'

export interface DeleteUserDeps {
  /** `admit` gets the owner auth key once the owner's signature verified, and throws to refuse. */
  deletion: { request: (request: DeleteUserRequest, opts?: { admit?: (ownerAuthKey: string) => void }) => Promise<DeleteUserResult> }
}

export function addDeleteUserRoutes (app: Hono, deps: DeleteUserDeps, quotas: HttpQuotas): void {
  app.post('/delete_user', async c => {
    const request = await readJsonBody(c, HTTP_API.deleteUser.body.schema)
    return c.json(await deps.deletion.request(request, { admit: owner => { quotas.takeOwner(HTTP_API.deleteUser, owner) } }))
  })
  app.all('/delete_user', c => { throw new MethodNotAllowedProblem(c.req.method, '/delete_user', ['POST']) })
}
