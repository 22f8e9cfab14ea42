// A sign request's life outside the coordinator machine's loop (coordinator-machine.ts): coming back
// from the store after a restart, the node's shutdown, and what the shell reads of a machine's state.
import type { EpochMs, Stepped } from '../../machine/types.js'
import type { SignResult } from '../../wire/sign.js'
import {
  RESULT_KEY_PREFIX, type CoordinatorEffect, type CoordinatorState, type Run, type SentOnReason, type Stage, type StoredResult
} from './coordinator-types.js'

/** What the shell reads of a request's machine: its result, and whether another manager has it now. */
export function requestStatus<Pub> (state: CoordinatorState<Pub>): { result?: SignResult, sentOn?: SentOnReason, decided: boolean } {
  switch (state.phase) {
    case 'idle': return { decided: false }
    case 'running': return { result: state.run.result, decided: false }
    case 'finished': return { result: state.result, decided: true }
    case 'sent-on': return { result: state.result, sentOn: state.reason, decided: false }
    case 'stopped': return { ...(state.result !== undefined ? { result: state.result } : {}), decided: false }
  }
}

/**
 * A request's machine from what the store kept of it. A request pending at a restart is not run
 * again (as node/engine/sign/coordinator.ts's restored()): its old session may still be finished
 * by another CM, and a second session could give a second signature; another manager takes it.
 */
export function restoreRequest<Pub> (persisted: ReadonlyMap<string, unknown>, _nowMs: EpochMs): Stepped<CoordinatorState<Pub>, CoordinatorEffect> {
  for (const [key, value] of persisted) {
    if (!key.startsWith(RESULT_KEY_PREFIX)) continue
    const stored = value as Partial<StoredResult> | undefined
    const result = stored?.result
    if (result === undefined || typeof result.status !== 'string') continue
    if (result.status === 'pending') return { state: { phase: 'sent-on', result, reason: 'restarted' }, effects: [] }
    return { state: { phase: 'finished', result, durable: true }, effects: [] }
  }
  return { state: { phase: 'idle' }, effects: [] }
}

/** The node shuts down: the request stays pending and unblamed; what the shell lent it goes back. */
export function stopRun<Pub> (run: Run<Pub>, stage: Stage, nowMs: number): Stepped<CoordinatorState<Pub>, CoordinatorEffect> {
  const fx: CoordinatorEffect[] = []
  const cancel = (timer: string): void => { fx.push({ kind: 'cancel-timer', timer }) }
  switch (stage.at) {
    case 'view': break
    case 'poll': case 'wait': cancel(stage.timer); break
    case 'slot': cancel(stage.timer); fx.push({ kind: 'release-slot' }); break
    case 'presigns': fx.push({ kind: 'release-slot' }); break
    case 'session': case 'ask-silent': {
      const { session } = stage
      cancel(stage.at === 'session' ? session.timer : stage.gather.timer)
      fx.push({ kind: 'release-slot' }, { kind: 'session-ended', sessionId: session.sessionId, outcome: 'stopped', ms: nowMs - session.startedAtMs, party: session.party })
      break
    }
    case 'recovery': {
      const s = stage.recovery.stage
      if (s.at === 'pause') cancel(s.timer)
      if (s.at === 'gather') cancel(s.gather.timer)
      break
    }
  }
  return { state: { phase: 'stopped', result: run.result }, effects: fx }
}
