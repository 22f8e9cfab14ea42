// The threshold signing protocol as a value the signing machines drive (DESIGN 10,
// docs/decisions/0016-sign-machines.md). The coordinator and signer machines know
// sessions, parties, deadlines, the ledger and blame; a protocol knows its rounds:
// what each round sends (to the whole party or to one member), how a member's
// message of a round is checked, what a signer hands the coordinator at the end,
// and how the coordinator turns the party's contributions into a verified
// signature or names the members at fault. FROST (two rounds, the first of which
// presignatures can do ahead) is the first implementation; threshold ECDSA the
// second. Adding one touches no machine.
//
// Pure: no clock, no I/O; randomness comes in as `Random`. Payloads are plain JSON
// values (the shell's codec puts them on the wire); a protocol checks every payload
// it is given, since they come from peers.
import type { Random } from '../../machine/types.js'
import type { InvalidShareEvidence } from '../../wire/blame-evidence.js'
import type { PartyMember, SignRequest } from '../../wire/sign.js'

/** `committee/member`: how a protocol names a party member. */
export type MemberTag = string

export const memberTag = (m: { committee: number, member: number }): MemberTag => `${m.committee}/${m.member}`

/** One message of a round: to every other party member, or to one of them. */
export interface Outbound {
  to: 'party' | MemberTag
  payload: unknown
}

/** What every party member and the coordinator agree on before round 1. */
export interface SessionFacts<Pub> {
  sessionId: string
  /** The owner-signed request (its checks are the machines', not the protocol's). */
  request: SignRequest
  /** The request's message, decoded: the bytes to sign. */
  message: Uint8Array
  /** The party, in the order the coordinator sent it. */
  party: readonly PartyMember[]
  /** The key's public material (group key, commitments, sharing parameters). */
  key: Pub
  /**
   * Set by the coordinator for another CM's session it finishes (session recovery) whose party names
   * another epoch's holders than `key`'s (it began before update_node_set's switch): the members'
   * positions are that epoch's, and its contributions can be combined but not checked one by one.
   */
  earlierEpoch?: boolean
}

/** Where a signer is after a step: in a round, waiting for its inputs, or done with its contribution for the coordinator. */
export type SignerProgress<S> =
  | { kind: 'round', round: number, state: S, out: Outbound[] }
  | { kind: 'contribute', contribution: unknown }

/** A member's input the protocol refused: that member is the culprit. */
export interface Refused {
  refused: string
}

export type CulpritReason =
  | 'invalid-share' | 'equivocated-commitments' | 'misreported-commitments' | 'malformed-answer'
  /** Two members tell different stories of what crossed their pair: one of them lied, which is not known (not blamed). */
  | 'pair-dispute'

/** A member the coordinator's check of the contributions found at fault, with what shows it. */
export interface ProtocolCulprit {
  member: PartyMember
  reason: CulpritReason
  detail: string
  /** What shows others the blame is true (sign.md#blame-evidence), when the protocol can show it. */
  evidence?: InvalidShareEvidence
}

/** The coordinator's result of one session's contributions. */
export type Combined =
  | { kind: 'signature', signature: Uint8Array }
  | { kind: 'culprits', culprits: ProtocolCulprit[] }

export interface ThresholdProtocol<Pub, Secret, S, Pre = never> {
  /** For logs and the decision record. */
  readonly name: string
  /** Rounds the signers run among themselves before each hands its contribution to the coordinator. */
  readonly rounds: number
  /**
   * Whether a member's round messages differ per recipient (DKLs23's pairwise rounds): then one
   * member's word that another's message never came cannot be checked against the others' (the
   * coordinator's judge treats such a dispute as the pair's). Absent: FROST's one broadcast message.
   */
  pairwise?: (key: Pub) => boolean
  /**
   * A signer starts a session: its first round's state and messages. `pre` (when the protocol has a
   * preprocessing phase, e.g. FROST presignatures) replaces the rounds it covers, so the progress may
   * already be `contribute`. Throws `ProtocolInputError` when `pre` does not fit the session.
   */
  begin: (facts: SessionFacts<Pub>, me: PartyMember, secret: Secret, random: Random, pre?: Pre) => SignerProgress<S>
  /** Checks member `from`'s message of `round` and keeps it; a `Refused` names why. A second message of a member for a round changes nothing. */
  accept: (state: S, round: number, from: PartyMember, payload: unknown) => S | Refused
  /** The members whose message of `round` this signer still waits for. */
  awaiting: (state: S, round: number) => PartyMember[]
  /** Every input of `round` is in: the next round, or the contribution. */
  advance: (state: S, round: number) => SignerProgress<S>
  /**
   * What a signer keeps in its ledger of the contribution it sent: enough for another coordinator to
   * finish that session (session recovery), nothing secret. Must be JSON.
   */
  keep: (contribution: unknown) => Record<string, unknown>
  /**
   * The contribution again from what member `member` kept of it (`keep`'s fields, as its ledger
   * hands them over on recover), for `combine`; what cannot be rebuilt (FROST: the statement) is absent.
   */
  resume: (kept: Record<string, unknown>, member: PartyMember) => unknown
  /**
   * The coordinator combines every member's contribution (keyed by member tag) into the signature,
   * verified, or names the members at fault. `pre` is what the coordinator handed out ahead, if anything.
   */
  combine: (facts: SessionFacts<Pub>, contributions: ReadonlyMap<MemberTag, unknown>, pre?: unknown) => Combined
  /** Whether `signature` is the key's on `message` (any party, any time). */
  verify: (key: Pub, message: Uint8Array, signature: Uint8Array) => boolean
}

/** A protocol's refusal of its own inputs at `begin` (e.g. presignatures that do not fit the party). */
export class ProtocolInputError extends Error {
  constructor (readonly code: 'presign-unknown' | 'invalid-party', message: string) {
    super(message)
    this.name = 'ProtocolInputError'
  }
}

export const isRefused = (x: unknown): x is Refused => typeof x === 'object' && x !== null && 'refused' in x
