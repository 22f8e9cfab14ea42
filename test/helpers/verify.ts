// Verifies a signature with a verifier that shares no code with shardsig:
// node:crypto (OpenSSL) for Ed25519, @noble/curves' schnorr.verify for BIP340, noble's ECDSA (low-s) and recovery for ecdsa-secp256k1.
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js'
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
    if (key.scheme === 'ecdsa-secp256k1') {
      // noble's ECDSA (low-s) on the 32-byte digest, and public-key recovery from r‖s‖v must give the key.
      const signature = hexToBytes(signatureHex)
      const groupKey = hexToBytes(key.groupPublicKey)
      if (signature.length !== 65 || !secp256k1.verify(signature.subarray(0, 64), message, groupKey, { prehash: false, lowS: true })) return false
      const recovered = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact').addRecoveryBit(signature[64]!).recoverPublicKey(message).toBytes(true)
      return Buffer.from(recovered).equals(Buffer.from(groupKey))
    }
    // Our BIP340 group keys are stored compressed (02…, even Y): BIP340 takes the x coordinate.
    return schnorr.verify(hexToBytes(signatureHex), message, hexToBytes(key.groupPublicKey).subarray(1))
  } catch {
    return false
  }
}
