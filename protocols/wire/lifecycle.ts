// Messages of update_node_set (DESIGN 9, docs/protocols/lifecycle.md): the
// operator-signed membership update, a holder's resharing contribution, the
// delivery to a new member, its receipt, and the epoch record that certifies
// a key's shares under the new membership.
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { GenesisSchema } from './genesis.js'
import { hexString } from './hex.js'
import { CommitmentsSchema, PeerIdStringSchema, PointHexSchema, SealedGridSchema } from './points.js'
import { KeyIdSchema, KeySchemeSchema } from './key-record.js'

export const MEMBERSHIP_UPDATE_KIND = 'membership_update'
export const RESHARE_CONTRIBUTION_KIND = 'reshare_contribution'
export const RESHARE_RECEIPT_KIND = 'reshare_receipt'


/** An operator moves the network from epoch e to e+1: the whole next genesis, signed by an operator of epoch e. */
export const MembershipUpdateSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  network: z.string().min(1).max(64),
  fromEpoch: z.int().min(0),
  /** genesisDigest() of the genesis of `fromEpoch`: the update applies to that membership only. */
  fromGenesisDigest: hexString(32),
  /** The membership of epoch fromEpoch+1. */
  genesis: GenesisSchema,
  /** Which operator of `fromEpoch` signs (its Ed25519 public key, listed in that genesis). */
  operator: hexString(32),
  signature: hexString(64)
})
export type MembershipUpdate = z.infer<typeof MembershipUpdateSchema>

/** A slot of a membership: member `member` of committee `committee`. */
export const SlotSchema = z.strictObject({ committee: z.int().min(1).max(64), member: z.int().min(1).max(64) })

/** The old holders that reshare one key: exactly tc committees × tm members of the old epoch. */
export const QuorumSchema = z.array(SlotSchema.extend({ peerId: PeerIdStringSchema })).min(1).max(64 * 64)

/** What one old holder deals to the new membership, signed by its peer key. */
export const ReshareContributionSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  scheme: KeySchemeSchema,
  fromEpoch: z.int().min(0),
  toEpoch: z.int().min(1),
  /** genesisDigest of the new membership the sub-shares are sealed to. */
  toGenesisDigest: hexString(32),
  dealer: PeerIdStringSchema,
  /** The dealer's slot in the old epoch: its constant commitment must be κ·Y of that slot. */
  slot: SlotSchema,
  commitments: CommitmentsSchema,
  /** shares[c-1][m-1]: the sub-share of new member (c, m), sealed to it. */
  shares: SealedGridSchema,
  signature: hexString(64)
})
export type ReshareContribution = z.infer<typeof ReshareContributionSchema>

/** The public record of a key under a new epoch: not owner-signed, certified by the new members' receipts. */
export const EpochRecordSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  scheme: KeySchemeSchema,
  epoch: z.int().min(1),
  /** genesisDigest of the membership of `epoch`. */
  genesisDigest: hexString(32),
  /** Unchanged by resharing: Σ C_{i,0} = X is checked. */
  groupPublicKey: PointHexSchema,
  commitments: CommitmentsSchema,
  holders: z.array(z.array(PeerIdStringSchema).min(1).max(64)).min(1).max(64),
  /** SHA-256 of the record this one replaces (the owner's key record, or the previous epoch record). */
  previousDigest: hexString(32),
  quorum: QuorumSchema
})
export type EpochRecord = z.infer<typeof EpochRecordSchema>

/** A new member's receipt for its reshared sub-share, signed by its peer key. */
export const ReshareReceiptSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  epoch: z.int().min(1),
  committee: z.int().min(1),
  member: z.int().min(1),
  peerId: PeerIdStringSchema,
  /** SHA-256 of the canonical epoch record the member checked its share against. */
  epochRecordDigest: hexString(32),
  signature: hexString(64)
})
export type ReshareReceipt = z.infer<typeof ReshareReceiptSchema>

/** An epoch record with the receipts that certify it: what nodes gossip and activate on. */
export const EpochEntrySchema = z.strictObject({
  record: EpochRecordSchema,
  receipts: z.array(ReshareReceiptSchema).max(64 * 64)
})
export type EpochEntry = z.infer<typeof EpochEntrySchema>

/** Coordinator → node over /shardsig/reshare/1.0.0. Each message carries the update, so a node that missed its gossip can check and take it. */
export const ReshareRequestSchema = z.discriminatedUnion('kind', [
  /** To a quorum holder: deal your share of `keyId` to the update's membership. */
  z.strictObject({ kind: z.literal('deal'), update: MembershipUpdateSchema, keyId: KeyIdSchema, quorum: QuorumSchema }),
  /** To a new member: the quorum's contributions; check, store your share as pending, answer a receipt. */
  z.strictObject({
    kind: z.literal('deliver'), update: MembershipUpdateSchema, keyId: KeyIdSchema, quorum: QuorumSchema,
    contributions: z.array(ReshareContributionSchema).min(1).max(64 * 64)
  })
])
export type ReshareRequest = z.infer<typeof ReshareRequestSchema>

export const ReshareResponseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('contribution'), contribution: ReshareContributionSchema }),
  z.strictObject({ kind: z.literal('receipt'), receipt: ReshareReceiptSchema }),
  /** `dealer`: the dealer whose contribution or sub-share failed a check. */
  z.strictObject({ kind: z.literal('reject'), code: z.string().max(64), reason: z.string().max(1024), dealer: PeerIdStringSchema.optional() })
])
export type ReshareResponse = z.infer<typeof ReshareResponseSchema>

/** What travels on TOPIC_MEMBERSHIP: an update, or a key's confirmed epoch entry. */
export const MembershipGossipSchema = z.discriminatedUnion('kind', [
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), kind: z.literal('update'), update: MembershipUpdateSchema }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), kind: z.literal('epoch-entry'), entry: EpochEntrySchema })
])
export type MembershipGossip = z.infer<typeof MembershipGossipSchema>

/** GET /membership: the active epoch and, during an update, the pending one with resharing progress. */
export const MembershipStatusSchema = z.strictObject({
  active: z.strictObject({ epoch: z.int(), genesisDigest: hexString(32) }),
  pending: z.strictObject({
    epoch: z.int(),
    genesisDigest: hexString(32),
    changes: z.strictObject({ added: z.array(z.string()), removed: z.array(z.string()), moved: z.array(z.string()) }),
    keys: z.strictObject({
      /** Keys this node holds at the active epoch. */
      total: z.int(),
      /** Keys with a confirmed epoch entry for the pending epoch. */
      reshared: z.int(),
      /** Keys this node coordinates that failed (every quorum tried), with why. */
      failed: z.array(z.strictObject({ keyId: KeyIdSchema, reason: z.string() }))
    }),
    /** Whether this node runs the resharing (it took the update over HTTP). */
    coordinating: z.boolean()
  }).nullable()
})
export type MembershipStatus = z.infer<typeof MembershipStatusSchema>

/** Key ids a membership-sync `get` may ask for at once. */
export const MAX_MEMBERSHIP_SYNC_GET_KEYS = 2_000

/**
 * /shardsig/membership-sync/1.0.0: a node that missed gossip compares what it holds with
 * a peer (`summary`: the pending update's digest and a digest of the key ids whose epoch
 * entry it holds) and fetches the entries it lacks (`get`). Requests stay small; answers
 * may be large (every key id, or a batch of entries).
 */
export const MembershipSyncRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('summary'),
    /** The asker's active epoch: a peer already one epoch on answers with the update it activated (a node that missed the whole update catches up). */
    epoch: z.int().min(0).optional(),
    /** genesisDigest of the pending epoch the asker knows, if any. */
    pending: hexString(32).optional(),
    /** How many epoch entries it holds for that epoch, and SHA-256 of their key ids sorted and joined by "\n". */
    count: z.int().min(0),
    digest: hexString(32)
  }),
  z.strictObject({ kind: z.literal('get'), pending: hexString(32), keyIds: z.array(KeyIdSchema).min(1).max(MAX_MEMBERSHIP_SYNC_GET_KEYS) })
])
export type MembershipSyncRequest = z.infer<typeof MembershipSyncRequestSchema>

export const MembershipSyncResponseSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('summary'),
    /** The answerer's pending update, when it has one. */
    update: MembershipUpdateSchema.optional(),
    /** Every key id whose entry the answerer holds, when the asker knows the same update and holds a different set. */
    keyIds: z.array(KeyIdSchema).max(1_000_000).optional()
  }),
  /** Entries asked for that the answerer holds, up to the batch budget; `more` when some were left out. */
  z.strictObject({ kind: z.literal('entries'), entries: z.array(EpochEntrySchema), more: z.boolean() })
])
export type MembershipSyncResponse = z.infer<typeof MembershipSyncResponseSchema>
