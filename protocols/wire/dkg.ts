// Messages of new_user in DKG mode (DESIGN 9, docs/protocols/new_user.md#dkg):
// the owner's request, the dealers' commit-then-reveal over
// /shardsig/dkg/1.0.0, the transcript a node hands back to the client, and the
// DKG bundle the client posts to each committee leader instead of a dealt one.
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { hexString } from './hex.js'
import { CommitmentsSchema, PeerIdStringSchema, PointHexSchema, SealedGridSchema } from './points.js'
import { KeyRecordSchema, KeySchemeSchema } from './key-record.js'

export const DKG_REQUEST_KIND = 'dkg_request'
export const DKG_COMMITMENT_KIND = 'dkg_commitment'
export const DKG_CONTRIBUTION_KIND = 'dkg_contribution'
export const DKG_BUNDLE_KIND = 'new_user_dkg'

/** 16 random bytes the client draws: names the DKG everywhere (sealing, proofs, dealer state). */
export const DkgSessionSchema = hexString(16)

/** POST /new_user/dkg: the owner asks the network to generate a key nobody deals. Owner-signed. */
export const DkgRequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  session: DkgSessionSchema,
  scheme: KeySchemeSchema,
  ownerAuthKey: hexString(32),
  network: z.string().min(1).max(64),
  /** The membership the key is generated for: dealers and members refuse any other. */
  genesisDigest: hexString(32),
  epoch: z.int().min(0),
  /** Dealers the owner does not want (e.g. named by an earlier failed attempt). */
  excludeDealers: z.array(PeerIdStringSchema).max(64).optional(),
  /** ms since the Unix epoch; dealers refuse the request after it. */
  expiresAt: z.int().min(0),
  signature: hexString(64)
})
export type DkgRequest = z.infer<typeof DkgRequestSchema>

/** A dealer's reveal: its Feldman commitments, proof of knowledge and sealed sub-shares. Signed by the dealer's peer key. */
export const DkgContributionSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  session: DkgSessionSchema,
  dealer: PeerIdStringSchema,
  scheme: KeySchemeSchema,
  commitments: CommitmentsSchema,
  /** Schnorr proof of knowledge of the dealt scalar, context session ‖ dealer. */
  proof: z.strictObject({ commitment: PointHexSchema, response: hexString(32) }),
  /** shares[c-1][m-1]: the sub-share of member (c, m), sealed to it. */
  shares: SealedGridSchema,
  signature: hexString(64)
})
export type DkgContribution = z.infer<typeof DkgContributionSchema>

/** A dealer's commit: the digest of the contribution it will reveal. Signed by the dealer's peer key. */
export const DkgCommitmentSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  session: DkgSessionSchema,
  dealer: PeerIdStringSchema,
  /** SHA-256 of the contribution's signing input (kind dkg_contribution). */
  contributionDigest: hexString(32),
  signature: hexString(64)
})
export type DkgCommitment = z.infer<typeof DkgCommitmentSchema>

/** Everything the dealers published, in dealer order: what a client builds the record from and members check. */
export const DkgTranscriptSchema = z.strictObject({
  session: DkgSessionSchema,
  commitments: z.array(DkgCommitmentSchema).min(2).max(64),
  contributions: z.array(DkgContributionSchema).min(2).max(64)
})
export type DkgTranscript = z.infer<typeof DkgTranscriptSchema>

/** POST /new_user body in DKG mode: one committee's part, owner-signed; every member opens its own sub-shares. */
export const DkgBundleSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  record: KeyRecordSchema,
  committee: z.int().min(1).max(64),
  dkg: DkgTranscriptSchema,
  signature: hexString(64)
})
export type DkgBundle = z.infer<typeof DkgBundleSchema>

/** Node → dealer over /shardsig/dkg/1.0.0. */
export const DkgDealerRequestSchema = z.discriminatedUnion('kind', [
  /** Round 1: deal, keep the reveal, answer its digest. `dealers` is the whole dealer set, this one included. */
  z.strictObject({ kind: z.literal('commit'), request: DkgRequestSchema, dealers: z.array(PeerIdStringSchema).min(2).max(64) }),
  /** Round 2, only with every dealer's commit: answer the reveal. */
  z.strictObject({ kind: z.literal('reveal'), session: DkgSessionSchema, commitments: z.array(DkgCommitmentSchema).min(2).max(64) })
])
export type DkgDealerRequest = z.infer<typeof DkgDealerRequestSchema>

export const DkgDealerResponseSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('commitment'), commitment: DkgCommitmentSchema }),
  z.strictObject({ kind: z.literal('contribution'), contribution: DkgContributionSchema }),
  z.strictObject({ kind: z.literal('reject'), code: z.string().max(64), reason: z.string().max(1024) })
])
export type DkgDealerResponse = z.infer<typeof DkgDealerResponseSchema>

/** The answer to POST /new_user/dkg. */
export const DkgResponseSchema = z.strictObject({
  session: DkgSessionSchema,
  /** The dealers, one per committee (two when there is one committee). */
  dealers: z.array(PeerIdStringSchema).min(2).max(64),
  transcript: DkgTranscriptSchema
})
export type DkgResponse = z.infer<typeof DkgResponseSchema>
