// Signatures by a node's libp2p Ed25519 identity, verifiable by anyone from the
// peer id alone (an Ed25519 peer id embeds its public key). Used for receipts.
import { peerIdFromString } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { signingInput } from '../wire/canonical.js'
import { verifyEd25519 } from './ed25519-verify.js'

/** The public key inside an Ed25519 peer id, or undefined for any other kind of id. */
export function peerPublicKey (peerId: string): Uint8Array | undefined {
  try {
    const id = peerIdFromString(peerId)
    return id.type === 'Ed25519' ? id.publicKey.raw : undefined
  } catch {
    return undefined
  }
}

/** `seed` is the 32-byte Ed25519 seed of the node's libp2p key (the first half of its raw form). */
export function signAsPeer<T extends Record<string, unknown>> (kind: string, body: T, seed: Uint8Array): T & { signature: string } {
  return { ...body, signature: bytesToHex(ed25519.sign(signingInput(kind, body), seed)) }
}

export function verifyPeerSignature (kind: string, body: Record<string, unknown> & { signature: string }, peerId: string): boolean {
  // Decoded each time (~15 µs, against ~100 µs for the verification): no cache to own or pass.
  const raw = peerPublicKey(peerId)
  if (raw === undefined) return false
  const publicKey = bytesToHex(raw)
  try {
    return verifyEd25519(hexToBytes(body.signature), signingInput(kind, body), publicKey)
  } catch {
    return false
  }
}
