// One signing session run by a CM: send new_party to every party member,
// collect their answers, judge them (protocols/sign/judge.ts), and turn them
// into a signature, a fatal refusal, or culprits to exclude and blame.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { PARTY_TIMEOUT_MS, PROTOCOL_PARTY } from '../../../protocols/constants.js'
import { decodeSignatureShare, InvalidShareError, type Frost, type SignatureShare } from '../../../protocols/frost/index.js'
import { judgeCommitments, judgePresignedCommitments, judgeRefusals, tagOf, type Answered, type Culprit, type ShareAnswer } from '../../../protocols/sign/judge.js'
import { MAX_RELEASED_SESSIONS, PartyAnswerSchema, type Contribution, type NewParty, type PartyAnswer, type PartyMember, type Recover, type SessionAbandoned, type SignRequest } from '../../../protocols/wire/sign.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { requestJson } from '../../p2p/direct.js'
import { partyMap, type KeyMaterial } from './key-material.js'
import { finishSession } from './recover.js'
import type { TakenPresignatures } from './presign-pool.js'
import { deadline } from '../../deadline.js'

export type AttemptOutcome =
  | { kind: 'completed', signature: string }
  | { kind: 'retry', culprits: Culprit[] }
  | { kind: 'fatal', code: string, reason: string }
  /** Some signer is leased to another CM: try the same party again after `ms`. */
  | { kind: 'wait', ms: number, epochSwitch: boolean }
  /** Signers already sent shares to another CM's session (peer id → what they sent): finish that one (recover.ts). */
  | { kind: 'recover', contributions: Map<string, Contribution> }
  /** Members that do not hold the presignatures this session offered: sign again with a round-1 exchange. */
  | { kind: 'no-presign', members: PartyMember[] }

export type { Culprit }

/** How the CM reaches party members: over libp2p, or directly when the member is this node. */
export interface PartyTransport {
  libp2p: ShardsigLibp2p
  /** The node's FROST: sessions, aggregation, verification. */
  frost: Frost
  selfPeerId: string
  local: (np: NewParty, signal: AbortSignal) => Promise<PartyAnswer>
  localRecover: (req: Recover) => Promise<PartyAnswer>
  /** Whether a peer is a node of the active epoch (update_node_set may have removed a member of an older session). */
  isMember: (peerId: string) => boolean
}

export async function runAttempt (
  transport: PartyTransport, material: KeyMaterial, request: SignRequest, sessionId: string, party: PartyMember[], signal: AbortSignal,
  nowMs: number = Date.now(), released: readonly SessionAbandoned[] = [], presigned?: TakenPresignatures
): Promise<AttemptOutcome> {
  const answerBy = deadline(PARTY_TIMEOUT_MS, signal)
  const np: NewParty = {
    kind: 'new_party', sessionId, request, party, epoch: material.state.epoch,
    ...(released.length > 0 ? { released: released.slice(-MAX_RELEASED_SESSIONS) } : {}),
    ...(presigned !== undefined ? { presigned: presigned.wire } : {})
  }
  const answers: Answered[] = await Promise.all(party.map(async (member): Promise<Answered> => {
    try {
      const answer = member.peerId === transport.selfPeerId
        ? await transport.local(np, answerBy)
        : await requestJson(transport.libp2p, member.peerId, PROTOCOL_PARTY, np, PartyAnswerSchema, { signal: answerBy })
      return { member, answer }
    } catch (err) {
      return { member, error: (err as Error).message }
    }
  }))
  const { record, nested } = material
  const message = hexToBytes(request.message)

  // A signature a party member already saw completed (e.g. by us before a restart) ends the request.
  for (const a of answers) {
    if (a.answer?.kind === 'completed-before' && transport.frost.verifySignature(record.scheme, nested.groupPublicKey, message, hexToBytes(a.answer.signature))) {
      return { kind: 'completed', signature: a.answer.signature }
    }
  }
  const contributed = new Map<string, Contribution>()
  for (const a of answers) if (a.answer?.kind === 'contributed') contributed.set(a.member.peerId, a.answer.contribution)
  if (contributed.size > 0) return { kind: 'recover', contributions: contributed }
  if (presigned !== undefined) {
    const unknownPresign = answers.filter(a => a.answer?.kind === 'reject' && a.answer.code === 'presign-unknown').map(a => a.member)
    if (unknownPresign.length > 0) return { kind: 'no-presign', members: unknownPresign }
  }
  const culprits = judgeRefusals(answers, record, request, nowMs)
  if ('fatal' in culprits) return culprits.fatal
  if (culprits.list.length > 0) {
    // Members that did not answer may still have sent their share (the answer was lost or late).
    // Before another session, ask them: they hand it over or never contribute to this session.
    if (culprits.list.every(c => c.reason === 'silent') && answers.every(a => a.answer === undefined || a.answer.kind === 'share')) {
      const known = new Map(answers.flatMap(a => a.answer?.kind === 'share'
        ? [[a.member.peerId, { sessionId, coordinator: transport.selfPeerId, party, commitments: a.answer.commitments, share: a.answer.share }] as const]
        : []))
      // Even when nobody answered: asking also ends the session at members that sent nothing.
      const finished = await finishSession(transport, material, request, sessionId, known, signal, party)
      if (finished.kind === 'completed') return { kind: 'completed', signature: finished.signature }
    }
    return { kind: 'retry', culprits: culprits.list }
  }
  if (culprits.waitMs > 0) return { kind: 'wait', ms: culprits.waitMs, epochSwitch: culprits.epochSwitch }

  const shares = answers as Array<{ member: PartyMember, answer: ShareAnswer }>
  // Presigned: the commitments are the ones this CM sent, decoded when it took them; otherwise the party's majority.
  const judged = presigned !== undefined
    ? { commitments: presigned.decoded, culprits: judgePresignedCommitments(shares, presigned.wire) }
    : judgeCommitments(transport.frost, shares, record.scheme)
  if (judged.culprits.length > 0) return { kind: 'retry', culprits: judged.culprits }

  const { frost } = transport
  const session = frost.createSession(material.params, nested.groupPublicKey, partyMap(party))
  const decoded: SignatureShare[] = []
  for (const { member, answer } of shares) {
    try {
      const s = decodeSignatureShare(record.scheme, answer.share)
      if (tagOf(s) !== tagOf(member)) throw new Error('the share names another signer')
      decoded.push(s)
    } catch (err) {
      judged.culprits.push({ member, reason: 'malformed-answer', detail: (err as Error).message, blame: true })
    }
  }
  if (judged.culprits.length > 0) return { kind: 'retry', culprits: judged.culprits }

  try {
    const signature = frost.aggregate(session, frost.verifyingShares(session, nested.committees), judged.commitments, message, decoded)
    return { kind: 'completed', signature: bytesToHex(signature) }
  } catch (err) {
    if (!(err instanceof InvalidShareError)) throw err
    const byTag = new Map(shares.map(s => [tagOf(s.member), s]))
    return {
      kind: 'retry',
      culprits: err.culprits.map(c => {
        const { member, answer } = byTag.get(tagOf(c))!
        // Its signed statement over the share makes the blame checkable by anyone (sign.md#blame-evidence).
        const evidence = answer.statement === undefined
          ? undefined
          : { kind: 'invalid-share' as const, request, sessionId, party: [...party], commitments: answer.commitments, share: answer.share, statement: answer.statement }
        return { member, reason: 'invalid-share' as const, detail: 'its signature share does not verify against its public share', blame: true, ...(evidence !== undefined ? { evidence } : {}) }
      })
    }
  }
}

