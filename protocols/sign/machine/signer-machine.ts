// A signer's part of the sign flow as a pure machine (DESIGN 5 sign steps 4–5, DESIGN 10;
// docs/protocols/sign.md): check the request and the party on its own, claim the
// request in its ledger for the coordinator, run the threshold protocol's rounds with
// the other members, record its contribution (synced) and only then hand it to the
// coordinator. Recovers and completion notices are answered from the ledger. The
// threshold protocol is a value (threshold-protocol.ts): nothing here is FROST's.
import { hexToBytes } from '@noble/hashes/utils.js'
import { CLAIM_LEASE_MS, EPOCH_SWITCH_RETRY_MS, ROUND_ONE_TIMEOUT_MS } from '../../constants.js'
import type { Machine, Stepped } from '../../machine/types.js'
import type { Contribution } from '../../wire/sign.js'
import { checkParty, checkSignRequest, requestIdentity, SignRejection } from '../check-request.js'
import { provesSessionDead } from '../dead-session.js'
import { claimRule, contributionRule, ledgerKey, releaseDeadRule, releaseRule, type LedgerEntry, type Ruled } from '../ledger-rules.js'
import type { RoundMessage, SignerAnswer } from './messages.js'
import { answerRecover, keepCompletion } from './signer-recover.js'
import type { NewPartyEvent, RunningSession, SignerEffect, SignerEnv, SignerEvent, SignerState } from './signer-types.js'
import { isRefused, ProtocolInputError, type SignerProgress } from './threshold-protocol.js'

/** How long a signer waits for every party member's message of one round (round 1: ROUND_ONE_TIMEOUT_MS). */
export const ROUND_TIMEOUT_MS = ROUND_ONE_TIMEOUT_MS
/** Round messages kept for sessions not started here yet. */
export const MAX_EARLY_MESSAGES = 1_000
/** One peer cannot fill the buffer and push out other peers' messages. */
export const MAX_EARLY_MESSAGES_PER_PEER = 64
const LEDGER_INSTANCE_BYTES = 8

const roundTimer = (sessionId: string): string => `round:${sessionId}`

type Effects = SignerEffect[]

export function signerMachine<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>): Machine<SignerState<S>, SignerEvent<Pub, Secret>, SignerEffect> {
  return {
    restore () {
      // Sessions die with the process (their nonces were in memory); the ledger comes with each event (`stored`).
      const ledger = new Map<string, LedgerEntry | null>()
      const instance = Buffer.from(env.random(LEDGER_INSTANCE_BYTES)).toString('hex')
      return { state: { instance, ledger, writes: new Map(), sessions: new Map(), early: [], held: new Map(), nextToken: 0 }, effects: [] }
    },

    step (state, event) {
      const effects: Effects = []
      switch (event.kind) {
        case 'new-party': newParty(env, state, event, effects); break
        case 'recover': {
          const running = state.sessions.get(event.req.sessionId)
          // Still running that session (its CM died, the others' messages still coming): answer once it ends.
          if (running !== undefined) running.recovers.push(event)
          else answerRecover(env, state, event, effects)
          break
        }
        case 'completed': keepCompletion(env, state, event, effects); break
        case 'message':
          if (event.msg.kind === 'round') roundMessage(env, state, event.msg, event.from, event.nowMs, effects)
          break
        case 'timer': roundTimeout(env, state, event.timer, effects); break
        case 'persisted':
          released(env, state, event.token, event.nowMs, effects)
          state.writes.delete(event.token)
          break
        case 'forget': forget(state, event.key); break
      }
      return { state, effects }
    }
  }
}

/** Today's answer on a refusal: `reject` with its code, logged. */
function reject (to: string, sessionId: string, err: SignRejection, effects: Effects, fields: Record<string, unknown> = {}, retryAfterMs?: number): void {
  effects.push({ kind: 'log', level: 'info', msg: 'sign request rejected', fields: { coordinator: to, sessionId, code: err.code, reason: err.message, ...fields } })
  answer(to, { kind: 'reject', sessionId, code: err.code, reason: err.message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, effects)
}

function answer (to: string, a: SignerAnswer, effects: Effects): void {
  effects.push({ kind: 'send', to, msg: { kind: 'answer', answer: a } })
}

/** Runs a ledger rule on the machine's newest copy of the entry, and asks for its write. */
export function applyRule<R> (state: SignerState<unknown>, key: string, stored: LedgerEntry | undefined, rule: (current: LedgerEntry | undefined) => Ruled<R>, effects: Effects): R {
  const cached = state.ledger.get(key)
  const current = cached === undefined ? stored : cached ?? undefined
  const { result, write } = rule(current)
  if (write !== undefined) persist(state, key, write.entry, write.sync, effects)
  return result
}

export function persist (state: SignerState<unknown>, key: string, entry: LedgerEntry | undefined, sync: boolean, effects: Effects): string {
  state.ledger.set(key, entry ?? null)
  const token = `ledger-${state.nextToken++}`
  state.writes.set(token, key)
  effects.push({ kind: 'persist', key, value: entry, sync, token })
  return token
}

function newParty<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, ev: NewPartyEvent<Pub, Secret>, effects: Effects): void {
  const { np, from: coordinator, nowMs } = ev
  const { request, sessionId, party } = np
  const key = ledgerKey(request.keyId, request.requestId)
  const log = { requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId }
  try {
    if (ev.key.kind === 'refused') throw new SignRejection(ev.key.code, ev.key.reason)
    const { record, state: keyState, leavingFor } = ev.key
    checkSignRequest(request, record, nowMs)
    if (leavingFor !== undefined) {
      // This node activated the next epoch and restarts on it: its shares of this epoch are erased.
      const reason = `this signer is switching from the key's epoch ${keyState.epoch} to epoch ${leavingFor}`
      return reject(coordinator, sessionId, new SignRejection('wrong-epoch', reason), effects, log, EPOCH_SWITCH_RETRY_MS)
    }
    if (np.epoch !== undefined && np.epoch !== keyState.epoch) {
      // update_node_set's switch in progress: the CM or this node has not moved yet. No share, no claim; the CM asks again.
      const reason = `the party is from the key's epoch ${np.epoch}; this signer holds it at epoch ${keyState.epoch}`
      return reject(coordinator, sessionId, new SignRejection('wrong-epoch', reason), effects, log, EPOCH_SWITCH_RETRY_MS)
    }
    checkParty(party, keyState)
    const me = party.find(p => p.peerId === env.self)
    if (me === undefined) throw new SignRejection('invalid-party', `this node (${env.self}) is not in the party`)
    if (ev.key.secret === undefined) throw new SignRejection('no-share', `this node holds no usable share of key ${record.keyId} at epoch ${keyState.epoch}`)
    if (np.presigned !== undefined && ev.presign?.kind !== 'taken') {
      throw new SignRejection('presign-unknown', ev.presign?.reason ?? 'the presignatures were not looked up')
    }

    // Sessions of this request shown dead (a member's signed abandonment): a share of ours in one no longer binds us to its CM.
    for (const proof of np.released ?? []) {
      const r = applyRule(state, key, ev.stored, c => releaseDeadRule(c, x => provesSessionDead(proof, x, record.keyId, request.requestId)), effects)
      if (r === 'released') effects.push({ kind: 'log', level: 'info', msg: 'share in a dead session released; free to sign for this coordinator', fields: { ...log, coordinator, deadSession: proof.sessionId, abandonedBy: proof.peerId } })
    }
    // A share in a session naming a node that left the network can never be finished: it no longer binds us.
    const departed = applyRule(state, key, ev.stored, c => releaseDeadRule(c, x => x.party.some(p => !ev.members.has(p.peerId))), effects)
    if (departed === 'released') effects.push({ kind: 'log', level: 'info', msg: 'share in a session with a member that left the network released; free to sign for this coordinator', fields: { ...log, coordinator } })

    const claim = applyRule(state, key, ev.stored, c => claimRule(c, {
      requestId: request.requestId, keyId: record.keyId, requestDigest: requestIdentity(request), coordinator,
      leaseUntil: nowMs + CLAIM_LEASE_MS, expiresAt: request.expiresAt, message: request.message
    }, nowMs, state.instance), effects)
    if (claim.kind === 'conflict') throw new SignRejection('conflict', `request id ${request.requestId} was used for another message with key ${record.keyId}`)
    if (claim.kind === 'completed') return answer(coordinator, { kind: 'completed-before', sessionId, signature: claim.signature }, effects)
    if (claim.kind === 'held') {
      // Our share went to another CM's session: hand it over so this CM can finish that session (it may have died).
      if (claim.contribution !== undefined) return answer(coordinator, { kind: 'contributed', sessionId, contribution: claim.contribution }, effects)
      throw new SignRejection('claimed-by-other-coordinator', `this signer already sent a share for request ${request.requestId} to ${claim.by}`)
    }
    if (claim.kind === 'leased') {
      return reject(coordinator, sessionId, new SignRejection('leased-by-other-coordinator', `request ${request.requestId} is leased to ${claim.by}`), effects, log, Math.max(0, claim.until - nowMs))
    }
    // One token per request, not per session: a retry of the same request does not count again.
    if (claim.first) {
      if (!ev.rateAvailable) {
        applyRule(state, key, ev.stored, c => releaseRule(c, claim.entry), effects)
        throw new SignRejection('rate-limited', `key ${record.keyId} is over its limit of ${record.policy.ratePerMinute} signatures per minute`)
      }
      effects.push({ kind: 'take-rate-token', keyId: record.keyId, ratePerMinute: record.policy.ratePerMinute, nowMs })
    }
    if (state.sessions.has(sessionId)) throw new SignRejection('conflict', `session ${sessionId} is already running here`)

    const facts = { sessionId, request, message: hexToBytes(request.message), party, key: ev.key.pub }
    let progress: SignerProgress<S>
    try {
      progress = env.protocol.begin(facts, me, ev.key.secret, env.random, ev.presign?.kind === 'taken' ? ev.presign.pre as Pre : undefined)
    } catch (err) {
      if (err instanceof ProtocolInputError) throw new SignRejection(err.code, err.message)
      throw err
    }
    const session: RunningSession<S> = {
      sessionId, coordinator, facts, me, round: 0, protocolState: undefined as S, claim: claim.entry, roundDeadline: nowMs, recovers: []
    }
    proceed(env, state, session, progress, nowMs, effects)
  } catch (err) {
    if (!(err instanceof SignRejection)) throw err
    reject(coordinator, sessionId, err, effects, log)
  }
}

/** Moves a session on: into its next round (messages out, the round's timer, early messages taken in), or to its contribution. */
function proceed<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, session: RunningSession<S>, progress: SignerProgress<S>, nowMs: number, effects: Effects): void {
  if (progress.kind === 'contribute') return contribute(env, state, session, progress.contribution, effects)
  session.round = progress.round
  session.protocolState = progress.state
  session.roundDeadline = nowMs + ROUND_TIMEOUT_MS
  state.sessions.set(session.sessionId, session)
  for (const out of progress.out) {
    const msg: RoundMessage = { kind: 'round', sessionId: session.sessionId, round: progress.round, payload: out.payload }
    for (const p of session.facts.party) {
      if (p.peerId === env.self) continue
      if (out.to === 'party' || out.to === `${p.committee}/${p.member}`) effects.push({ kind: 'send', to: p.peerId, msg })
    }
  }
  effects.push({ kind: 'set-timer', timer: roundTimer(session.sessionId), atMs: session.roundDeadline })
  const early = state.early.filter(e => e.msg.sessionId === session.sessionId && e.msg.round === progress.round)
  state.early = state.early.filter(e => !early.includes(e))
  for (const e of early) take(env, session, e.msg, e.from, effects)
  if (state.sessions.get(session.sessionId) === session) advanceIfComplete(env, state, session, nowMs, effects)
}

/** A member's round message: into its session, or kept for a session not started here yet. */
function roundMessage<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, msg: RoundMessage, from: string, nowMs: number, effects: Effects): void {
  const session = state.sessions.get(msg.sessionId)
  if (session === undefined || msg.round > session.round) {
    // Our new_party (or the round before) may still be on its way; keep the message for a moment, a few per sender at most.
    state.early = state.early.filter(e => nowMs - e.at <= ROUND_TIMEOUT_MS)
    if (state.early.filter(e => e.from === from).length >= MAX_EARLY_MESSAGES_PER_PEER) return
    state.early.push({ at: nowMs, from, msg })
    if (state.early.length > MAX_EARLY_MESSAGES) state.early.shift()
    return
  }
  if (msg.round < session.round) return
  take(env, session, msg, from, effects)
  advanceIfComplete(env, state, session, nowMs, effects)
}

function take<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, session: RunningSession<S>, msg: RoundMessage, from: string, effects: Effects): void {
  const sender = session.facts.party.find(p => p.peerId === from)
  const accepted = sender === undefined ? { refused: `${from} is not a member of this party` } : env.protocol.accept(session.protocolState, msg.round, sender, msg.payload)
  if (isRefused(accepted)) {
    effects.push({ kind: 'log', level: 'debug', msg: 'round message refused', fields: { sessionId: session.sessionId, from, round: msg.round, reason: accepted.refused } })
    return
  }
  session.protocolState = accepted
}

function advanceIfComplete<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, session: RunningSession<S>, nowMs: number, effects: Effects): void {
  if (env.protocol.awaiting(session.protocolState, session.round).length > 0) return
  effects.push({ kind: 'cancel-timer', timer: roundTimer(session.sessionId) })
  proceed(env, state, session, env.protocol.advance(session.protocolState, session.round), nowMs, effects)
}

/** A round's deadline passed with members missing: no share; the coordinator learns whom this signer never heard from. */
function roundTimeout<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, timer: string, effects: Effects): void {
  const session = [...state.sessions.values()].find(s => roundTimer(s.sessionId) === timer)
  // The timer is the round's deadline (each round sets it again, which moves it), whatever the time it brings: a runner may fire
  // it a little before roundDeadline (Node's setTimeout against Date.now, by up to 1 ms), and no later firing comes.
  if (session === undefined) return
  const missing = env.protocol.awaiting(session.protocolState, session.round)
  const code = session.round === 1 ? 'round1-timeout' : 'round-timeout'
  const reason = `session ${session.sessionId}: no round-${session.round} message from ${missing.map(m => `committee ${m.committee} member ${m.member} (${m.peerId})`).join(', ')} within ${ROUND_TIMEOUT_MS} ms`
  const msg = session.round === 1 ? 'round-1 commitments missing; share not sent' : `round-${session.round} messages missing; share not sent`
  effects.push({ kind: 'log', level: 'info', msg, fields: { requestId: session.facts.request.requestId, keyId: session.facts.request.keyId, flow: 'sign', sessionId: session.sessionId, code, missing } })
  answer(session.coordinator, { kind: 'reject', sessionId: session.sessionId, code, reason, missing }, effects)
  end(env, state, session, effects)
}

/** The contribution is recorded (synced) before it leaves: from then on this signer serves only this coordinator for the request. */
function contribute<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, session: RunningSession<S>, contribution: unknown, effects: Effects): void {
  const { request } = session.facts
  const key = ledgerKey(request.keyId, request.requestId)
  const kept = { sessionId: session.sessionId, coordinator: session.coordinator, party: [...session.facts.party], ...env.protocol.keep(contribution) } as Contribution
  const cached = state.ledger.get(key)
  const { result, write } = contributionRule(cached ?? undefined, session.claim, kept)
  if (result === 'abandoned') {
    reject(session.coordinator, session.sessionId, new SignRejection('session-abandoned', `session ${session.sessionId} was declared unfinishable by a recover before this signer's share was ready`), effects)
  } else if (result === 'lost') {
    reject(session.coordinator, session.sessionId, new SignRejection('claimed-by-other-coordinator', `request ${request.requestId} was taken over by another coordinator while this session ran`), effects)
  } else {
    const token = persist(state, key, write!.entry, true, effects)
    state.held.set(token, { to: session.coordinator, sessionId: session.sessionId, contribution, recovers: session.recovers, log: { requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId: session.sessionId, coordinator: session.coordinator, committee: session.me.committee, member: session.me.member } })
    session.recovers = []
  }
  end(env, state, session, effects)
}

/** A synced write came back: a contribution waiting for it leaves now, and recovers that waited for its session are answered. */
function released<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, token: string, _nowMs: number, effects: Effects): void {
  const held = state.held.get(token)
  if (held === undefined) return
  state.held.delete(token)
  effects.push({ kind: 'log', level: 'info', msg: 'signature share sent', fields: held.log })
  answer(held.to, { kind: 'share', sessionId: held.sessionId, contribution: held.contribution }, effects)
  for (const r of held.recovers) answerRecover(env, state, r as never, effects)
}

/**
 * The shell's word that the store (and its cache) has entry `key` as this machine last wrote it and
 * no lookup of it is on its way: forgotten here, unless a write of it is still on its way or a
 * session of its request runs (its contribution is checked against this copy).
 */
function forget (state: SignerState<unknown>, key: string): void {
  if ([...state.writes.values()].includes(key)) return
  const inUse = (request: { keyId: string, requestId: string }): boolean => ledgerKey(request.keyId, request.requestId) === key
  if ([...state.sessions.values()].some(s => inUse(s.facts.request))) return
  state.ledger.delete(key)
}

/** The session is over here; recovers that waited for it are answered from the ledger. */
function end<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, session: RunningSession<S>, effects: Effects): void {
  if (state.sessions.get(session.sessionId) === session) state.sessions.delete(session.sessionId)
  effects.push({ kind: 'cancel-timer', timer: roundTimer(session.sessionId) })
  for (const r of session.recovers) answerRecover(env, state, r as never, effects)
  session.recovers = []
}

export type { Stepped }
