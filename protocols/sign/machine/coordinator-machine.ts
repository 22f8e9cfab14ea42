// The sign coordinator as a pure state machine (DESIGN 10, docs/decisions/0016-sign-machines.md):
// one machine per sign request a communication manager took, making every decision of
// node/engine/sign/coordinator.ts's coordinate() loop (docs/protocols/sign.md#the-attempt-loop):
// pick a party (the CM itself last), wait for a session slot, run a session (new_party, the
// answers, judging: coordinator-session.ts), then complete, fail, wait, exclude and blame, sign
// with an exchange instead of presignatures, or finish another CM's session
// (coordinator-recovery.ts) — within MAX_SIGN_ATTEMPTS and the request's expiry. The shell
// owns the session slots, the presignature pool, liveness and load, the store and the clock;
// it passes them in as events and carries out the effects (coordinator-types.ts).
import { hexToBytes } from '@noble/hashes/utils.js'
import {
  LEASE_WAIT_SLACK_MS, MAX_CONCURRENT_SESSIONS_PER_CM, MAX_EPOCH_SWITCH_WAITS, MAX_LEASE_WAITS, MAX_SIGN_ATTEMPTS,
  NO_PARTY_GRACE_MS, NO_PARTY_POLL_MS, PARTY_TIMEOUT_MS, SESSION_ID_BYTES
} from '../../constants.js'
import type { Machine, Random, Stepped } from '../../machine/types.js'
import { requestIdentity } from '../check-request.js'
import type { Culprit } from '../judge.js'
import { selectParty } from '../select-party.js'
import type { PartyMember, PresignedCommitment, SignResult } from '../../wire/sign.js'
import { gathered, judgeGather, startGather, withRecoverAnswer } from './coordinator-gather.js'
import { restoreRequest, stopRun } from './coordinator-lifecycle.js'
import { beginRecovery, recoveryAnswer, recoveryTimer, recoveryView, type RecoveryStep } from './coordinator-recovery.js'
import {
  everyoneAnswered, fitPresigned, judgeSession, newParty, sharesInHand, withAnswer, withFailure, type AnyProtocol
} from './coordinator-session.js'
import {
  named, resultKey, type CoordinatorEffect, type CoordinatorEvent, type CoordinatorState, type Gather,
  type Run, type Session, type SessionOutcome, type Stage, type StoredResult
} from './coordinator-types.js'

export { requestStatus } from './coordinator-lifecycle.js'

/** The load party selection sees for the CM itself: more than any signer can have, so it is chosen last. */
const SELF_PARTY_LOAD = Number.MAX_SAFE_INTEGER / 2

export interface CoordinatorMachineInit<Pub> {
  protocol: AnyProtocol<Pub>
  /** Session ids come from here (node:crypto in the shell, the seeded PRNG in the simulator). */
  random: Random
}

export type CoordinatorMachine<Pub> = Machine<CoordinatorState<Pub>, CoordinatorEvent<Pub>, CoordinatorEffect>

export function createCoordinatorMachine<Pub> (init: CoordinatorMachineInit<Pub>): CoordinatorMachine<Pub> {
  const { protocol, random } = init
  type S = CoordinatorState<Pub>
  type Fx = CoordinatorEffect[]
  const running = (run: Run<Pub>, stage: Stage): S => ({ phase: 'running', run, stage })
  const blamedSuffix = (run: Run<Pub>): string => run.blamed.length > 0 ? `; blamed: ${run.blamed.join('; ')}` : ''

  function persist (run: Run<Pub>, result: SignResult, sync: boolean, fx: Fx): [Run<Pub>, string] {
    const [next, token] = named(run, 'result')
    const value: StoredResult = { requestDigest: run.requestDigest, result, expiresAt: run.request.expiresAt }
    fx.push({ kind: 'persist', key: resultKey(run.request.keyId, run.request.requestId), value, sync, token })
    return [next, token]
  }

  /** The one way a request is decided: answered once, then written synced (the client need not wait for the write). */
  function finish (run: Run<Pub>, outcome: { status: 'completed', signature: string, signers: PartyMember[] } | { status: 'failed', reason: string }, fx: Fx): S {
    const result = { ...run.result, ...outcome }
    fx.push({ kind: 'answer', result })
    const [, token] = persist(run, result, true, fx)
    return { phase: 'finished', result, durable: false, token }
  }
  const fail = (run: Run<Pub>, reason: string, fx: Fx): S => finish(run, { status: 'failed', reason }, fx)

  function complete (run: Run<Pub>, signature: string, signers: PartyMember[], fx: Fx): S {
    // So that a later new_party for the request is answered with the signature.
    fx.push({ kind: 'notify-completed', party: signers, keyId: run.request.keyId, requestId: run.request.requestId, signature })
    return finish(run, { status: 'completed', signature, signers }, fx)
  }

  /** The loop's top again: the same attempt number (waits, polls, presign-unknown) or the next one. */
  function lookAgain (run: Run<Pub>, counted: boolean, fx: Fx): S {
    const attempt = counted ? run.attempt + 1 : run.attempt
    if (attempt > MAX_SIGN_ATTEMPTS) return fail(run, `no party signed in ${MAX_SIGN_ATTEMPTS} attempts; blamed: ${run.blamed.join('; ')}`, fx)
    fx.push({ kind: 'need-view' })
    return running({ ...run, attempt }, { at: 'view' })
  }

  function select (run: Run<Pub>, nowMs: number, fx: Fx): S {
    const { request, key, view } = run
    if (nowMs > request.expiresAt) return fail(run, `expired before a party could sign${blamedSuffix(run)}`, fx)
    const selection = selectParty({
      requestId: request.requestId, tc: key.tc, tm: key.tm, holders: key.holders, confirmed: key.confirmed, live: view.live,
      load: new Map(view.load).set(run.self, SELF_PARTY_LOAD), excluded: run.excluded
    })
    if (!selection.ok) {
      // Liveness may still be filling in (a restart): look again for a while before giving up.
      const since = run.noPartySince ?? nowMs
      if (nowMs - since < NO_PARTY_GRACE_MS && nowMs + NO_PARTY_POLL_MS < request.expiresAt) {
        const [next, timer] = named({ ...run, noPartySince: since }, 'poll')
        fx.push({ kind: 'set-timer', timer, atMs: nowMs + NO_PARTY_POLL_MS })
        return running(next, { at: 'poll', timer })
      }
      return fail(run, `${selection.reason}${blamedSuffix(run)}`, fx)
    }
    // Back-pressure: wait for a session slot, no longer than the request may live.
    const [next, timer] = named({ ...run, noPartySince: undefined }, 'slot')
    fx.push({ kind: 'acquire-slot' }, { kind: 'set-timer', timer, atMs: request.expiresAt })
    return running(next, { at: 'slot', party: selection.party, timer })
  }

  function slotGranted (run: Run<Pub>, party: PartyMember[], nowMs: number, fx: Fx): S {
    let next: Run<Pub> = { ...run, result: { ...run.result, attempts: run.attempt } }
    // Attempt 1 is not written (the store says attempts 0 meanwhile): one write fewer per request.
    if (next.attempt > 1) [next] = persist(next, next.result, false, fx)
    if (!next.usePresigns) return startSession(next, party, undefined, nowMs, fx)
    fx.push({ kind: 'take-presigns', keyId: run.request.keyId, epoch: run.key.epoch, party })
    return running(next, { at: 'presigns', party })
  }

  function startSession (run: Run<Pub>, party: PartyMember[], presigned: readonly PresignedCommitment[] | undefined, nowMs: number, fx: Fx): S {
    // Random, so no one can guess a session id and interfere with it.
    const sessionId = Buffer.from(random(SESSION_ID_BYTES)).toString('base64url')
    const [next, timer] = named(run, 'session')
    const session: Session = { sessionId, party, ...(presigned !== undefined ? { presigned } : {}), startedAtMs: nowMs, timer, answers: new Map() }
    fx.push({
      kind: 'session-started', sessionId, attempt: run.attempt, presigned: presigned !== undefined, party, keyId: run.request.keyId, epoch: run.key.epoch, scheme: run.key.record.scheme
    })
    const np = newParty(next, session)
    for (const m of party) fx.push({ kind: 'send', to: m.peerId, msg: np })
    // A session never outlives its request: at expiry it is cut short and the request fails as expired.
    fx.push({ kind: 'set-timer', timer, atMs: Math.min(nowMs + PARTY_TIMEOUT_MS, run.request.expiresAt) })
    return running(next, { at: 'session', session })
  }

  function sessionOver (run: Run<Pub>, session: Session, nowMs: number, fx: Fx): S {
    const outcome = judgeSession(protocol, run, session, nowMs)
    if (outcome.kind !== 'ask-silent') return sessionEnded(run, session, outcome, nowMs, fx)
    // Cut at the request's expiry: nobody is asked (the session's deadline is the request's), the request is over.
    if (nowMs >= run.request.expiresAt) return sessionEnded(run, session, { kind: 'retry', culprits: outcome.culprits }, nowMs, fx)
    // Before another session, ask the silent: they hand their share over, or never contribute to this session.
    const [next, timer] = named(run, 'ask-silent')
    const until = Math.min(nowMs + PARTY_TIMEOUT_MS, run.request.expiresAt)
    const gather = startGather(next, next.view, session.sessionId, session.party, sharesInHand(protocol, next, session), until, timer, fx)
    if (gathered(gather)) return silentAsked(next, session, outcome.culprits, gather, nowMs, fx)
    return running(next, { at: 'ask-silent', session, culprits: outcome.culprits, gather })
  }

  function silentAsked (run: Run<Pub>, session: Session, culprits: Culprit[], gather: Gather, nowMs: number, fx: Fx): S {
    const found = judgeGather(protocol, run, run.view, gather, PARTY_TIMEOUT_MS, session.presigned)
    const outcome: SessionOutcome = found.kind === 'completed' ? { kind: 'completed', signature: found.signature, signers: session.party } : { kind: 'retry', culprits }
    return sessionEnded(run, session, outcome, nowMs, fx)
  }

  function sessionEnded (run: Run<Pub>, session: Session, outcome: SessionOutcome, nowMs: number, fx: Fx): S {
    fx.push({ kind: 'release-slot' }, { kind: 'session-ended', sessionId: session.sessionId, outcome: outcome.kind, ms: nowMs - session.startedAtMs, party: session.party })
    // Sessions cut short by the request's expiry say nothing about the signers: no blame, the request is over.
    if (outcome.kind !== 'completed' && nowMs >= run.request.expiresAt) return fail(run, `expired while a party was signing${blamedSuffix(run)}`, fx)
    switch (outcome.kind) {
      case 'completed': return complete(run, outcome.signature, outcome.signers, fx)
      case 'fatal': return fail(run, outcome.reason, fx)
      case 'error':
        fx.push({ kind: 'note', what: 'sign request failed inside the coordinator', detail: { err: outcome.detail } })
        return fail(run, 'the coordinator failed; see its log', fx)
      case 'recover': return afterRecovery(beginRecovery(run, outcome.contributions, fx), fx)
      case 'no-presign': {
        // Members that no longer hold the presignatures offered (restarted, expired): no fault; sign with an exchange.
        const peerIds = outcome.members.map(m => m.peerId)
        fx.push({ kind: 'drop-presigns', keyId: run.request.keyId, epoch: run.key.epoch, peerIds })
        fx.push({ kind: 'note', what: 'presignatures unknown to members; signing with a round-1 exchange', detail: { members: peerIds } })
        return lookAgain({ ...run, usePresigns: false }, false, fx)
      }
      case 'wait': {
        // A signer is leased to another CM (perhaps one that died), or at another epoch of the key: wait, then the same attempt again.
        if (outcome.epochSwitch && run.epochWaits >= MAX_EPOCH_SWITCH_WAITS) return fail(run, `signers stayed at another epoch than this manager's (${run.key.epoch})`, fx)
        if (!outcome.epochSwitch && run.leaseWaits >= MAX_LEASE_WAITS) return fail(run, 'signers stayed leased to another manager', fx)
        const counted = outcome.epochSwitch ? { epochWaits: run.epochWaits + 1 } : { leaseWaits: run.leaseWaits + 1 }
        const [next, timer] = named({ ...run, ...counted }, 'wait')
        fx.push({ kind: 'set-timer', timer, atMs: nowMs + Math.min(outcome.ms + LEASE_WAIT_SLACK_MS, Math.max(0, run.request.expiresAt - nowMs)) })
        return running(next, { at: 'wait', timer })
      }
      case 'retry':
      case 'ask-silent':
        return excludeAndBlame(run, session, outcome.culprits, nowMs, fx)
    }
  }

  function excludeAndBlame (run: Run<Pub>, session: Session, culprits: readonly Culprit[], nowMs: number, fx: Fx): S {
    const excluded = new Set(run.excluded)
    const blamed = [...run.blamed]
    const { keyId, requestId } = run.request
    for (const c of culprits) {
      excluded.add(c.member.peerId)
      // Excluded for the rest of this request; blamed only when it is a fault (not e.g. its own rate limit).
      if (!c.blame) continue
      blamed.push(`${c.member.peerId} (committee ${c.member.committee} member ${c.member.member}): ${c.reason}`)
      fx.push({
        kind: 'blame',
        record: {
          at: nowMs, culprit: c.member.peerId, reason: c.reason, flow: 'sign', keyId, committee: c.member.committee,
          detail: `request ${requestId} session ${session.sessionId}: ${c.detail}`, ...(c.evidence !== undefined ? { evidence: c.evidence } : {})
        }
      })
    }
    return lookAgain({ ...run, excluded, blamed }, true, fx)
  }

  function afterRecovery (step: RecoveryStep<Pub>, fx: Fx): S {
    const { run } = step
    switch (step.kind) {
      case 'recovering': return running(run, { at: 'recovery', recovery: step.recovery })
      case 'completed':
        fx.push({ kind: 'note', what: 'recovered another manager\'s session', detail: { sessionId: step.sessionId, outcome: 'completed' } })
        return complete(run, step.signature, step.signers, fx)
      case 'role-lost':
        // As a restart does: pending here, nobody blamed; the client's next manager finishes the same session.
        fx.push({ kind: 'sent-on', reason: 'role-lost', detail: step.reason })
        return { phase: 'sent-on', result: run.result, reason: 'role-lost' }
      case 'failed':
        if (step.dead.length > 0) {
          // That session can never finish (a member of it signed that it gave it nothing): its members may sign afresh.
          const released = new Map(run.released)
          for (const proof of step.dead) released.set(proof.sessionId, proof)
          fx.push({ kind: 'note', what: 'another manager\'s session can never finish; its members are released to a new session', detail: { deadSessions: step.dead.map(p => ({ sessionId: p.sessionId, abandonedBy: p.peerId })) } })
          return lookAgain({ ...run, released }, true, fx)
        }
        if (step.departed) {
          // A member of that session left the network: its other members release themselves when asked again.
          fx.push({ kind: 'note', what: 'another manager\'s session names a node that left the network; a new session', detail: { reason: step.reason } })
          return lookAgain(run, true, fx)
        }
        fx.push({ kind: 'note', what: 'recovered another manager\'s session', detail: { outcome: 'failed' } })
        return fail(run, step.reason, fx)
    }
  }

  function stepRunning (run: Run<Pub>, stage: Stage, event: CoordinatorEvent<Pub>): Stepped<S, CoordinatorEffect> {
    const fx: Fx = []
    const same: Stepped<S, CoordinatorEffect> = { state: running(run, stage), effects: [] }
    const to = (state: S): Stepped<S, CoordinatorEffect> => ({ state, effects: fx })
    switch (event.kind) {
      case 'start':
      case 'persisted':
        return same
      case 'stop':
        return stopRun(run, stage, event.nowMs)
      case 'view': {
        const next = { ...run, view: event.view }
        if (stage.at === 'view') return to(select(next, event.nowMs, fx))
        if (stage.at === 'recovery') return to(afterRecovery(recoveryView(protocol, next, stage.recovery, event.nowMs, fx), fx))
        return { state: running(next, stage), effects: [] }
      }
      case 'slot':
        if (stage.at !== 'slot') return { state: running(run, stage), effects: [{ kind: 'release-slot' }] }
        fx.push({ kind: 'cancel-timer', timer: stage.timer })
        return to(slotGranted(run, stage.party, event.nowMs, fx))
      case 'presigns':
        if (stage.at !== 'presigns') return same
        return to(startSession(run, stage.party, fitPresigned(stage.party, event.presigned), event.nowMs, fx))
      case 'timer': {
        const { timer, nowMs } = event
        if ((stage.at === 'poll' || stage.at === 'wait') && stage.timer === timer) return to(lookAgain(run, false, fx))
        if (stage.at === 'slot' && stage.timer === timer) {
          fx.push({ kind: 'release-slot' })
          return to(fail(run, `expired while waiting for a free session slot (${MAX_CONCURRENT_SESSIONS_PER_CM} per manager)`, fx))
        }
        if (stage.at === 'session' && stage.session.timer === timer) return to(sessionOver(run, stage.session, nowMs, fx))
        if (stage.at === 'ask-silent' && stage.gather.timer === timer) return to(silentAsked(run, stage.session, stage.culprits, stage.gather, nowMs, fx))
        if (stage.at === 'recovery') {
          const step = recoveryTimer(protocol, run, stage.recovery, timer, nowMs, fx)
          if (step !== undefined) return to(afterRecovery(step, fx))
        }
        return same
      }
      case 'no-answer': {
        if (stage.at !== 'session') return same
        const session = withFailure(stage.session, event.from, event.sessionId, event.error)
        if (session === undefined) return same
        if (!everyoneAnswered(session)) return { state: running(run, { at: 'session', session }), effects: [] }
        fx.push({ kind: 'cancel-timer', timer: session.timer })
        return to(sessionOver(run, session, event.nowMs, fx))
      }
      case 'message': {
        const { from, msg, nowMs } = event
        if (msg.kind !== 'answer') return same
        if (stage.at === 'session') {
          const session = withAnswer(stage.session, from, msg.answer)
          if (session === undefined) return same
          if (!everyoneAnswered(session)) return { state: running(run, { at: 'session', session }), effects: [] }
          fx.push({ kind: 'cancel-timer', timer: session.timer })
          return to(sessionOver(run, session, nowMs, fx))
        }
        if (stage.at === 'ask-silent') {
          const gather = withRecoverAnswer(protocol, run, stage.gather, from, msg.answer)
          if (gather === undefined) return same
          if (!gathered(gather)) return { state: running(run, { ...stage, gather }), effects: [] }
          fx.push({ kind: 'cancel-timer', timer: gather.timer })
          return to(silentAsked(run, stage.session, stage.culprits, gather, nowMs, fx))
        }
        if (stage.at === 'recovery') {
          const step = recoveryAnswer(protocol, run, stage.recovery, from, msg.answer, nowMs, fx)
          if (step !== undefined) return to(afterRecovery(step, fx))
        }
        return same
      }
    }
  }

  function begin (event: Extract<CoordinatorEvent<Pub>, { kind: 'start' }>): Stepped<S, CoordinatorEffect> {
    const { request, key, view, self, nowMs } = event
    const fx: Fx = []
    const result: SignResult = { requestId: request.requestId, keyId: request.keyId, status: 'pending', scheme: key.record.scheme, groupPublicKey: key.record.groupPublicKey, attempts: 0 }
    let run: Run<Pub> = {
      self, request, message: hexToBytes(request.message), key, requestDigest: requestIdentity(request), result, view,
      attempt: 1, excluded: new Set(), blamed: [], leaseWaits: 0, epochWaits: 0, released: new Map(), usePresigns: true, seq: 0
    }
    ;[run] = persist(run, result, false, fx)
    return { state: select(run, nowMs, fx), effects: fx }
  }

  return {
    restore: restoreRequest,

    step (state, event) {
      switch (state.phase) {
        case 'idle':
          return event.kind === 'start' ? begin(event) : { state, effects: [] }
        case 'running':
          return stepRunning(state.run, state.stage, event)
        case 'finished':
          if (event.kind === 'persisted' && event.token === state.token) return { state: { ...state, durable: true }, effects: [] }
          return { state, effects: event.kind === 'slot' ? [{ kind: 'release-slot' }] : [] }
        case 'sent-on':
        case 'stopped':
          // Decided elsewhere or not at all here: nothing more to do but give back a slot granted late.
          return { state, effects: event.kind === 'slot' ? [{ kind: 'release-slot' }] : [] }
      }
    }
  }
}
