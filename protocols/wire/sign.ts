// Messages of the sign flow (docs/protocols/sign.md): the owner-signed sign
// request a client posts to a communication manager, the new_party the CM
// sends each signer over /shardsig/party/1.0.0, the round-1 commitments
// signers exchange over /shardsig/sign/1.0.0, and the answers.
import { z } from 'zod'
import { EcdsaContributionSchema, Round1PayloadSchema, Round2PayloadSchema } from '../ecdsa/wire.js'
import { MAX_PRESIGN_BATCH, PROTOCOL_VERSION } from '../constants.js'
import { hexString, hexUpTo } from './hex.js'
import { KeyIdSchema, MAX_POLICY_MESSAGE_BYTES, KeySchemeSchema } from './key-record.js'

export const SIGN_REQUEST_KIND = 'sign_request'

/** Client-chosen, unique per key (the same id under another key is another request); re-used when failing over to another CM. */
export const RequestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'request ids are 8–64 characters of A–Z a–z 0–9 _ -')

export const SignRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  /** The message to sign, hex (BIP340: any length; Ed25519: the message itself, RFC 8032 PureEdDSA). */
  message: hexUpTo(MAX_POLICY_MESSAGE_BYTES),
  requestId: RequestIdSchema,
  /** Unix time in ms after which no signer contributes. */
  expiresAt: z.int().min(0),
  /** Owner Ed25519 signature over "shardsig/v1/sign_request\n" + JCS(body without signature). */
  signature: hexString(64)
})
export type SignRequest = z.infer<typeof SignRequestSchema>

export const SignStatusSchema = z.enum(['pending', 'completed', 'failed'])

/** A finished signature: 64 bytes (Ed25519 R‖S, BIP340 r‖s) or 65 (ECDSA r‖s‖v, docs/protocols/ecdsa.md#signature). */
export const ThresholdSignatureHexSchema = z.string().regex(/^(?:[0-9a-f]{128}|[0-9a-f]{130})$/, 'expected a 64-byte (FROST) or 65-byte (ECDSA r‖s‖v) signature as lowercase hex')

export const SignResultSchema = z.strictObject({
  requestId: RequestIdSchema,
  keyId: KeyIdSchema,
  status: SignStatusSchema,
  scheme: KeySchemeSchema,
  groupPublicKey: z.string(),
  /** Present when completed: 64 bytes (Ed25519 R||S, BIP340 r||s) or 65 (ECDSA r||s||v). */
  signature: ThresholdSignatureHexSchema.optional(),
  /** ecdsa-secp256k1, when completed: r and s of `signature`, 32 bytes hex each (the API adds them: protocols/ecdsa/signature-fields.ts). */
  r: hexString(32).optional(),
  s: hexString(32).optional(),
  /** ecdsa-secp256k1, when completed: the recovery id, `signature`'s last byte: 0 or 1 (2 or 3 when x(R) ≥ n). */
  v: z.int().min(0).max(3).optional(),
  /** Present when completed: who signed, as (committee, member, peerId). */
  signers: z.array(z.strictObject({ committee: z.int(), member: z.int(), peerId: z.string() })).optional(),
  /** Present when failed: why, e.g. "no valid party left: committee 2 has 1 live member, 2 needed". */
  reason: z.string().optional(),
  /** Sessions tried (1 when the first party signed). */
  attempts: z.int().min(0)
})
export type SignResult = z.infer<typeof SignResultSchema>

export const PartyMemberSchema = z.strictObject({ committee: z.int().min(1), member: z.int().min(1), peerId: z.string().min(1).max(128) })

/** Domain of a signer's signed statement that it never contributes to a session (peer-signature.ts). */
export const SESSION_ABANDONED_KIND = 'session_abandoned'
/**
 * A party member's word, signed with its libp2p key, that it gave session
 * `sessionId` of the request no share and never will (its ledger says so,
 * synced). A FROST session needs every member's share: that session can never
 * produce a signature, so the members whose share went to it may work for
 * another CM (docs/protocols/sign.md#dead-sessions).
 */
export const SessionAbandonedSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  requestId: RequestIdSchema,
  sessionId: z.string().min(1).max(80),
  peerId: z.string().min(1).max(128),
  signature: hexString(64)
})
export type SessionAbandoned = z.infer<typeof SessionAbandonedSchema>
/** Dead sessions a new_party may carry proofs for. */
export const MAX_RELEASED_SESSIONS = 8
export type PartyMember = z.infer<typeof PartyMemberSchema>

/** A round-1 commitment as it travels (scheme-specific lengths and point checks: decodeCommitments). */
export const CommitmentWireSchema = z.strictObject({ committee: z.int().min(1).max(64), member: z.int().min(1).max(64), hiding: hexUpTo(33), binding: hexUpTo(33) })
export type CommitmentWire = z.infer<typeof CommitmentWireSchema>

/**
 * A presignature as a manager holds it and hands it out: the id the signer
 * gave it, and the round-1 commitment whose nonces the signer keeps for it.
 */
export const PresignedCommitmentSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{16,32}$/),
  commitment: CommitmentWireSchema
})
export type PresignedCommitment = z.infer<typeof PresignedCommitmentSchema>

/** CM → signer, over /shardsig/party/1.0.0; the signer answers on the same stream when it is done. */
export const NewPartySchema = z.strictObject({
  kind: z.literal('new_party'),
  /** Unique per attempt: `<requestId>/<attempt>`. */
  sessionId: z.string().min(1).max(80),
  request: SignRequestSchema,
  party: z.array(PartyMemberSchema).min(1).max(64),
  /** Sessions of this request that can never finish, each with a member's signed no-contribution: a signer whose share went to one of them may sign here. */
  released: z.array(SessionAbandonedSchema).min(1).max(MAX_RELEASED_SESSIONS).optional(),
  /** The epoch of the key's state the CM chose the party from; a signer at another epoch answers wrong-epoch (a switch in progress). */
  epoch: z.int().min(0).optional(),
  /**
   * Presignatures: one per party member, made ahead by each member for this CM. There is no
   * round-1 exchange; every member signs over these commitments, or answers presign-unknown.
   */
  presigned: z.array(PresignedCommitmentSchema).min(1).max(64).optional()
})
export type NewParty = z.infer<typeof NewPartySchema>

/** CM → party member, over /shardsig/party/1.0.0: make `count` presignatures of this key for me. */
export const PresignSchema = z.strictObject({
  kind: z.literal('presign'),
  keyId: KeyIdSchema,
  /** The key's epoch the CM signs at; a member at another one answers wrong-epoch. */
  epoch: z.int().min(0),
  count: z.int().min(1).max(MAX_PRESIGN_BATCH)
})
export type Presign = z.infer<typeof PresignSchema>

/**
 * Round-1 commitments and round-2 shares as they travel; the scheme-specific
 * lengths and point checks are protocols/frost's decodeCommitments /
 * decodeSignatureShare, applied once the key (and so the scheme) is known.
 */
export const ShareWireSchema = z.strictObject({ committee: z.int().min(1).max(64), member: z.int().min(1).max(64), share: hexString(32) })
export type ShareWire = z.infer<typeof ShareWireSchema>

/**
 * Signer → signer, over /shardsig/sign/1.0.0: my message of round `round` for a session, for a
 * protocol whose rounds are not FROST's round-1 commitment (DKLs23: docs/protocols/ecdsa.md#signing).
 * The payload is checked against the round's form at the edge, and again by the protocol in its session.
 */
const roundMessage = <R extends number, P extends z.ZodType> (round: R, payload: P) => z.strictObject({
  kind: z.literal('round'),
  sessionId: z.string().min(1).max(80),
  round: z.literal(round),
  payload
})
/** The only protocol with such rounds today is DKLs23: its two rounds' payloads are checked here, at the edge. */
export const RoundMessageSchema = z.discriminatedUnion('round', [roundMessage(1, Round1PayloadSchema), roundMessage(2, Round2PayloadSchema)])
export type RoundMessageWire = z.infer<typeof RoundMessageSchema>

/** Signer → signer, over /shardsig/sign/1.0.0: my round-1 commitment for a session. */
export const RoundOneSchema = z.strictObject({
  kind: z.literal('round1'),
  sessionId: z.string().min(1).max(80),
  commitment: CommitmentWireSchema
})
export type RoundOne = z.infer<typeof RoundOneSchema>

/** What /shardsig/sign/1.0.0 carries: a FROST round-1 commitment or another protocol's round message. */
export const SignRoundSchema = z.discriminatedUnion('kind', [RoundOneSchema, RoundMessageSchema])

export const RoundOneAckSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ack') }),
  z.strictObject({ kind: z.literal('reject'), reason: z.string().max(1024) })
])

/** CM → party members after aggregation, over /shardsig/party/1.0.0: the request is done. */
export const CompletedSchema = z.strictObject({
  kind: z.literal('completed'),
  keyId: KeyIdSchema,
  requestId: RequestIdSchema,
  signature: ThresholdSignatureHexSchema
})

/**
 * What a signer keeps (in its ledger) of the one session it sent a share to:
 * enough for another CM to finish that session if its own CM died after the
 * shares left (docs/protocols/sign.md, "Session recovery"). The share is no
 * secret once sent; the nonces behind it are gone.
 */
const ContributionSessionFields = {
  sessionId: z.string().min(1).max(80),
  /** The CM the share was for. */
  coordinator: z.string().min(1).max(128),
  party: z.array(PartyMemberSchema).min(1).max(64)
}
export const ContributionSchema = z.union([
  z.strictObject({
    ...ContributionSessionFields,
    /** FROST: the round-1 commitments the share was computed over, this signer's among them. */
    commitments: z.array(CommitmentWireSchema).min(1).max(64),
    share: ShareWireSchema
  }),
  /** DKLs23: the final share and its evidence, as sent. */
  z.strictObject({ ...ContributionSessionFields, ecdsa: EcdsaContributionSchema })
])
export type Contribution = z.infer<typeof ContributionSchema>

/** CM → party member of a dead CM's session: send me what you contributed to session `sessionId` of this request. */
export const RecoverSchema = z.strictObject({
  kind: z.literal('recover'),
  request: SignRequestSchema,
  sessionId: z.string().min(1).max(80)
})
export type Recover = z.infer<typeof RecoverSchema>

export const PartyRequestSchema = z.discriminatedUnion('kind', [NewPartySchema, CompletedSchema, RecoverSchema, PresignSchema])

/** Signer → CM: the answer to new_party. */
export const PartyAnswerSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('share'),
    sessionId: z.string(),
    /** This signer's own round-1 commitment, and the whole list it signed over (the CM compares them). */
    commitment: CommitmentWireSchema,
    commitments: z.array(CommitmentWireSchema).min(1).max(64),
    share: ShareWireSchema,
    /**
     * The signer's signature over this share, the session and `commitments` (SHARE_STATEMENT_KIND,
     * protocols/sign/share-statement.ts): evidence for an invalid-share blame. Absent from older builds.
     */
    statement: hexString(64).optional()
  }),
  z.strictObject({ kind: z.literal('completed-before'), sessionId: z.string(), signature: ThresholdSignatureHexSchema }),
  /** A DKLs23 signer's final share and its evidence (docs/protocols/ecdsa.md#contribution). */
  z.strictObject({ kind: z.literal('dkls23-share'), sessionId: z.string(), contribution: EcdsaContributionSchema }),
  /** This signer already sent a share for the request in another CM's session: here it is, to finish that session. */
  z.strictObject({ kind: z.literal('contributed'), sessionId: z.string(), contribution: ContributionSchema }),
  z.strictObject({
    kind: z.literal('reject'),
    sessionId: z.string(),
    code: z.string().max(64),
    reason: z.string().max(1024),
    /** With code round1-timeout: the party members whose commitment never arrived. */
    missing: z.array(PartyMemberSchema).max(64).optional(),
    /** With code no-contribution (the answer to recover): the signer's signed word that it never contributes to that session. */
    abandoned: SessionAbandonedSchema.optional(),
    /** With code leased-by-other-coordinator: when the other CM's lease ends; with wrong-epoch: when to ask again. */
    retryAfterMs: z.int().min(0).max(60_000).optional()
  }),
  z.strictObject({ kind: z.literal('noted') }),
  /** The answer to presign. */
  z.strictObject({ kind: z.literal('presigned'), keyId: KeyIdSchema, epoch: z.int().min(0), presigned: z.array(PresignedCommitmentSchema).min(1).max(MAX_PRESIGN_BATCH) })
])
export type PartyAnswer = z.infer<typeof PartyAnswerSchema>
