// Errors a communication manager's intake throws; node/api/error-map.ts turns
// each into its HTTP answer (docs/protocols/sign.md).
import { CM_BUSY_RETRY_AFTER_S } from '../../../protocols/constants.js'

/** Why this CM no longer coordinates a request it took, and another manager must (503). */
export type SentOnReason = 'restarted' | 'role-lost'

const SENT_ON_REASONS: Record<SentOnReason, string> = {
  restarted: 'the coordinating CM restarted while the request was pending',
  'role-lost': 'the coordinating CM is no longer a communication manager, and the signers of another manager\'s session it was finishing answer only managers'
}

export class NotManagerError extends Error {
  constructor () {
    super('this node is not a communication manager')
    this.name = 'NotManagerError'
  }
}

/** This CM already holds MAX_PENDING_REQUESTS_PER_CM unfinished requests (429 with Retry-After). */
export class CoordinatorBusyError extends Error {
  readonly retryAfterS = CM_BUSY_RETRY_AFTER_S
  constructor (readonly pending: number) {
    super(`this manager has ${pending} unfinished requests, its limit; try another manager or again in ${CM_BUSY_RETRY_AFTER_S} s`)
    this.name = 'CoordinatorBusyError'
  }
}

/**
 * The key's owner already holds its share of this CM's unfinished requests
 * (limits.ownerShareOfPendingSignRequests of limits.maxPendingSignRequests):
 * 429 with Retry-After; other owners still get through, and another manager
 * has a share of its own.
 */
export class OwnerBusyError extends Error {
  readonly retryAfterS = CM_BUSY_RETRY_AFTER_S
  constructor (readonly pending: number, readonly limit: number) {
    super(`this key's owner has ${pending} unfinished requests at this manager, its share of the manager's limit (${limit}); try another manager or again in ${CM_BUSY_RETRY_AFTER_S} s`)
    this.name = 'OwnerBusyError'
  }
}

/**
 * This CM no longer coordinates the request (it restarted while the request was
 * pending, or lost its manager role while finishing another manager's session):
 * the client sends it, with the same id, to another manager (503).
 */
export class RequestSentOnError extends Error {
  readonly code: string
  constructor (readonly requestId: string, readonly why: SentOnReason) {
    super(`request ${requestId}: ${SENT_ON_REASONS[why]}; another manager finishes it under the same request id`)
    this.name = 'RequestSentOnError'
    this.code = why === 'restarted' ? 'coordinator-restarted' : 'manager-role-lost'
  }
}

