// The one place where domain errors become HTTP problems.
import { KeyDeletedError, RecordConflictError } from '../engine/registry-errors.js'
import { KeyGoneError, UnknownKeyError } from '../engine/delete-user.js'
import { DeleteRejection } from '../../protocols/delete-user/tombstone.js'
import { DkgFailedError } from '../engine/dkg/coordinator.js'
import { LifecycleRejection } from '../../protocols/lifecycle/errors.js'
import { InsufficientReceiptsError, NotCommitteeLeaderError } from '../engine/new-user/leader.js'
import type { NetworkView } from '../engine/network-view.js'
import { NewUserRejection } from '../../protocols/new-user/verify-bundle.js'
import { HttpProblem, MisdirectedProblem } from './problems.js'
import { CoordinatorBusyError, NotManagerError, OwnerBusyError, RequestSentOnError } from '../engine/sign/coordinator-errors.js'
import { SignRejection } from '../../protocols/sign/check-request.js'
// Which status each sign refusal gets is part of the documented API (GET /openapi.json).
import { SIGN_REJECTION_STATUS } from '../../protocols/wire/problems.js'

export function toProblem (err: unknown, view: NetworkView): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err
  if (err instanceof NotCommitteeLeaderError) return new MisdirectedProblem(err.message, view.whoCl())
  if (err instanceof NotManagerError) return new MisdirectedProblem(err.message, view.whoCm())
  if (err instanceof CoordinatorBusyError) {
    return new HttpProblem(429, 'coordinator-busy', 'Too Many Requests', err.message, { code: 'coordinator-busy', pending: err.pending }, { 'retry-after': String(err.retryAfterS) })
  }
  if (err instanceof OwnerBusyError) {
    return new HttpProblem(429, 'owner-busy', 'Too Many Requests', err.message, { code: 'owner-busy', pending: err.pending, limit: err.limit }, { 'retry-after': String(err.retryAfterS) })
  }
  if (err instanceof RequestSentOnError) {
    return new HttpProblem(503, err.code, 'Service Unavailable', err.message, { code: err.code })
  }
  if (err instanceof SignRejection) {
    return new HttpProblem(SIGN_REJECTION_STATUS[err.code] ?? 400, `sign-${err.code}`, 'Sign Request Refused', err.message, { code: err.code })
  }
  if (err instanceof KeyGoneError) return new HttpProblem(410, 'key-deleted', 'Gone', err.message, { code: 'deleted', deletion: err.result })
  if (err instanceof KeyDeletedError) return new HttpProblem(410, 'key-deleted', 'Gone', err.message, { code: 'deleted' })
  if (err instanceof UnknownKeyError) return new HttpProblem(404, 'unknown-key', 'Not Found', err.message, { code: 'unknown-key' })
  if (err instanceof DeleteRejection) {
    return new HttpProblem(err.code === 'bad-owner-signature' ? 403 : 400, `delete-${err.code}`, 'Delete Refused', err.message, { code: err.code })
  }
  if (err instanceof RecordConflictError) return new HttpProblem(409, 'conflict', 'Conflict', err.message, { code: 'conflict' })
  if (err instanceof NewUserRejection) {
    return err.code === 'conflict'
      ? new HttpProblem(409, 'conflict', 'Conflict', err.message, { code: err.code })
      : new HttpProblem(400, 'new-user-rejected', 'Bad Request', err.message, { code: err.code })
  }
  if (err instanceof LifecycleRejection) {
    return err.code === 'wrong-epoch' && /is pending/.test(err.message)
      ? new HttpProblem(409, 'membership-conflict', 'Conflict', err.message, { code: err.code })
      : new HttpProblem(400, 'membership-rejected', 'Bad Request', err.message, { code: err.code })
  }
  if (err instanceof DkgFailedError) {
    return err.code === 'no-dealers'
      ? new HttpProblem(503, 'dkg-no-dealers', 'Service Unavailable', err.message, { code: err.code })
      : new HttpProblem(502, 'dkg-failed', 'Bad Gateway', err.message, { code: err.code, dealer: err.dealer ?? '' })
  }
  if (err instanceof InsufficientReceiptsError) {
    // Members that refused the sub-share dealt to them would refuse it from any CL: when too few are left
    // to confirm, the client dealt a bad bundle (4xx, no point trying the backup CL), not a network failure.
    const { receipts, failures } = err.response
    const refused = failures.filter(f => f.code === 'bad-share').length
    if (receipts.length + failures.length - refused < err.needed) {
      return new HttpProblem(400, 'new-user-rejected', 'Bad Request', `${err.message}: ${refused} of the committee's members refused their sub-share`, { code: 'bad-share', result: err.response })
    }
    return new HttpProblem(502, 'insufficient-receipts', 'Bad Gateway', err.message, { result: err.response })
  }
  return undefined
}
