// signBody signs with OpenSSL exactly what noble signs. verifyBody and verifyPeerSignature (protocols/crypto/ed25519-verify.ts) check with OpenSSL first and falls back to
// noble's ZIP-215 rules: it must accept exactly what noble's ed25519.verify accepts.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { ownerSigningKey, signBody, verifyBody } from '../../protocols/crypto/owner-auth.js'
import { peerPublicKey, signAsPeer, verifyPeerSignature } from '../../protocols/crypto/peer-signature.js'
import { signingInput } from '../../protocols/wire/canonical.js'

const KIND = 'sign_request'
const L = 2n ** 252n + 27742317777372353535851937790883648493n

function leHex (n: bigint): string {
  return bytesToHex(Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn)))
}

function nobleVerdict (body: Record<string, unknown> & { signature: string }, publicKey: string): boolean {
  try {
    return ed25519.verify(hexToBytes(body.signature), signingInput(KIND, body), hexToBytes(publicKey))
  } catch {
    return false
  }
}

describe('owner signatures', () => {
  it('accepts exactly what noble accepts: valid, tampered body, tampered signature, other key', () => {
    for (let i = 0; i < 40; i++) {
      const sk = ed25519.utils.randomSecretKey()
      const pk = bytesToHex(ed25519.getPublicKey(sk))
      const body = signBody(KIND, { v: 1, requestId: `req-${i}-abcdef`, n: i }, sk)
      const flipped = (hex: string, at: number): string => hex.slice(0, at) + ((parseInt(hex[at]!, 16) ^ 1).toString(16)) + hex.slice(at + 1)
      const cases: Array<[Record<string, unknown> & { signature: string }, string]> = [
        [body, pk],
        [{ ...body, n: i + 1 }, pk],
        [{ ...body, signature: flipped(body.signature, i % 128) }, pk],
        [body, bytesToHex(ed25519.getPublicKey(ed25519.utils.randomSecretKey()))],
        [{ ...body, signature: body.signature.slice(0, 126) }, pk]
      ]
      for (const [b, key] of cases) expect(verifyBody(KIND, b, key)).toBe(nobleVerdict(b, key))
      expect(verifyBody(KIND, body, pk)).toBe(true)
    }
  })

  it('signs with OpenSSL the same bytes noble signs (secret bytes or a key object), and refuses a wrong-length key', () => {
    for (let i = 0; i < 40; i++) {
      const sk = ed25519.utils.randomSecretKey()
      const body = { v: 1, requestId: `req-${i}-abcdef`, message: bytesToHex(ed25519.utils.randomSecretKey()) }
      const expected = bytesToHex(ed25519.sign(signingInput(KIND, body), sk))
      expect(signBody(KIND, body, sk).signature).toBe(expected)
      expect(signBody(KIND, body, ownerSigningKey(sk)).signature).toBe(expected)
    }
    expect(() => ownerSigningKey(new Uint8Array(31))).toThrow(RangeError)
    expect(() => signBody(KIND, { v: 1 }, new Uint8Array(33))).toThrow(RangeError)
  })

  it('refuses S + L (a malleated S), as noble does', () => {
    const sk = ed25519.utils.randomSecretKey()
    const pk = bytesToHex(ed25519.getPublicKey(sk))
    const body = signBody(KIND, { v: 1, x: 'y' }, sk)
    const s = hexToBytes(body.signature.slice(64)).reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)
    const malleated = { ...body, signature: body.signature.slice(0, 64) + leHex(s + L) }
    expect(nobleVerdict(malleated, pk)).toBe(false)
    expect(verifyBody(KIND, malleated, pk)).toBe(false)
  })

  it('judges ZIP-215 edge cases as noble does (small-order key, non-canonical encodings)', () => {
    const identity = '01' + '00'.repeat(31)
    // y = p + 1 (non-canonical encoding of the identity's y = 1), accepted by ZIP-215 decoding only.
    const nonCanonicalIdentity = leHex(2n ** 255n - 19n + 1n)
    for (const [key, r] of [[identity, identity], [identity, nonCanonicalIdentity], [nonCanonicalIdentity, identity]]) {
      const body = { v: 1, edge: true, signature: r! + '00'.repeat(32) }
      expect(verifyBody(KIND, body, key!)).toBe(nobleVerdict(body, key!))
    }
  })

  it('refuses malformed keys and signatures without throwing', () => {
    const sk = ed25519.utils.randomSecretKey()
    const body = signBody(KIND, { v: 1 }, sk)
    expect(verifyBody(KIND, body, 'zz')).toBe(false)
    expect(verifyBody(KIND, body, '00'.repeat(31))).toBe(false)
    expect(verifyBody(KIND, { ...body, signature: 'not hex' }, bytesToHex(ed25519.getPublicKey(sk)))).toBe(false)
  })
})

describe('node (peer id) signatures', () => {
  it('accept exactly what noble accepts, checked against the key inside the peer id', async () => {
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    for (let i = 0; i < 10; i++) {
      const key = await generateKeyPair('Ed25519')
      const peerId = peerIdFromPrivateKey(key).toString()
      const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const seed = key.raw.subarray(0, 32)
      const body = signAsPeer('reshare_receipt', { v: 1, n: i }, seed)
      const noble = (b: typeof body, id: string): boolean => {
        try {
          return ed25519.verify(hexToBytes(b.signature), signingInput('reshare_receipt', b), peerPublicKey(id)!)
        } catch {
          return false
        }
      }
      for (const [b, id] of [[body, peerId], [{ ...body, n: i + 1 }, peerId], [body, other], [{ ...body, signature: body.signature.slice(0, 64) + '00'.repeat(32) }, peerId]] as const) {
        expect(verifyPeerSignature('reshare_receipt', b, id)).toBe(noble(b, id))
      }
      expect(verifyPeerSignature('reshare_receipt', body, peerId)).toBe(true)
      expect(verifyPeerSignature('another_kind', body, peerId)).toBe(false)
    }
    expect(verifyPeerSignature('reshare_receipt', { v: 1, signature: '00'.repeat(64) }, 'not-a-peer-id')).toBe(false)
  })
})
