// The two ciphersuites (RFC 9591 §6): contextString, H1–H5, the challenge and scalar/identifier
// serialisation. FROST(Ed25519, SHA-512) is §6.1; the secp256k1 one is the BIP340 ("-TR") variant
// of the reference implementation (frost-secp256k1-tr), which noble calls schnorr_FROST.
// Hashes go through node:crypto; hash-to-field is RFC 9380 §5.3.1 expand_message_xmd.
import { hash } from 'node:crypto'
import { bigintFromBE, bigintFromLE, bigintToBE32, bigintToLE32, concatBytes } from './bytes.js'
import type { CurveName } from '../sharing/index.js'

export interface Suite {
  readonly scheme: CurveName
  /** RFC 9591 contextString. */
  readonly contextString: string
  readonly order: bigint
  /** SerializeScalar: 32 bytes, little-endian (ed25519) or big-endian (secp256k1). */
  serializeScalar (k: bigint): Uint8Array
  /** DeserializeScalar without the range check (callers check `< order` where it matters). */
  scalarValue (bytes: Uint8Array): bigint
  /** H3 before reduction: the group backend reduces it (constant time where it can). */
  nonceHash (randomAndShare: Uint8Array): Uint8Array
  /** ρ_i = H1(prefix ‖ SerializeScalar(i)) for each identifier (RFC 9591 §4.4). */
  bindingFactors (prefix: Uint8Array, identifiers: readonly bigint[]): bigint[]
  H4 (msg: Uint8Array): Uint8Array
  H5 (msg: Uint8Array): Uint8Array
  /** c = H2(SerializeElement(R) ‖ SerializeElement(PK) ‖ msg); BIP340: the tagged challenge over x-only forms. */
  challenge (R: Uint8Array, PK: Uint8Array, msg: Uint8Array): bigint
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'))


/** One-shot node:crypto digests: cheaper than a Hash object for the short inputs of FROST. */
const sha512 = (data: Uint8Array): Buffer => hash('sha512', data, 'buffer')
const sha256 = (data: Uint8Array): Buffer => hash('sha256', data, 'buffer')

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
    nonceHash (m: Uint8Array): Uint8Array {
      const input = concatBytes([nonce, m])
      const wide = sha512(input)
      const out = new Uint8Array(wide)
      input.fill(0)
      wide.fill(0)
      return out
    },
    bindingFactors (p: Uint8Array, ids: readonly bigint[]): bigint[] {
      // rho ‖ prefix ‖ SerializeScalar(i): one buffer, the identifier's slot rewritten for each.
      const input = concatBytes([rho, p, new Uint8Array(32)])
      return ids.map(id => {
        input.set(bigintToLE32(id), rho.length + p.length)
        return reduce(sha512(input))
      })
    },
    H4: (m: Uint8Array) => new Uint8Array(sha512(concatBytes([msgTag, m]))),
    H5: (m: Uint8Array) => new Uint8Array(sha512(concatBytes([comTag, m]))),
    // RFC 9591 §6.1: H2 has no prefix, so the signature is an ordinary RFC 8032 one.
    challenge: (R: Uint8Array, PK: Uint8Array, m: Uint8Array) => reduce(sha512(concatBytes([R, PK, m])))
  })
}

/**
 * RFC 9380 §5.3.1 expand_message_xmd with SHA-256 for 48 bytes (hash_to_field with k = 128, one
 * scalar). `input` is `Z_pad ‖ msg ‖ I2OSP(48, 2) ‖ 0 ‖ DST'`, laid out by `frame` so that a caller
 * hashing many messages with a common prefix can rewrite only the part that changes.
 */
function xmdSha256 (dst: Uint8Array): { frame (msgLength: number): { input: Uint8Array, msgAt: number }, expand (input: Uint8Array): Uint8Array } {
  const LEN = 48
  const Z_PAD = 64
  const dstPrime = concatBytes([dst, Uint8Array.of(dst.length)])
  const tail = concatBytes([Uint8Array.of(0, LEN, 0), dstPrime])
  // b_1's and b_2's input, 32 + 1 + |DST'| bytes, reused (and wiped) by every call.
  // Buffer.alloc, not Buffer.from: an array of its own, never a slice of Node's shared pool.
  const block = Buffer.alloc(33 + dstPrime.length)
  block.set(dstPrime, 33)
  return {
    frame: (msgLength: number) => ({ input: concatBytes([new Uint8Array(Z_PAD + msgLength), tail]), msgAt: Z_PAD }),
    expand (input: Uint8Array): Uint8Array {
      // b_0 = H(input), b_1 = H(b_0 ‖ 1 ‖ DST'), b_2 = H((b_0 ⊕ b_1) ‖ 2 ‖ DST'); output b_1 ‖ b_2[0..16).
      const b0 = sha256(input)
      b0.copy(block)
      block[32] = 1
      const b1 = sha256(block)
      for (let i = 0; i < 32; i++) block[i] = b0[i]! ^ b1[i]!
      block[32] = 2
      const b2 = sha256(block)
      const out = new Uint8Array(LEN)
      out.set(b1)
      out.set(b2.subarray(0, LEN - 32), 32)
      for (const secret of [b0, b1, b2]) secret.fill(0)
      block.fill(0, 0, 33)
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
  const tag = new Uint8Array(sha256(utf8('BIP0340/challenge')))
  return Object.freeze({
    scheme: 'secp256k1' as const,
    contextString,
    order,
    serializeScalar: (k: bigint) => bigintToBE32(k),
    scalarValue: (b: Uint8Array) => bigintFromBE(b),
    nonceHash (m: Uint8Array): Uint8Array {
      const { input, msgAt } = nonce.frame(m.length)
      input.set(m, msgAt)
      const out = nonce.expand(input)
      input.fill(0)
      return out
    },
    bindingFactors (p: Uint8Array, ids: readonly bigint[]): bigint[] {
      const { input, msgAt } = rho.frame(p.length + 32)
      input.set(p, msgAt)
      return ids.map(id => {
        input.set(bigintToBE32(id), msgAt + p.length)
        return bigintFromBE(rho.expand(input)) % order
      })
    },
    H4: (m: Uint8Array) => new Uint8Array(sha256(concatBytes([msgTag, m]))),
    H5: (m: Uint8Array) => new Uint8Array(sha256(concatBytes([comTag, m]))),
    // BIP340 challenge over x(R) and x(PK); both arrive as 33-byte compressed points.
    challenge: (R: Uint8Array, PK: Uint8Array, m: Uint8Array) =>
      bigintFromBE(sha256(concatBytes([tag, tag, R.subarray(1), PK.subarray(1), m]))) % order
  })
}

const SUITES: Record<CurveName, Suite> = { ed25519: ed25519Suite(), secp256k1: secp256k1TrSuite() }

export function suiteFor (scheme: CurveName): Suite {
  if (typeof scheme !== 'string' || !Object.hasOwn(SUITES, scheme)) throw new RangeError(`unknown scheme ${String(scheme)}`)
  return SUITES[scheme]
}
