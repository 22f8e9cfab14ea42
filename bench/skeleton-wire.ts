// What the skeleton's processes (bench/skeleton-process.ts) and the bench that
// drives them (bench/skeleton.ts) share: message sizes, schemas, the IPC
// messages, and how a libp2p node of the skeleton starts.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { z } from 'zod'
import { createShardsigLibp2p, type ShardsigLibp2p } from '../node/p2p/create-libp2p.js'

/** A new_party with presigned commitments for 4 members is ~1.5 KB of JSON; a share answer ~0.4 KB. */
export const PARTY_REQUEST_BYTES = 1_500
export const PARTY_ANSWER_BYTES = 400
/** A sign_request body (request, owner signature) and the CM's answer with the signature. */
export const HTTP_REQUEST_BYTES = 600
export const HTTP_ANSWER_BYTES = 300
/** A signer's contribution record. */
export const RECORD_BYTES = 400
export const REQUEST_TIMEOUT_MS = 10_000
export const ROLE_FLAG = '--role'

export const PartyRequest = z.strictObject({ pad: z.string(), durable: z.boolean() })
export const PartyAnswer = z.strictObject({ pad: z.string() })
export const SignRequest = z.strictObject({ request: z.string() })
export const SignAnswer = z.strictObject({ signature: z.string() })

export type Role = 'signer' | 'cm'
export interface SignerReady { multiaddrs: string[], peerId: string }
export interface CmReady { httpUrl: string }
export interface CmStart { signers: SignerReady[] }

export async function startNode (): Promise<ShardsigLibp2p> {
  return await createShardsigLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
}
