// What the CLI signs for a key (cli/client/message-digest.ts, cli/message-flags.ts): a FROST key's
// message as is, an ecdsa-secp256k1 key's 32-byte digest, made by --keccak or --sha256 (published
// vectors) or given; every misuse refused before any request, naming the flag.
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HashForFrostKeyError, MESSAGE_HASHES, messageToSign, NotADigestError } from '../../cli/client/message-digest.js'
import { UsageError } from '../../cli/io.js'
import { messageFromFlags } from '../../cli/message-flags.js'
import { WEB3_DIGEST, WEB3_MESSAGE } from '../helpers/ecdsa-client-keys.js'

describe('the hashes', () => {
  it('keccak-256 is Ethereum\'s (original Keccak padding), not SHA3-256: published vectors', () => {
    expect(bytesToHex(MESSAGE_HASHES.keccak(new Uint8Array()))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect(bytesToHex(MESSAGE_HASHES.keccak(utf8ToBytes('abc')))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
    // web3.eth.accounts.sign('Some data', …)'s messageHash (EIP-191 prefix included).
    expect(bytesToHex(MESSAGE_HASHES.keccak(WEB3_MESSAGE))).toBe(WEB3_DIGEST)
  })

  it('SHA-256: FIPS 180-4 vectors', () => {
    expect(bytesToHex(MESSAGE_HASHES.sha256(new Uint8Array()))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(bytesToHex(MESSAGE_HASHES.sha256(utf8ToBytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })
})

describe('messageToSign', () => {
  const digest = hexToBytes(WEB3_DIGEST)

  it('an ECDSA key signs a 32-byte message as given, or the hash of any message', () => {
    expect(messageToSign('ecdsa-secp256k1', digest)).toBe(digest)
    expect(bytesToHex(messageToSign('ecdsa-secp256k1', WEB3_MESSAGE, 'keccak'))).toBe(WEB3_DIGEST)
    expect(bytesToHex(messageToSign('ecdsa-secp256k1', new Uint8Array(), 'keccak'))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect(bytesToHex(messageToSign('ecdsa-secp256k1', utf8ToBytes('abc'), 'sha256'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    // A 32-byte message hashed on request is hashed, not taken as the digest.
    expect(bytesToHex(messageToSign('ecdsa-secp256k1', digest, 'sha256'))).not.toBe(WEB3_DIGEST)
  })

  it('refuses an ECDSA message that is no digest, with its length and the flags that would hash it', () => {
    for (const bytes of [0, 5, 31, 33, 64]) {
      expect(() => messageToSign('ecdsa-secp256k1', new Uint8Array(bytes))).toThrow(NotADigestError)
    }
    expect(() => messageToSign('ecdsa-secp256k1', new Uint8Array(5))).toThrow('--message is 5 bytes; an ecdsa-secp256k1 key signs a 32-byte digest: give the digest, or --keccak (Ethereum) or --sha256 to hash the message')
  })

  it('a FROST key signs its message as is, of any length, and takes no hash', () => {
    const message = utf8ToBytes('hello')
    for (const scheme of ['ed25519', 'secp256k1'] as const) {
      expect(messageToSign(scheme, message)).toBe(message)
      expect(() => messageToSign(scheme, message, 'keccak')).toThrow(HashForFrostKeyError)
      expect(() => messageToSign(scheme, message, 'sha256')).toThrow(`--sha256 hashes the message into the digest an ecdsa-secp256k1 key signs; this key is ${scheme}, which signs the message itself`)
    }
  })
})

describe('messageFromFlags (sign and verify)', () => {
  it('reads hex (0x and upper case allowed) and @file, and hashes with the flag given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shardsig-message-flags-'))
    try {
      await writeFile(join(dir, 'm.bin'), WEB3_MESSAGE)
      expect(bytesToHex((await messageFromFlags({ message: `@${join(dir, 'm.bin')}`, keccak: true }, 'ecdsa-secp256k1')).signed)).toBe(WEB3_DIGEST)
      expect(await messageFromFlags({ message: '0x' + WEB3_DIGEST.toUpperCase() }, 'ecdsa-secp256k1')).toEqual({ signed: hexToBytes(WEB3_DIGEST) })
      expect(await messageFromFlags({ message: '616263', sha256: true }, 'ecdsa-secp256k1')).toEqual({ signed: MESSAGE_HASHES.sha256(utf8ToBytes('abc')), hash: 'sha256' })
      await expect(messageFromFlags({ message: `@${join(dir, 'missing')}` }, 'ed25519')).rejects.toThrow(/--message @.*missing: cannot read the file \(ENOENT\)/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('usage errors: both flags, a flag for a FROST key, an ECDSA message that is no digest, bad or missing hex', async () => {
    const refusals: Array<[Parameters<typeof messageFromFlags>, string]> = [
      [[{ message: '00', keccak: true, sha256: true }, 'ecdsa-secp256k1'], 'give --keccak or --sha256, not both'],
      [[{ message: '00', keccak: true }, 'secp256k1'], '--keccak hashes the message'],
      [[{ message: '68656c6c6f' }, 'ecdsa-secp256k1'], '--message is 5 bytes; an ecdsa-secp256k1 key signs a 32-byte digest'],
      [[{ message: 'xyz' }, 'ed25519'], '--message must be hex'],
      [[{ message: 'abc' }, 'ed25519'], '--message must be hex'],
      [[{}, 'ed25519'], '--message is required']
    ]
    for (const [args, message] of refusals) {
      const refused = messageFromFlags(...args)
      await expect(refused).rejects.toThrow(UsageError)
      await expect(refused).rejects.toThrow(message)
    }
  })
})
