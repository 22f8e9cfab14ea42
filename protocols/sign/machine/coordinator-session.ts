// One session of the coordinator machine (coordinator-machine.ts): its new_party, the
// members' answers, and how they are judged (docs/protocols/sign.md#the-cm-judges-an-attempt):
// a verified completed-before ends the request,
// contributed turns into session recovery, presign-unknown into an exchange, then the
// refusals (protocols/sign/judge.ts) and finally the threshold protocol's `combine`.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { judgeRefusals, type Answered, type Culprit } from '../judge.js'
import { MAX_RELEASED_SESSIONS, type NewParty, type PartyAnswer, type PartyMember, type PresignedCommitment } from '../../wire/sign.js'
import type { LedgerContribution, SignerAnswer } from './messages.js'
import type { Run, Session, SessionOutcome } from './coordinator-types.js'
import { memberTag, type MemberTag, type ProtocolCulprit, type SessionFacts, type ThresholdProtocol } from './threshold-protocol.js'

/** The coordinator's part of a threshold protocol: any ThresholdProtocol of the key's public material is one. */
export type AnyProtocol<Pub> = Pick<ThresholdProtocol<Pub, unknown, unknown>, 'name' | 'keep' | 'resume' | 'combine' | 'verify' | 'pairwise'>

export function newParty<Pub> (run: Run<Pub>, session: Session): NewParty {
  const released = [...run.released.values()]
  return {
    kind: 'new_party',
    sessionId: session.sessionId,
    request: run.request,
    party: session.party,
    epoch: run.key.epoch,
    ...(released.length > 0 ? { released: released.slice(-MAX_RELEASED_SESSIONS) } : {}),
    ...(session.presigned !== undefined ? { presigned: [...session.presigned] } : {})
  }
}

/** The session with `from`'s answer kept, or undefined when it is not one (another session's, a stranger's, a second one). */
export function withAnswer (session: Session, from: string, answer: SignerAnswer): Session | undefined {
  if (answer.sessionId !== session.sessionId || session.answers.has(from) || !session.party.some(m => m.peerId === from)) return undefined
  return { ...session, answers: new Map(session.answers).set(from, answer) }
}

/** `from` could not be reached for the session's new_party: silent, as it would be at the deadline, but known now. */
export function withFailure (session: Session, from: string, sessionId: string, error: string): Session | undefined {
  if (sessionId !== session.sessionId || session.answers.has(from) || session.failed?.has(from) === true || !session.party.some(m => m.peerId === from)) return undefined
  return { ...session, failed: new Map(session.failed).set(from, error) }
}

export const everyoneAnswered = (session: Session): boolean => session.party.every(m => session.answers.has(m.peerId) || session.failed?.has(m.peerId) === true)

/** Presignatures the shell's pool gave for `party`: one per member, in party order, each in its member's name; else none. */
export function fitPresigned (party: readonly PartyMember[], presigned: readonly PresignedCommitment[] | undefined): readonly PresignedCommitment[] | undefined {
  if (presigned === undefined || presigned.length !== party.length) return undefined
  return party.every((m, i) => memberTag(presigned[i]!.commitment) === memberTag(m)) ? presigned : undefined
}

export function facts<Pub> (run: Run<Pub>, sessionId: string, party: readonly PartyMember[]): SessionFacts<Pub> {
  // A recovered session begun before an epoch change names that epoch's holders (recover-session.ts, widenedFor).
  const sameEpoch = party.every(m => run.key.holders[m.committee - 1]?.[m.member - 1] === m.peerId)
  return { sessionId, request: run.request, message: run.message, party, key: run.key.key, ...(sameEpoch ? {} : { earlierEpoch: true }) }
}

/** Whether a signature (hex, as signers send it) is the key's on the request's message. */
export function verifies<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, signature: string): boolean {
  try {
    return protocol.verify(run.key.key, run.message, hexToBytes(signature))
  } catch {
    return false
  }
}

/**
 * judgeRefusals reads answers in the wire's shape; a share's fields it never reads (it passes over
 * shares), so a machine's share answer stands in for the wire's without its FROST fields.
 */
function asWireAnswer (answer: SignerAnswer): PartyAnswer {
  switch (answer.kind) {
    case 'share': return { kind: 'share', sessionId: answer.sessionId } as unknown as PartyAnswer
    case 'completed-before': return answer
    case 'contributed': return { kind: 'contributed', sessionId: answer.sessionId } as unknown as PartyAnswer
    case 'reject': return answer
  }
}

export type Combination =
  | { kind: 'signature', signature: string }
  | { kind: 'culprits', culprits: ProtocolCulprit[] }
  | { kind: 'error', detail: string }

/** The protocol's combine over contributions by peer id, for `party` in its order; never throws. */
export function combineParty<Pub> (
  protocol: AnyProtocol<Pub>, run: Run<Pub>, sessionId: string, party: readonly PartyMember[], byPeer: ReadonlyMap<string, unknown>, pre?: readonly PresignedCommitment[]
): Combination {
  const contributions = new Map<MemberTag, unknown>()
  for (const m of party) if (byPeer.has(m.peerId)) contributions.set(memberTag(m), byPeer.get(m.peerId))
  try {
    const combined = protocol.combine(facts(run, sessionId, party), contributions, pre)
    return combined.kind === 'signature' ? { kind: 'signature', signature: bytesToHex(combined.signature) } : combined
  } catch (err) {
    return { kind: 'error', detail: (err as Error).message }
  }
}

/** Judges a session whose answers are in (or whose time is up: `nowMs`), as runAttempt did. */
export function judgeSession<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, session: Session, nowMs: number): SessionOutcome {
  const { party, answers } = session
  const answerOf = (m: PartyMember): SignerAnswer | undefined => answers.get(m.peerId)
  // A signature a party member already saw completed (e.g. by us before a restart) ends the request.
  for (const m of party) {
    const a = answerOf(m)
    if (a?.kind === 'completed-before' && verifies(protocol, run, a.signature)) return { kind: 'completed', signature: a.signature, signers: party }
  }
  const contributed = new Map<string, LedgerContribution>()
  for (const m of party) {
    const a = answerOf(m)
    if (a?.kind === 'contributed') contributed.set(m.peerId, a.contribution)
  }
  if (contributed.size > 0) return { kind: 'recover', contributions: contributed }
  if (session.presigned !== undefined) {
    const unknown = party.filter(m => { const a = answerOf(m); return a?.kind === 'reject' && a.code === 'presign-unknown' })
    if (unknown.length > 0) return { kind: 'no-presign', members: unknown }
  }
  const silentFor = nowMs - session.startedAtMs
  const answered: Answered[] = party.map(member => {
    const a = answerOf(member)
    return a === undefined ? { member, error: session.failed?.get(member.peerId) ?? `no answer to new_party within ${silentFor} ms` } : { member, answer: asWireAnswer(a) }
  })
  let refusals: ReturnType<typeof judgeRefusals>
  try {
    // The CM's own check of the request is at the session's start, as today.
    refusals = judgeRefusals(answered, run.key.record, run.request, session.startedAtMs, { pairwise: protocol.pairwise?.(run.key.key) === true })
  } catch (err) {
    return { kind: 'error', detail: (err as Error).message }
  }
  if ('fatal' in refusals) return { kind: 'fatal', reason: refusals.fatal.reason }
  if (refusals.list.length > 0) {
    // Members that did not answer may still have sent their share (the answer was lost or late): ask them first.
    const onlySilence = refusals.list.every(c => c.reason === 'silent') && party.every(m => { const a = answerOf(m); return a === undefined || a.kind === 'share' })
    return onlySilence ? { kind: 'ask-silent', culprits: refusals.list } : { kind: 'retry', culprits: refusals.list }
  }
  if (refusals.waitMs > 0) return { kind: 'wait', ms: refusals.waitMs, epochSwitch: refusals.epochSwitch }

  const shares = new Map<string, unknown>()
  for (const m of party) {
    const a = answerOf(m)
    if (a?.kind === 'share') shares.set(m.peerId, a.contribution)
  }
  const combined = combineParty(protocol, run, session.sessionId, party, shares, session.presigned)
  if (combined.kind === 'signature') return { kind: 'completed', signature: combined.signature, signers: party }
  if (combined.kind === 'error') return combined
  return { kind: 'retry', culprits: combined.culprits.map(toCulprit) }
}

export const toCulprit = (c: ProtocolCulprit): Culprit => ({
  member: c.member, reason: c.reason, detail: c.detail, blame: c.reason !== 'pair-dispute', ...(c.evidence !== undefined ? { evidence: c.evidence } : {})
})

/** A share answered to a session of ours, as its signer's ledger keeps it (the protocol's `keep`). */
export function asKept<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, sessionId: string, party: PartyMember[], contribution: unknown): LedgerContribution {
  // The ledger record's neutral fields, and the protocol's own (FROST: the list signed over and the share).
  return { ...protocol.keep(contribution), sessionId, coordinator: run.self, party } as unknown as LedgerContribution
}

/** The contribution to combine again from a member's ledger record (the protocol's `resume`). */
export function resumed<Pub> (protocol: AnyProtocol<Pub>, kept: LedgerContribution, member: PartyMember): unknown {
  const { sessionId: _s, coordinator: _c, party: _p, ...own } = kept
  return protocol.resume(own, member)
}

/** What is in hand of a session of ours before asking its silent members: each share, as its signer's ledger keeps it. */
export function sharesInHand<Pub> (protocol: AnyProtocol<Pub>, run: Run<Pub>, session: Session): Map<string, LedgerContribution> {
  const known = new Map<string, LedgerContribution>()
  for (const m of session.party) {
    const a = session.answers.get(m.peerId)
    if (a?.kind === 'share') known.set(m.peerId, asKept(protocol, run, session.sessionId, session.party, a.contribution))
  }
  return known
}
