// What a blame record carries to show others that it is true
// (docs/protocols/sign.md#blame-evidence): the signed messages that prove it,
// or, for what no signed message can show (silence, a majority's word), a
// plain statement that it is the blamer's word only.
import { z } from 'zod'
import { hexString } from './hex.js'
import { CommitmentWireSchema, PartyMemberSchema, ShareWireSchema, SignRequestSchema } from './sign.js'

export const InvalidShareEvidenceSchema = z.strictObject({
  kind: z.literal('invalid-share'),
  /** The owner-signed request the session signed. */
  request: SignRequestSchema,
  sessionId: z.string().min(1).max(128),
  party: z.array(PartyMemberSchema).min(1).max(64),
  /** The round-1 commitment list the culprit says it signed over (its statement covers it). */
  commitments: z.array(CommitmentWireSchema).min(1).max(64),
  share: ShareWireSchema,
  /** The culprit's signature over share, session and commitments (protocols/sign/share-statement.ts). */
  statement: hexString(64)
})
export type InvalidShareEvidence = z.infer<typeof InvalidShareEvidenceSchema>

export const UnprovableSchema = z.strictObject({
  kind: z.literal('unprovable'),
  /** Why no one else can check this blame. */
  why: z.string().min(1).max(512)
})

export const BlameEvidenceSchema = z.discriminatedUnion('kind', [InvalidShareEvidenceSchema, UnprovableSchema])
export type BlameEvidence = z.infer<typeof BlameEvidenceSchema>
