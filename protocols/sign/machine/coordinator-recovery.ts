// Finishing another CM's session, for the coordinator machine (docs/protocols/sign.md#session-recovery):
// each reported session in turn, the most reported first, up to MAX_RECOVERED_SESSIONS, and
// the loop around them (asking
// again every RECOVER_RETRY_PAUSE_MS while only unreachable members are missing, until the
// request expires, or giving the request up to another manager when members keep refusing
// this CM as none: A CM that lost its role).
import { MAX_RECOVERED_SESSIONS, NOT_A_MANAGER_PATIENCE_MS, PARTY_TIMEOUT_MS, RECOVER_RETRY_PAUSE_MS } from '../../constants.js'
import type { PartyMember, SessionAbandoned } from '../../wire/sign.js'
import { named, type CoordinatorEffect, type Recovery, type RecoveryRound, type Run } from './coordinator-types.js'
import { gathered, judgeGather, startGather, withRecoverAnswer, type GatherOutcome } from './coordinator-gather.js'
import type { AnyProtocol } from './coordinator-session.js'
import type { LedgerContribution, SignerAnswer } from './messages.js'

export type RecoveryStep<Pub> = { run: Run<Pub> } & (
  | { kind: 'recovering', recovery: Recovery }
  | { kind: 'completed', signature: string, signers: PartyMember[], sessionId: string }
  | { kind: 'failed', reason: string, dead: readonly SessionAbandoned[], departed: boolean }
  /** Members answer only managers, and this CM is none in their view (or its own): a manager they count finishes it. */
  | { kind: 'role-lost', reason: string }
)

/** Session ids the contributions name, the most reported first (ties: first seen first). */
function reportedSessions (contributions: Iterable<LedgerContribution>): string[] {
  const counts = new Map<string, number>()
  for (const c of contributions) counts.set(c.sessionId, (counts.get(c.sessionId) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)
}

const freshRound = (contributions: ReadonlyMap<string, LedgerContribution>): RecoveryRound => ({
  all: contributions, sessions: reportedSessions(contributions.values()), index: 0, reasons: [], retryable: false, departed: false, notManager: false, dead: []
})

/** Members of a session of this request answered contributed: look at the network, then ask that session's members. */
export function beginRecovery<Pub> (run: Run<Pub>, contributions: ReadonlyMap<string, LedgerContribution>, effects: CoordinatorEffect[]): RecoveryStep<Pub> {
  effects.push({ kind: 'need-view' })
  return { run, kind: 'recovering', recovery: { contributions, round: freshRound(contributions), stage: { at: 'view', then: 'round' } } }
}

/**
 * Whether a CM whose recovery round met `not-a-manager` (`refused`) gives the request up to a manager
 * the members count: at once when it is no manager in its own view either (`manager`), else once
 * the refusals have gone on for NOT_A_MANAGER_PATIENCE_MS (views settle after a membership change).
 * `since` is when the refusals in a row began; a round without them starts the wait again.
 */
export function roleLost (refused: boolean, manager: boolean, since: number | undefined, nowMs: number): { giveUp: boolean, since: number | undefined } {
  if (!refused) return { giveUp: false, since: undefined }
  const from = since ?? nowMs
  return { giveUp: !manager || nowMs - from >= NOT_A_MANAGER_PATIENCE_MS, since: from }
}

/** A fresh view came (run.view): start a round, or decide whether to ask again. */
export function recoveryView<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, rec: Recovery, nowMs: number, effects: CoordinatorEffect[]): RecoveryStep<Pub> {
  if (rec.stage.at !== 'view') return { run, kind: 'recovering', recovery: rec }
  if (rec.stage.then === 'round') return nextSession(protocol, run, { ...rec, round: freshRound(rec.contributions) }, nowMs, effects)
  const { giveUp, since: refusedSince } = roleLost(rec.round.notManager, run.view.manager, rec.refusedSince, nowMs)
  const reason = failure(rec.round)
  if (giveUp) return { run, kind: 'role-lost', reason }
  effects.push({ kind: 'note', what: 'another manager\'s session misses unreachable members; asking again', detail: { reason } })
  const [next, timer] = named(run, 'recover-pause')
  effects.push({ kind: 'set-timer', timer, atMs: nowMs + RECOVER_RETRY_PAUSE_MS })
  return { run: next, kind: 'recovering', recovery: { ...rec, refusedSince, stage: { at: 'pause', timer } } }
}

export function recoveryTimer<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, rec: Recovery, timer: string, nowMs: number, effects: CoordinatorEffect[]): RecoveryStep<Pub> | undefined {
  if (rec.stage.at === 'pause' && rec.stage.timer === timer) {
    effects.push({ kind: 'need-view' })
    return { run, kind: 'recovering', recovery: { ...rec, stage: { at: 'view', then: 'round' } } }
  }
  if (rec.stage.at === 'gather' && rec.stage.gather.timer === timer) return sessionGathered(protocol, run, rec, nowMs, effects)
  return undefined
}

export function recoveryAnswer<Pub> (
  protocol: AnyProtocol<Pub>, run: Run<Pub>, rec: Recovery, from: string, answer: SignerAnswer, nowMs: number, effects: CoordinatorEffect[]
): RecoveryStep<Pub> | undefined {
  if (rec.stage.at !== 'gather') return undefined
  const gather = withRecoverAnswer(protocol, run, rec.stage.gather, from, answer)
  if (gather === undefined) return undefined
  const next: Recovery = { ...rec, stage: { at: 'gather', gather } }
  if (!gathered(gather)) return { run, kind: 'recovering', recovery: next }
  effects.push({ kind: 'cancel-timer', timer: gather.timer })
  return sessionGathered(protocol, run, next, nowMs, effects)
}

function sessionGathered<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, rec: Recovery, nowMs: number, effects: CoordinatorEffect[]): RecoveryStep<Pub> {
  if (rec.stage.at !== 'gather') throw new Error('no session is being gathered')
  const outcome = judgeGather(protocol, run, run.view, rec.stage.gather, PARTY_TIMEOUT_MS)
  return afterSession(protocol, run, rec, outcome, nowMs, effects)
}

function afterSession<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, rec: Recovery, outcome: GatherOutcome, nowMs: number, effects: CoordinatorEffect[]): RecoveryStep<Pub> {
  if (outcome.kind === 'completed') return { run, ...outcome }
  const r = rec.round
  const all = new Map(r.all)
  const sessions = [...r.sessions]
  // Their latest contribution may be to a later session of the same dead CM, which may be the one that can be finished.
  for (const [peerId, c] of outcome.elsewhere ?? []) {
    if (!all.has(peerId)) all.set(peerId, c)
    if (!sessions.includes(c.sessionId)) sessions.push(c.sessionId)
  }
  const round: RecoveryRound = {
    all,
    sessions,
    index: r.index + 1,
    reasons: [...r.reasons, outcome.reason],
    retryable: r.retryable || outcome.retryable === true,
    departed: r.departed || outcome.departed === true,
    notManager: r.notManager || outcome.notManager === true,
    dead: [...r.dead, ...(outcome.dead ?? [])]
  }
  return nextSession(protocol, run, { ...rec, round }, nowMs, effects)
}

function nextSession<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, rec: Recovery, nowMs: number, effects: CoordinatorEffect[]): RecoveryStep<Pub> {
  const { round } = rec
  if (round.index >= round.sessions.length || round.index >= MAX_RECOVERED_SESSIONS) return roundOver(run, rec, nowMs, effects)
  const sessionId = round.sessions[round.index]!
  const party = [...round.all.values()].find(c => c.sessionId === sessionId)?.party
  if (party === undefined) return afterSession(protocol, run, rec, { kind: 'failed', reason: `session ${sessionId}: no member reported it` }, nowMs, effects)
  const known = new Map([...round.all].filter(([, c]) => c.sessionId === sessionId))
  const [next, timer] = named(run, 'recover')
  const gather = startGather(next, next.view, sessionId, party, known, nowMs + PARTY_TIMEOUT_MS, timer, effects)
  const gathering: Recovery = { ...rec, stage: { at: 'gather', gather } }
  return gathered(gather) ? sessionGathered(protocol, next, gathering, nowMs, effects) : { run: next, kind: 'recovering', recovery: gathering }
}

const failure = (round: RecoveryRound): string =>
  `signers already sent shares to another manager's session, which cannot be finished: ${round.reasons.join('; ')}`

function roundOver<Pub> (run: Run<Pub>, rec: Recovery, nowMs: number, effects: CoordinatorEffect[]): RecoveryStep<Pub> {
  const { round } = rec
  // Members that did not answer may come back (a killed CM restarts with its own share in its ledger): ask again until expiry.
  if (round.retryable && nowMs + RECOVER_RETRY_PAUSE_MS < run.request.expiresAt) {
    effects.push({ kind: 'need-view' })
    return { run, kind: 'recovering', recovery: { ...rec, stage: { at: 'view', then: 'decide' } } }
  }
  return { run, kind: 'failed', reason: failure(round), dead: round.dead, departed: round.departed }
}
