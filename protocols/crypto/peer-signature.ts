// Signatures by a node's libp2p Ed25519 identity, verifiable by anyone from the
// peer id alone (an Ed25519 peer id embeds its public key). Used for receipts.
import { peerIdFromString } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { signingInput } from '../wire/canonical.js'
import { verifyEd25519 } from './shared-verifier.js'

/** Peer ids decoded lately (a network has few): hex public key, or null for a non-Ed25519 id. */
const publicKeys = new Map<string, string | null>()
const MAX_PEER_KEYS = 1_024

function peerPublicKeyHex (peerId: string): string | undefined {
  let hex = publicKeys.get(peerId)
  if (hex === undefined) {
    const raw = peerPublicKey(peerId)
    hex = raw === undefined ? null : bytesToHex(raw)
    if (publicKeys.size >= MAX_PEER_KEYS) publicKeys.delete(publicKeys.keys().next().value!)
    publicKeys.set(peerId, hex)
  }
  return hex ?? undefined
}

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
  const publicKey = peerPublicKeyHex(peerId)
  if (publicKey === undefined) return false
  try {
    return verifyEd25519(hexToBytes(body.signature), signingInput(kind, body), publicKey)
  } catch {
    return false
  }
}
