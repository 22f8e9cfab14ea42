// r, s and v of an ECDSA sign result (protocols/ecdsa/signature-fields.ts) and the API's answer
// (node/api/routes/sign.ts signResultBody): the web3.js documentation's published signature, real
// noble signatures, and what is not a recoverable signature refused by name.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { signResultBody } from '../../node/api/routes/sign.js'
import { EcdsaSignatureFormatError, ecdsaFields } from '../../protocols/ecdsa/signature-fields.js'
import { SignResultSchema, type SignResult } from '../../protocols/wire/sign.js'
import { keyFileFor, signRecoverable, WEB3_DIGEST, WEB3_SECRET, WEB3_SIGNATURE } from '../helpers/ecdsa-client-keys.js'

const web3Hex = WEB3_SIGNATURE.r + WEB3_SIGNATURE.s + '01'

describe('ecdsaFields', () => {
  it('splits the web3.js documentation\'s signature of "Some data" into its published r, s and v (0x1c = 27 + 1)', () => {
    expect(signRecoverable(WEB3_SECRET, hexToBytes(WEB3_DIGEST))).toBe(web3Hex)
    expect(ecdsaFields(web3Hex)).toEqual(WEB3_SIGNATURE)
  })

  it('gives back what noble signed, and the recovery id recovers the key', () => {
    for (let i = 0; i < 8; i++) {
      const secret = secp256k1.utils.randomSecretKey()
      const digest = secp256k1.utils.randomSecretKey()
      const { r, s, v } = ecdsaFields(signRecoverable(secret, digest))
      const sig = new secp256k1.Signature(BigInt('0x' + r), BigInt('0x' + s), v)
      expect(sig.hasHighS()).toBe(false)
      expect(sig.recoverPublicKey(digest).toBytes(true)).toEqual(secp256k1.getPublicKey(secret, true))
    }
  })

  it('v 2 and 3 (x(R) ≥ n) are recovery ids; 4 and above are not', () => {
    expect(ecdsaFields(WEB3_SIGNATURE.r + WEB3_SIGNATURE.s + '03').v).toBe(3)
    expect(() => ecdsaFields(WEB3_SIGNATURE.r + WEB3_SIGNATURE.s + '04')).toThrow(/v = 4, a recovery id is 0 to 3/)
    expect(() => ecdsaFields(WEB3_SIGNATURE.r + WEB3_SIGNATURE.s + '1c')).toThrow(EcdsaSignatureFormatError)
  })

  it('refuses a 64-byte r‖s (a FROST signature\'s length), upper case and odd lengths, saying what it got', () => {
    expect(() => ecdsaFields(WEB3_SIGNATURE.r + WEB3_SIGNATURE.s)).toThrow(/got 128 characters/)
    expect(() => ecdsaFields(web3Hex.toUpperCase())).toThrow(/not all lowercase hex/)
    expect(() => ecdsaFields(web3Hex + '0')).toThrow(EcdsaSignatureFormatError)
    expect(() => ecdsaFields('')).toThrow(/got 0 characters/)
  })
})

describe('signResultBody (the API\'s sign result)', () => {
  const ecdsaKey = keyFileFor('ecdsa-secp256k1', WEB3_SECRET)
  const base: SignResult = { requestId: 'req-fields-0001', keyId: ecdsaKey.keyId, status: 'completed', scheme: 'ecdsa-secp256k1', groupPublicKey: ecdsaKey.groupPublicKey, attempts: 1 }

  it('an ECDSA result carries r, s and v right after its 65-byte signature, and is a valid SignResult', () => {
    const body = signResultBody({ ...base, signature: web3Hex, signers: [{ committee: 1, member: 1, peerId: 'peer-1' }] })
    expect(body).toMatchObject({ signature: web3Hex, ...WEB3_SIGNATURE })
    expect(Object.keys(body)).toEqual(['requestId', 'keyId', 'status', 'scheme', 'groupPublicKey', 'attempts', 'signature', 'r', 's', 'v', 'signers'])
    expect(SignResultSchema.parse(body)).toEqual(body)
  })

  it('fields the engine had set are replaced by the signature\'s own', () => {
    const body = signResultBody({ ...base, signature: web3Hex, v: 0, r: '00'.repeat(32) })
    expect(body).toMatchObject(WEB3_SIGNATURE)
  })

  it('a pending or failed ECDSA result and every FROST result are answered as they are', () => {
    const pending = { ...base, status: 'pending' as const, attempts: 0 }
    expect(signResultBody(pending)).toBe(pending)
    const failed = { ...base, status: 'failed' as const, reason: 'no valid party left' }
    expect(signResultBody(failed)).toBe(failed)
    const frost: SignResult = { ...base, scheme: 'secp256k1', signature: 'ab'.repeat(64) }
    expect(signResultBody(frost)).toBe(frost)
  })

  it('an ECDSA signature that is not r‖s‖v is an error, not an answer without r, s, v', () => {
    expect(() => signResultBody({ ...base, signature: 'ab'.repeat(64) })).toThrow(EcdsaSignatureFormatError)
  })
})
