// The public key record (DESIGN 5): everything public about a user's key,
// signed by the owner. It enters the registry on every node and is what
// signers check requests against.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { PROTOCOL_VERSION } from '../constants.js'
import { KEY_SCHEMES, type KeyScheme } from '../keys/key-scheme.js'
import { hexString, hexUpTo } from './hex.js'
import { CommitmentsSchema, PointHexSchema } from './points.js'

export { KEY_SCHEMES, type KeyScheme }
/** The record's scheme: the signatures the key makes (protocols/keys/key-scheme.ts), not the curve it is shared over. */
export const KeySchemeSchema = z.enum(KEY_SCHEMES)

/**
 * An Ethereum address as EIP-55 writes it: `0x` and 40 hex digits in mixed case (the one
 * exception to lowercase hex on the wire: the case is the checksum). Whether it is the
 * address of the record's key, checksum included, is checkRecord's (bad-address).
 */
export const EthereumAddressSchema = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an Ethereum address is 0x and 40 hex digits (EIP-55 case)')

export const MAX_POLICY_MESSAGE_BYTES = 64 * 1024
export const DEFAULT_POLICY = { maxMessageBytes: 4096, ratePerMinute: 600 } as const

export const PolicySchema = z.strictObject({
  maxMessageBytes: z.int().min(1).max(MAX_POLICY_MESSAGE_BYTES),
  /** Every message to sign must start with these bytes. */
  messagePrefix: hexUpTo(256).optional(),
  ratePerMinute: z.int().min(1).max(100_000)
})
export type Policy = z.infer<typeof PolicySchema>

export const KeyIdSchema = hexString(16)

export const KeyRecordSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  keyId: KeyIdSchema,
  scheme: KeySchemeSchema,
  groupPublicKey: PointHexSchema,
  /**
   * ecdsa-secp256k1 keys only, and always there for them: the EIP-55 Ethereum address of
   * groupPublicKey, owner-signed with the rest (docs/decisions/0018-ecdsa-key-scheme.md).
   */
  address: EthereumAddressSchema.optional(),
  /** Ed25519 public key that signs this record and every request for the key. */
  ownerAuthKey: hexString(32),
  network: z.string().min(1).max(64),
  /** genesisDigest() of the membership the key was dealt against; binds every member's encryption key. */
  genesisDigest: hexString(32),
  epoch: z.int().min(0),
  params: z.strictObject({ committees: z.int().min(1).max(64), tc: z.int().min(1), tm: z.int().min(1) }),
  /** outer F_0..F_{tc-1} (F_0 is the group key as a point); inner[c-1] = G_{c,0..tm-1} of committee c. */
  commitments: CommitmentsSchema,
  /** holders[c-1] = peer ids of committee c's members, in member-position order. */
  holders: z.array(z.array(z.string().min(1).max(128)).min(1).max(64)).min(1).max(64),
  policy: PolicySchema,
  createdAt: z.int().min(0),
  signature: hexString(64)
})
export type KeyRecord = z.infer<typeof KeyRecordSchema>
export type UnsignedKeyRecord = Omit<KeyRecord, 'signature'>

export const KEY_RECORD_KIND = 'key_record'

/** keyId = first 16 bytes of SHA-256("shardsig/v1/key-id\n" + scheme + "\n" + groupPublicKey hex). */
export function deriveKeyId (scheme: KeyScheme, groupPublicKeyHex: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(`shardsig/v1/key-id\n${scheme}\n${groupPublicKeyHex}`)).subarray(0, 16))
}
