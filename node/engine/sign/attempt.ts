// One signing session run by a CM: send new_party to every party member,
// collect their answers, and turn them into a signature or a list of culprits
// (silent, invalid share, inconsistent commitments) and fatal rejections.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { PARTY_TIMEOUT_MS, PROTOCOL_PARTY } from '../../../protocols/constants.js'
import {
  aggregate, commitmentListDigest, createSession, decodeCommitments, decodeSignatureShare, InvalidShareError,
  verifySignature, verifyingShares, type SignatureShare, type SigningCommitments
} from '../../../protocols/frost/index.js'
import type { SignRejectionCode } from '../../../protocols/sign/check-request.js'
import { PartyAnswerSchema, type NewParty, type PartyAnswer, type PartyMember, type SignRequest } from '../../../protocols/wire/sign.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { requestJson } from '../../p2p/direct.js'
import { partyMap, type KeyMaterial } from './key-material.js'

export interface Culprit { member: PartyMember, reason: 'silent' | 'invalid-share' | 'inconsistent-commitments' | 'no-share' | 'malformed-answer', detail: string }

export type AttemptOutcome =
  | { kind: 'completed', signature: string }
  | { kind: 'retry', culprits: Culprit[] }
  | { kind: 'fatal', code: SignRejectionCode | string, reason: string }

/** Rejections that are about the request itself: another party would say the same. */
const FATAL_CODES = new Set(['bad-owner-signature', 'expired', 'lifetime-too-long', 'message-too-large', 'prefix-mismatch', 'rate-limited', 'conflict', 'claimed-by-other-coordinator', 'unknown-key', 'deleted'])

/** How the CM reaches party members: over libp2p, or directly when the member is this node. */
export interface PartyTransport {
  libp2p: ShardsigLibp2p
  selfPeerId: string
  local: (np: NewParty, signal: AbortSignal) => Promise<PartyAnswer>
}

export async function runAttempt (transport: PartyTransport, material: KeyMaterial, request: SignRequest, sessionId: string, party: PartyMember[], signal: AbortSignal): Promise<AttemptOutcome> {
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(PARTY_TIMEOUT_MS)])
  const np: NewParty = { kind: 'new_party', sessionId, request, party }
  const answers = await Promise.all(party.map(async member => {
    try {
      const answer = member.peerId === transport.selfPeerId
        ? await transport.local(np, deadline)
        : await requestJson(transport.libp2p, member.peerId, PROTOCOL_PARTY, np, PartyAnswerSchema, { signal: deadline })
      return { member, answer }
    } catch (err) {
      return { member, error: (err as Error).message }
    }
  }))
  const { record, nested } = material
  const message = hexToBytes(request.message)

  // A signature a party member already saw completed (e.g. by us before a restart) ends the request.
  for (const a of answers) {
    if (a.answer?.kind === 'completed-before' && verifySignature(record.scheme, nested.groupPublicKey, message, hexToBytes(a.answer.signature))) {
      return { kind: 'completed', signature: a.answer.signature }
    }
  }
  const fatal = answers.find(a => a.answer?.kind === 'reject' && FATAL_CODES.has(a.answer.code))?.answer as Extract<PartyAnswer, { kind: 'reject' }> | undefined
  if (fatal !== undefined) return { kind: 'fatal', code: fatal.code, reason: fatal.reason }

  const culprits: Culprit[] = []
  const tagOf = (m: { committee: number, member: number }): string => `${m.committee}/${m.member}`
  const byTag = new Map(party.map(m => [tagOf(m), m]))
  const reportedMissing = new Map<string, number>()
  for (const a of answers) {
    if (a.answer === undefined) culprits.push({ member: a.member, reason: 'silent', detail: a.error ?? 'no answer' })
    else if (a.answer.kind === 'reject') {
      if (a.answer.code === 'round1-timeout') for (const m of a.answer.missing ?? []) reportedMissing.set(tagOf(m), (reportedMissing.get(tagOf(m)) ?? 0) + 1)
      else culprits.push({ member: a.member, reason: a.answer.code === 'no-share' ? 'no-share' : 'malformed-answer', detail: a.answer.reason })
    }
  }
  // A member others never heard from in round 1 is silent, even if it answered us.
  for (const [tag] of reportedMissing) {
    const m = byTag.get(tag)
    if (m !== undefined && !culprits.some(c => c.member.peerId === m.peerId)) culprits.push({ member: m, reason: 'silent', detail: 'its round-1 commitment did not reach the other signers' })
  }
  if (culprits.length > 0) return { kind: 'retry', culprits }

  const frost = createSession(material.params, nested.groupPublicKey, partyMap(party))
  const commitments: SigningCommitments[] = []
  const shares: SignatureShare[] = []
  for (const a of answers) {
    const answer = a.answer as Extract<PartyAnswer, { kind: 'share' }>
    try {
      const c = decodeCommitments(record.scheme, answer.commitment)
      const s = decodeSignatureShare(record.scheme, answer.share)
      if (tagOf(c) !== tagOf(a.member) || tagOf(s) !== tagOf(a.member)) throw new Error('answer names another signer')
      commitments.push(c)
      shares.push(s)
    } catch (err) {
      culprits.push({ member: a.member, reason: 'malformed-answer', detail: (err as Error).message })
    }
  }
  if (culprits.length > 0) return { kind: 'retry', culprits }

  // Every signer must have signed over the same commitment list as we aggregate with.
  const digest = bytesToHex(commitmentListDigest(frost, commitments))
  for (const a of answers) {
    const answer = a.answer as Extract<PartyAnswer, { kind: 'share' }>
    if (answer.commitmentListDigest !== digest) culprits.push({ member: a.member, reason: 'inconsistent-commitments', detail: 'signed over a different round-1 commitment list' })
  }
  if (culprits.length > 0) return { kind: 'retry', culprits }

  try {
    const signature = aggregate(frost, verifyingShares(frost, nested.committees), commitments, message, shares)
    return { kind: 'completed', signature: bytesToHex(signature) }
  } catch (err) {
    if (err instanceof InvalidShareError) {
      return {
        kind: 'retry',
        culprits: err.culprits.map(c => ({ member: byTag.get(tagOf(c))!, reason: 'invalid-share' as const, detail: 'its signature share does not verify against its public share' }))
      }
    }
    throw err
  }
}
