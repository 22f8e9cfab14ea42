// The two ciphersuites (RFC 9591 §6): contextString, H1–H5, the challenge and scalar/identifier
// serialisation. FROST(Ed25519, SHA-512) is §6.1; the secp256k1 one is the BIP340 ("-TR") variant
// of the reference implementation (frost-secp256k1-tr), which noble calls schnorr_FROST.
// Hashes go through node:crypto; hash-to-field is RFC 9380 §5.3.1 expand_message_xmd.
import { createHash, hash, type Hash } from 'node:crypto'
import { bigintFromBE, bigintFromLE, bigintToBE32, bigintToLE32 } from './bytes.js'
import type { Scheme } from '../sharing/index.js'

export interface Suite {
  readonly scheme: Scheme
  /** RFC 9591 contextString. */
  readonly contextString: string
  readonly order: bigint
  /** SerializeScalar: 32 bytes, little-endian (ed25519) or big-endian (secp256k1). */
  serializeScalar (k: bigint): Uint8Array
  /** DeserializeScalar without the range check (callers check `< order` where it matters). */
  scalarValue (bytes: Uint8Array): bigint
  /** H3 before reduction: the group backend reduces it (constant time where it can). */
  nonceHash (randomAndShare: Uint8Array): Uint8Array
  /** ρ_i = H1(prefix ‖ SerializeScalar(i)) for each identifier (RFC 9591 §4.4), sharing the prefix's hashing. */
  bindingFactors (prefix: Uint8Array, identifiers: readonly bigint[]): bigint[]
  H4 (msg: Uint8Array): Uint8Array
  H5 (msg: Uint8Array): Uint8Array
  /** c = H2(SerializeElement(R) ‖ SerializeElement(PK) ‖ msg); BIP340: the tagged challenge over x-only forms. */
  challenge (R: Uint8Array, PK: Uint8Array, msg: Uint8Array): bigint
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8')
const digest = (h: Hash): Uint8Array => new Uint8Array(h.digest())

function ed25519Suite (): Suite {
  const contextString = 'FROST-ED25519-SHA512-v1'
  const order = 2n ** 252n + 27742317777372353535851937790883648493n
  const prefix = (tag: string) => utf8(contextString + tag)
  const rho = prefix('rho')
  const nonce = prefix('nonce')
  const msgTag = prefix('msg')
  const comTag = prefix('com')
  const reduce = (wide: Uint8Array) => bigintFromLE(wide) % order
  return Object.freeze({
    scheme: 'ed25519' as const,
    contextString,
    order,
    serializeScalar: (k: bigint) => bigintToLE32(k),
    scalarValue: (b: Uint8Array) => bigintFromLE(b),
    nonceHash: (m: Uint8Array) => digest(createHash('sha512').update(nonce).update(m)),
    bindingFactors (p: Uint8Array, ids: readonly bigint[]): bigint[] {
      const base = createHash('sha512').update(rho).update(p)
      return ids.map(id => reduce(digest(base.copy().update(bigintToLE32(id)))))
    },
    H4: (m: Uint8Array) => digest(createHash('sha512').update(msgTag).update(m)),
    H5: (m: Uint8Array) => new Uint8Array(hash('sha512', Buffer.concat([comTag, m]), 'buffer')),
    // RFC 9591 §6.1: H2 has no prefix, so the signature is an ordinary RFC 8032 one.
    challenge: (R: Uint8Array, PK: Uint8Array, m: Uint8Array) => reduce(digest(createHash('sha512').update(R).update(PK).update(m)))
  })
}

/**
 * RFC 9380 §5.3.1 expand_message_xmd with SHA-256 for 48 bytes (hash_to_field with k = 128, one
 * scalar), split so that a common prefix of many inputs is hashed once (`start`, then `copy`).
 */
function xmdSha256 (dst: Buffer): { start (): Hash, finish (h: Hash): Uint8Array } {
  const LEN = 48
  const dstPrime = Buffer.concat([dst, Buffer.of(dst.length)])
  const zPad = Buffer.alloc(64)
  const tail0 = Buffer.concat([Buffer.of(0, LEN, 0), dstPrime])
  return {
    start: () => createHash('sha256').update(zPad),
    finish (h: Hash): Uint8Array {
      // b_0 = H(Z_pad ‖ msg ‖ I2OSP(48, 2) ‖ 0 ‖ DST'), b_1 = H(b_0 ‖ 1 ‖ DST'), b_2 = H((b_0 ⊕ b_1) ‖ 2 ‖ DST')
      const b0 = h.update(tail0).digest()
      const block = Buffer.alloc(33 + dstPrime.length)
      b0.copy(block)
      block[32] = 1
      dstPrime.copy(block, 33)
      const b1 = hash('sha256', block, 'buffer')
      for (let i = 0; i < 32; i++) block[i] = b0[i]! ^ b1[i]!
      block[32] = 2
      const b2 = hash('sha256', block, 'buffer')
      const out = new Uint8Array(LEN)
      out.set(b1)
      out.set(b2.subarray(0, LEN - 32), 32)
      block.fill(0)
      b0.fill(0)
      return out
    }
  }
}

function secp256k1TrSuite (): Suite {
  const contextString = 'FROST-secp256k1-SHA256-TR-v1'
  const order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const prefix = (tag: string) => utf8(contextString + tag)
  const rho = xmdSha256(prefix('rho'))
  const nonce = xmdSha256(prefix('nonce'))
  const msgTag = prefix('msg')
  const comTag = prefix('com')
  const tag = createHash('sha256').update('BIP0340/challenge').digest()
  return Object.freeze({
    scheme: 'secp256k1' as const,
    contextString,
    order,
    serializeScalar: (k: bigint) => bigintToBE32(k),
    scalarValue: (b: Uint8Array) => bigintFromBE(b),
    nonceHash: (m: Uint8Array) => nonce.finish(nonce.start().update(m)),
    bindingFactors (p: Uint8Array, ids: readonly bigint[]): bigint[] {
      const base = rho.start().update(p)
      return ids.map(id => bigintFromBE(rho.finish(base.copy().update(bigintToBE32(id)))) % order)
    },
    H4: (m: Uint8Array) => digest(createHash('sha256').update(msgTag).update(m)),
    H5: (m: Uint8Array) => new Uint8Array(hash('sha256', Buffer.concat([comTag, m]), 'buffer')),
    // BIP340 challenge over x(R) and x(PK); both arrive as 33-byte compressed points.
    challenge (R: Uint8Array, PK: Uint8Array, m: Uint8Array): bigint {
      const h = createHash('sha256').update(tag).update(tag).update(R.subarray(1)).update(PK.subarray(1)).update(m)
      return bigintFromBE(digest(h)) % order
    }
  })
}

const SUITES: Record<Scheme, Suite> = { ed25519: ed25519Suite(), secp256k1: secp256k1TrSuite() }

export function suiteFor (scheme: Scheme): Suite {
  if (typeof scheme !== 'string' || !Object.hasOwn(SUITES, scheme)) throw new RangeError(`unknown scheme ${String(scheme)}`)
  return SUITES[scheme]
}
