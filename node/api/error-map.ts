// The one place where domain errors become HTTP problems.
import { RecordConflictError } from '../engine/registry.js'
import { InsufficientReceiptsError, NotCommitteeLeaderError } from '../engine/new-user/leader.js'
import type { NetworkView } from '../engine/network-view.js'
import { NewUserRejection } from '../../protocols/new-user/verify-bundle.js'
import { HttpProblem, MisdirectedProblem } from './problems.js'

export function toProblem (err: unknown, view: NetworkView): HttpProblem | undefined {
  if (err instanceof HttpProblem) return err
  if (err instanceof NotCommitteeLeaderError) return new MisdirectedProblem(err.message, view.whoCl())
  if (err instanceof RecordConflictError) return new HttpProblem(409, 'conflict', 'Conflict', err.message, { code: 'conflict' })
  if (err instanceof NewUserRejection) {
    return err.code === 'conflict'
      ? new HttpProblem(409, 'conflict', 'Conflict', err.message, { code: err.code })
      : new HttpProblem(400, 'new-user-rejected', 'Bad Request', err.message, { code: err.code })
  }
  if (err instanceof InsufficientReceiptsError) {
    return new HttpProblem(502, 'insufficient-receipts', 'Bad Gateway', err.message, { result: err.response })
  }
  return undefined
}
