// POST /sign_request (communication managers) and GET /sign_request/:requestId.
// `Prefer: wait=N` (RFC 7240) makes the POST wait up to N s for the result.
// Input is checked with the route table's schemas (protocols/wire/http-api.ts).
import type { Hono } from 'hono'
import { MAX_PREFER_WAIT_S } from '../../../protocols/constants.js'
import { ecdsaFields } from '../../../protocols/ecdsa/signature-fields.js'
import { signingProtocolOf } from '../../../protocols/keys/key-scheme.js'
import { HTTP_API } from '../../../protocols/wire/http-api.js'
import type { SignRequest, SignResult } from '../../../protocols/wire/sign.js'
import { readJsonBody } from '../body.js'
import { BadRequestProblem, HttpProblem, MethodNotAllowedProblem, NotFoundProblem } from '../problems.js'
import type { HttpQuotas } from '../quotas.js'

export interface SignDeps {
  sign: {
    /** `admit` gets the owner auth key of a new request once its signature verified, and throws to refuse it. */
    submit: (request: SignRequest, opts?: { admit?: (ownerAuthKey: string) => void }) => Promise<{ result: SignResult, done: Promise<void> }>
    get: (requestId: string, keyId?: string) => Promise<SignResult[]>
  }
}

/** The N of `Prefer: wait=N`, capped; undefined when the client did not ask to wait. */
export function preferWaitSeconds (header: string | undefined): number | undefined {
  const m = /(?:^|[,;\s])wait=(\d{1,6})(?:$|[,;\s])/i.exec(header ?? '')
  return m === null ? undefined : Math.min(Number(m[1]), MAX_PREFER_WAIT_S)
}

/**
 * A result as the API answers it: an ecdsa-secp256k1 signature (r‖s‖v) also as `r`, `s` and `v`, next to
 * `signature`, so that a caller building an Ethereum transaction need not slice it. Derived here, on every
 * answer, rather than kept by the engine: stored results stay as they were, and one function decides the fields.
 */
export function signResultBody (result: SignResult): SignResult {
  if (result.signature === undefined || signingProtocolOf(result.scheme) !== 'dkls23') return result
  const fields = ecdsaFields(result.signature)
  const body: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(result)) {
    if (name === 'r' || name === 's' || name === 'v') continue
    body[name] = value
    if (name === 'signature') Object.assign(body, fields)
  }
  return body as SignResult
}

export function addSignRoutes (app: Hono, deps: SignDeps, quotas: HttpQuotas): void {
  app.post('/sign_request', async c => {
    const request = await readJsonBody(c, HTTP_API.signRequest.body.schema)
    const { result, done } = await deps.sign.submit(request, { admit: owner => { quotas.takeOwner(HTTP_API.signRequest, owner) } })
    const wait = preferWaitSeconds(c.req.header('prefer'))
    if (wait !== undefined && result.status === 'pending') {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([done, new Promise(resolve => { timer = setTimeout(resolve, wait * 1000) })])
      clearTimeout(timer)
      c.header('preference-applied', `wait=${wait}`)
    }
    return c.json(signResultBody(result), result.status === 'pending' ? 202 : 200)
  })
  app.all('/sign_request', c => { throw new MethodNotAllowedProblem(c.req.method, '/sign_request', ['POST']) })

  app.get('/sign_request/:requestId', async c => {
    const requestId = c.req.param('requestId')
    if (!HTTP_API.signStatus.params.requestId.schema.safeParse(requestId).success) throw new BadRequestProblem(`malformed request id ${JSON.stringify(requestId.slice(0, 80))}`)
    const keyId = c.req.query('keyId')
    if (keyId !== undefined && !HTTP_API.signStatus.query.keyId.schema.safeParse(keyId).success) throw new BadRequestProblem('keyId must be 16 bytes as lowercase hex')
    const results = await deps.sign.get(requestId, keyId)
    if (results.length === 0) throw new NotFoundProblem(`this node coordinates no request ${requestId}${keyId !== undefined ? ` for key ${keyId}` : ''}`)
    if (results.length > 1) {
      throw new HttpProblem(409, 'ambiguous-request-id', 'Conflict', `request id ${requestId} is used with ${results.length} keys here: add ?keyId=`, { keyIds: results.map(r => r.keyId) })
    }
    return c.json(signResultBody(results[0]!))
  })
  app.all('/sign_request/:requestId', c => { throw new MethodNotAllowedProblem(c.req.method, '/sign_request/:requestId', ['GET', 'HEAD']) })
}
