// Sub-shares sealed to their member (protocols/crypto/share-seal.ts): HPKE base mode,
// DHKEM(X25519, HKDF-SHA256) on WebCrypto. The pure-JS KEM of @hpke/dhkem-x25519 (what
// the nodes used before) stands in for any other RFC 9180 implementation: each opens
// what the other sealed, so nodes of either version read each other's deals.
import { CipherSuite, HkdfSha256 } from '@hpke/core'
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305'
import { DhkemX25519HkdfSha256 as JsDhkemX25519 } from '@hpke/dhkem-x25519'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { openShare, sealShare, ShareOpenError, type ShareSlot } from '../../protocols/crypto/share-seal.js'
import { canonicalJson } from '../../protocols/wire/canonical.js'

const INFO = new TextEncoder().encode('shardsig/v1/share')
const reference = new CipherSuite({ kem: new JsDhkemX25519(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() })
const slot: ShareSlot = { keyId: 'ab'.repeat(16), network: 'net', epoch: 1, committee: 2, member: 3, peerId: 'peer-x' }
const aad = (s: ShareSlot): Uint8Array => new TextEncoder().encode(canonicalJson(s))

describe('share sealing (HPKE)', () => {
  it('opens what the reference implementation sealed, and the reference opens what it seals', async () => {
    for (let i = 0; i < 5; i++) {
      const sk = x25519.utils.randomSecretKey()
      const share = x25519.utils.randomSecretKey()
      const sealed = await sealShare(x25519.getPublicKey(sk), slot, share)
      const byReference = await reference.open({ recipientKey: await reference.kem.deserializePrivateKey(sk), enc: hexToBytes(sealed.enc), info: INFO }, hexToBytes(sealed.ciphertext), aad(slot))
      expect(bytesToHex(new Uint8Array(byReference))).toBe(bytesToHex(share))
      const { enc, ct } = await reference.seal({ recipientPublicKey: await reference.kem.deserializePublicKey(x25519.getPublicKey(sk)), info: INFO }, share, aad(slot))
      expect(bytesToHex(await openShare(sk, slot, { enc: bytesToHex(new Uint8Array(enc)), ciphertext: bytesToHex(new Uint8Array(ct)) }))).toBe(bytesToHex(share))
    }
  })

  it('refuses another recipient and a ciphertext moved to another slot', async () => {
    const sk = x25519.utils.randomSecretKey()
    const sealed = await sealShare(x25519.getPublicKey(sk), slot, new Uint8Array(32).fill(7))
    await expect(openShare(x25519.utils.randomSecretKey(), slot, sealed)).rejects.toThrow(ShareOpenError)
    await expect(openShare(sk, { ...slot, member: 1 }, sealed)).rejects.toThrow(ShareOpenError)
  })
})
