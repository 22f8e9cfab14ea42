// The store's unsealed header (scrypt params, envelope version) and its sealed
// verifier, so a wrong passphrase fails at open rather than at the first read.
import { z } from 'zod'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import type { ClassicLevel } from 'classic-level'
import { StoreCorruptError, UnsupportedEnvelopeVersionError, WrongPassphraseError, SealOpenError } from './errors.js'
import { describeIssues, kdfFromJson, kdfToJson, KdfJsonSchema } from './kdf-json.js'
import { deriveKey, ENVELOPE_VERSION, newScryptParams, open, seal, type ScryptParams, type SecretKey } from './sealing.js'

/** User keys may not start with this, so internal records never collide with theirs. */
export const RESERVED_PREFIX = '\x00'
export const HEADER_KEY = `${RESERVED_PREFIX}header`
export const VERIFIER_KEY = `${RESERVED_PREFIX}verifier`
const VERIFIER_PLAINTEXT = 'shardsig/v1/store-verifier'

const HeaderSchema = z.strictObject({
  format: z.literal('shardsig-store'),
  version: z.literal(1),
  envelopeVersion: z.int(),
  kdf: KdfJsonSchema
})

export type Db = ClassicLevel<string, Uint8Array>

// Binding the exact header bytes into the verifier means an edited header
// (say, a lowered N) is refused instead of silently used.
function verifierAad (headerBytes: Uint8Array): Uint8Array {
  const key = utf8ToBytes(VERIFIER_KEY)
  const aad = new Uint8Array(key.length + headerBytes.length)
  aad.set(key)
  aad.set(headerBytes, key.length)
  return aad
}

/** Reads the header and checks the passphrase against the verifier; creates both in an empty store. */
export async function unlockStore (db: Db, path: string, passphrase: string, scrypt: Partial<ScryptParams> = {}): Promise<SecretKey> {
  const [headerBytes, verifier] = await db.getMany([HEADER_KEY, VERIFIER_KEY])
  if (headerBytes === undefined) {
    for await (const _ of db.keys({ limit: 1 })) {
      throw new StoreCorruptError(path, HEADER_KEY, 'is missing but the store holds records')
    }
    return await createHeader(db, passphrase, newScryptParams(scrypt))
  }
  const header = parseHeader(path, headerBytes)
  if (verifier === undefined) throw new StoreCorruptError(path, VERIFIER_KEY, 'is missing')
  const key = await deriveKey(passphrase, kdfFromJson(header.kdf))
  let plaintext: Uint8Array
  try {
    plaintext = open(key, verifierAad(headerBytes), verifier)
  } catch (err) {
    key.wipe()
    if (err instanceof UnsupportedEnvelopeVersionError) throw new StoreCorruptError(path, VERIFIER_KEY, err.message, { cause: err })
    // AEAD cannot tell a wrong key from an altered verifier or header; the wrong key is by far the likelier.
    if (err instanceof SealOpenError) throw new WrongPassphraseError(path, 'store')
    throw err
  }
  if (new TextDecoder().decode(plaintext) !== VERIFIER_PLAINTEXT) {
    key.wipe()
    throw new StoreCorruptError(path, VERIFIER_KEY, 'authenticates but holds an unexpected constant')
  }
  return key
}

function parseHeader (path: string, bytes: Uint8Array): z.infer<typeof HeaderSchema> {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new StoreCorruptError(path, HEADER_KEY, 'is not UTF-8 JSON', { cause: err })
  }
  const parsed = HeaderSchema.safeParse(json)
  if (!parsed.success) throw new StoreCorruptError(path, HEADER_KEY, `is invalid: ${describeIssues(parsed.error)}`)
  if (parsed.data.envelopeVersion !== ENVELOPE_VERSION) {
    const err = new UnsupportedEnvelopeVersionError(parsed.data.envelopeVersion, ENVELOPE_VERSION)
    throw new StoreCorruptError(path, HEADER_KEY, err.message, { cause: err })
  }
  return parsed.data
}

async function createHeader (db: Db, passphrase: string, params: ScryptParams): Promise<SecretKey> {
  const key = await deriveKey(passphrase, params)
  const header: z.infer<typeof HeaderSchema> = { format: 'shardsig-store', version: 1, envelopeVersion: ENVELOPE_VERSION, kdf: kdfToJson(params) }
  const headerBytes = utf8ToBytes(JSON.stringify(header))
  const verifier = seal(key, verifierAad(headerBytes), utf8ToBytes(VERIFIER_PLAINTEXT))
  try {
    // One synced batch: a crash never leaves a header without its verifier.
    await db.batch([
      { type: 'put', key: HEADER_KEY, value: headerBytes },
      { type: 'put', key: VERIFIER_KEY, value: verifier }
    ], { sync: true })
  } catch (err) {
    key.wipe()
    throw err
  }
  return key
}
