// The AEAD building block against published vectors (RFC 7914, draft-irtf-cfrg-xchacha)
// and against tampering; SecretKey never prints its bytes.
import { format, inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  DEFAULT_SCRYPT, ENVELOPE_VERSION, SealOpenError, SecretKey, UnsupportedEnvelopeVersionError,
  deriveKey, newScryptParams, open, seal
} from '../../node/store/index.js'

const SMALL = { N: 2 ** 10, r: 8, p: 1 }
const key = new SecretKey(new Uint8Array(32).fill(7))
const aad = utf8ToBytes('record/a')
const plaintext = utf8ToBytes('a secret share')

// draft-irtf-cfrg-xchacha-03, appendix A.3.1
const XCHACHA_VECTOR = {
  key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
  nonce: '404142434445464748494a4b4c4d4e4f5051525354555657',
  aad: '50515253c0c1c2c3c4c5c6c7',
  plaintext: "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ciphertext: 'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e',
  tag: 'c0875924c1c7987947deafd8780acf49'
}

function flip (bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[index] = (copy[index] as number) ^ 0x01
  return copy
}

describe('seal / open', () => {
  it('matches the XChaCha20-Poly1305 vector of draft-irtf-cfrg-xchacha A.3.1, framed as version || nonce || ct || tag', () => {
    const v = XCHACHA_VECTOR
    const envelope = seal(new SecretKey(hexToBytes(v.key)), hexToBytes(v.aad), utf8ToBytes(v.plaintext), () => hexToBytes(v.nonce))
    expect(bytesToHex(envelope)).toBe('01' + v.nonce + v.ciphertext + v.tag)
    expect(new TextDecoder().decode(open(new SecretKey(hexToBytes(v.key)), hexToBytes(v.aad), envelope))).toBe(v.plaintext)
  })

  it('round-trips and uses a fresh nonce for every seal', () => {
    const a = seal(key, aad, plaintext)
    const b = seal(key, aad, plaintext)
    expect(a[0]).toBe(ENVELOPE_VERSION)
    expect(bytesToHex(a.subarray(1, 25))).not.toBe(bytesToHex(b.subarray(1, 25)))
    expect(open(key, aad, a)).toEqual(plaintext)
    expect(open(key, aad, b)).toEqual(plaintext)
  })

  it('rejects the wrong key', () => {
    const other = new SecretKey(new Uint8Array(32).fill(8))
    expect(() => open(other, aad, seal(key, aad, plaintext))).toThrow(SealOpenError)
  })

  it('rejects an envelope moved to other associated data', () => {
    expect(() => open(key, utf8ToBytes('record/b'), seal(key, aad, plaintext))).toThrow(/does not authenticate/)
  })

  it.each([
    ['nonce', 1], ['ciphertext', 30], ['tag', -1]
  ])('rejects a flipped %s byte', (_, at) => {
    const envelope = seal(key, aad, plaintext)
    expect(() => open(key, aad, flip(envelope, at < 0 ? envelope.length + at : at))).toThrow(SealOpenError)
  })

  it('rejects a truncated envelope with its length in the message', () => {
    expect(() => open(key, aad, seal(key, aad, plaintext).subarray(0, 30))).toThrow(/30 bytes, shorter than the 41-byte minimum/)
    expect(() => open(key, aad, new Uint8Array(0))).toThrow(/empty/)
  })

  it('rejects an unknown envelope version, naming it', () => {
    const envelope = seal(key, aad, plaintext)
    envelope[0] = 2
    const err = catchError(() => open(key, aad, envelope))
    expect(err).toBeInstanceOf(UnsupportedEnvelopeVersionError)
    expect(err).toBeInstanceOf(SealOpenError)
    expect((err as UnsupportedEnvelopeVersionError).version).toBe(2)
    expect((err as Error).message).toBe('envelope version 2 is not supported (this build reads version 1)')
  })
})

describe('deriveKey', () => {
  it('matches the scrypt vector of RFC 7914 section 12 (first 32 bytes)', async () => {
    const derived = await deriveKey('password', { N: 1024, r: 8, p: 16, salt: utf8ToBytes('NaCl') })
    expect(bytesToHex(derived.bytes)).toBe('fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162')
  })

  it('derives with the default params without blocking the event loop', async () => {
    const params = newScryptParams()
    expect(params).toMatchObject({ N: 2 ** 15, r: 8, p: 1 })
    expect(params.salt).toHaveLength(16)
    let ticks = 0
    const timer = setInterval(() => { ticks++ }, 1)
    const derived = await deriveKey('correct horse', params).finally(() => clearInterval(timer))
    expect(derived.bytes).toHaveLength(32)
    // A synchronous scrypt would finish before the first tick could run.
    expect(ticks).toBeGreaterThan(0)
  })

  it('gives different keys for different salts and the same key for the same salt', async () => {
    const p1 = newScryptParams(SMALL)
    const p2 = newScryptParams(SMALL)
    expect(bytesToHex(p1.salt)).not.toBe(bytesToHex(p2.salt))
    const [a, a2, b] = await Promise.all([deriveKey('pw', p1), deriveKey('pw', p1), deriveKey('pw', p2)])
    expect(a.bytes).toEqual(a2.bytes)
    expect(a.bytes).not.toEqual(b.bytes)
  })

  it('derives the same key from composed and decomposed forms of a passphrase (NFKC)', async () => {
    const params = newScryptParams(SMALL)
    const composed = await deriveKey('caf\u00e9', params)
    const decomposed = await deriveKey('cafe\u0301', params)
    expect(composed.bytes).toEqual(decomposed.bytes)
  })

  it('rejects an empty passphrase and unusable params', async () => {
    const salt = new Uint8Array(16)
    await expect(deriveKey('', newScryptParams(SMALL))).rejects.toThrow(/passphrase must not be empty/)
    await expect(deriveKey('pw', { N: 1000, r: 8, p: 1, salt })).rejects.toThrow(/power of two/)
    await expect(deriveKey('pw', { N: 2 ** 30, r: 8, p: 1, salt })).rejects.toThrow(/needs more than/)
  })

  it('keeps the default params frozen', () => {
    expect(Object.isFrozen(DEFAULT_SCRYPT)).toBe(true)
  })
})

describe('SecretKey', () => {
  it('prints redacted through String(), JSON.stringify, util.inspect and console formats', () => {
    const secret = new SecretKey(new Uint8Array(32).fill(0xab))
    const printed = [
      String(secret), `${secret}`, JSON.stringify({ secret }), inspect(secret), inspect({ nested: { secret } }, { depth: 5 }),
      format('%o %O %s %j', secret, secret, secret, secret)
    ]
    for (const text of printed) {
      expect(text).toContain('SecretKey(<redacted>)')
      expect(text).not.toMatch(/ab|171/)
    }
    expect(Object.keys(secret)).toEqual([])
  })

  it('copies its input and zeroes its bytes on wipe, then refuses use', () => {
    const input = new Uint8Array(32).fill(1)
    const secret = new SecretKey(input)
    input.fill(2)
    const inner = secret.bytes
    expect(inner).toEqual(new Uint8Array(32).fill(1))
    secret.wipe()
    expect(inner).toEqual(new Uint8Array(32))
    expect(secret.wiped).toBe(true)
    expect(() => secret.bytes).toThrow(/used after wipe/)
    expect(() => seal(secret, aad, plaintext)).toThrow(/used after wipe/)
  })

  it('refuses a key of the wrong length', () => {
    expect(() => new SecretKey(new Uint8Array(31))).toThrow(/needs 32 bytes, got 31/)
  })
})

function catchError (run: () => unknown): unknown {
  try {
    run()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}
