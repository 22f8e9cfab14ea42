// A small file sealed under a passphrase (the node's key file): scrypt params
// and one envelope in JSON, written atomically with mode 0600.
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { MalformedSealedFileError, SealedFileNotFoundError, SealOpenError, UnsupportedEnvelopeVersionError, WrongPassphraseError } from './errors.js'
import { writeFileAtomically } from './durable-file.js'
import { describeIssues, kdfFromJson, kdfToJson, KdfJsonSchema } from './kdf-json.js'
import { deriveKey, newScryptParams, open, seal, type ScryptParams } from './sealing.js'

/** Fixed associated data: a store record's envelope can never pass as a sealed file. */
const SEALED_FILE_AAD = utf8ToBytes('shardsig/v1/sealed-file')
const SEALED_FILE_MODE = 0o600

const SealedFileSchema = z.strictObject({
  version: z.literal(1),
  kdf: KdfJsonSchema,
  envelope: z.string().regex(/^([0-9a-f]{2})+$/, 'expected lowercase hex')
})

/** Replaces `path` atomically (tmp file, fsync, rename) so a crash leaves the old file or the new one. */
export async function writeSealedFile (path: string, passphrase: string, plaintext: Uint8Array, scrypt?: Partial<ScryptParams>): Promise<void> {
  const params = newScryptParams(scrypt)
  const key = await deriveKey(passphrase, params)
  let envelope: Uint8Array
  try {
    envelope = seal(key, SEALED_FILE_AAD, plaintext)
  } finally {
    key.wipe()
  }
  const body = JSON.stringify({ version: 1, kdf: kdfToJson(params), envelope: bytesToHex(envelope) }, null, 2) + '\n'

  await writeFileAtomically(path, body, SEALED_FILE_MODE)
}

export async function readSealedFile (path: string, passphrase: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') throw new SealedFileNotFoundError(path, { cause: err })
    throw err // Node's fs errors already name the path
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new MalformedSealedFileError(path, 'not JSON', { cause: err })
  }
  const parsed = SealedFileSchema.safeParse(json)
  if (!parsed.success) throw new MalformedSealedFileError(path, describeIssues(parsed.error))

  const key = await deriveKey(passphrase, kdfFromJson(parsed.data.kdf))
  try {
    return open(key, SEALED_FILE_AAD, hexToBytes(parsed.data.envelope))
  } catch (err) {
    if (err instanceof UnsupportedEnvelopeVersionError) throw new MalformedSealedFileError(path, err.message, { cause: err })
    // AEAD cannot tell a wrong passphrase from an edited file; the first is far likelier.
    if (err instanceof SealOpenError) throw new WrongPassphraseError(path, 'sealed file')
    throw err
  } finally {
    key.wipe()
  }
}
