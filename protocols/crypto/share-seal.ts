// Sub-shares travel sealed to their member (DESIGN 2) with HPKE, RFC 9180:
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, base mode.
// The AAD binds key id, network, epoch, committee, member and peer id, so a
// ciphertext moved to another slot does not open.
// @hpke/core's DHKEM(X25519) runs on WebCrypto's native X25519 (about twice as fast as the
// pure-JS @hpke/dhkem-x25519 it replaced; resharing seals and opens one sub-share per dealer
// and member); the same KEM of RFC 9180, so either opens what the other sealed (sealing.test.ts).
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { canonicalJson } from '../wire/canonical.js'

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })
const encoder = new TextEncoder()
const INFO = encoder.encode('shardsig/v1/share')

export interface ShareSlot {
  keyId: string
  network: string
  epoch: number
  committee: number
  member: number
  peerId: string
  /** DKG: the dealing node's peer id (then `keyId` is the DKG session, the key id being unknown yet). */
  dealer?: string
}

export interface SealedShare { enc: string, ciphertext: string }

export class ShareOpenError extends Error {
  constructor (readonly slot: ShareSlot) {
    super(`sub-share for key ${slot.keyId} committee ${slot.committee} member ${slot.member} does not open: wrong recipient key, AAD or tampered ciphertext`)
    this.name = 'ShareOpenError'
  }
}

function aad (slot: ShareSlot): Uint8Array {
  return encoder.encode(canonicalJson(slot))
}

export async function sealShare (recipientPublicKey: Uint8Array, slot: ShareSlot, share: Uint8Array): Promise<SealedShare> {
  const pk = await suite.kem.deserializePublicKey(recipientPublicKey)
  const { enc, ct } = await suite.seal({ recipientPublicKey: pk, info: INFO }, share, aad(slot))
  return { enc: bytesToHex(new Uint8Array(enc)), ciphertext: bytesToHex(new Uint8Array(ct)) }
}

export async function openShare (recipientSecretKey: Uint8Array, slot: ShareSlot, sealed: SealedShare): Promise<Uint8Array> {
  try {
    const sk = await suite.kem.deserializePrivateKey(recipientSecretKey)
    const pt = await suite.open({ recipientKey: sk, enc: hexToBytes(sealed.enc), info: INFO }, hexToBytes(sealed.ciphertext), aad(slot))
    return new Uint8Array(pt)
  } catch {
    throw new ShareOpenError(slot)
  }
}
