// Ed25519 signatures over canonical bodies (DESIGN 7): owner-signed key
// records, bundles and requests. Verification never throws on bad input.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { createPrivateKey, KeyObject, sign as nodeSign } from 'node:crypto'
import { signingInput } from '../wire/canonical.js'
import { verifyEd25519 } from './ed25519-verify.js'

/** PKCS#8 DER of an Ed25519 private key, up to its 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = hexToBytes('302e020100300506032b657004220420')
const SECRET_KEY_BYTES = 32

/**
 * An owner's 32-byte secret key as an OpenSSL key object, for a client that signs many bodies
 * with one key: a signature with it costs ~0.05 ms, against ~0.6 ms with the secret bytes (the
 * public key is derived each time) and ~1.2 ms with noble. Ed25519 is deterministic (RFC 8032),
 * so every way gives the same bytes (test: owner-auth.test.ts).
 */
export function ownerSigningKey (secretKey: Uint8Array): KeyObject {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== SECRET_KEY_BYTES) throw new RangeError(`an Ed25519 secret key is ${SECRET_KEY_BYTES} bytes`)
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, secretKey])
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

export function signBody<T extends Record<string, unknown>> (kind: string, body: T, secretKey: Uint8Array | KeyObject): T & { signature: string } {
  const key = secretKey instanceof KeyObject ? secretKey : ownerSigningKey(secretKey)
  const signature = nodeSign(null, signingInput(kind, body), key).toString('hex')
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
