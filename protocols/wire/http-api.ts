// The HTTP API of a node as one table (docs/protocols/http.md): each route's
// method, path, parameters, request body, and answers per status with the zod
// schemas of their bodies, problems included. The node's handlers validate
// with these schemas, node/api/openapi.ts builds GET /openapi.json from them,
// and the client (cli/client) parses answers with them: one source for all three.
import { z } from 'zod'
import { CM_BUSY_RETRY_AFTER_S, HTTP_CLIENT_QUOTAS, HTTP_OWNER_QUOTAS, MAX_HTTP_BODY_BYTES, MAX_PREFER_WAIT_S, STATUS_STREAM_BUSY_RETRY_AFTER_S } from '../constants.js'
import { KeyInfoSchema } from '../new-user/registry-entry.js'
import { DeleteUserRequestSchema, DeleteUserResultSchema } from './delete-user.js'
import { GenesisSchema } from './genesis.js'
import { BlameEvidenceSchema } from './blame-evidence.js'
import { BlameListSchema, BlameRecordSchema, EndpointSchema, EvidenceVerdictSchema, HealthReasonSchema, HealthSchema, PeersSchema, WhoClSchema, WhoCmSchema } from './http.js'
import { KeyIdSchema, KeyRecordSchema } from './key-record.js'
import { MembershipSchema } from './membership.js'
import { MembershipStatusSchema, MembershipUpdateSchema } from './lifecycle.js'
import { DkgBundleSchema, DkgRequestSchema, DkgResponseSchema } from './dkg.js'
import { AnyNewUserBundleSchema, NewUserBundleSchema, NewUserResponseSchema, ReceiptSchema } from './new-user.js'
import * as P from './problems.js'
import { RequestIdSchema, SignRequestSchema, SignResultSchema } from './sign.js'
import { StatusSchema } from './status.js'

export interface HeaderSpec { description: string, schema: z.ZodType, required?: boolean }
export interface ParamSpec { description: string, schema: z.ZodType }

/** One answer: a body of `mediaType` (JSON by default) that `schema` describes; no schema, no body. */
export interface ContentSpec {
  description: string
  schema?: z.ZodType
  mediaType?: string
  headers?: Record<string, HeaderSpec>
}

/** Problems a route answers at one status: any of these bodies (application/problem+json). */
export interface ProblemSpec {
  description: string
  schemas: readonly z.ZodType[]
  headers?: Record<string, HeaderSpec>
}

/** Classes of routes that share one per-client bucket (HTTP_CLIENT_QUOTAS), and the owner-signed ones with a per-owner bucket (HTTP_OWNER_QUOTAS). */
export type ClientQuotaClass = keyof typeof HTTP_CLIENT_QUOTAS
export type OwnerQuotaClass = keyof typeof HTTP_OWNER_QUOTAS

export interface HttpRoute {
  method: 'GET' | 'POST'
  /** hono syntax: `/keys/:keyId`. */
  path: string
  summary: string
  description?: string
  tag: string
  params?: Record<string, ParamSpec>
  query?: Record<string, ParamSpec>
  headers?: Record<string, HeaderSpec>
  body?: { description: string, schema: z.ZodType }
  /** Answers with a body of the route's own (successes, and /health's 503), not problem details; the client parses them all. */
  responses: Record<number, ContentSpec>
  /** This route's own problems; ANY_ROUTE_PROBLEMS, (with a body) BODY_PROBLEMS and (with a quota) RATE_LIMITED come on top. */
  problems: Record<number, ProblemSpec>
  /**
   * The route costs work: a per-client bucket of this class (node/api/quotas.ts), and with
   * `owner` a per-owner bucket taken once the owner's signature verified. Absent: not limited.
   */
  quota?: { client: ClientQuotaClass, owner?: OwnerQuotaClass }
}

/** The name a route has in logs and metric labels: `POST /sign_request`. */
export function routeLabel (route: Pick<HttpRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`
}

/** GET /openapi.json, checked only as far as a client needs to tell it is one. */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })

/** The schemas that get a name in the document (components/schemas). Any object schema a route uses must be here. */
export const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  KeyId: KeyIdSchema,
  RequestId: RequestIdSchema,
  Endpoint: EndpointSchema,
  BlameRecord: BlameRecordSchema,
  BlameEvidence: BlameEvidenceSchema,
  BlameList: BlameListSchema,
  EvidenceVerdict: EvidenceVerdictSchema,
  HealthReason: HealthReasonSchema,
  Health: HealthSchema,
  Peers: PeersSchema,
  WhoCl: WhoClSchema,
  WhoCm: WhoCmSchema,
  Membership: MembershipSchema,
  Genesis: GenesisSchema,
  KeyRecord: KeyRecordSchema,
  Receipt: ReceiptSchema,
  KeyInfo: KeyInfoSchema,
  NewUserBundle: NewUserBundleSchema,
  NewUserResponse: NewUserResponseSchema,
  DkgRequest: DkgRequestSchema,
  DkgResponse: DkgResponseSchema,
  DkgBundle: DkgBundleSchema,
  MembershipUpdate: MembershipUpdateSchema,
  MembershipStatus: MembershipStatusSchema,
  SignRequest: SignRequestSchema,
  SignResult: SignResultSchema,
  DeleteUserRequest: DeleteUserRequestSchema,
  DeleteUserResult: DeleteUserResultSchema,
  Status: StatusSchema,
  SchemaIssue: P.SchemaIssueSchema,
  BadRequestProblem: P.BadRequestProblemSchema,
  NotFoundProblem: P.NotFoundProblemSchema,
  MethodNotAllowedProblem: P.MethodNotAllowedProblemSchema,
  PayloadTooLargeProblem: P.PayloadTooLargeProblemSchema,
  UnsupportedMediaTypeProblem: P.UnsupportedMediaTypeProblemSchema,
  InternalProblem: P.InternalProblemSchema,
  RequestTimeoutProblem: P.RequestTimeoutProblemSchema,
  ExpectationFailedProblem: P.ExpectationFailedProblemSchema,
  HeaderFieldsTooLargeProblem: P.HeaderFieldsTooLargeProblemSchema,
  NewUserRejectedProblem: P.NewUserRejectedProblemSchema,
  RecordConflictProblem: P.RecordConflictProblemSchema,
  MisdirectedToClProblem: P.MisdirectedToClProblemSchema,
  MisdirectedToCmProblem: P.MisdirectedToCmProblemSchema,
  InsufficientReceiptsProblem: P.InsufficientReceiptsProblemSchema,
  DkgFailedProblem: P.DkgFailedProblemSchema,
  MembershipRejectedProblem: P.MembershipRejectedProblemSchema,
  MembershipConflictProblem: P.MembershipConflictProblemSchema,
  DkgNoDealersProblem: P.DkgNoDealersProblemSchema,
  SignRefusedProblem: P.SignRefusedProblemSchema,
  CoordinatorBusyProblem: P.CoordinatorBusyProblemSchema,
  CoordinatorRestartedProblem: P.CoordinatorRestartedProblemSchema,
  ManagerRoleLostProblem: P.ManagerRoleLostProblemSchema,
  AmbiguousRequestIdProblem: P.AmbiguousRequestIdProblemSchema,
  KeyDeletedProblem: P.KeyDeletedProblemSchema,
  UnknownKeyProblem: P.UnknownKeyProblemSchema,
  DeleteRefusedProblem: P.DeleteRefusedProblemSchema,
  StatusStreamsFullProblem: P.StatusStreamsFullProblemSchema,
  RateLimitedProblem: P.RateLimitedProblemSchema,
  OwnerBusyProblem: P.OwnerBusyProblemSchema,
  OpenApiDocument: OpenApiDocumentSchema
}

const retryAfter = (what: string): Record<string, HeaderSpec> => ({ 'Retry-After': { description: what, schema: z.string().regex(/^\d+$/), required: true } })

/** Every route, and the HTTP layer below the app (node/api/serve.ts) on any path. */
export const ANY_ROUTE_PROBLEMS: Record<number, ProblemSpec> = {
  400: { description: 'The HTTP layer could not parse the request (request line, headers, Host, URL).', schemas: [P.BadRequestProblemSchema] },
  408: { description: 'The request did not arrive in time.', schemas: [P.RequestTimeoutProblemSchema] },
  413: { description: `A request body over ${MAX_HTTP_BODY_BYTES} bytes (checked on every route, before the handler), or chunk extensions over the server limit.`, schemas: [P.PayloadTooLargeProblemSchema] },
  417: { description: 'An Expect header other than 100-continue.', schemas: [P.ExpectationFailedProblemSchema] },
  431: { description: 'Request headers over the server limit.', schemas: [P.HeaderFieldsTooLargeProblemSchema] },
  500: { description: 'An unexpected error, logged on the node with method and path; `detail` is fixed.', schemas: [P.InternalProblemSchema] }
}

/** Routes that read a JSON body (node/api/body.ts). */
export const BODY_PROBLEMS: Record<number, ProblemSpec> = {
  400: { description: 'The body is not JSON, or does not match the schema (then with `issues`; unknown fields are refused).', schemas: [P.BadRequestProblemSchema] },
  415: { description: 'A Content-Type other than `application/json` (parameters allowed).', schemas: [P.UnsupportedMediaTypeProblemSchema] }
}

/** Routes with a quota (node/api/quotas.ts, docs/protocols/http.md#quotas). */
export const RATE_LIMITED: Record<number, ProblemSpec> = {
  429: {
    description: '`rate-limited`: this client\'s bucket for the route (`quota: "client"`), or on owner-signed routes the owner\'s (`quota: "owner"`), holds no token; retry after Retry-After.',
    schemas: [P.RateLimitedProblemSchema],
    headers: retryAfter('Seconds until the bucket holds a token again (at least 1).')
  }
}

/** Any other method on a route's path (node/api/routes). */
export const METHOD_NOT_ALLOWED: ProblemSpec = {
  description: 'This method is not served on this path.',
  schemas: [P.MethodNotAllowedProblemSchema],
  headers: { Allow: { description: 'The methods this path serves, e.g. `GET, HEAD`.', schema: z.string(), required: true } }
}

/** Keeps the schema's own type, so that a client's answer is typed by the route it called. */
const json = <S extends z.ZodType>(description: string, schema: S): ContentSpec & { schema: S } => ({ description, schema })
/** A 503 of the sign routes: the client sends the same request to another manager. */
const SENT_ON_DESCRIPTION = 'This CM no longer coordinates the request: `coordinator-restarted` (it was pending when this CM restarted) or `manager-role-lost` (this CM lost its manager role while finishing another manager\'s session); send it, with the same id, to another manager.'
const keyIdParam: ParamSpec = { description: '16 bytes as 32 lowercase hex characters.', schema: KeyIdSchema }

export const HTTP_API = {
  health: {
    method: 'GET', path: '/health', tag: 'discovery', summary: 'How this node sees itself and the network',
    description: 'Not `ok` when the node sees too few live peers for its committee or for signing (`peers`), its store fails (`store`) or share records do not authenticate (`shares`); see docs/protocols/http.md#get-health.',
    responses: {
      200: json('`status: "ok"`, `reasons` empty.', HealthSchema),
      503: json('`status: "degraded"` (or `"starting"` while the node has listened for heartbeats for less than two liveness windows) with `reasons`: the same body.', HealthSchema)
    },
    problems: {}
  },
  peers: {
    method: 'GET', path: '/peers', tag: 'discovery', summary: 'Every other genesis node, in genesis order, as this node sees it',
    responses: { 200: json('This node and its peers.', PeersSchema) }, problems: {}
  },
  whoCl: {
    method: 'GET', path: '/who_cl', tag: 'discovery', summary: 'Leader and backup of every committee, elected from this node\'s live set',
    responses: { 200: json('One entry per committee, in order.', WhoClSchema) }, problems: {}
  },
  whoCm: {
    method: 'GET', path: '/who_cm', tag: 'discovery', summary: 'The communication managers, in rank order',
    responses: { 200: json('Highest weight first.', WhoCmSchema) }, problems: {}
  },
  members: {
    method: 'GET', path: '/members', tag: 'discovery', summary: 'The membership keys are dealt against, derived from the genesis',
    description: 'For reading only; nothing authenticates it. Clients deal from GET /genesis.',
    responses: { 200: json('Static while the node runs.', MembershipSchema) }, problems: {}
  },
  genesis: {
    method: 'GET', path: '/genesis', tag: 'discovery', summary: 'This node\'s genesis file as it loaded it',
    description: 'Clients deal against it and put its digest into the key record; pin the digest to detect a node that fakes the network.',
    responses: { 200: json('Static while the node runs.', GenesisSchema) }, problems: {}
  },
  membershipStatus: {
    method: 'GET', path: '/membership', tag: 'lifecycle', summary: 'The active epoch and, during update_node_set, the pending one with resharing progress',
    description: 'See docs/protocols/lifecycle.md.',
    responses: { 200: json('Active epoch; `pending` is null unless an update is under way.', MembershipStatusSchema) }, problems: {},
    quota: { client: 'read' }
  },
  membershipUpdate: {
    method: 'POST', path: '/membership', tag: 'lifecycle', summary: 'An operator moves the network to the next epoch (update_node_set)',
    description: 'Any node of the active epoch takes the operator-signed update, gossips it and reshares every key to it in the background; GET /membership shows the progress. Posting it again (here or to another node) resumes what is left. See docs/protocols/lifecycle.md.',
    body: { description: 'The operator-signed membership update: the whole genesis of the next epoch.', schema: MembershipUpdateSchema },
    responses: { 200: json('Taken (or already pending); resharing runs.', MembershipStatusSchema) },
    problems: {
      400: { description: 'Refused: `no-operators`, `wrong-network`, `wrong-epoch`, `not-an-operator`, `bad-operator-signature`.', schemas: [P.MembershipRejectedProblemSchema] },
      409: { description: 'Another update to the next epoch is pending here.', schemas: [P.MembershipConflictProblemSchema] }
    },
    quota: { client: 'operator' }
  },
  keyInfo: {
    method: 'GET', path: '/keys/:keyId', tag: 'keys', summary: 'A key\'s registry entry and what its receipts add up to',
    params: { keyId: keyIdParam },
    responses: { 200: json('The owner-signed record, the receipts this node merged, confirmed committees and usability.', KeyInfoSchema) },
    problems: {
      400: { description: '`keyId` is not 32 lowercase hex characters.', schemas: [P.BadRequestProblemSchema] },
      404: { description: 'No such key in this node\'s registry.', schemas: [P.NotFoundProblemSchema] },
      410: { description: 'The owner deleted the key; `deletion` is the delete that took effect.', schemas: [P.KeyDeletedProblemSchema] }
    },
    quota: { client: 'read' }
  },
  newUser: {
    method: 'POST', path: '/new_user', tag: 'keys', summary: 'Hand one committee its part of a freshly dealt key',
    description: 'Answered by the leader or backup of the bundle\'s committee in this node\'s view; see docs/protocols/new_user.md.',
    body: { description: 'One committee\'s bundle, owner-signed: dealt by the client (`shares`) or made by DKG (`dkg`, see POST /new_user/dkg).', schema: AnyNewUserBundleSchema },
    responses: { 200: json('At least `tm` members returned a valid receipt; the record is registered and gossiped. `failures` may be non-empty.', NewUserResponseSchema) },
    problems: {
      400: { description: 'The bundle fails a leader check (`code`), or so many members refused their sub-share that the committee cannot confirm (`code: "bad-share"`, with `result`).', schemas: [P.NewUserRejectedProblemSchema] },
      409: { description: 'This node\'s registry holds a different record for the key id.', schemas: [P.RecordConflictProblemSchema] },
      410: { description: 'The owner deleted this key id (the tombstone wins).', schemas: [P.KeyDeletedProblemSchema] },
      421: { description: 'This node is neither leader nor backup of that committee (or no such committee); `roles` is its /who_cl.', schemas: [P.MisdirectedToClProblemSchema] },
      502: { description: 'Fewer than `tm` receipts, not because members refused their sub-shares; `result` is the CL\'s answer.', schemas: [P.InsufficientReceiptsProblemSchema] }
    },
    quota: { client: 'keys' }
  },
  newUserDkg: {
    method: 'POST', path: '/new_user/dkg', tag: 'keys', summary: 'Generate a key by DKG: no dealer, no client, no node ever holds it',
    description: 'Any node coordinates: it picks one dealer per committee, runs commit then reveal and returns the signed transcript. The client checks it, signs the record it sums to and posts one DKG bundle per committee to POST /new_user. See docs/protocols/new_user.md#dkg.',
    body: { description: 'The owner-signed DKG request.', schema: DkgRequestSchema },
    responses: { 200: json('Every dealer committed and revealed; the transcript passed every public check.', DkgResponseSchema) },
    problems: {
      400: { description: 'The request fails a check (`code`: `expired`, `lifetime-too-long`, `bad-owner-signature`, `wrong-genesis`, `bad-dealers`, …).', schemas: [P.NewUserRejectedProblemSchema] },
      502: { description: 'A dealer did not answer, refused, or published something that fails a check; `dealer` names it.', schemas: [P.DkgFailedProblemSchema] },
      503: { description: 'Some committee has no live member left to deal (after `excludeDealers`).', schemas: [P.DkgNoDealersProblemSchema] }
    },
    quota: { client: 'keys' }
  },
  signRequest: {
    method: 'POST', path: '/sign_request', tag: 'sign', summary: 'Ask a communication manager to have a key sign a message',
    description: 'Answered by a manager in this node\'s view; see docs/protocols/sign.md.',
    headers: {
      Prefer: { description: `\`wait=N\` (RFC 7240): hold the answer until the request finishes, at most N seconds (capped at ${MAX_PREFER_WAIT_S}).`, schema: z.string() }
    },
    body: { description: 'The owner-signed sign request.', schema: SignRequestSchema },
    responses: {
      200: { ...json('The request is completed or failed: read `status`.', SignResultSchema), headers: { 'Preference-Applied': { description: '`wait=N` when Prefer: wait was applied.', schema: z.string() } } },
      202: { ...json('The request is pending (taken now, or still running after the Prefer wait).', SignResultSchema), headers: { 'Preference-Applied': { description: '`wait=N` when Prefer: wait was applied.', schema: z.string() } } }
    },
    problems: {
      400: { description: 'Refused: `expired`, `lifetime-too-long`, `message-not-digest` (an ecdsa-secp256k1 key signs a 32-byte digest only), `message-too-large`, `prefix-mismatch` or another code (`sign-<code>`).', schemas: [P.SignRefusedProblemSchema] },
      403: { description: 'Refused: `bad-owner-signature`.', schemas: [P.SignRefusedProblemSchema] },
      404: { description: 'Refused: `unknown-key` (not registered here, or not usable yet).', schemas: [P.SignRefusedProblemSchema] },
      409: { description: 'Refused: `conflict` (this CM knows the request id under this key with another message).', schemas: [P.SignRefusedProblemSchema] },
      410: { description: 'Refused: `deleted`.', schemas: [P.SignRefusedProblemSchema] },
      421: { description: 'This node is not a manager; `roles` is its /who_cm.', schemas: [P.MisdirectedToCmProblemSchema] },
      429: {
        description: `\`coordinator-busy\`: this CM holds its limit of unfinished requests; \`owner-busy\`: the key's owner holds its share of that limit here (both Retry-After: ${CM_BUSY_RETRY_AFTER_S}; another manager may take it); or \`sign-rate-limited\`: the key's rate limit.`,
        schemas: [P.CoordinatorBusyProblemSchema, P.OwnerBusyProblemSchema, P.SignRefusedProblemSchema],
        headers: { 'Retry-After': { description: 'Seconds, with rate-limited, coordinator-busy and owner-busy (not with sign-rate-limited).', schema: z.string().regex(/^\d+$/) } }
      },
      501: { description: 'Refused: `scheme-not-signable`: the key\'s scheme has no signing protocol in this build (ecdsa-secp256k1 until DKLs23 signs); nothing was signed, and every manager answers the same.', schemas: [P.SignRefusedProblemSchema] },
      503: { description: SENT_ON_DESCRIPTION, schemas: [P.CoordinatorRestartedProblemSchema, P.ManagerRoleLostProblemSchema] }
    },
    quota: { client: 'sign', owner: 'sign' }
  },
  signStatus: {
    method: 'GET', path: '/sign_request/:requestId', tag: 'sign', summary: 'The state of a sign request this node coordinates',
    params: { requestId: { description: '8–64 characters of A–Z a–z 0–9 _ -.', schema: RequestIdSchema } },
    query: { keyId: { description: 'Only the request of this key. Other query parameters are ignored.', schema: KeyIdSchema } },
    responses: { 200: json('The request\'s SignResult.', SignResultSchema) },
    problems: {
      400: { description: 'Malformed request id or keyId.', schemas: [P.BadRequestProblemSchema] },
      404: { description: 'This node coordinates no such request (for that key).', schemas: [P.NotFoundProblemSchema] },
      409: { description: 'The id was used here with several keys and no keyId was given; `keyIds` lists them.', schemas: [P.AmbiguousRequestIdProblemSchema] },
      503: { description: SENT_ON_DESCRIPTION, schemas: [P.CoordinatorRestartedProblemSchema, P.ManagerRoleLostProblemSchema] }
    },
    quota: { client: 'read' }
  },
  deleteUser: {
    method: 'POST', path: '/delete_user', tag: 'keys', summary: 'The owner deletes a key',
    description: 'Any node answers; the holders erase their shares and sign erasure receipts. See docs/protocols/delete_user.md.',
    body: { description: 'The owner-signed delete request.', schema: DeleteUserRequestSchema },
    responses: { 200: json('Deleted now: the holders whose erasure receipts arrived within the wait.', DeleteUserResultSchema) },
    problems: {
      400: { description: 'Refused: `delete-expired`, `delete-lifetime-too-long`, `delete-wrong-key`, …', schemas: [P.DeleteRefusedProblemSchema] },
      403: { description: 'Refused: `delete-bad-owner-signature`.', schemas: [P.DeleteRefusedProblemSchema] },
      404: { description: 'No such key here.', schemas: [P.UnknownKeyProblemSchema] },
      410: { description: 'Already deleted (a replay or a second delete); `deletion` is the delete that took effect.', schemas: [P.KeyDeletedProblemSchema] }
    },
    quota: { client: 'keys', owner: 'delete' }
  },
  blame: {
    method: 'GET', path: '/blame', tag: 'status', summary: 'The blame this node recorded lately, newest first, with each record\'s evidence',
    description: 'An invalid-share blame carries the culprit\'s signed share and the session\'s public data (the owner-signed request, its message included); other kinds say why nothing can prove them. See docs/protocols/sign.md#blame-evidence.',
    responses: { 200: json('The recent records (as many as /health lists).', BlameListSchema) }, problems: {},
    quota: { client: 'read' }
  },
  blameVerify: {
    method: 'POST', path: '/blame/verify', tag: 'status', summary: 'Check a blame record\'s evidence against this node\'s own copy of the key',
    description: 'Any node, not only the one that blamed: it redoes the check from the signed messages and the key\'s public material it holds, trusting nothing else in the record. See docs/protocols/sign.md#blame-evidence.',
    body: { description: 'A blame record, as GET /blame lists it.', schema: BlameRecordSchema },
    responses: { 200: json('`proven`, `not-proven` (forged, incomplete, false, or a key reshared since) or `unprovable` (silence and other kinds no signed message can show).', EvidenceVerdictSchema) },
    problems: { 400: { description: 'Not a blame record.', schemas: [P.BadRequestProblemSchema] } },
    quota: { client: 'read' }
  },
  statusPage: {
    method: 'GET', path: '/', tag: 'status', summary: 'The status page: one HTML page, no external assets',
    responses: { 200: { description: 'The page; it reads GET /status/stream, or polls GET /status.', schema: z.string(), mediaType: 'text/html' } },
    problems: {}
  },
  favicon: {
    method: 'GET', path: '/favicon.ico', tag: 'status', summary: 'Nothing: browsers ask for it, and find no error to report',
    responses: { 204: { description: 'Empty, cacheable for a day.' } }, problems: {}
  },
  status: {
    method: 'GET', path: '/status', tag: 'status', summary: 'The status page\'s data: this node\'s view of the network',
    responses: { 200: json('A snapshot.', StatusSchema) }, problems: {},
    quota: { client: 'read' }
  },
  statusStream: {
    method: 'GET', path: '/status/stream', tag: 'status', summary: 'The status page\'s data as server-sent events',
    description: 'One `status` event at once and then one per interval; each event\'s `data` is a Status (components/schemas/Status). The stream ends after a while and the browser reconnects.',
    responses: { 200: { description: 'An event stream.', schema: z.string(), mediaType: 'text/event-stream' } },
    problems: {
      503: { description: 'Every stream slot is taken; poll GET /status instead.', schemas: [P.StatusStreamsFullProblemSchema], headers: retryAfter(`Seconds (${STATUS_STREAM_BUSY_RETRY_AFTER_S}).`) }
    },
    quota: { client: 'read' }
  },
  metrics: {
    method: 'GET', path: '/metrics', tag: 'operations', summary: 'This node\'s Prometheus metrics',
    description: 'Metric names and meanings: docs/operations.md. Query strings are ignored.',
    responses: { 200: { description: 'The Prometheus text exposition format.', schema: z.string(), mediaType: 'text/plain; version=0.0.4; charset=utf-8' } },
    problems: {}
  },
  openApi: {
    method: 'GET', path: '/openapi.json', tag: 'meta', summary: 'This document',
    description: 'Generated by the node from the route table (protocols/wire/http-api.ts) whose schemas validate requests. Query strings are ignored.',
    responses: { 200: json('An OpenAPI 3.1 document.', OpenApiDocumentSchema) },
    problems: {}
  }
} as const satisfies Record<string, HttpRoute>

/** Every problem a route can answer, by status: its own, the body's (if it reads one), its quota's (if it has one) and any route's. */
export function problemsOf (route: HttpRoute): Record<number, ProblemSpec> {
  const all: Record<number, ProblemSpec> = {}
  const layers = [ANY_ROUTE_PROBLEMS, ...(route.body !== undefined ? [BODY_PROBLEMS] : []), ...(route.quota !== undefined ? [RATE_LIMITED] : []), route.problems]
  for (const layer of layers) {
    for (const [status, spec] of Object.entries(layer)) {
      const before = all[Number(status)]
      all[Number(status)] = before === undefined
        ? spec
        : {
            description: `${before.description} ${spec.description}`,
            schemas: [...new Set([...before.schemas, ...spec.schemas])],
            headers: { ...before.headers, ...spec.headers }
          }
    }
  }
  return all
}

/** The body schema of a route's own answers, `responses` (one for all of its statuses, else their union). */
export function successSchema<R extends HttpRoute> (route: R): z.ZodType<SuccessBody<R>> {
  const schemas = [...new Set(Object.values(route.responses).map(r => r.schema ?? z.undefined()))]
  return (schemas.length === 1 ? schemas[0] : z.union(schemas as [z.ZodType, z.ZodType, ...z.ZodType[]])) as z.ZodType<SuccessBody<R>>
}
export type SuccessBody<R extends HttpRoute> = R['responses'][keyof R['responses']] extends { schema: infer S extends z.ZodType } ? z.output<S> : never
