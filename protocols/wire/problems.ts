// The problem details (RFC 9457) a node answers with, one schema per problem
// type, as node/api/problems.ts and node/api/error-map.ts produce them. The
// route table (http-api.ts) lists which of them each route can answer.
import { z } from 'zod'
import { DeleteUserResultSchema } from './delete-user.js'
import { WhoClSchema, WhoCmSchema } from './http.js'
import { KeyIdSchema } from './key-record.js'
import { NewUserResponseSchema } from './new-user.js'

export const PROBLEM_BASE = 'https://shardsig.dev/problems/'

/** HTTP status of a sign request the CM refuses outright (`sign-<code>`); every other code is 400. */
export const SIGN_REJECTION_STATUS: Readonly<Record<string, number>> = {
  'bad-owner-signature': 403,
  'unknown-key': 404,
  conflict: 409,
  'rate-limited': 429,
  deleted: 410,
  // The key's scheme has no signing protocol in this build (ecdsa-secp256k1 until DKLs23 is plugged in):
  // every manager answers the same, so a client does not fail over on it.
  'scheme-not-signable': 501
}

/** `detail` is always there: the node puts the title in it when it has nothing more to say. */
function problem<const S extends number, const E extends z.ZodRawShape> (name: string, status: S, title: string, extra: E) {
  return z.strictObject({
    type: z.literal(PROBLEM_BASE + name),
    title: z.literal(title),
    status: z.literal(status),
    detail: z.string(),
    ...extra
  })
}

/** At most 10 (body.ts MAX_REPORTED_ISSUES); `path` is the dotted field path, "" for the root. */
export const SchemaIssueSchema = z.strictObject({ path: z.string(), message: z.string() })

export const BadRequestProblemSchema = problem('bad-request', 400, 'Bad Request', { issues: z.array(SchemaIssueSchema).max(10).optional() })
export const NotFoundProblemSchema = problem('not-found', 404, 'Not Found', {})
export const MethodNotAllowedProblemSchema = problem('method-not-allowed', 405, 'Method Not Allowed', {})
export const PayloadTooLargeProblemSchema = problem('payload-too-large', 413, 'Payload Too Large', {})
export const UnsupportedMediaTypeProblemSchema = problem('unsupported-media-type', 415, 'Unsupported Media Type', {})
export const InternalProblemSchema = problem('internal', 500, 'Internal Server Error', {})
// Answered below the app (node/api/serve.ts), on any path.
export const RequestTimeoutProblemSchema = problem('request-timeout', 408, 'Request Timeout', {})
export const ExpectationFailedProblemSchema = problem('expectation-failed', 417, 'Expectation Failed', {})
export const HeaderFieldsTooLargeProblemSchema = problem('request-header-fields-too-large', 431, 'Request Header Fields Too Large', {})

export const NewUserRejectedProblemSchema = problem('new-user-rejected', 400, 'Bad Request', {
  code: z.string(),
  /** With code bad-share: the CL's whole answer. */
  result: NewUserResponseSchema.optional()
})
export const RecordConflictProblemSchema = problem('conflict', 409, 'Conflict', { code: z.literal('conflict') })
export const MisdirectedToClProblemSchema = problem('misdirected', 421, 'Misdirected Request', { roles: WhoClSchema })
export const MisdirectedToCmProblemSchema = problem('misdirected', 421, 'Misdirected Request', { roles: WhoCmSchema })
/** POST /new_user/dkg: the dealers did not produce a transcript; `dealer` names the one that failed (exclude it and retry). */
export const DkgFailedProblemSchema = problem('dkg-failed', 502, 'Bad Gateway', {
  code: z.enum(['dealer-unavailable', 'dealer-refused', 'bad-dealer']),
  dealer: z.string()
})
export const DkgNoDealersProblemSchema = problem('dkg-no-dealers', 503, 'Service Unavailable', { code: z.literal('no-dealers') })
export const InsufficientReceiptsProblemSchema = problem('insufficient-receipts', 502, 'Bad Gateway', { result: NewUserResponseSchema })

/** A sign request the CM refuses; `type` is `sign-<code>`, the status from SIGN_REJECTION_STATUS. */
export const SignRefusedProblemSchema = z.strictObject({
  type: z.string().regex(/^https:\/\/shardsig\.dev\/problems\/sign-[a-z0-9-]+$/),
  title: z.literal('Sign Request Refused'),
  status: z.int(),
  detail: z.string(),
  code: z.string()
})
export const CoordinatorBusyProblemSchema = problem('coordinator-busy', 429, 'Too Many Requests', { code: z.literal('coordinator-busy'), pending: z.int().min(0) })
/** The key's owner holds its share of this CM's unfinished requests (limits.ownerShareOfPendingSignRequests); other owners still get through. */
export const OwnerBusyProblemSchema = problem('owner-busy', 429, 'Too Many Requests', { code: z.literal('owner-busy'), pending: z.int().min(0), limit: z.int().min(1) })
export const CoordinatorRestartedProblemSchema = problem('coordinator-restarted', 503, 'Service Unavailable', { code: z.literal('coordinator-restarted') })
export const ManagerRoleLostProblemSchema = problem('manager-role-lost', 503, 'Service Unavailable', { code: z.literal('manager-role-lost') })
export const AmbiguousRequestIdProblemSchema = problem('ambiguous-request-id', 409, 'Conflict', { keyIds: z.array(KeyIdSchema) })

/** A key its owner deleted: `deletion` is the delete that took effect (GET /keys/:keyId, a repeated POST /delete_user). */
export const KeyDeletedProblemSchema = problem('key-deleted', 410, 'Gone', { code: z.literal('deleted'), deletion: DeleteUserResultSchema.optional() })
export const UnknownKeyProblemSchema = problem('unknown-key', 404, 'Not Found', { code: z.literal('unknown-key') })
/** A delete request refused; `type` is `delete-<code>`. */
export const DeleteRefusedProblemSchema = z.strictObject({
  type: z.string().regex(/^https:\/\/shardsig\.dev\/problems\/delete-[a-z0-9-]+$/),
  title: z.literal('Delete Refused'),
  status: z.union([z.literal(400), z.literal(403)]),
  detail: z.string(),
  code: z.string()
})

/** POST /membership refused: `code` is a LifecycleRejection code (protocols/lifecycle/errors.ts). */
export const MembershipRejectedProblemSchema = problem('membership-rejected', 400, 'Bad Request', { code: z.string() })
export const MembershipConflictProblemSchema = problem('membership-conflict', 409, 'Conflict', { code: z.literal('wrong-epoch') })

export const StatusStreamsFullProblemSchema = problem('status-streams-full', 503, 'Service Unavailable', { code: z.literal('status-streams-full') })

/** A quota's bucket for this route is empty (docs/protocols/http.md#quotas): the client's address, or the owner key's once its signature verified. */
export const RateLimitedProblemSchema = problem('rate-limited', 429, 'Too Many Requests', { quota: z.enum(['client', 'owner']) })
