// The Ethereum address of a secp256k1 key (protocols/keys/eth-address.ts): the
// EIP-55 published checksum vectors, and private key → address vectors.
import { describe, expect, it } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { ethereumAddress, InvalidPublicKeyError, isChecksumAddress, toChecksumAddress } from '../../protocols/keys/eth-address.js'

/** EIP-55's own test cases (eips.ethereum.org/EIPS/eip-55, "Test Cases"). */
const EIP55_VECTORS = [
  // All caps
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  // All lower
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  // Normal
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb'
]

/** Well-known keys: private keys 1, 2 and 3 (their addresses are on every block explorer). */
const KEY_VECTORS: Array<{ secret: bigint, address: string }> = [
  { secret: 1n, address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf' },
  { secret: 2n, address: '0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF' },
  { secret: 3n, address: '0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69' }
]

const publicKey = (secret: bigint, compressed: boolean): Uint8Array => secp256k1.Point.BASE.multiply(secret).toBytes(compressed)

describe('EIP-55 checksum', () => {
  it.each(EIP55_VECTORS)('writes %s exactly as the EIP does, from any case', (vector) => {
    expect(toChecksumAddress(vector)).toBe(vector)
    expect(toChecksumAddress(vector.toLowerCase())).toBe(vector)
    expect(toChecksumAddress('0x' + vector.slice(2).toUpperCase())).toBe(vector)
    expect(isChecksumAddress(vector)).toBe(true)
  })

  it('a mixed-case address with one letter\'s case flipped fails the checksum', () => {
    const vector = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'
    const swap = (ch: string): string => ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()
    const flipped = vector.slice(0, 4) + swap(vector[4]!) + vector.slice(5)
    expect(flipped).not.toBe(vector)
    expect(isChecksumAddress(flipped)).toBe(false)
    expect(isChecksumAddress(vector.toLowerCase())).toBe(false)
  })

  it('refuses what is not 0x and 40 hex digits', () => {
    for (const bad of ['', '0x', '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd', '0xg0000000000000000000000000000000000000000'.slice(0, 42)]) {
      expect(() => toChecksumAddress(bad), bad).toThrow(RangeError)
      expect(isChecksumAddress(bad), bad).toBe(false)
    }
  })
})

describe('ethereumAddress', () => {
  it.each(KEY_VECTORS)('private key $secret → $address, from the compressed and the uncompressed key alike', ({ secret, address }) => {
    expect(ethereumAddress(publicKey(secret, true))).toBe(address)
    expect(ethereumAddress(publicKey(secret, false))).toBe(address)
  })

  it('a key and its negation (same x, other Y) have different addresses: the address needs Y', () => {
    const even = publicKey(1n, true)
    const odd = Uint8Array.from(even)
    odd[0] = even[0] === 0x02 ? 0x03 : 0x02
    expect(ethereumAddress(odd)).not.toBe(ethereumAddress(even))
    expect(ethereumAddress(odd)).toBe(ethereumAddress(publicKey(secp256k1.Point.Fn.ORDER - 1n, true)))
  })

  it('refuses bytes that are not a secp256k1 point', () => {
    expect(() => ethereumAddress(new Uint8Array(33))).toThrow(InvalidPublicKeyError)
    expect(() => ethereumAddress(hexToBytes('02' + 'ff'.repeat(32)))).toThrow(InvalidPublicKeyError)
    expect(() => ethereumAddress(new Uint8Array(32).fill(1))).toThrow(InvalidPublicKeyError)
  })
})
