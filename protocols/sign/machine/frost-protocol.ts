// FROST (RFC 9591 over nested shares, docs/protocols/frost.md) as a ThresholdProtocol:
// one round among the signers (each member's round-1 commitment, to the whole party),
// then each signer hands the coordinator its signature share with the commitment list
// it signed over, and a signed statement of both (sign.md#blame-evidence). With
// presignatures (sign.md#presignatures) the coordinator hands out round 1's
// commitments and the signers go straight to their shares.
//
// The payloads are today's wire fields: round 1 is a CommitmentWire (the `commitment`
// of a `round1` message), a contribution is the fields of a `share` answer.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { z } from 'zod'
import type { KeyObject } from 'node:crypto'
import {
  decodeSignatureShare, encodeCommitments, encodeSignatureShare, InvalidShareError, signerTag,
  type Frost, type Round1, type SignerKey, type SigningCommitments, type SigningSession
} from '../../frost/index.js'
import { partyOfSlots, type NestedPublic, type SharingParams } from '../../sharing/index.js'
import { hexString } from '../../wire/hex.js'
import { CommitmentWireSchema, ShareWireSchema, type PartyMember, type PresignedCommitment } from '../../wire/sign.js'
import { judgeCommitments, judgePresignedCommitments, type ShareAnswer } from '../judge.js'
import { widenedFor } from '../recover-session.js'
import { signShareStatement } from '../share-statement.js'
import {
  memberTag, ProtocolInputError, type Combined, type MemberTag, type ProtocolCulprit, type SessionFacts, type SignerProgress, type ThresholdProtocol
} from './threshold-protocol.js'

/** The key's public material FROST needs: its sharing parameters and nested commitments (KeyMaterial's). */
export interface FrostKey {
  params: SharingParams
  nested: NestedPublic
}

/** A presigned session at a signer: its own round 1 (taken from its presignature stock) and the commitments the CM handed out. */
export interface FrostPresigned {
  round1: Round1
  presigned: readonly PresignedCommitment[]
}

export const FrostContributionSchema = z.strictObject({
  /** This signer's own round-1 commitment, and the whole list it signed over (the coordinator compares them). */
  commitment: CommitmentWireSchema,
  commitments: z.array(CommitmentWireSchema).min(1).max(64),
  share: ShareWireSchema,
  /** Its signature over share, session and list (SHARE_STATEMENT_KIND); absent from older builds. */
  statement: hexString(64).optional()
})
export type FrostContribution = z.infer<typeof FrostContributionSchema>

interface FrostSignerState {
  facts: SessionFacts<FrostKey>
  me: PartyMember
  key: SignerKey
  session: SigningSession
  round1: Round1
  /** Round-1 commitments by member tag, ours included; the first a member sends counts. */
  commitments: ReadonlyMap<MemberTag, SigningCommitments>
}

export interface FrostProtocolOptions {
  /** FROST over the node's crypto backend. */
  frost: Frost
  /** This node's libp2p key: signs each share's statement. Absent: no statement (a coordinator-only or test value). */
  peerKey?: Uint8Array | KeyObject
}

export type FrostProtocol = ThresholdProtocol<FrostKey, SignerKey, FrostSignerState, FrostPresigned>

export function frostProtocol (opts: FrostProtocolOptions): FrostProtocol {
  const { frost } = opts
  const sessionOf = (facts: SessionFacts<FrostKey>): SigningSession =>
    frost.createSession(facts.key.params, facts.key.nested.groupPublicKey, partyOfSlots(facts.party))

  const contribute = (s: FrostSignerState): SignerProgress<FrostSignerState> => {
    const list = [...s.commitments.values()]
    const share = encodeSignatureShare(frost.signShare(s.session, s.key, s.round1.nonces, list, s.facts.message))
    const commitments = list.map(encodeCommitments)
    const { request, sessionId } = s.facts
    const statement = opts.peerKey === undefined
      ? undefined
      : signShareStatement({ keyId: request.keyId, requestId: request.requestId, sessionId, peerId: s.me.peerId, share, commitments }, opts.peerKey)
    const contribution: FrostContribution = { commitment: encodeCommitments(s.round1.commitments), commitments, share, ...(statement !== undefined ? { statement } : {}) }
    return { kind: 'contribute', contribution }
  }

  return {
    name: 'frost',
    rounds: 1,

    begin (facts, me, key, random, pre) {
      const session = sessionOf(facts)
      if (pre === undefined) {
        const round1 = frost.commit(key, random)
        const state: FrostSignerState = { facts, me, key, session, round1, commitments: new Map([[memberTag(me), round1.commitments]]) }
        return { kind: 'round', round: 1, state, out: [{ to: 'party', payload: encodeCommitments(round1.commitments) }] }
      }
      return contribute({ facts, me, key, session, round1: pre.round1, commitments: presignedCommitments(frost, facts, me, pre) })
    },

    accept (state, round, from, payload) {
      if (round !== 1) return { refused: `FROST has one round among the signers, not ${round}` }
      const wire = CommitmentWireSchema.safeParse(payload)
      if (!wire.success) return { refused: `not a round-1 commitment: ${wire.error.issues[0]?.message ?? 'malformed'}` }
      if (wire.data.committee !== from.committee || wire.data.member !== from.member) {
        return { refused: `${from.peerId} is not committee ${wire.data.committee} member ${wire.data.member} of this party` }
      }
      const tag = memberTag(from)
      if (state.commitments.has(tag)) return state
      try {
        return { ...state, commitments: new Map(state.commitments).set(tag, frost.decodeCommitments(state.session.scheme, wire.data)) }
      } catch (err) {
        return { refused: (err as Error).message }
      }
    },

    awaiting (state, round) {
      return round === 1 ? state.facts.party.filter(p => !state.commitments.has(memberTag(p))) : []
    },

    advance (state) {
      return contribute(state)
    },

    keep (contribution) {
      // The ledger's Contribution fields (protocols/wire/sign.ts): the list signed over and the share.
      const { commitments, share } = contribution as FrostContribution
      return { commitments, share }
    },

    resume (kept, member) {
      const { commitments, share } = kept as Pick<FrostContribution, 'commitments' | 'share'>
      return { commitment: commitments?.find(c => c.committee === member.committee && c.member === member.member), commitments, share }
    },

    combine (facts, contributions, pre) {
      // An earlier epoch's session (recover-session.ts, widenedFor): κ and the flat identifiers depend only on
      // the party's positions, so its shares add up over widened parameters; its verifying shares are unknown here.
      const session = facts.earlierEpoch === true
        ? frost.createSession(widenedFor(facts.key.params, facts.party), facts.key.nested.groupPublicKey, partyOfSlots(facts.party))
        : sessionOf(facts)
      return combineFrost(frost, session, facts, contributions, pre as readonly PresignedCommitment[] | undefined)
    },

    verify (key, message, signature) {
      return frost.verifySignature(key.params.scheme, key.nested.groupPublicKey, message, signature)
    }
  }
}

/** The commitments of a presigned session, ours from our own round 1: every member named once, or presign-unknown. */
function presignedCommitments (frost: Frost, facts: SessionFacts<FrostKey>, me: PartyMember, pre: FrostPresigned): Map<MemberTag, SigningCommitments> {
  const { presigned, round1 } = pre
  const tags = new Set(presigned.map(p => memberTag(p.commitment)))
  if (presigned.length !== facts.party.length || tags.size !== presigned.length || facts.party.some(m => !tags.has(memberTag(m)))) {
    throw new ProtocolInputError('presign-unknown', 'the presignatures do not name every party member once')
  }
  const commitments = new Map<MemberTag, SigningCommitments>()
  for (const p of presigned) {
    try {
      const c = memberTag(p.commitment) === memberTag(me) ? round1.commitments : frost.decodeCommitments(facts.key.params.scheme, p.commitment)
      commitments.set(signerTag(c), c)
    } catch (err) {
      throw new ProtocolInputError('presign-unknown', `presignature of committee ${p.commitment.committee} member ${p.commitment.member}: ${(err as Error).message}`)
    }
  }
  return commitments
}

/**
 * The coordinator's part: every member's reported commitments judged against the party's majority
 * (or against the presignatures it handed out), then the shares aggregated and the signature
 * verified; a share that does not verify names its signer, with its signed statement as evidence.
 */
function combineFrost (
  frost: Frost, session: SigningSession, facts: SessionFacts<FrostKey>, contributions: ReadonlyMap<MemberTag, unknown>, presigned: readonly PresignedCommitment[] | undefined
): Combined {
  const scheme = session.scheme
  const culprits: ProtocolCulprit[] = []
  const shares: Array<{ member: PartyMember, answer: ShareAnswer }> = []
  for (const member of facts.party) {
    const parsed = FrostContributionSchema.safeParse(contributions.get(memberTag(member)))
    if (!parsed.success) {
      culprits.push({ member, reason: 'malformed-answer', detail: `no well-formed share: ${parsed.error.issues[0]?.message ?? 'malformed'}` })
      continue
    }
    shares.push({ member, answer: { kind: 'share', sessionId: facts.sessionId, ...parsed.data } })
  }
  if (culprits.length > 0) return { kind: 'culprits', culprits }

  const judged = presigned !== undefined
    ? { commitments: presigned.map(p => frost.decodeCommitments(scheme, p.commitment)), culprits: judgePresignedCommitments(shares, presigned) }
    : judgeCommitments(frost, shares, scheme)
  if (judged.culprits.length > 0) return { kind: 'culprits', culprits: judged.culprits.map(c => ({ member: c.member, reason: c.reason as ProtocolCulprit['reason'], detail: c.detail })) }

  const decoded = []
  for (const { member, answer } of shares) {
    try {
      const s = decodeSignatureShare(scheme, answer.share)
      if (memberTag(s) !== memberTag(member)) throw new Error('the share names another signer')
      decoded.push(s)
    } catch (err) {
      culprits.push({ member, reason: 'malformed-answer', detail: (err as Error).message })
    }
  }
  if (culprits.length > 0) return { kind: 'culprits', culprits }

  try {
    const verifying = facts.earlierEpoch === true ? undefined : frost.verifyingShares(session, facts.key.nested.committees)
    const signature = frost.aggregate(session, verifying, judged.commitments, facts.message, decoded)
    return { kind: 'signature', signature }
  } catch (err) {
    if (!(err instanceof InvalidShareError)) throw err
    const byTag = new Map(shares.map(s => [memberTag(s.member), s]))
    return {
      kind: 'culprits',
      culprits: err.culprits.map(c => {
        const { member, answer } = byTag.get(memberTag(c))!
        const evidence = answer.statement === undefined
          ? undefined
          : { kind: 'invalid-share' as const, request: facts.request, sessionId: facts.sessionId, party: [...facts.party], commitments: answer.commitments, share: answer.share, statement: answer.statement }
        return { member, reason: 'invalid-share' as const, detail: 'its signature share does not verify against its public share', ...(evidence !== undefined ? { evidence } : {}) }
      })
    }
  }
}

/** A signature as the wire carries it (lowercase hex). */
export const signatureHex = (signature: Uint8Array): string => bytesToHex(signature)
export const signatureBytes = (hex: string): Uint8Array => hexToBytes(hex)
