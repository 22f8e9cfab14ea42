// The Ethereum address of a secp256k1 public key (Ethereum Yellow Paper,
// appendix F: the last 20 bytes of keccak-256 of the uncompressed point's
// x‖y), written with the EIP-55 mixed-case checksum. Pure; what an
// ecdsa-secp256k1 key record carries as `address` (DESIGN 11).
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'

/** `0x` + 40 hex digits, in any case. */
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

export class InvalidPublicKeyError extends Error {
  constructor (reason: string) {
    super(`not a secp256k1 public key: ${reason}`)
    this.name = 'InvalidPublicKeyError'
  }
}

/**
 * EIP-55: hex digit i of the address is upper case when nibble i of
 * keccak-256(the lowercase hex text, as ASCII) is 8 or more.
 */
export function toChecksumAddress (address: string): string {
  if (!ADDRESS.test(address)) throw new RangeError(`an Ethereum address is 0x and 40 hex digits, got ${JSON.stringify(address)}`)
  const lower = address.slice(2).toLowerCase()
  const hash = bytesToHex(keccak_256(new TextEncoder().encode(lower)))
  let out = '0x'
  for (let i = 0; i < lower.length; i++) out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!
  return out
}

/** Whether `address` is written exactly as EIP-55 writes it (all lowercase or all uppercase do not count). */
export function isChecksumAddress (address: string): boolean {
  return ADDRESS.test(address) && toChecksumAddress(address) === address
}

/** The EIP-55 address of a public key given as SEC1 bytes (33 compressed or 65 uncompressed). */
export function ethereumAddress (publicKey: Uint8Array): string {
  let uncompressed: Uint8Array
  try {
    uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false)
  } catch (err) {
    throw new InvalidPublicKeyError((err as Error).message)
  }
  // toBytes(false) is 0x04 ‖ x ‖ y; the address hashes x ‖ y.
  return toChecksumAddress('0x' + bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12)))
}
