// Session recovery on the CM (docs/protocols/sign.md): some party members
// answered that they already sent a share to another CM's session for this
// request. Ask every member of that session for its part and aggregate the
// session as its CM would have; the judging is protocols/sign/recover-session.ts.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { PARTY_TIMEOUT_MS, PROTOCOL_PARTY } from '../../../protocols/constants.js'
import { decodeSignatureShare, InvalidShareError } from '../../../protocols/frost/index.js'
import { tagOf } from '../../../protocols/sign/judge.js'
import { isAbandonmentOf } from '../../../protocols/sign/dead-session.js'
import { assembleSession, recoveredSessionShape, reportedSessions } from '../../../protocols/sign/recover-session.js'
import { PartyAnswerSchema, type Contribution, type PartyMember, type Recover, type SessionAbandoned, type SignRequest } from '../../../protocols/wire/sign.js'
import { requestJson } from '../../p2p/direct.js'
import type { PartyTransport } from './attempt.js'
import { partyMap, type KeyMaterial } from './key-material.js'
import { deadline } from '../../deadline.js'

/** Most sessions one recovery tries: the ones members reported, then ones their answers named. */
const MAX_RECOVERED_SESSIONS = 4

export type RecoveryOutcome =
  | { kind: 'completed', signature: string, signers: PartyMember[], sessionId: string }
  /**
   * `retryable`: no missing member said it gave nothing; they may still answer (a restarted CM holds its own contribution in its ledger).
   * `dead`: for sessions that can never finish, a member's signed abandonment: the next party may carry them (NewParty.released).
   * `departed`: the session misses shares of members that left the network (update_node_set): it can never finish, and its
   * other members release themselves from it when a new session asks them (signer.ts).
   */
  | {
    kind: 'failed', reason: string, retryable?: boolean, dead?: SessionAbandoned[], departed?: boolean
    /** Members asked that answered with their share in **another** session (e.g. a later session of the same dead CM). */
    elsewhere?: Map<string, Contribution>
    /** A missing member refused because this CM is no manager in its view (`not-a-manager`). */
    notManager?: boolean
  }

/**
 * Tries each session the `reported` contributions name, most reported first;
 * `known` maps peer id → contribution already in hand.
 */
export async function recoverSession (transport: PartyTransport, material: KeyMaterial, request: SignRequest, known: ReadonlyMap<string, Contribution>, signal: AbortSignal): Promise<RecoveryOutcome> {
  const reasons: string[] = []
  let retryable = false
  let departed = false
  let notManager = false
  const dead: SessionAbandoned[] = []
  // Sessions members reported, and those that members asked about one of them answered with (their latest
  // contribution may be to a later session of the same dead CM, which may be the one that can be finished).
  const all = new Map(known)
  const sessions = reportedSessions([...known.values()])
  for (let i = 0; i < sessions.length && i < MAX_RECOVERED_SESSIONS; i++) {
    const outcome = await finishSession(transport, material, request, sessions[i]!, all, signal)
    if (outcome.kind === 'completed') return outcome
    reasons.push(outcome.reason)
    retryable ||= outcome.retryable === true
    departed ||= outcome.departed === true
    notManager ||= outcome.notManager === true
    dead.push(...(outcome.dead ?? []))
    for (const [peerId, c] of outcome.elsewhere ?? []) {
      if (!all.has(peerId)) all.set(peerId, c)
      if (!sessions.includes(c.sessionId)) sessions.push(c.sessionId)
    }
  }
  return { kind: 'failed', reason: `signers already sent shares to another manager's session, which cannot be finished: ${reasons.join('; ')}`, retryable, dead, departed, notManager }
}

export async function finishSession (transport: PartyTransport, material: KeyMaterial, request: SignRequest, sessionId: string, known: ReadonlyMap<string, Contribution>, signal: AbortSignal, ownParty?: PartyMember[]): Promise<RecoveryOutcome> {
  // Our own session's party we know; another CM's we learn from what its members reported.
  const party = ownParty ?? [...known.values()].find(c => c.sessionId === sessionId)?.party
  if (party === undefined) return { kind: 'failed', reason: `session ${sessionId}: no member reported it` }
  const byMember = new Map([...known].filter(([, c]) => c.sessionId === sessionId))
  const answerBy = deadline(PARTY_TIMEOUT_MS, signal)
  const ask: Recover = { kind: 'recover', request, sessionId }
  let completedBefore: string | undefined
  // Members that said they gave this session nothing (and now never will): the session cannot be finished.
  // Any other gap — unreachable, restarting, a view that does not count us as a manager yet — may close.
  const refused = new Set<string>()
  const abandonments: SessionAbandoned[] = []
  const elsewhere = new Map<string, Contribution>()
  /** Members that refused the recover for another reason (e.g. not-a-manager while roles settle after an epoch switch). */
  const otherAnswers = new Map<string, string>()
  /** Members that answered `not-a-manager`: this CM is no manager in their view. */
  const notManagerFor = new Set<string>()
  /** Members that did not answer, with why (a refused stream, a timeout, a dial that failed). */
  const unreachable = new Map<string, string>()
  // Members that left the network are not asked: they erased everything and stopped.
  await Promise.all(party.filter(m => !byMember.has(m.peerId) && transport.isMember(m.peerId)).map(async member => {
    try {
      const answer = member.peerId === transport.selfPeerId
        ? await transport.localRecover(ask)
        : await requestJson(transport.libp2p, member.peerId, PROTOCOL_PARTY, ask, PartyAnswerSchema, { signal: answerBy })
      if (answer.kind === 'contributed' && answer.contribution.sessionId === sessionId) byMember.set(member.peerId, answer.contribution)
      if (answer.kind === 'contributed' && answer.contribution.sessionId !== sessionId) elsewhere.set(member.peerId, answer.contribution)
      if (answer.kind === 'reject' && answer.code !== 'no-contribution') otherAnswers.set(member.peerId, `${answer.code}: ${answer.reason.slice(0, 120)}`)
      if (answer.kind === 'reject' && answer.code === 'not-a-manager') notManagerFor.add(member.peerId)
      if (answer.kind === 'completed-before') completedBefore = answer.signature
      if (answer.kind === 'reject' && answer.code === 'no-contribution') {
        refused.add(member.peerId)
        const proof = answer.abandoned
        if (proof !== undefined && proof.peerId === member.peerId && proof.sessionId === sessionId && isAbandonmentOf(proof, request.keyId, request.requestId)) abandonments.push(proof)
      }
    } catch (err) {
      // Unreachable: it counts as missing below, and may answer later.
      unreachable.set(member.peerId, (err as Error).message)
    }
  }))
  const message = hexToBytes(request.message)
  const { record, nested } = material
  const { frost } = transport
  if (completedBefore !== undefined) {
    // The dead CM (or another) finished it after all and told this member: that signature, if it verifies.
    if (frost.verifySignature(record.scheme, nested.groupPublicKey, message, hexToBytes(completedBefore))) {
      return { kind: 'completed', signature: completedBefore, signers: party, sessionId }
    }
  }
  const assembled = assembleSession(sessionId, byMember)
  if (assembled.kind === 'incomplete' && assembled.missing.some(m => !transport.isMember(m.peerId))) {
    // A session of an earlier epoch whose missing member left the network: it erased everything and stopped.
    const gone = assembled.missing.filter(m => !transport.isMember(m.peerId))
    return { kind: 'failed', reason: `session ${sessionId}: no share from ${gone.map(m => `committee ${m.committee} member ${m.member}`).join(', ')}, no longer a node of the network`, departed: true }
  }
  if (assembled.kind === 'incomplete') {
    return {
      kind: 'failed',
      reason: `session ${sessionId}: no share from ${assembled.missing.map(m => `committee ${m.committee} member ${m.member}${unreachable.has(m.peerId) ? ` (unreachable: ${unreachable.get(m.peerId)!.slice(0, 200)})` : elsewhere.has(m.peerId) ? ` (its share went to session ${elsewhere.get(m.peerId)!.sessionId})` : otherAnswers.has(m.peerId) ? ` (answered ${otherAnswers.get(m.peerId)!})` : ''}`).join(', ')}`,
      retryable: assembled.missing.every(m => !refused.has(m.peerId)),
      dead: abandonments.slice(0, 1),
      elsewhere,
      notManager: assembled.missing.some(m => notManagerFor.has(m.peerId))
    }
  }
  if (assembled.kind === 'inconsistent') return { kind: 'failed', reason: `session ${sessionId}: ${assembled.detail}` }
  try {
    // A session begun before an epoch change names the earlier epoch's positions: its shares add up all the same.
    const shape = recoveredSessionShape(material.params, material.state.holders, assembled.party)
    const session = frost.createSession(shape.params, nested.groupPublicKey, partyMap(assembled.party))
    const commitments = assembled.contributions[0]!.commitments.map(c => frost.decodeCommitments(record.scheme, c))
    const shares = assembled.contributions.map(c => decodeSignatureShare(record.scheme, c.share))
    const signature = frost.aggregate(session, shape.sameEpoch ? frost.verifyingShares(session, nested.committees) : undefined, commitments, message, shares)
    return { kind: 'completed', signature: bytesToHex(signature), signers: assembled.party, sessionId }
  } catch (err) {
    if (err instanceof InvalidShareError) {
      return { kind: 'failed', reason: `session ${sessionId}: the shares of ${err.culprits.map(c => `committee ${tagOf(c).replace('/', ' member ')}`).join(', ')} do not verify` }
    }
    return { kind: 'failed', reason: `session ${sessionId}: ${(err as Error).message}` }
  }
}
