// A CM's session met members that already sent their shares to another CM's
// session of the request (that CM died, restarted or lost its role): finish that
// session (recover.ts), asking again while members of it may still answer, until
// the request expires, this CM stops, or its members stop counting it a manager.
import { setTimeout as sleep } from 'node:timers/promises'
import { LIVENESS_WINDOW_MS } from '../../../protocols/constants.js'
import type { Contribution, SignRequest } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { PartyTransport } from './attempt.js'
import type { KeyMaterial } from './key-material.js'
import { recoverSession, type RecoveryOutcome } from './recover.js'

/** Pause before a CM asks the members of another CM's session again, when some of them did not answer (they may be restarting). */
const RECOVER_RETRY_PAUSE_MS = 1_000
/**
 * How long members may keep refusing a recover as `not-a-manager` while this CM
 * still counts itself a manager: longer than liveness views take to settle
 * (a restart, a node coming back), so a lasting refusal means they disagree.
 */
export const NOT_A_MANAGER_PATIENCE_MS = 2 * LIVENESS_WINDOW_MS

/** When a CM finishing another manager's session gives that request up to a manager its members count (sendOn). */
export class RefusedAsManager {
  private since: number | undefined

  /** `refused`: the last recover met `not-a-manager`; `stillManager`: this CM's own view. */
  giveUp (refused: boolean, stillManager: boolean, now: number): boolean {
    if (!refused) {
      this.since = undefined
      return false
    }
    this.since ??= now
    return !stillManager || now - this.since >= NOT_A_MANAGER_PATIENCE_MS
  }
}

export type OtherSessionOutcome =
  | RecoveryOutcome
  /** Members answer only managers, and this CM is none in their view (or its own): a manager they count finishes it. */
  | { kind: 'role-lost', reason: string }
  /** This CM is stopping: the request stays pending, unblamed. */
  | { kind: 'stopped' }

export interface FinishOtherSessionContext {
  /** Aborted when this CM stops. */
  signal: AbortSignal
  now: () => number
  /** Whether this CM counts itself a manager now. */
  isManager: () => boolean
  log: Logger
}

export async function finishOtherSession (
  transport: PartyTransport, material: KeyMaterial, request: SignRequest, contributions: Map<string, Contribution>, ctx: FinishOtherSessionContext
): Promise<OtherSessionOutcome> {
  let recovered = await recoverSession(transport, material, request, contributions, ctx.signal)
  const refusedAsManager = new RefusedAsManager()
  // Members of that session that did not answer may come back (a killed CM restarts with its own share in its ledger): ask again until expiry.
  while (recovered.kind === 'failed' && recovered.retryable === true && !ctx.signal.aborted && ctx.now() + RECOVER_RETRY_PAUSE_MS < request.expiresAt) {
    // Members that answer only managers will not answer this CM if it lost the role (roles moved: an epoch
    // switch, a higher-ranked manager back): a manager they count finishes it, under the same request id.
    if (refusedAsManager.giveUp(recovered.notManager === true, ctx.isManager(), ctx.now())) return { kind: 'role-lost', reason: recovered.reason }
    ctx.log.info({ reason: recovered.reason }, 'another manager\'s session misses unreachable members; asking again')
    await sleep(RECOVER_RETRY_PAUSE_MS, undefined, { signal: ctx.signal }).catch(() => {})
    if (ctx.signal.aborted) return { kind: 'stopped' }
    recovered = await recoverSession(transport, material, request, contributions, ctx.signal)
  }
  if (ctx.signal.aborted && recovered.kind !== 'completed') return { kind: 'stopped' }
  return recovered
}
