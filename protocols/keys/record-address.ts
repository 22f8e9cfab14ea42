// The `address` field of a key record: an ecdsa-secp256k1 record carries the
// EIP-55 Ethereum address of its group key, and no other record carries one
// (docs/decisions/0018-ecdsa-key-scheme.md). Whoever makes a record adds it
// with addressFields; every node checks it with addressMismatch when a record
// enters (checkRecord, code bad-address).
import { hexToBytes } from '@noble/hashes/utils.js'
import { ethereumAddress } from './eth-address.js'
import type { KeyScheme } from './key-scheme.js'

/** Which schemes' records carry an Ethereum address. */
export function carriesAddress (scheme: KeyScheme): boolean {
  return scheme === 'ecdsa-secp256k1'
}

/** The record fields for `address`: `{address}` for an ecdsa-secp256k1 key, `{}` for any other. */
export function addressFields (scheme: KeyScheme, groupPublicKeyHex: string): { address?: string } {
  return carriesAddress(scheme) ? { address: ethereumAddress(hexToBytes(groupPublicKeyHex)) } : {}
}

/**
 * Why a record's `address` is wrong for its scheme and group key (missing, present where
 * the scheme has none, or not that key's EIP-55 address, checksum case included), or
 * undefined when it is right. The group key must already have been checked to be a point.
 */
export function addressMismatch (record: { scheme: KeyScheme, groupPublicKey: string, address?: string }): string | undefined {
  if (!carriesAddress(record.scheme)) {
    return record.address === undefined ? undefined : `record.address is set, but a ${record.scheme} key has no Ethereum address`
  }
  const expected = ethereumAddress(hexToBytes(record.groupPublicKey))
  if (record.address === undefined) return `record.address is missing; a ${record.scheme} record carries its key's address ${expected}`
  if (record.address !== expected) return `record.address ${record.address} is not the EIP-55 address of groupPublicKey, ${expected}`
  return undefined
}
