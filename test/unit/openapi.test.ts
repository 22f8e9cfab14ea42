// GET /openapi.json: the document is valid OpenAPI 3.1 (an independent
// validator), lists exactly the routes the app serves, and the requests and
// answers of real calls through the app (successes and every kind of problem)
// validate against the document's own schemas.
import { x25519 } from '@noble/curves/ed25519.js'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { pino } from 'pino'
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { callRoute, ProblemError } from '../../cli/client/http.js'
import { createApp, type ApiDeps } from '../../node/api/app.js'
import { serveHttp } from '../../node/api/serve.js'
import { buildOpenApiDocument, openApiPath } from '../../node/api/openapi.js'
import { LivenessTracker } from '../../node/engine/liveness.js'
import { NetworkView } from '../../node/engine/network-view.js'
import { packageVersion } from '../../node/metrics/version.js'
import { KeyGoneError, resultOf, UnknownKeyError } from '../../node/engine/delete-user.js'
import { keyStateOf } from '../../node/engine/lifecycle/key-state.js'
import { InsufficientReceiptsError, NotCommitteeLeaderError } from '../../node/engine/new-user/leader.js'
import { KeyDeletedError, RecordConflictError } from '../../node/engine/registry-errors.js'
import { CoordinatorBusyError, NotManagerError, OwnerBusyError, RequestSentOnError } from '../../node/engine/sign/coordinator-errors.js'
import { RateLimitedProblem } from '../../node/api/quotas.js'
import { PROTOCOL_VERSION } from '../../protocols/constants.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { DeleteRejection } from '../../protocols/delete-user/tombstone.js'
import { NewUserRejection } from '../../protocols/new-user/check-record.js'
import { SignRejection, type SignRejectionCode } from '../../protocols/sign/check-request.js'
import { DELETE_USER_KIND, type DeleteUserRequest, type DeleteUserResult, type Tombstone } from '../../protocols/wire/delete-user.js'
import { HTTP_API, type HttpRoute } from '../../protocols/wire/http-api.js'
import type { Health } from '../../protocols/wire/http.js'
import type { KeyInfo } from '../../protocols/new-user/registry-entry.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import type { NewUserBundle, NewUserResponse } from '../../protocols/wire/new-user.js'
import { SIGN_REJECTION_STATUS } from '../../protocols/wire/problems.js'
import { SIGN_REQUEST_KIND, type SignRequest, type SignResult } from '../../protocols/wire/sign.js'
import { isUsable, type RegistryEntry } from '../../protocols/new-user/registry-entry.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'
import { checkBlameEvidence } from '../../protocols/sign/blame-evidence.js'
import type { BlameRecord } from '../../protocols/wire/http.js'
import { testFrost } from '../helpers/frost.js'
import { keyFileFor, signRecoverable, WEB3_DIGEST, WEB3_SECRET, WEB3_SIGNATURE } from '../helpers/ecdsa-client-keys.js'
import { hexToBytes } from '@noble/hashes/utils.js'

const BLAME_EXAMPLE: BlameRecord = { at: 1, culprit: 'peer-3', reason: 'silent', flow: 'sign', keyId: 'ab'.repeat(16), committee: 1, detail: 'no answer', evidence: { kind: 'unprovable', why: 'silence leaves no signed message' } }

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
const DOC_ID = 'https://shardsig.test/openapi.json'
const METRICS_TEXT = '# HELP up 1 if up\n# TYPE up gauge\nup 1\n'

/** What the fake engine does on the next call; each test sets what it needs. */
interface Behaviour {
  entry?: RegistryEntry
  tombstone?: Tombstone
  deletion: () => Promise<DeleteUserResult>
  newUser: () => Promise<NewUserResponse>
  submit: () => Promise<{ result: SignResult, done: Promise<void> }>
  get: () => Promise<SignResult[]>
}

async function setup () {
  const genesis = fakeGenesis(9, 3)
  // Real X25519 keys, so that a real bundle can be dealt against this genesis.
  for (const n of genesis.nodes) n.encryptionPublicKey = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex')
  const membership = membershipOf(genesis)
  const self = genesis.nodes[0]!
  const liveness = new LivenessTracker(self.peerId)
  for (const n of genesis.nodes.slice(1)) liveness.heard(n.peerId, Date.now())
  const view = new NetworkView({ genesis, self, liveness, connectedPeers: () => new Set(['peer-2']), keyCount: () => 1, recentBlame: () => [], startedAtMs: Date.now() - 1_000 })
  const unset = async (): Promise<never> => { throw new Error('not set by this test') }
  const behaviour: Behaviour = { newUser: unset, submit: unset, get: async () => [], deletion: unset }
  // Every optional dependency is given, so that every route the node can serve is mounted.
  const deps = {
    view, membership, genesis, log: pino({ level: 'silent' }), maxBodyBytes: 64 * 1024,
    registry: { get: (keyId: string) => behaviour.entry?.record.keyId === keyId ? behaviour.entry : undefined, tombstone: (keyId: string) => behaviour.tombstone?.record.keyId === keyId ? behaviour.tombstone : undefined },
    // A key at the network's only epoch: its state is its record's (what KeyStates gives for it).
    keyStates: { stateOf: keyStateOf, usable: isUsable },
    newUser: { handle: async () => await behaviour.newUser() },
    sign: { submit: async () => await behaviour.submit(), get: async () => await behaviour.get() },
    deletion: { request: async () => await behaviour.deletion() },
    metrics: { metrics: async () => METRICS_TEXT, contentType: 'text/plain; version=0.0.4; charset=utf-8' },
    recentSignRequests: () => [],
    blame: { recent: () => [BLAME_EXAMPLE] },
    checkBlame: (record: BlameRecord) => checkBlameEvidence(testFrost, record, undefined)
  }
  const app = createApp(deps as unknown as ApiDeps)
  const owner = newOwner()
  const dealt = await deal(membership, owner)
  /** Every peer heard now: what /health reports must not depend on how long the tests before took. */
  const hearEveryone = (): void => { for (const n of genesis.nodes.slice(1)) liveness.heard(n.peerId, Date.now()) }
  return { app, behaviour, dealt, owner, view, hearEveryone, deps: deps as unknown as ApiDeps }
}

/** A node that hears no peer (long past its warm-up) and holds a share record that does not authenticate. */
function degradedApp (): ReturnType<typeof createApp> {
  const genesis = fakeGenesis(9, 3, { tc: 2, tm: 2 })
  const self = genesis.nodes[0]!
  const findings = { store: null, unreadableShares: [{ keyId: 'ab'.repeat(16), epoch: 0 }] }
  const view = new NetworkView({
    genesis, self, liveness: new LivenessTracker(self.peerId), connectedPeers: () => new Set(), keyCount: () => 1, recentBlame: () => [],
    findings: () => findings, startedAtMs: Date.now() - 60_000
  })
  return createApp({ view, membership: membershipOf(genesis), genesis, log: pino({ level: 'silent' }) } as unknown as ApiDeps)
}

/** Ajv over the document's schemas (JSON Schema 2020-12, OpenAPI 3.1's dialect), refs rewritten to the added document. */
function schemaChecker (doc: Json): (schema: Json) => ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, strictSchema: true, strictTypes: false })
  addFormats.default(ajv)
  const rewrite = <T>(x: T): T => JSON.parse(JSON.stringify(x).replaceAll('"#/components/schemas/', `"${DOC_ID}#/$defs/`)) as T
  ajv.addSchema({ $id: DOC_ID, $defs: rewrite(doc.components.schemas) })
  const cache = new Map<Json, ValidateFunction>()
  return schema => {
    let v = cache.get(schema)
    if (v === undefined) cache.set(schema, v = ajv.compile(rewrite(schema)))
    return v
  }
}

let doc: Json
let compile: (schema: Json) => ValidateFunction
let ctx: Awaited<ReturnType<typeof setup>>

beforeAll(async () => {
  ctx = await setup()
  const res = await ctx.app.request('/openapi.json')
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  doc = await res.json() as Json
  compile = schemaChecker(doc)
})

function operation (method: string, template: string): Json {
  const op = doc.paths[openApiPath(template)]?.[method.toLowerCase()] as Json | undefined
  if (op === undefined) throw new Error(`${method} ${template} is not in the document`)
  return op
}

function expectValid (schema: Json, value: unknown, what: string): void {
  const validate = compile(schema)
  expect(validate(value), `${what}: ${JSON.stringify(validate.errors)}`).toBe(true)
}

/** The answer's status, content type, required headers and body are as the document says for this operation. */
async function expectDocumented (method: string, template: string, res: Response): Promise<Json | string> {
  const op = operation(method, template)
  const spec = op.responses[String(res.status)] as Json | undefined
  expect(spec, `${method} ${template} answered ${res.status}, which the document does not list`).toBeDefined()
  for (const [name, h] of Object.entries((spec!.headers ?? {}) as Json)) {
    if (h.required === true) expect(res.headers.get(name), `${method} ${template} ${res.status}: header ${name}`).not.toBeNull()
  }
  const text = await res.text()
  if (method === 'HEAD' || spec!.content === undefined) {
    expect(text).toBe('')
    return text
  }
  const type = res.headers.get('content-type') ?? ''
  const media = Object.keys(spec!.content as Json).find(m => type.split(';')[0]!.trim() === m.split(';')[0]!.trim())
  expect(media, `${method} ${template} ${res.status}: content type ${type} is not documented`).toBeDefined()
  const schema = (spec!.content as Json)[media!].schema as Json
  const body = /json$/.test(media!.split(';')[0]!) ? JSON.parse(text) as Json : text
  expectValid(schema, body, `${method} ${template} ${res.status} body`)
  return body
}

function requestBodySchema (method: string, template: string): Json {
  return operation(method, template).requestBody.content['application/json'].schema as Json
}

function signRequest (keyId: string, owner: Uint8Array, requestId = 'req-openapi-0001'): SignRequest {
  return signBody(SIGN_REQUEST_KIND, { v: PROTOCOL_VERSION, keyId, message: 'cafe00', requestId, expiresAt: Date.now() + 60_000 }, owner) as SignRequest
}

function deleteRequest (keyId: string, owner: Uint8Array): DeleteUserRequest {
  return signBody(DELETE_USER_KIND, { v: PROTOCOL_VERSION, keyId, requestId: 'del-openapi-0001', expiresAt: Date.now() + 60_000 }, owner) as DeleteUserRequest
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit =>
  ({ method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const result = await new Validator().validate(doc)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
  })

  it('holds only valid JSON Schema 2020-12 (every schema compiles, every $ref resolves)', () => {
    const schemas: Json[] = []
    const walk = (x: unknown, key?: string): void => {
      if (x === null || typeof x !== 'object') return
      if (key === 'schema') schemas.push(x as Json)
      for (const [k, v] of Object.entries(x)) walk(v, k)
    }
    walk(doc.paths, 'paths')
    walk(doc.components.responses, 'responses')
    expect(schemas.length).toBeGreaterThan(50)
    for (const s of schemas) compile(s)
    for (const name of Object.keys(doc.components.schemas as Json)) compile({ $ref: `#/components/schemas/${name}` })
  })

  it('is the document the builder makes from the route table, the same on every request', async () => {
    expect(doc.info.version).toBe(packageVersion())
    expect(doc).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument({ version: packageVersion() }))))
    expect(await (await ctx.app.request('/openapi.json?x=%zz&&x[]=1')).json()).toEqual(doc)
  })

  it('lists every route the app serves, with its methods, and nothing it does not serve', () => {
    const served = new Map<string, Set<string>>()
    const withFallback = new Set<string>()
    for (const r of ctx.app.routes) {
      if (r.path === '/*') continue // middleware (body limit)
      const path = openApiPath(r.path)
      if (r.method === 'ALL') { withFallback.add(path); continue }
      const methods = served.get(path) ?? new Set()
      methods.add(r.method.toLowerCase())
      // hono answers HEAD with the GET handler.
      if (r.method === 'GET') methods.add('head')
      served.set(path, methods)
    }
    const documented = new Map(Object.entries(doc.paths as Json).map(([path, item]) => [path, new Set(Object.keys(item as Json))]))
    for (const [path, methods] of served) {
      for (const m of methods) {
        expect(documented.get(path)?.has(m), `${m.toUpperCase()} ${path} is served but missing from the route table (protocols/wire/http-api.ts)`).toBe(true)
      }
    }
    for (const [path, methods] of documented) {
      for (const m of methods) expect(served.get(path)?.has(m), `${m.toUpperCase()} ${path} is documented but not served`).toBe(true)
      // Every other method on a documented path is a 405 problem, as info.description says.
      expect(withFallback.has(path), `${path} has no 405 handler`).toBe(true)
    }
    expect(served.size).toBeGreaterThanOrEqual(new Set(Object.values(HTTP_API).map(r => r.path)).size)
  })
})

describe('real calls validate against the document', () => {
  it('discovery, status, metrics and the document itself: GET and HEAD', async () => {
    for (const route of Object.values(HTTP_API)) {
      if (route.method !== 'GET' || route.path.includes(':')) continue
      const get = await ctx.app.request(route.path)
      if (route.path === '/status/stream') {
        // An endless event stream: check the head of the answer, then let go of it.
        expect(get.status).toBe(200)
        expect(Object.keys(operation('GET', route.path).responses[200].content as Json)).toContain(get.headers.get('content-type')!.split(';')[0])
        await get.body?.cancel()
      } else {
        await expectDocumented('GET', route.path, get)
      }
      await expectDocumented('HEAD', route.path, await ctx.app.request(route.path, { method: 'HEAD' }))
    }
  })

  it('GET /health of a degraded node: 503 with a Health body (reasons included), as documented; HEAD too', async () => {
    const app = degradedApp()
    const res = await app.request('/health')
    expect(res.status).toBe(503)
    const body = await expectDocumented('GET', '/health', res) as Json
    expect(body.status).toBe('degraded')
    expect(body.reasons.map((r: Json) => r.code)).toEqual(['peers', 'shares'])
    await expectDocumented('HEAD', '/health', await app.request('/health', { method: 'HEAD' }))
    expect(operation('GET', '/health').responses[503].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Health' })
  })

  it('GET /keys/:keyId: 200 KeyInfo, 400 for a malformed id, 404 for an unknown key, 410 for a deleted one', async () => {
    ctx.behaviour.entry = { record: ctx.dealt.record, receipts: [] }
    const keyId = ctx.dealt.record.keyId
    const param = (operation('GET', '/keys/:keyId').parameters as Json[]).find(p => p.name === 'keyId')!
    expectValid(param.schema as Json, keyId, 'keyId parameter')
    expect(compile(param.schema as Json)('XYZ')).toBe(false)
    await expectDocumented('GET', '/keys/:keyId', await ctx.app.request(`/keys/${keyId}`))
    await expectDocumented('GET', '/keys/:keyId', await ctx.app.request('/keys/XYZ'))
    await expectDocumented('GET', '/keys/:keyId', await ctx.app.request(`/keys/${'0'.repeat(32)}`))
    ctx.behaviour.tombstone = { record: ctx.dealt.record, request: deleteRequest(keyId, ctx.owner), receipts: [] }
    const gone = await ctx.app.request(`/keys/${keyId}`)
    expect(gone.status).toBe(410)
    await expectDocumented('GET', '/keys/:keyId', gone)
    ctx.behaviour.tombstone = undefined
  })

  it('POST /delete_user: a real request is valid; 200 and every refusal are documented', async () => {
    const request = deleteRequest(ctx.dealt.record.keyId, ctx.owner)
    expectValid(requestBodySchema('POST', '/delete_user'), request, 'a signed delete request')
    const result = resultOf({ record: ctx.dealt.record, request, receipts: [] })
    const outcomes: Array<[() => Promise<DeleteUserResult>, number]> = [
      [async () => result, 200],
      [async () => { throw new KeyGoneError(result) }, 410],
      [async () => { throw new UnknownKeyError(request.keyId) }, 404],
      [async () => { throw new DeleteRejection('bad-owner-signature', 'does not verify') }, 403],
      [async () => { throw new DeleteRejection('expired', 'expired') }, 400]
    ]
    for (const [outcome, status] of outcomes) {
      ctx.behaviour.deletion = outcome
      const res = await ctx.app.request('/delete_user', post(request))
      expect(res.status).toBe(status)
      await expectDocumented('POST', '/delete_user', res)
    }
  })

  it('POST /new_user: a real bundle is a valid request; the answer and every problem the route raises are documented', async () => {
    const bundle: NewUserBundle = ctx.dealt.bundles[0]!
    const schema = requestBodySchema('POST', '/new_user')
    expectValid(schema, bundle, 'a dealt bundle')
    // The document refuses what the handler refuses: unknown fields, uppercase hex.
    expect(compile(schema)({ ...bundle, extra: 1 })).toBe(false)
    expect(compile(schema)({ ...bundle, signature: bundle.signature.toUpperCase() })).toBe(false)

    const response: NewUserResponse = { keyId: bundle.record.keyId, committee: 1, receipts: [], failures: [{ member: 2, peerId: 'peer-4', code: 'unreachable', reason: 'timed out' }] }
    const outcomes: Array<() => Promise<NewUserResponse>> = [
      async () => response,
      async () => { throw new NotCommitteeLeaderError(1) },
      async () => { throw new NewUserRejection('wrong-genesis', 'a different genesis') },
      async () => { throw new NewUserRejection('conflict', 'already registered') },
      async () => { throw new RecordConflictError(bundle.record.keyId) },
      async () => { throw new KeyDeletedError(bundle.record.keyId) },
      // Members unreachable: the network's fault (502); members that refused their sub-share: the bundle's (400).
      async () => { throw new InsufficientReceiptsError({ ...response, failures: [2, 3].map(m => ({ member: m, peerId: `peer-${m}`, code: 'unreachable', reason: 'timed out' })) }, 2) },
      async () => { throw new InsufficientReceiptsError({ ...response, failures: [{ member: 2, peerId: 'peer-4', code: 'bad-share', reason: 'does not open' }, { member: 3, peerId: 'peer-7', code: 'bad-share', reason: 'does not open' }] }, 2) },
      async () => { throw new Error('a bug') }
    ]
    const statuses: number[] = []
    for (const outcome of outcomes) {
      ctx.behaviour.newUser = outcome
      const res = await ctx.app.request('/new_user', post(bundle))
      statuses.push(res.status)
      await expectDocumented('POST', '/new_user', res)
    }
    expect(statuses).toEqual([200, 421, 400, 409, 409, 410, 502, 400, 500])
  })

  it('POST /new_user: edge refusals (415, bad JSON, schema issues, 413) are documented', async () => {
    const cases: Array<[RequestInit, number]> = [
      [{ ...post('{}'), headers: { 'content-type': 'text/plain' } }, 415],
      [post('{not json'), 400],
      [post({ v: 1, extra: true }), 400],
      [post('x'.repeat(70 * 1024)), 413]
    ]
    for (const [init, status] of cases) {
      const res = await ctx.app.request('/new_user', init)
      expect(res.status).toBe(status)
      await expectDocumented('POST', '/new_user', res)
    }
  })

  it('POST /sign_request: a real request is valid; 202, 200 and every refusal are documented', async () => {
    const request = signRequest(ctx.dealt.record.keyId, ctx.owner)
    expectValid(requestBodySchema('POST', '/sign_request'), request, 'a signed sign request')
    const result: SignResult = { requestId: request.requestId, keyId: request.keyId, status: 'pending', scheme: 'ed25519', groupPublicKey: ctx.dealt.record.groupPublicKey, attempts: 0 }
    const done: SignResult = { ...result, status: 'completed', attempts: 1, signature: 'ab'.repeat(64), signers: [{ committee: 1, member: 1, peerId: 'peer-1' }] }

    ctx.behaviour.submit = async () => ({ result, done: Promise.resolve() })
    let res = await ctx.app.request('/sign_request', post(request))
    expect(res.status).toBe(202)
    await expectDocumented('POST', '/sign_request', res)
    ctx.behaviour.submit = async () => ({ result: done, done: Promise.resolve() })
    res = await ctx.app.request('/sign_request', post(request, { prefer: 'wait=1' }))
    expect(res.status).toBe(200)
    await expectDocumented('POST', '/sign_request', res)

    const codes = [...Object.keys(SIGN_REJECTION_STATUS), 'expired', 'prefix-mismatch'] as SignRejectionCode[]
    const throwers: Array<[() => never, number]> = [
      ...codes.map((code): [() => never, number] => [() => { throw new SignRejection(code, `refused: ${code}`) }, SIGN_REJECTION_STATUS[code] ?? 400]),
      [() => { throw new NotManagerError() }, 421],
      [() => { throw new CoordinatorBusyError(128) }, 429],
      [() => { throw new OwnerBusyError(32, 32) }, 429],
      [() => { throw new RateLimitedProblem('owner', 'POST /sign_request', 1_500) }, 429],
      [() => { throw new RequestSentOnError(request.requestId, 'restarted') }, 503],
      [() => { throw new RequestSentOnError(request.requestId, 'role-lost') }, 503]
    ]
    for (const [thrower, status] of throwers) {
      ctx.behaviour.submit = async () => thrower()
      res = await ctx.app.request('/sign_request', post(request))
      expect(res.status).toBe(status)
      await expectDocumented('POST', '/sign_request', res)
    }
  })

  it('GET /sign_request/:requestId: 200, 404, 409 and malformed ids are documented', async () => {
    const result: SignResult = { requestId: 'req-openapi-0001', keyId: 'ab'.repeat(16), status: 'failed', scheme: 'secp256k1', groupPublicKey: '02' + 'cd'.repeat(32), attempts: 3, reason: 'no valid party left' }
    const answers: Array<[SignResult[], string, number]> = [
      [[result], '/sign_request/req-openapi-0001', 200],
      [[result], `/sign_request/req-openapi-0001?keyId=${'ab'.repeat(16)}&odd=%zz`, 200],
      [[], '/sign_request/req-openapi-0001', 404],
      [[result, { ...result, keyId: 'ef'.repeat(16) }], '/sign_request/req-openapi-0001', 409],
      [[], '/sign_request/no', 400],
      [[], '/sign_request/req-openapi-0001?keyId=XYZ', 400]
    ]
    for (const [results, url, status] of answers) {
      ctx.behaviour.get = async () => results
      const res = await ctx.app.request(url)
      expect(res.status).toBe(status)
      await expectDocumented('GET', '/sign_request/:requestId', res)
    }
    for (const why of ['restarted', 'role-lost'] as const) {
      ctx.behaviour.get = async () => { throw new RequestSentOnError('req-openapi-0001', why) }
      const res = await ctx.app.request('/sign_request/req-openapi-0001')
      expect(res.status).toBe(503)
      expect(await res.clone().json()).toMatchObject({ code: why === 'restarted' ? 'coordinator-restarted' : 'manager-role-lost' })
      await expectDocumented('GET', '/sign_request/:requestId', res)
    }
  })

  it('an ecdsa-secp256k1 result (POST and GET) carries r, s and v next to its 65-byte signature, as documented', async () => {
    // A real signature (noble, RFC 6979) by a known key on the digest the request carries: what the engine would answer.
    const key = keyFileFor('ecdsa-secp256k1', WEB3_SECRET)
    const signature = signRecoverable(WEB3_SECRET, hexToBytes(WEB3_DIGEST))
    const done: SignResult = { requestId: 'req-openapi-ecdsa', keyId: key.keyId, status: 'completed', scheme: 'ecdsa-secp256k1', groupPublicKey: key.groupPublicKey, attempts: 1, signature, signers: [{ committee: 1, member: 1, peerId: 'peer-1' }] }
    const request = signBody(SIGN_REQUEST_KIND, { v: PROTOCOL_VERSION, keyId: key.keyId, message: WEB3_DIGEST, requestId: done.requestId, expiresAt: Date.now() + 60_000 }, ctx.owner) as SignRequest
    ctx.behaviour.submit = async () => ({ result: done, done: Promise.resolve() })
    ctx.behaviour.get = async () => [done]
    const answers = [await ctx.app.request('/sign_request', post(request)), await ctx.app.request(`/sign_request/${done.requestId}`)]
    for (const [res, method, path] of [[answers[0]!, 'POST', '/sign_request'], [answers[1]!, 'GET', '/sign_request/:requestId']] as const) {
      expect(res.status).toBe(200)
      const body = await expectDocumented(method, path, res) as Json
      expect(body).toMatchObject({ signature, ...WEB3_SIGNATURE })
    }
    const schema = doc.components.schemas.SignResult as Json
    expect(schema.properties).toMatchObject({ r: { pattern: '^[0-9a-f]{64}$' }, s: { pattern: '^[0-9a-f]{64}$' }, v: { type: 'integer', minimum: 0, maximum: 3 } })
  })

  it('every route with a quota answers the documented 429 rate-limited with Retry-After once the client\'s bucket is empty', async () => {
    const one = { ratePerS: 1, burst: 1 }
    // A clock that stands still: the second request of each route finds the bucket empty.
    const app = createApp({ ...ctx.deps, quotas: { now: () => 0, perClient: { sign: one, read: one, keys: one, operator: one } } })
    const limited = (Object.values(HTTP_API) as HttpRoute[]).filter(r => r.quota !== undefined)
    expect(limited.map(r => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /blame', 'GET /keys/:keyId', 'GET /membership', 'GET /sign_request/:requestId', 'GET /status', 'GET /status/stream',
      'POST /blame/verify', 'POST /delete_user', 'POST /membership', 'POST /new_user', 'POST /new_user/dkg', 'POST /sign_request'
    ])
    for (const route of limited) {
      const path = route.path.replace(':keyId', 'ab'.repeat(16)).replace(':requestId', 'req-openapi-0001')
      const init = route.method === 'POST' ? post('{') : {}
      // Each route of a class shares its bucket: the class's first request takes the token, whatever it answers.
      await (await app.request(path, init)).body?.cancel()
      const res = await app.request(path, init)
      expect(res.status, `${route.method} ${route.path}`).toBe(429)
      const body = await expectDocumented(route.method, route.path, res) as Json
      expect(body).toMatchObject({ type: 'https://shardsig.dev/problems/rate-limited', quota: 'client' })
    }
  })

  it('GET /blame and POST /blame/verify answer as documented', async () => {
    const list = await ctx.app.request('/blame')
    expect(list.status).toBe(200)
    expect(await expectDocumented('GET', '/blame', list)).toEqual({ blame: [BLAME_EXAMPLE] })
    const verified = await ctx.app.request('/blame/verify', post(JSON.stringify(BLAME_EXAMPLE)))
    expect(verified.status).toBe(200)
    expect(await expectDocumented('POST', '/blame/verify', verified)).toEqual({ verdict: 'unprovable', detail: 'silence leaves no signed message' })
    const bad = await ctx.app.request('/blame/verify', post('{"at":1}'))
    expect(bad.status).toBe(400)
    await expectDocumented('POST', '/blame/verify', bad)
  })

  it('a wrong method is the documented 405 with Allow; an unknown path the documented 404', async () => {
    for (const route of Object.values(HTTP_API)) {
      const res = await ctx.app.request(route.path.replace(':keyId', 'ab'.repeat(16)).replace(':requestId', 'req-openapi-0001'), { method: route.method === 'GET' ? 'DELETE' : 'PUT' })
      expect(res.status).toBe(405)
      // One path may carry several routes (GET and POST /membership): Allow lists them all.
      const methods = Object.values(HTTP_API).filter(r => r.path === route.path).flatMap(r => r.method === 'GET' ? ['GET', 'HEAD'] : [r.method])
      expect(res.headers.get('allow')).toBe(methods.join(', '))
      expectValid(doc.components.responses.MethodNotAllowed.content['application/problem+json'].schema as Json, await res.json(), `405 on ${route.path}`)
    }
    const res = await ctx.app.request('/nope')
    expect(res.status).toBe(404)
    expectValid(doc.components.responses.NotFound.content['application/problem+json'].schema as Json, await res.json(), '404')
  })
})

describe('bad input to /openapi.json', () => {
  it('a wrong method is a 405 problem, an odd query or header is ignored, an oversized body is 413', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND']) {
      const res = await ctx.app.request('/openapi.json', { method, body: method === 'POST' ? '{' : undefined })
      expect(res.status).toBe(405)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    for (const url of ['/openapi.json?', '/openapi.json?format=yaml', '/openapi.json?%00=%ff&a=' + 'x'.repeat(4000), '/openapi.json#frag']) {
      const res = await ctx.app.request(url, { headers: { accept: 'application/yaml', 'accept-encoding': 'br;q=2', 'if-none-match': '*' } })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual(doc)
    }
    // The body limit runs before the method check (a GET with a body is test/hostile's, over a socket).
    expect((await ctx.app.request('/openapi.json', { method: 'POST', body: 'x'.repeat(70 * 1024) })).status).toBe(413)
    expect((await ctx.app.request('/openapi.json/')).status).toBe(404)
    expect((await ctx.app.request('/OPENAPI.JSON')).status).toBe(404)
  })
})

describe('the typed client (cli/client/http.ts callRoute)', () => {
  it('builds URLs from the route table and parses answers with its schemas, typed by the route', async () => {
    const server = await serveHttp(ctx.app, '127.0.0.1', 0)
    try {
      ctx.hearEveryone()
      const health = callRoute(server.url, HTTP_API.health)
      expectTypeOf(health).resolves.toEqualTypeOf<Health>()
      expect((await health).status).toBe('ok')
      // A degraded node's 503 is a Health too (the route declares it), not a ProblemError.
      const degraded = await serveHttp(degradedApp(), '127.0.0.1', 0)
      try {
        expect(await callRoute(degraded.url, HTTP_API.health)).toMatchObject({ status: 'degraded', reasons: [{ code: 'peers' }, { code: 'shares', keyIds: ['ab'.repeat(16)] }] })
      } finally {
        await degraded.close()
      }

      ctx.behaviour.entry = { record: ctx.dealt.record, receipts: [] }
      const info = callRoute(`${server.url}/`, HTTP_API.keyInfo, { params: { keyId: ctx.dealt.record.keyId } })
      expectTypeOf(info).resolves.toEqualTypeOf<KeyInfo>()
      expect((await info).record).toEqual(ctx.dealt.record)

      const result: SignResult = { requestId: 'req/with space', keyId: 'ab'.repeat(16), status: 'pending', scheme: 'ed25519', groupPublicKey: 'cd'.repeat(32), attempts: 0 }
      let asked: unknown
      ctx.behaviour.get = async () => { asked = 'called'; return [result] }
      // A request id the node refuses is sent encoded, and answered 400 (not a different path).
      const err = await callRoute(server.url, HTTP_API.signStatus, { params: { requestId: 'req/with space' }, query: { keyId: 'ab'.repeat(16) } }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ProblemError)
      expect((err as ProblemError).status).toBe(400)
      expect(asked).toBeUndefined()
      ctx.behaviour.get = async () => [{ ...result, requestId: 'req-openapi-0001' }]
      expect((await callRoute(server.url, HTTP_API.signStatus, { params: { requestId: 'req-openapi-0001' }, query: { keyId: undefined } })).requestId).toBe('req-openapi-0001')
    } finally {
      await server.close()
    }
  })
})
