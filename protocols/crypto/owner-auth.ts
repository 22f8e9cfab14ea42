// Ed25519 signatures over canonical bodies (DESIGN 7): owner-signed key
// records, bundles and requests. Verification never throws on bad input.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { signingInput } from '../wire/canonical.js'
import { verifyEd25519 } from './ed25519-verify.js'

export function signBody<T extends Record<string, unknown>> (kind: string, body: T, secretKey: Uint8Array): T & { signature: string } {
  const signature = bytesToHex(ed25519.sign(signingInput(kind, body), secretKey))
  return { ...body, signature }
}

export function verifyBody (kind: string, body: Record<string, unknown> & { signature: string }, publicKeyHex: string): boolean {
  try {
    return verifyEd25519(hexToBytes(body.signature), signingInput(kind, body), publicKeyHex)
  } catch {
    return false
  }
}

export function ownerPublicKey (secretKey: Uint8Array): string {
  return bytesToHex(ed25519.getPublicKey(secretKey))
}
