// DKLs23 threshold ECDSA (protocols/ecdsa/, docs/protocols/ecdsa.md) as a ThresholdProtocol:
// two rounds among the signers, both pairwise (every member sends each other member its own
// message), then each signer hands the coordinator its final share (u_i, w_i) with the evidence
// that fixes it. Signer (c, m) signs with its additive share κ·s_{c,m}, so dealt keys, DKG keys
// and reshared keys sign unchanged, with any tc × tm party (DESIGN 11).
//
//   round 1  to each member j: commitment to R_i, and the OT-extension message as Bob.
//            accept(1, j): answer j as Alice at once (a bad OT-extension check refuses j).
//   round 2  to each member j: the opening of R_i, pk_i, zero-share fragments, Γ^u, Γ^v, ψ and
//            the multiplication answer. accept(2, j): every check of j's message (refuses j).
//   contribute  R, (u_i, w_i) on the 32-byte digest, and the evidence.
//
// A refused message leaves its sender missing: at the round's deadline the signer names it to
// the coordinator (round-timeout), as for FROST. The coordinator combines s = Σw/Σu, low-s,
// with the recovery id, and verifies; a signature that does not verify is traced to the member
// whose share its evidence does not fix (final-share-evidence.ts).
//
// Pair keys (pair-setup.ts) are per pair of NODES; the shell hands this signer's keys for the
// party's other nodes in the secret, having set up any that were missing.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { Element, GroupBackend } from '../../frost/group/types.js'
import type { Random } from '../../machine/types.js'
import { combineShares, encodeRecoverable, normalise, RECOVERABLE_SIGNATURE_BYTES, verifyEcdsa, DIGEST_BYTES } from '../../ecdsa/ecdsa-signature.js'
import { checkFinalShares, type ContributedShare } from '../../ecdsa/final-share-evidence.js'
import { taggedHash, utf8 } from '../../ecdsa/hash.js'
import {
  answerRound1, checkRound2, Dkls23Abort, finalShare, presignature, signRound1,
  type AliceKept, type BobChecked, type Dkls23Session, type PairKeys, type Round1Message, type Round1State, type Round2Message
} from '../../ecdsa/sign.js'
import { mul } from '../../ecdsa/scalar.js'
import {
  decodeContribution, decodeRound1, decodeRound2, EcdsaContributionSchema, encodeContribution, encodeRound1, encodeRound2,
  Round1PayloadSchema, Round2PayloadSchema, type EcdsaContributionWire
} from '../../ecdsa/wire.js'
import { partyCoefficients, partyOfSlots, publicShare, type NestedPublic, type SecretScalar, type SharingParams } from '../../sharing/index.js'
import type { PartyMember } from '../../wire/sign.js'
import {
  memberTag, ProtocolInputError, type Combined, type MemberTag, type ProtocolCulprit, type SessionFacts, type SignerProgress, type ThresholdProtocol
} from './threshold-protocol.js'

/** The key's public material (KeyMaterial's). */
export interface EcdsaKey {
  params: SharingParams
  nested: NestedPublic
}

/** This signer's part: its sub-share and its pair keys with the other nodes of the party, by peer id. */
export interface EcdsaSecret {
  committee: number
  member: number
  share: SecretScalar
  pairs: ReadonlyMap<string, PairKeys>
}

interface EcdsaSignerState {
  facts: SessionFacts<EcdsaKey>
  me: PartyMember
  random: Random
  session: Dkls23Session
  round1: Round1State
  /** Round-1 messages by member tag (their commitments are checked in round 2). */
  commitments: Map<MemberTag, Uint8Array>
  alice: Map<MemberTag, AliceKept>
  replies: Map<MemberTag, Round2Message>
  bob: Map<MemberTag, BobChecked>
}

export type EcdsaProtocol = ThresholdProtocol<EcdsaKey, EcdsaSecret, EcdsaSignerState>

/** The session id every member and the coordinator derive: key, request, session and party. */
export function dkls23Sid (facts: SessionFacts<unknown>): Uint8Array {
  const party = [...facts.party].map(m => `${memberTag(m)}=${m.peerId}`).sort()
  return taggedHash('sign/session', [utf8(facts.request.keyId), utf8(facts.request.requestId), utf8(facts.sessionId), ...party.map(utf8)])
}

const point = (group: GroupBackend, bytes: Uint8Array): Element => group.decode(bytes)

/** The group key and every member's verifying share Y = κ·S_{c,m}, on the group backend. */
function publicFacts (group: GroupBackend, facts: SessionFacts<EcdsaKey>): { publicKey: Element, verifyingShares: Map<MemberTag, Element>, kappa: Map<MemberTag, bigint> } {
  const { params, nested } = facts.key
  const kappa = new Map(partyCoefficients(params, partyOfSlots(facts.party)).map(s => [memberTag(s), s.kappa]))
  const verifyingShares = new Map<MemberTag, Element>()
  for (const m of facts.party) {
    const inner = nested.committees.find(c => c.committee === m.committee)?.innerCommitments
    if (inner === undefined) throw new ProtocolInputError('invalid-party', `committee ${m.committee} is not in the key`)
    const s = publicShare(params.scheme, inner, m.member)
    verifyingShares.set(memberTag(m), group.mul(point(group, s.toBytes(true)), kappa.get(memberTag(m))!))
  }
  return { publicKey: point(group, nested.groupPublicKey.toBytes(true)), verifyingShares, kappa }
}

function sessionOf (group: GroupBackend, facts: SessionFacts<EcdsaKey>): { session: Dkls23Session, kappa: Map<MemberTag, bigint> } {
  const peers = new Set(facts.party.map(m => m.peerId))
  if (peers.size !== facts.party.length) throw new ProtocolInputError('invalid-party', 'a DKLs23 party names a node twice')
  const { publicKey, verifyingShares, kappa } = publicFacts(group, facts)
  return { session: { sid: dkls23Sid(facts), parties: facts.party.map(memberTag), publicKey, verifyingShares }, kappa }
}

const refusal = (err: unknown): { refused: string } => {
  if (err instanceof Dkls23Abort) return { refused: `${err.reason}: ${err.message}` }
  return { refused: (err as Error).message }
}

export function ecdsaProtocol (opts: { group: GroupBackend }): EcdsaProtocol {
  const { group } = opts

  function contribute (s: EcdsaSignerState): SignerProgress<EcdsaSignerState> {
    const pre = presignature(group, s.round1, s.alice, s.bob, s.random)
    const contribution: EcdsaContributionWire = encodeContribution(pre.instancePoint, finalShare(pre, s.facts.message), pre.evidence)
    return { kind: 'contribute', contribution }
  }

  return {
    name: 'dkls23',
    rounds: 2,
    pairwise: () => true,

    begin (facts, me, secret, random) {
      if (facts.message.length !== DIGEST_BYTES) throw new ProtocolInputError('invalid-party', `ECDSA signs a ${DIGEST_BYTES}-byte digest, not ${facts.message.length} bytes`)
      const { session, kappa } = sessionOf(group, facts)
      const tag = memberTag(me)
      const pairs = new Map<MemberTag, PairKeys>()
      for (const m of facts.party) {
        if (m.peerId === me.peerId) continue
        const keys = secret.pairs.get(m.peerId)
        if (keys === undefined) throw new ProtocolInputError('invalid-party', `no pair keys with ${m.peerId}`)
        pairs.set(memberTag(m), keys)
      }
      const share = mul(kappa.get(tag)!, secret.share.expose())
      const { state: round1, out } = signRound1(group, session, tag, share, pairs, random)
      const state: EcdsaSignerState = { facts, me, random, session, round1, commitments: new Map(), alice: new Map(), replies: new Map(), bob: new Map() }
      if (round1.counterparties.length === 0) return contribute(state)
      return { kind: 'round', round: 1, state, out: [...out].map(([to, msg]) => ({ to, payload: encodeRound1(msg, pairs.get(to)!.id) })) }
    },

    accept (state, round, from, payload) {
      const tag = memberTag(from)
      if (round === 1) {
        if (state.commitments.has(tag)) return state
        const parsed = Round1PayloadSchema.safeParse(payload)
        if (!parsed.success) return { refused: `not a DKLs23 round-1 message: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'malformed'}` }
        const keys = state.round1.pairs.get(tag)
        if (keys === undefined) return { refused: `${tag} is not a counterparty of this signer` }
        if (parsed.data.pair !== bytesToHex(keys.id)) {
          // The two ends hold different setups (one restored an older store, or a setup replaced this one while the
          // session began): this end's is ended, so the node sets the pair up again and both ends hold one setup. A session
          // in flight across a replacement costs one more setup; without the burn a lasting mismatch would never heal.
          keys.alice.ote.burn()
          return { refused: `${tag} uses pair setup ${parsed.data.pair}, this signer holds ${bytesToHex(keys.id)}: the pair is set up again` }
        }
        try {
          const msg: Round1Message = decodeRound1(parsed.data)
          const { reply, kept } = answerRound1(group, state.round1, tag, msg, state.random)
          state.commitments.set(tag, msg.commitment)
          state.alice.set(tag, kept)
          state.replies.set(tag, reply)
          return state
        } catch (err) {
          return refusal(err)
        }
      }
      if (round === 2) {
        if (state.bob.has(tag)) return state
        const commitment = state.commitments.get(tag)
        if (commitment === undefined) return { refused: `${tag} sent round 2 without round 1` }
        const parsed = Round2PayloadSchema.safeParse(payload)
        if (!parsed.success) return { refused: `not a DKLs23 round-2 message: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'malformed'}` }
        try {
          state.bob.set(tag, checkRound2(group, state.round1, tag, commitment, decodeRound2(parsed.data)))
          return state
        } catch (err) {
          return refusal(err)
        }
      }
      return { refused: `DKLs23 has two rounds among the signers, not ${round}` }
    },

    awaiting (state, round) {
      const have = round === 1 ? state.commitments : round === 2 ? state.bob : new Map()
      return state.facts.party.filter(p => p.peerId !== state.me.peerId && !have.has(memberTag(p)))
    },

    advance (state, round) {
      if (round === 1) return { kind: 'round', round: 2, state, out: [...state.replies].map(([to, msg]) => ({ to, payload: encodeRound2(msg) })) }
      return contribute(state)
    },

    keep (contribution) {
      return { ecdsa: contribution }
    },

    resume (kept) {
      return kept.ecdsa
    },

    combine (facts, contributions) {
      return combineEcdsa(group, facts, contributions)
    },

    verify (key, message, signature) {
      if (signature.length !== RECOVERABLE_SIGNATURE_BYTES) return false
      return verifyEcdsa(key.nested.groupPublicKey.toBytes(true), message, signature.subarray(0, 64))
    }
  }
}

/** The coordinator's part: s = Σw/Σu over the party, verified; if not, the members the evidence shows at fault. */
function combineEcdsa (group: GroupBackend, facts: SessionFacts<EcdsaKey>, contributions: ReadonlyMap<MemberTag, unknown>): Combined {
  const culprits: ProtocolCulprit[] = []
  const shares = new Map<MemberTag, ContributedShare>()
  let instancePoint: Uint8Array | undefined
  const byTag = new Map(facts.party.map(m => [memberTag(m), m]))
  for (const member of facts.party) {
    const parsed = EcdsaContributionSchema.safeParse(contributions.get(memberTag(member)))
    if (!parsed.success) {
      culprits.push({ member, reason: 'malformed-answer', detail: `no well-formed DKLs23 share: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'malformed'}` })
      continue
    }
    const decoded = decodeContribution(parsed.data)
    shares.set(memberTag(member), decoded.share)
    instancePoint ??= decoded.instancePoint
  }
  if (culprits.length > 0 || instancePoint === undefined) return { kind: 'culprits', culprits }
  const publicKey = facts.key.nested.groupPublicKey.toBytes(true)
  const list = facts.party.map(m => shares.get(memberTag(m))!)
  try {
    const R = group.encode(group.sum(list.map(s => group.decode(s.evidence.instancePoint))))
    const signature = encodeRecoverable(normalise(R, combineShares(list.map(s => s.u), list.map(s => s.w))))
    if (verifyEcdsa(publicKey, facts.message, signature.subarray(0, 64))) return { kind: 'signature', signature }
  } catch {
    // An identity R or Σu = 0: the evidence below names who caused it.
  }
  const faults = checkFinalShares(group, dkls23Sid(facts), facts.party.map(memberTag), facts.message, shares)
  if (faults.length === 0) throw new Error('the DKLs23 shares pass their evidence but do not make a signature')
  return {
    kind: 'culprits',
    culprits: faults.flatMap(f => f.members.map(tag => ({
      member: byTag.get(tag)!,
      reason: f.fault === 'invalid-share' ? 'invalid-share' as const : f.fault === 'pair-disagrees' ? 'pair-dispute' as const : 'malformed-answer' as const,
      detail: f.detail
    })))
  }
}

/** A signature as the wire carries it (65 bytes r‖s‖v, lowercase hex). */
export const ecdsaSignatureHex = (signature: Uint8Array): string => bytesToHex(signature)
export const ecdsaSignatureBytes = (hex: string): Uint8Array => hexToBytes(hex)
