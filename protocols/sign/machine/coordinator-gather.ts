// Session recovery's gathering (docs/protocols/sign.md#session-recovery), for the
// coordinator machine: ask every member of one session whose part is not in hand for
// what it contributed (`recover`), under one deadline, and judge what came back. The session is the CM's own (its
// silent members, before another session) or another CM's (members answered
// contributed). Protocol-neutral: the shares are the protocol's to combine.
import { isAbandonmentOf } from '../dead-session.js'
import type { PartyMember, PresignedCommitment, Recover, SessionAbandoned } from '../../wire/sign.js'
import type { CoordinatorEffect, CoordinatorView, Gather, Run } from './coordinator-types.js'
import { asKept, combineParty, resumed, verifies, type AnyProtocol } from './coordinator-session.js'
import type { LedgerContribution, SignerAnswer } from './messages.js'

export type GatherOutcome =
  | { kind: 'completed', signature: string, signers: PartyMember[], sessionId: string }
  /**
   * `retryable`: no missing member said it gave nothing (they may still answer); `dead`: a member's signed
   * abandonment of a session that can never finish; `departed`: a missing member left the network.
   */
  | {
    kind: 'failed', reason: string, retryable?: boolean, dead?: SessionAbandoned[], departed?: boolean
    elsewhere?: ReadonlyMap<string, LedgerContribution>, notManager?: boolean
  }

/** Asks the members of `sessionId` whose part is not `known` and who are still nodes of the network; deadline `untilMs`. */
export function startGather<Pub> (
  run: Run<Pub>, view: CoordinatorView, sessionId: string, party: PartyMember[], known: ReadonlyMap<string, LedgerContribution>, untilMs: number, timer: string, effects: CoordinatorEffect[]
): Gather {
  const asked = party.filter(m => !known.has(m.peerId) && view.members.has(m.peerId))
  const ask: Recover = { kind: 'recover', request: run.request, sessionId }
  for (const m of asked) effects.push({ kind: 'send', to: m.peerId, msg: ask })
  if (asked.length > 0) effects.push({ kind: 'set-timer', timer, atMs: untilMs })
  return {
    sessionId, party, known, asked: new Set(asked.map(m => m.peerId)), answered: new Set(), refused: new Set(), abandonments: [],
    elsewhere: new Map(), otherAnswers: new Map(), notManagerFor: new Set(), timer
  }
}

export const gathered = (g: Gather): boolean => [...g.asked].every(p => g.answered.has(p))

/**
 * The gathering with `from`'s answer kept, or undefined when it is none of this gathering's. A late
 * share answer to our own session's new_party counts as that member's contribution.
 */
export function withRecoverAnswer<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, g: Gather, from: string, answer: SignerAnswer): Gather | undefined {
  if (answer.sessionId !== g.sessionId || !g.asked.has(from) || g.answered.has(from)) return undefined
  const next = { ...g, answered: new Set(g.answered).add(from) }
  switch (answer.kind) {
    case 'contributed':
      if (answer.contribution.sessionId === g.sessionId) next.known = new Map(g.known).set(from, answer.contribution)
      else next.elsewhere = new Map(g.elsewhere).set(from, answer.contribution)
      return next
    case 'share':
      next.known = new Map(g.known).set(from, asKept(protocol, run, g.sessionId, g.party, answer.contribution))
      return next
    case 'completed-before':
      next.completedBefore = answer.signature
      return next
    case 'reject': {
      if (answer.code !== 'no-contribution') {
        next.otherAnswers = new Map(g.otherAnswers).set(from, `${answer.code}: ${answer.reason.slice(0, 120)}`)
        if (answer.code === 'not-a-manager') next.notManagerFor = new Set(g.notManagerFor).add(from)
        return next
      }
      next.refused = new Set(g.refused).add(from)
      const proof = answer.abandoned
      if (proof !== undefined && proof.peerId === from && proof.sessionId === g.sessionId && isAbandonmentOf(proof, run.request.keyId, run.request.requestId)) {
        next.abandonments = [...g.abandonments, proof]
      }
      return next
    }
  }
}

const sameMembers = (a: readonly PartyMember[], b: readonly PartyMember[]): boolean =>
  a.length === b.length && a.every((m, i) => m.peerId === b[i]?.peerId && m.committee === b[i]?.committee && m.member === b[i]?.member)

type Assembly =
  | { kind: 'complete', party: PartyMember[], byPeer: Map<string, unknown> }
  | { kind: 'incomplete', missing: PartyMember[] }
  | { kind: 'inconsistent', detail: string }

/**
 * Whether the reports make one whole session (the protocol's combine judges the commitments): the party as the first report names it, every report from a
 * member of it naming the same party, and a contribution of every member.
 */
function assemble<Pub> (protocol: AnyProtocol<Pub>, sessionId: string, known: ReadonlyMap<string, LedgerContribution>): Assembly {
  const reports = [...known.entries()].filter(([, c]) => c.sessionId === sessionId)
  const party = reports[0]?.[1].party
  if (party === undefined) return { kind: 'inconsistent', detail: 'no member reported this session' }
  for (const [peerId, c] of reports) {
    if (!party.some(m => m.peerId === peerId)) return { kind: 'inconsistent', detail: `${peerId} reported a share for a session it is not in` }
    if (!sameMembers(c.party, party)) return { kind: 'inconsistent', detail: `${peerId} reports another party for this session` }
  }
  const missing = party.filter(m => known.get(m.peerId)?.sessionId !== sessionId)
  if (missing.length > 0) return { kind: 'incomplete', missing }
  return { kind: 'complete', party: [...party], byPeer: new Map(party.map(m => [m.peerId, resumed(protocol, known.get(m.peerId)!, m)])) }
}

const slot = (m: PartyMember): string => `committee ${m.committee} member ${m.member}`

/** What the gathered parts of the session come to (`waitedMs`: how long the unreachable were waited for). */
export function judgeGather<Pub> (
  protocol: AnyProtocol<Pub>, run: Run<Pub>, view: CoordinatorView, g: Gather, waitedMs: number, pre?: readonly PresignedCommitment[]
): GatherOutcome {
  const { sessionId } = g
  // The dead CM (or another) finished it after all and told this member: that signature, if it verifies.
  if (g.completedBefore !== undefined && verifies(protocol, run, g.completedBefore)) {
    return { kind: 'completed', signature: g.completedBefore, signers: g.party, sessionId }
  }
  const assembled = assemble(protocol, sessionId, g.known)
  if (assembled.kind === 'incomplete') {
    const gone = assembled.missing.filter(m => !view.members.has(m.peerId))
    if (gone.length > 0) {
      // A session of an earlier epoch whose missing member left the network: it erased everything and stopped.
      return { kind: 'failed', reason: `session ${sessionId}: no share from ${gone.map(slot).join(', ')}, no longer a node of the network`, departed: true }
    }
    const why = (m: PartyMember): string => {
      const other = g.otherAnswers.get(m.peerId)
      const elsewhere = g.elsewhere.get(m.peerId)
      if (g.asked.has(m.peerId) && !g.answered.has(m.peerId)) return ` (unreachable: no answer within ${waitedMs} ms)`
      if (elsewhere !== undefined) return ` (its share went to session ${elsewhere.sessionId})`
      return other !== undefined ? ` (answered ${other})` : ''
    }
    return {
      kind: 'failed',
      reason: `session ${sessionId}: no share from ${assembled.missing.map(m => `${slot(m)}${why(m)}`).join(', ')}`,
      retryable: assembled.missing.every(m => !g.refused.has(m.peerId)),
      dead: g.abandonments.slice(0, 1),
      elsewhere: g.elsewhere,
      notManager: assembled.missing.some(m => g.notManagerFor.has(m.peerId))
    }
  }
  if (assembled.kind === 'inconsistent') return { kind: 'failed', reason: `session ${sessionId}: ${assembled.detail}` }
  const combined = combineParty(protocol, run, sessionId, assembled.party, assembled.byPeer, pre)
  if (combined.kind === 'signature') return { kind: 'completed', signature: combined.signature, signers: assembled.party, sessionId }
  if (combined.kind === 'error') return { kind: 'failed', reason: `session ${sessionId}: ${combined.detail}` }
  if (combined.culprits.every(c => c.reason === 'invalid-share')) {
    return { kind: 'failed', reason: `session ${sessionId}: the shares of ${combined.culprits.map(c => slot(c.member)).join(', ')} do not verify` }
  }
  return { kind: 'failed', reason: `session ${sessionId}: ${combined.culprits.map(c => `${c.member.peerId} ${c.reason}: ${c.detail}`).join('; ')}` }
}
