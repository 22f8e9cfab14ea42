// POST /new_user (committee leaders), POST /new_user/dkg and GET /keys/:keyId (every node).
// Input is checked with the route table's schemas (protocols/wire/http-api.ts).
import type { Hono } from 'hono'
import { DKG_REQUEST_TIMEOUT_MS } from '../../../protocols/constants.js'
import { HTTP_API } from '../../../protocols/wire/http-api.js'
import type { DkgRequest, DkgResponse } from '../../../protocols/wire/dkg.js'
import type { AnyNewUserBundle, NewUserResponse } from '../../../protocols/wire/new-user.js'
import { confirmedCommittees, type KeyInfo, type RegistryEntry } from '../../../protocols/new-user/registry-entry.js'
import type { KeyState } from '../../../protocols/lifecycle/reshare.js'
import type { KeyRecord } from '../../../protocols/wire/key-record.js'
import type { Tombstone } from '../../../protocols/wire/delete-user.js'
import { currentHoldersOf, KeyGoneError, resultOf } from '../../engine/delete-user.js'
import { readJsonBody } from '../body.js'
import { BadRequestProblem, MethodNotAllowedProblem, NotFoundProblem } from '../problems.js'
import { deadline } from '../../deadline.js'

export interface KeysDeps {
  registry: { get: (keyId: string) => RegistryEntry | undefined, tombstone: (keyId: string) => Tombstone | undefined }
  /** A key's state at the active epoch (its current holders), and whether it can sign there. */
  keyStates: { stateOf: (record: KeyRecord) => KeyState | undefined, usable: (entry: RegistryEntry) => boolean }
  newUser: { handle: (bundle: AnyNewUserBundle) => Promise<NewUserResponse> }
  dkg: { run: (request: DkgRequest, signal: AbortSignal) => Promise<DkgResponse> }
}

export function addKeyRoutes (app: Hono, deps: KeysDeps): void {
  app.post('/new_user', async c => {
    const bundle = await readJsonBody(c, HTTP_API.newUser.body.schema)
    return c.json(await deps.newUser.handle(bundle))
  })
  app.post('/new_user/dkg', async c => {
    const request = await readJsonBody(c, HTTP_API.newUserDkg.body.schema)
    // Both dealer rounds fit well inside it (DKG_DEALER_TIMEOUT_MS each).
    return c.json(await deps.dkg.run(request, deadline(DKG_REQUEST_TIMEOUT_MS)))
  })
  app.all('/new_user/dkg', c => { throw new MethodNotAllowedProblem(c.req.method, '/new_user/dkg', ['POST']) })
  app.all('/new_user', c => { throw new MethodNotAllowedProblem(c.req.method, '/new_user', ['POST']) })

  app.get('/keys/:keyId', c => {
    const keyId = c.req.param('keyId')
    if (!HTTP_API.keyInfo.params.keyId.schema.safeParse(keyId).success) throw new BadRequestProblem(`key id must be 16 bytes as lowercase hex, got ${JSON.stringify(keyId.slice(0, 64))}`)
    const gone = deps.registry.tombstone(keyId)
    if (gone !== undefined) throw new KeyGoneError(resultOf(gone, currentHoldersOf(gone.record, deps.keyStates)))
    const entry = deps.registry.get(keyId)
    if (entry === undefined) throw new NotFoundProblem(`no key ${keyId} in this node's registry`)
    const current = currentHoldersOf(entry.record, deps.keyStates)
    const info: KeyInfo = {
      ...entry,
      confirmedCommittees: confirmedCommittees(entry.record, entry.receipts),
      usable: deps.keyStates.usable(entry),
      current: { epoch: current.epoch, holders: current.holders.map(c => [...c]) }
    }
    return c.json(info)
  })
  app.all('/keys/:keyId', c => { throw new MethodNotAllowedProblem(c.req.method, '/keys/:keyId', ['GET', 'HEAD']) })
}
