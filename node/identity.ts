// A node's long-lived secrets: its libp2p identity (Ed25519, gives the peer id)
// and its X25519 encryption key (sub-shares are sealed to it). Kept in one
// passphrase-sealed file so that a restart keeps the same peer id.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { inspect } from 'node:util'
import { readSealedFile, writeSealedFile, type ScryptParams } from './store/index.js'

export class NodeIdentity {
  readonly peerId: string
  readonly encryptionPublicKey: Uint8Array

  constructor (readonly libp2pKey: PrivateKey, private readonly encryptionSecretKey: Uint8Array) {
    this.peerId = peerIdFromPrivateKey(libp2pKey).toString()
    this.encryptionPublicKey = x25519.getPublicKey(encryptionSecretKey)
  }

  /** The X25519 secret, for the HPKE opener only. */
  encryptionSecret (): Uint8Array {
    return this.encryptionSecretKey
  }

  toString (): string {
    return `NodeIdentity(${this.peerId}, secrets <redacted>)`
  }

  toJSON (): unknown {
    return { peerId: this.peerId, encryptionPublicKey: bytesToHex(this.encryptionPublicKey) }
  }

  [inspect.custom] (): string {
    return this.toString()
  }
}

export async function generateNodeIdentity (): Promise<NodeIdentity> {
  const libp2pKey = await generateKeyPair('Ed25519')
  return new NodeIdentity(libp2pKey, x25519.utils.randomSecretKey())
}

interface IdentityFileV1 {
  version: 1
  libp2pKey: string
  encryptionSecretKey: string
}

export async function writeIdentityFile (path: string, passphrase: string, identity: NodeIdentity, scrypt?: Partial<ScryptParams>): Promise<void> {
  const body: IdentityFileV1 = {
    version: 1,
    libp2pKey: bytesToHex(privateKeyToProtobuf(identity.libp2pKey)),
    encryptionSecretKey: bytesToHex(identity.encryptionSecret())
  }
  await writeSealedFile(path, passphrase, new TextEncoder().encode(JSON.stringify(body)), scrypt)
}

/** Random bytes in a generated store passphrase (base64url in its file). */
export const PASSPHRASE_BYTES = 32

/**
 * A new node's secrets on disk: a random passphrase (mode 0600; an existing file is
 * never overwritten, the write fails with EEXIST) and a fresh identity sealed with it.
 */
export async function createIdentityFiles (paths: { identityFile: string, passphraseFile: string }, scrypt?: Partial<ScryptParams>): Promise<NodeIdentity> {
  const passphrase = randomBytes(PASSPHRASE_BYTES).toString('base64url')
  await writeFile(paths.passphraseFile, passphrase + '\n', { mode: 0o600, flag: 'wx' })
  const identity = await generateNodeIdentity()
  await writeIdentityFile(paths.identityFile, passphrase, identity, scrypt)
  return identity
}

export class MalformedIdentityFileError extends Error {
  constructor (readonly path: string, reason: string) {
    super(`identity file ${path} is malformed: ${reason}`)
    this.name = 'MalformedIdentityFileError'
  }
}

export async function readIdentityFile (path: string, passphrase: string): Promise<NodeIdentity> {
  const plain = await readSealedFile(path, passphrase)
  let body: Partial<IdentityFileV1>
  try {
    body = JSON.parse(new TextDecoder().decode(plain)) as Partial<IdentityFileV1>
  } catch {
    throw new MalformedIdentityFileError(path, 'content is not JSON')
  }
  if (body.version !== 1 || typeof body.libp2pKey !== 'string' || typeof body.encryptionSecretKey !== 'string') {
    throw new MalformedIdentityFileError(path, 'expected version 1 with libp2pKey and encryptionSecretKey')
  }
  return new NodeIdentity(privateKeyFromProtobuf(hexToBytes(body.libp2pKey)), hexToBytes(body.encryptionSecretKey))
}
