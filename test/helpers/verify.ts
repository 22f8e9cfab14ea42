// Verifies a signature with a verifier that shares no code with shardsig:
// node:crypto (OpenSSL) for Ed25519, @noble/curves' schnorr.verify for BIP340.
import { schnorr } from '@noble/curves/secp256k1.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import type { KeyFile } from '../../cli/key-file.js'

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export function verifiesIndependently (key: Pick<KeyFile, 'scheme' | 'groupPublicKey'>, message: Uint8Array, signatureHex: string): boolean {
  try {
    if (key.scheme === 'ed25519') {
      const publicKey = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(key.groupPublicKey, 'hex')]), format: 'der', type: 'spki' })
      return nodeVerify(null, message, publicKey, Buffer.from(signatureHex, 'hex'))
    }
    // Our BIP340 group keys are stored compressed (02…, even Y): BIP340 takes the x coordinate.
    return schnorr.verify(hexToBytes(signatureHex), message, hexToBytes(key.groupPublicKey).subarray(1))
  } catch {
    return false
  }
}
