// Key schemes (protocols/keys/key-scheme.ts): which curve each record scheme is
// shared over and which protocol signs it, and what the sign-request checks
// (protocols/sign/check-request.ts) make of an ecdsa-secp256k1 key: a message
// that is not a 32-byte digest is refused first, then the scheme this build
// does not sign yet. FROST is never handed such a key.
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import {
  digestBytesOf, frostCurveOf, isKeyScheme, KEY_SCHEMES, NotAFrostKeyError, sharingCurveOf, signingProtocolOf, UnknownKeySchemeError, type KeyScheme
} from '../../protocols/keys/key-scheme.js'
import { CURVE_NAMES } from '../../protocols/sharing/index.js'
import { checkSignable, checkSignRequest, SignRejection } from '../../protocols/sign/check-request.js'
import { KeySchemeSchema, type KeyRecord } from '../../protocols/wire/key-record.js'
import { SIGN_REQUEST_KIND, SignResultSchema, type SignRequest } from '../../protocols/wire/sign.js'
import { SIGN_REJECTION_STATUS } from '../../protocols/wire/problems.js'

describe('key schemes', () => {
  it('maps every key scheme to its sharing curve and signing protocol', () => {
    expect(KEY_SCHEMES.map(s => [s, sharingCurveOf(s), signingProtocolOf(s)])).toEqual([
      ['ed25519', 'ed25519', 'frost'],
      ['secp256k1', 'secp256k1', 'frost'],
      ['ecdsa-secp256k1', 'secp256k1', 'dkls23']
    ])
    // Every curve a key can be shared over is one the sharing layer has, and the sharing layer knows no scheme name.
    for (const s of KEY_SCHEMES) expect(CURVE_NAMES).toContain(sharingCurveOf(s))
    expect(CURVE_NAMES).not.toContain('ecdsa-secp256k1')
  })

  it('FROST gets a ciphersuite for its own two schemes only', () => {
    expect(frostCurveOf('ed25519')).toBe('ed25519')
    expect(frostCurveOf('secp256k1')).toBe('secp256k1')
    expect(() => frostCurveOf('ecdsa-secp256k1')).toThrow(NotAFrostKeyError)
    expect(() => frostCurveOf('ecdsa-secp256k1')).toThrow(/ecdsa-secp256k1 key is signed with dkls23, not FROST/)
  })

  it('only ECDSA fixes the message length (a 32-byte digest)', () => {
    expect(KEY_SCHEMES.map(digestBytesOf)).toEqual([undefined, undefined, 32])
  })

  it('refuses unknown schemes by name, Object.prototype\'s included', () => {
    for (const bad of ['rsa', 'ECDSA-secp256k1', 'ecdsa', 'toString', '__proto__', '', undefined, 7]) {
      expect(isKeyScheme(bad), String(bad)).toBe(false)
      expect(() => sharingCurveOf(bad as KeyScheme), String(bad)).toThrow(UnknownKeySchemeError)
      expect(KeySchemeSchema.safeParse(bad).success, String(bad)).toBe(false)
    }
    expect(() => signingProtocolOf('rsa' as KeyScheme)).toThrow(/unknown key scheme "rsa"; known: ed25519, secp256k1, ecdsa-secp256k1/)
    for (const s of KEY_SCHEMES) expect(KeySchemeSchema.parse(s)).toBe(s)
  })

  it('a sign result may name any key scheme (the wire and the status page show it)', () => {
    expect(SignResultSchema.shape.scheme.options).toEqual([...KEY_SCHEMES])
  })
})

describe('a sign request for an ecdsa-secp256k1 key', () => {
  const NOW = 1_800_000_000_000
  const owner = ed25519.utils.randomSecretKey()
  const recordOf = (scheme: KeyScheme): KeyRecord => ({
    keyId: '11'.repeat(16), scheme, ownerAuthKey: bytesToHex(ed25519.getPublicKey(owner)), policy: { maxMessageBytes: 4096, ratePerMinute: 600 }
  }) as unknown as KeyRecord
  const requestOf = (message: Uint8Array): SignRequest =>
    signBody(SIGN_REQUEST_KIND, { v: 1, keyId: '11'.repeat(16), message: bytesToHex(message), requestId: 'req-00000001', expiresAt: NOW + 30_000 }, owner) as SignRequest
  const codeOf = (scheme: KeyScheme, message: Uint8Array): string => {
    try {
      checkSignRequest(requestOf(message), recordOf(scheme), NOW)
      return 'ok'
    } catch (err) {
      if (err instanceof SignRejection) return err.code
      throw err
    }
  }

  it('is refused with message-not-digest unless the message is exactly 32 bytes, before anything else about the scheme', () => {
    for (const length of [0, 1, 31, 33, 64, 4096]) expect(codeOf('ecdsa-secp256k1', new Uint8Array(length)), `${length} bytes`).toBe('message-not-digest')
    expect(() => checkSignRequest(requestOf(new Uint8Array(20)), recordOf('ecdsa-secp256k1'), NOW)).toThrow(/ecdsa-secp256k1 key signs a 32-byte digest .*; the message is 20 bytes/)
  })

  it('a 32-byte digest passes the request checks: DKLs23 signs it (nothing reaches FROST: the scheme picks the protocol)', () => {
    expect(codeOf('ecdsa-secp256k1', new Uint8Array(32).fill(7))).toBe('ok')
    expect(() => { checkSignable(recordOf('ecdsa-secp256k1')) }).not.toThrow()
    expect(signingProtocolOf('ecdsa-secp256k1')).toBe('dkls23')
    expect(SIGN_REJECTION_STATUS['scheme-not-signable']).toBe(501)
    expect(SIGN_REJECTION_STATUS['message-not-digest']).toBeUndefined() // 400, as every request check
  })

  it('the owner signature and expiry are still checked first', () => {
    const forged = { ...requestOf(new Uint8Array(5)), signature: '00'.repeat(64) }
    expect(() => checkSignRequest(forged, recordOf('ecdsa-secp256k1'), NOW)).toThrow(expect.objectContaining({ code: 'bad-owner-signature' }))
    expect(() => checkSignRequest(requestOf(new Uint8Array(5)), recordOf('ecdsa-secp256k1'), NOW + 120_000)).toThrow(expect.objectContaining({ code: 'expired' }))
  })

  it('FROST keys sign messages of any length, as before', () => {
    for (const scheme of ['ed25519', 'secp256k1'] as const) {
      for (const length of [0, 31, 32, 33, 100]) expect(codeOf(scheme, new Uint8Array(length)), `${scheme} ${length}`).toBe('ok')
      expect(() => { checkSignable(recordOf(scheme)) }).not.toThrow()
    }
  })
})
