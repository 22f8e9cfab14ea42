// The AEAD building block of DESIGN section 6: a passphrase key from scrypt
// (RFC 7914) and versioned XChaCha20-Poly1305 envelopes (draft-irtf-cfrg-xchacha).
import { randomBytes as nodeRandomBytes, scrypt } from 'node:crypto'
import { inspect } from 'node:util'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { SealOpenError, UnsupportedEnvelopeVersionError } from './errors.js'

export const ENVELOPE_VERSION = 1
export const KEY_BYTES = 32
export const NONCE_BYTES = 24
export const TAG_BYTES = 16
export const SALT_BYTES = 16
const ENVELOPE_OVERHEAD_BYTES = 1 + NONCE_BYTES + TAG_BYTES
/** Params read from disk could ask for any amount of memory; refuse above this. */
export const SCRYPT_MAX_MEMORY_BYTES = 1024 * 1024 * 1024

export interface ScryptParams { N: number, r: number, p: number, salt: Uint8Array }

/** ~100 ms on the reference machine (NOTES-node.md): slow enough to hurt guessing, fast enough for start-up. */
export const DEFAULT_SCRYPT: Readonly<Omit<ScryptParams, 'salt'>> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 })

export type RandomBytes = (n: number) => Uint8Array
const defaultRandomBytes: RandomBytes = n => new Uint8Array(nodeRandomBytes(n))

/** Defaults with a fresh random salt; `overrides` lets tests pick a small N. */
export function newScryptParams (overrides: Partial<ScryptParams> = {}, randomBytes: RandomBytes = defaultRandomBytes): ScryptParams {
  return {
    N: overrides.N ?? DEFAULT_SCRYPT.N,
    r: overrides.r ?? DEFAULT_SCRYPT.r,
    p: overrides.p ?? DEFAULT_SCRYPT.p,
    salt: overrides.salt ?? randomBytes(SALT_BYTES)
  }
}

/** Why these params are unusable, or undefined if they are fine. Shared by every reader of stored params. */
export function scryptParamsProblem ({ N, r, p }: Omit<ScryptParams, 'salt'>): string | undefined {
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) return `scrypt N must be a power of two >= 2, got ${N}`
  if (!Number.isSafeInteger(r) || r < 1 || r > 64) return `scrypt r must be an integer in 1..64, got ${r}`
  if (!Number.isSafeInteger(p) || p < 1 || p > 64) return `scrypt p must be an integer in 1..64, got ${p}`
  if (scryptMemoryBytes({ N, r, p }) > SCRYPT_MAX_MEMORY_BYTES) return `scrypt N=${N} r=${r} p=${p} needs more than ${SCRYPT_MAX_MEMORY_BYTES} bytes`
  return undefined
}

// OpenSSL's own estimate (V = 128*r*(N+2), B = 128*r*p) plus slack; Node's
// default maxmem (32 MiB) is just below what the default params need.
function scryptMemoryBytes ({ N, r, p }: Omit<ScryptParams, 'salt'>): number {
  return 128 * r * (N + 2) + 128 * r * p
}

/** 32 secret bytes that never print or serialise themselves. */
export class SecretKey {
  #bytes: Uint8Array | undefined

  /** Copies `bytes`; the caller may wipe its own copy afterwards. */
  constructor (bytes: Uint8Array) {
    if (bytes.length !== KEY_BYTES) throw new RangeError(`SecretKey needs ${KEY_BYTES} bytes, got ${bytes.length}`)
    this.#bytes = Uint8Array.from(bytes)
  }

  /** The raw key, for the cipher only. Throws once wiped so a use-after-close is loud. */
  get bytes (): Uint8Array {
    if (this.#bytes === undefined) throw new Error('SecretKey used after wipe()')
    return this.#bytes
  }

  get wiped (): boolean { return this.#bytes === undefined }

  wipe (): void {
    this.#bytes?.fill(0)
    this.#bytes = undefined
  }

  toString (): string { return 'SecretKey(<redacted>)' }
  toJSON (): string { return 'SecretKey(<redacted>)' }
  [inspect.custom] (): string { return 'SecretKey(<redacted>)' }
}

/**
 * scrypt on libuv's thread pool (noble's would block the event loop for ~170 ms).
 * The passphrase is NFKC-normalised so the same words typed on different
 * systems give the same key.
 */
export async function deriveKey (passphrase: string, params: ScryptParams): Promise<SecretKey> {
  if (passphrase.length === 0) throw new RangeError('passphrase must not be empty')
  const problem = scryptParamsProblem(params)
  if (problem !== undefined) throw new RangeError(problem)
  const { N, r, p, salt } = params
  const maxmem = scryptMemoryBytes(params) + 1024 * 1024
  const derived = await new Promise<Buffer>((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, KEY_BYTES, { N, r, p, maxmem }, (err, key) => {
      if (err !== null) reject(err)
      else resolve(key)
    })
  })
  try {
    return new SecretKey(derived)
  } finally {
    derived.fill(0)
  }
}

/** version (1 byte) || nonce (24) || ciphertext || tag (16). `randomBytes` is injectable for vectors. */
export function seal (key: SecretKey, aad: Uint8Array, plaintext: Uint8Array, randomBytes: RandomBytes = defaultRandomBytes): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES)
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`randomBytes returned ${nonce.length} bytes, expected ${NONCE_BYTES}`)
  const sealed = xchacha20poly1305(key.bytes, nonce, aad).encrypt(plaintext)
  const envelope = new Uint8Array(1 + NONCE_BYTES + sealed.length)
  envelope[0] = ENVELOPE_VERSION
  envelope.set(nonce, 1)
  envelope.set(sealed, 1 + NONCE_BYTES)
  return envelope
}

/** Inverse of `seal`; throws SealOpenError (or its subclass UnsupportedEnvelopeVersionError). */
export function open (key: SecretKey, aad: Uint8Array, envelope: Uint8Array): Uint8Array {
  if (envelope.length < 1) throw new SealOpenError('envelope is empty')
  const version = envelope[0] as number
  if (version !== ENVELOPE_VERSION) throw new UnsupportedEnvelopeVersionError(version, ENVELOPE_VERSION)
  if (envelope.length < ENVELOPE_OVERHEAD_BYTES) {
    throw new SealOpenError(`envelope is ${envelope.length} bytes, shorter than the ${ENVELOPE_OVERHEAD_BYTES}-byte minimum`)
  }
  const keyBytes = key.bytes // outside the try: a wiped key is a bug, not a bad envelope
  const nonce = envelope.subarray(1, 1 + NONCE_BYTES)
  try {
    return xchacha20poly1305(keyBytes, nonce, aad).decrypt(envelope.subarray(1 + NONCE_BYTES))
  } catch (err) {
    // noble only says "invalid tag"; say what that means for a caller.
    throw new SealOpenError('envelope does not authenticate: wrong key, wrong associated data, or altered bytes', { cause: err })
  }
}
