// The key record of an ecdsa-secp256k1 key: dealt over secp256k1 like a BIP340
// key (33-byte compressed, even-Y group key), carrying the EIP-55 address of
// that key, which every node checks when a record enters (checkRecord,
// bad-address naming the field); no other scheme's record carries one.
import { beforeAll, describe, expect, it } from 'vitest'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { checkRecord, NewUserRejection, recordDigest } from '../../protocols/new-user/check-record.js'
import { verifyBundle } from '../../protocols/new-user/verify-bundle.js'
import { ethereumAddress } from '../../protocols/keys/eth-address.js'
import { addressFields, addressMismatch } from '../../protocols/keys/record-address.js'
import { deriveKeyId, KeyRecordSchema, type KeyRecord } from '../../protocols/wire/key-record.js'
import type { Membership } from '../../protocols/wire/membership.js'
import { deal, newOwner, resign } from '../helpers/owner.js'

let membership: Membership

beforeAll(() => {
  membership = {
    network: 'ecdsa-unit', genesisDigest: 'ab'.repeat(32), epoch: 0, params: { committees: 3, tc: 2, tm: 2 },
    committees: [1, 2, 3].map(c => [1, 2, 3].map(m => ({
      nodeId: `node-${c}-${m}`, peerId: `peer-${c}-${m}`, http: 'http://127.0.0.1:1', encryptionPublicKey: bytesToHex(x25519.getPublicKey(x25519.utils.randomSecretKey()))
    })))
  }
})

function codeOf (record: KeyRecord): string {
  try {
    checkRecord(record, membership)
    return 'ok'
  } catch (err) {
    if (err instanceof NewUserRejection) return err.code
    throw err
  }
}

describe('an ecdsa-secp256k1 key record', () => {
  it('has a 33-byte compressed even-Y group key, its key id, and the EIP-55 address of that key; every node accepts it', async () => {
    for (let i = 0; i < 4; i++) {
      const { record } = await deal(membership, newOwner(), 'ecdsa-secp256k1')
      expect(record.scheme).toBe('ecdsa-secp256k1')
      expect(record.groupPublicKey).toMatch(/^02[0-9a-f]{64}$/)
      expect(record.keyId).toBe(deriveKeyId('ecdsa-secp256k1', record.groupPublicKey))
      expect(record.address).toBe(ethereumAddress(hexToBytes(record.groupPublicKey)))
      expect(record.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
      expect(KeyRecordSchema.parse(record)).toEqual(record)
      expect(codeOf(record)).toBe('ok')
    }
  })

  it('the same group key under the two secp256k1 schemes is two keys (the key id names the scheme)', () => {
    const X = '02' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
    expect(deriveKeyId('ecdsa-secp256k1', X)).not.toBe(deriveKeyId('secp256k1', X))
  })

  it('is refused with bad-address, naming record.address, when the address is missing, re-cased or another key\'s', async () => {
    const owner = newOwner()
    const { record, bundles } = await deal(membership, owner, 'ecdsa-secp256k1')
    const other = await deal(membership, newOwner(), 'ecdsa-secp256k1')
    const { address, ...withoutAddress } = record
    const cases: Array<[string, Omit<KeyRecord, 'address'> & { address?: string }]> = [
      ['missing', withoutAddress],
      ['lowercase', { ...record, address: address!.toLowerCase() }],
      ['uppercase', { ...record, address: '0x' + address!.slice(2).toUpperCase() }],
      ['another key\'s', { ...record, address: other.record.address! }]
    ]
    for (const [what, changed] of cases) {
      // Re-signed by the owner: only the address is wrong.
      const bundle = resign(bundles[0]!, owner, changed as KeyRecord)
      expect(codeOf(bundle.record), what).toBe('bad-address')
      expect(() => checkRecord(bundle.record, membership), what).toThrow(/record\.address/)
      expect(() => verifyBundle(bundle, membership), what).toThrow(expect.objectContaining({ code: 'bad-address' }))
    }
    // The one EIP-55 form is one record: a re-cased copy would be another digest.
    expect(recordDigest({ ...record, address: address!.toLowerCase() })).not.toBe(recordDigest(record))
  })

  it('the schema refuses an address that is not 0x and 40 hex digits', async () => {
    const { record } = await deal(membership, newOwner(), 'ecdsa-secp256k1')
    for (const bad of [record.address!.slice(2), record.address! + '0', '0x' + 'g'.repeat(40), '0X' + record.address!.slice(2)]) {
      expect(KeyRecordSchema.safeParse({ ...record, address: bad }).success, bad).toBe(false)
    }
  })
})

describe('records of the FROST schemes', () => {
  it.each(['ed25519', 'secp256k1'] as const)('%s: carry no address, and are refused with one', async (scheme) => {
    const owner = newOwner()
    const { record, bundles } = await deal(membership, owner, scheme)
    expect(record.address).toBeUndefined()
    expect(addressFields(scheme, record.groupPublicKey)).toEqual({})
    expect(codeOf(record)).toBe('ok')
    const withAddress = resign(bundles[0]!, owner, { ...record, address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf' }).record
    expect(codeOf(withAddress)).toBe('bad-address')
    expect(addressMismatch(withAddress)).toMatch(new RegExp(`record.address is set, but a ${scheme} key has no Ethereum address`))
  })
})
