// What the client signs or checks for a key: a FROST key's message as it is,
// an ecdsa-secp256k1 key's 32-byte digest (DESIGN 11, decisions/0018): the
// message hashed here on request (keccak-256 for Ethereum, SHA-256 otherwise),
// or a digest the caller made. Refused before any request, naming the flag.
import { keccak_256 } from '@noble/hashes/sha3.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { digestBytesOf, type KeyScheme } from '../../protocols/keys/key-scheme.js'

/** keccak-256 (Ethereum's, the original Keccak padding, not SHA3-256) or SHA-256 (FIPS 180-4). */
export const MESSAGE_HASHES = { keccak: keccak_256, sha256 } as const
export type MessageHash = keyof typeof MESSAGE_HASHES

/** A hash was asked for a key that signs its message as is (FROST). */
export class HashForFrostKeyError extends Error {
  constructor (readonly hash: MessageHash, readonly scheme: KeyScheme) {
    super(`--${hash} hashes the message into the digest an ecdsa-secp256k1 key signs; this key is ${scheme}, which signs the message itself`)
    this.name = 'HashForFrostKeyError'
  }
}

/** A message for a digest-signing key that is no digest, and no hash was asked for. */
export class NotADigestError extends Error {
  constructor (readonly scheme: KeyScheme, readonly bytes: number, readonly digestBytes: number) {
    super(`--message is ${bytes} bytes; an ${scheme} key signs a ${digestBytes}-byte digest: give the digest, or --keccak (Ethereum) or --sha256 to hash the message`)
    this.name = 'NotADigestError'
  }
}

/** Throws NotADigestError unless `message` is a digest of the length the key's scheme signs (any message for FROST). */
export function checkSignedMessage (scheme: KeyScheme, message: Uint8Array): void {
  const digestBytes = digestBytesOf(scheme)
  if (digestBytes !== undefined && message.length !== digestBytes) throw new NotADigestError(scheme, message.length, digestBytes)
}

/** The bytes a key of `scheme` signs for `message`: hashed with `hash` when given (ECDSA keys only), else as is. */
export function messageToSign (scheme: KeyScheme, message: Uint8Array, hash?: MessageHash): Uint8Array {
  if (hash !== undefined) {
    if (digestBytesOf(scheme) === undefined) throw new HashForFrostKeyError(hash, scheme)
    return MESSAGE_HASHES[hash](message)
  }
  checkSignedMessage(scheme, message)
  return message
}
