// The client's delete_user (docs/protocols/delete_user.md): an owner-signed
// delete to any node; the answer lists the holders that confirmed erasure.
import { hexToBytes } from '@noble/hashes/utils.js'
import { PROTOCOL_VERSION } from '../../protocols/constants.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { DELETE_USER_KIND, type DeleteUserRequest, type DeleteUserResult } from '../../protocols/wire/delete-user.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { KeyDeletedProblemSchema } from '../../protocols/wire/problems.js'
import type { KeyFile } from '../key-file.js'
import { callRoute, ProblemError } from './http.js'
import { newRequestId } from './sign.js'

/** How long a delete request stays valid: long enough to reach a node, too short to replay later. */
export const DELETE_REQUEST_LIFETIME_MS = 60_000
/** The node waits up to 5 s for erasure receipts; leave room for that. */
const DELETE_CALL_TIMEOUT_MS = 20_000

export function buildDeleteRequest (key: KeyFile, requestId: string, expiresAt: number): DeleteUserRequest {
  return signBody(DELETE_USER_KIND, { v: PROTOCOL_VERSION, keyId: key.keyId, requestId, expiresAt }, hexToBytes(key.owner.secretKey)) as DeleteUserRequest
}

export interface DeleteOutcome extends DeleteUserResult {
  /** The key was deleted before (by this or an earlier request): the result is that deletion's. */
  alreadyDeleted: boolean
}

export async function deleteUser (opts: { node: string, key: KeyFile, requestId?: string, signal?: AbortSignal }): Promise<DeleteOutcome> {
  const base = opts.node.replace(/\/$/, '')
  const request = buildDeleteRequest(opts.key, opts.requestId ?? newRequestId(), Date.now() + DELETE_REQUEST_LIFETIME_MS)
  try {
    const result = await callRoute(base, HTTP_API.deleteUser, { body: request }, { signal: opts.signal, timeoutMs: DELETE_CALL_TIMEOUT_MS })
    return { ...result, alreadyDeleted: false }
  } catch (err) {
    if (err instanceof ProblemError && err.status === 410) {
      // The 410 as the route table documents it; a problem of another shape is passed on as it is.
      const earlier = KeyDeletedProblemSchema.safeParse(err.problem)
      if (earlier.success && earlier.data.deletion !== undefined) return { ...earlier.data.deletion, alreadyDeleted: true }
    }
    throw err
  }
}
