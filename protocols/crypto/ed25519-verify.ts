// Ed25519 verification for every signature shardsig checks (owners' bodies,
// nodes' receipts and contributions, FROST's final signatures): OpenSSL
// (node:crypto) first, noble for what OpenSSL refuses. Never throws on bad input.
import { ed25519 } from '@noble/curves/ed25519.js'
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { hexToBytes } from '@noble/hashes/utils.js'
import { RecentCache } from './recent-cache.js'

/** Keys a verifier keeps as OpenSSL key objects (importing one costs about as much as a verification). */
export const MAX_ED25519_KEY_OBJECTS = 1_024

const SPKI_ED25519_PREFIX = hexToBytes('302a300506032b6570032100')
/** The Ed25519 group order L, little-endian (RFC 8032). */
const ORDER_LE = hexToBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')

/**
 * Verifies Ed25519 signatures and keeps the keys it saw lately as OpenSSL key objects: create
 * one where many signatures are checked (a node's Frost, a node's signature checks) and pass it.
 */
export class Ed25519Verifier {
  readonly #keyObjects: RecentCache<string, KeyObject | null>

  constructor (maxKeys: number = MAX_ED25519_KEY_OBJECTS) {
    this.#keyObjects = new RecentCache(maxKeys)
  }

  /**
   * OpenSSL's check costs ~0.1 ms against noble's ~1.5 ms (resharing checks every
   * receipt of every key at every node). What OpenSSL accepts (RFC 8032: canonical
   * R, S < L, the cofactorless equation) noble's ZIP-215 rules accept too, and noble
   * still judges whatever OpenSSL refuses, so the set of accepted signatures is
   * noble's, as it always was.
   */
  verify (signature: Uint8Array, message: Uint8Array, publicKeyHex: string): boolean {
    try {
      if (signature.length === 64 && scalarBelowOrder(signature.subarray(32)) && this.verifyStrict(signature, message, publicKeyHex)) return true
      return ed25519.verify(signature, message, hexToBytes(publicKeyHex))
    } catch {
      return false
    }
  }

  /**
   * RFC 8032 verification by OpenSSL alone: S < ℓ and the cofactorless equation
   * [S]B = R + [k]A, comparing R by its bytes (FROST's final check, decisions/0005).
   * False for a key OpenSSL does not take; never throws.
   */
  verifyStrict (signature: Uint8Array, message: Uint8Array, publicKeyHex: string): boolean {
    const key = this.#publicKeyObject(publicKeyHex)
    if (key === undefined) return false
    try {
      return nodeVerify(null, message, key, signature)
    } catch {
      return false
    }
  }

  #publicKeyObject (hex: string): KeyObject | undefined {
    let key = this.#keyObjects.get(hex)
    if (key === undefined) {
      try {
        const raw = hexToBytes(hex)
        key = raw.length === 32 ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' }) : null
      } catch {
        key = null
      }
      this.#keyObjects.set(hex, key)
    }
    return key ?? undefined
  }
}

/** S < L, comparing 32 little-endian bytes from the top. */
function scalarBelowOrder (s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== ORDER_LE[i]!) return s[i]! < ORDER_LE[i]!
  }
  return false
}
