// Ed25519 verification for every signature shardsig checks. Owners' bodies and
// nodes' receipts and contributions: libsodium (or OpenSSL) first, noble for what
// it refuses, so the accepted set is noble's ZIP-215 one (`verifyEd25519`, no state).
// FROST's final signatures: OpenSSL's strict RFC 8032 check, through a verifier
// that keeps its keys as OpenSSL key objects (`Ed25519Verifier`, one per Frost).
// Never throws on bad input.
import { ed25519 } from '@noble/curves/ed25519.js'
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { hexToBytes } from '@noble/hashes/utils.js'
import { loadAddon } from './native-addons.js'
import { RecentCache } from './recent-cache.js'

/** Keys a verifier keeps as OpenSSL key objects (importing one costs about as much as a verification). */
export const MAX_ED25519_KEY_OBJECTS = 1_024

const SPKI_ED25519_PREFIX = hexToBytes('302a300506032b6570032100')
const SIGNATURE_BYTES = 64
const PUBLIC_KEY_BYTES = 32
/** The Ed25519 group order L, little-endian (RFC 8032). */
const ORDER_LE = hexToBytes('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')

interface SodiumVerify { crypto_sign_verify_detached: (sig: Uint8Array, m: Uint8Array, pk: Uint8Array) => boolean }
// Loaded once, like the curves (sharing/curves.ts): a constant, not state. libsodium takes the raw
// key, so nothing is imported or cached per key, and it is ~2.5× faster than OpenSSL with a cached
// key object (~0.1 ms against ~0.25 ms under load; ~0.45 ms when OpenSSL imports the key each time).
const sodium = ((): SodiumVerify | undefined => {
  const loaded = loadAddon<SodiumVerify>('sodium-native')
  return 'lib' in loaded ? loaded.lib : undefined
})()

/**
 * Owners' and nodes' signatures. What libsodium's crypto_sign_verify_detached (or, without the
 * addon, OpenSSL) accepts is a subset of what noble's ZIP-215 rules accept: S < L, canonical
 * keys and R of more than small order, and the cofactorless equation [S]B = R + [k]A, which
 * implies the cofactored one. noble still judges whatever the fast path refuses, so the set of
 * accepted signatures is noble's, as it always was (owner-auth.test.ts), at ~0.1 ms instead of
 * noble's ~1.5 ms (resharing checks every receipt of every key at every node).
 */
export function verifyEd25519 (signature: Uint8Array, message: Uint8Array, publicKeyHex: string): boolean {
  try {
    const key = hexToBytes(publicKeyHex)
    if (signature.length === SIGNATURE_BYTES && key.length === PUBLIC_KEY_BYTES && fastVerify(signature, message, key)) return true
    return ed25519.verify(signature, message, key)
  } catch {
    return false
  }
}

function fastVerify (signature: Uint8Array, message: Uint8Array, key: Uint8Array): boolean {
  if (sodium !== undefined) return sodium.crypto_sign_verify_detached(signature, message, key)
  if (!scalarBelowOrder(signature.subarray(32))) return false
  const spki = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, key]), format: 'der', type: 'spki' })
  return nodeVerify(null, message, spki, signature)
}

/**
 * FROST's final check: OpenSSL's RFC 8032 verification, keeping the keys it saw lately as OpenSSL
 * key objects (importing one costs about as much as a verification). Each Frost owns one.
 */
export class Ed25519Verifier {
  readonly #keyObjects: RecentCache<string, KeyObject | null>

  constructor (maxKeys: number = MAX_ED25519_KEY_OBJECTS) {
    this.#keyObjects = new RecentCache(maxKeys)
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
