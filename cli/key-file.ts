// The key file `shardsig new-user` writes and `shardsig sign` will read: what a
// later request needs (key id, scheme, group key, the owner auth key pair, the
// genesis digest an https:// network is trusted by).
// Written with mode 0600; never overwritten silently.
import { readFile, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { hexString } from '../protocols/wire/hex.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { scalarToHex, type SecretScalar } from '../protocols/sharing/index.js'
import { EthereumAddressSchema, KeySchemeSchema, type KeyRecord } from '../protocols/wire/key-record.js'
import { sharingCurveOf } from '../protocols/keys/key-scheme.js'

export const KeyFileSchema = z.strictObject({
  version: z.literal(1),
  keyId: hexString(16),
  scheme: KeySchemeSchema,
  groupPublicKey: z.string(),
  /** ecdsa-secp256k1 keys: the EIP-55 Ethereum address of groupPublicKey, as the record has it. */
  address: EthereumAddressSchema.optional(),
  network: z.string(),
  /** The node the key was created through; later commands default to it. */
  node: z.string(),
  /**
   * Digest of the genesis the key was dealt under (the record's). Later commands
   * trust an https:// network by it: its genesis must have this digest, and its
   * nodes' certificate fingerprints are pinned from it. Absent in older key files.
   */
  genesisDigest: hexString(32).optional(),
  owner: z.strictObject({ publicKey: hexString(32), secretKey: hexString(32) }),
  createdAt: z.string(),
  /** Only with --export-secret: the whole private key. Anyone holding this file can sign without the network. */
  exportedSecret: z.string().optional()
})
export type KeyFile = z.infer<typeof KeyFileSchema>

/** What a later `sign` needs of a key just dealt; `exportedSecret` only on request. */
export function keyFileOf (record: KeyRecord, node: string, ownerSecretKey: Uint8Array, exportedSecret?: SecretScalar): KeyFile {
  return {
    version: 1,
    keyId: record.keyId,
    scheme: record.scheme,
    groupPublicKey: record.groupPublicKey,
    ...(record.address !== undefined ? { address: record.address } : {}),
    network: record.network,
    node,
    genesisDigest: record.genesisDigest,
    owner: { publicKey: record.ownerAuthKey, secretKey: bytesToHex(ownerSecretKey) },
    createdAt: new Date(record.createdAt).toISOString(),
    ...(exportedSecret !== undefined ? { exportedSecret: scalarToHex(sharingCurveOf(record.scheme), exportedSecret.expose()) } : {})
  }
}

export class KeyFileError extends Error {
  constructor (readonly path: string, reason: string) {
    super(`key file ${path}: ${reason}`)
    this.name = 'KeyFileError'
  }
}

export async function writeKeyFile (path: string, key: KeyFile, overwrite: boolean): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: overwrite ? 'w' : 'wx' })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new KeyFileError(path, code === 'EEXIST' ? 'exists already (use --force to overwrite)' : (err as Error).message)
  }
}

export async function readKeyFile (path: string): Promise<KeyFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new KeyFileError(path, (err as NodeJS.ErrnoException).code ?? (err as Error).message)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new KeyFileError(path, 'not JSON')
  }
  const parsed = KeyFileSchema.safeParse(json)
  if (!parsed.success) throw new KeyFileError(path, parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; '))
  return parsed.data
}
