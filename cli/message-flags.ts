// The flags `sign` and `verify` take for the message: --message (hex or
// @file) and, for an ecdsa-secp256k1 key, --keccak or --sha256 to hash it
// into the 32-byte digest such a key signs (cli/client/message-digest.ts).
import { hexToBytes } from '@noble/hashes/utils.js'
import { readFile } from 'node:fs/promises'
import type { KeyScheme } from '../protocols/keys/key-scheme.js'
import { HashForFrostKeyError, messageToSign, NotADigestError, type MessageHash } from './client/message-digest.js'
import { UsageError } from './io.js'

export const MESSAGE_OPTIONS = {
  message: { type: 'string' },
  keccak: { type: 'boolean', default: false },
  sha256: { type: 'boolean', default: false }
} as const

export const MESSAGE_USAGE = `  --message M         the message as hex (0x allowed), or @path for a file's bytes
  --keccak            ecdsa-secp256k1 keys: sign keccak-256(message) as Ethereum does, over the bytes
                      as given (an EIP-191 personal message: put "\\x19Ethereum Signed Message:\\n" + length first)
  --sha256            ecdsa-secp256k1 keys: sign SHA-256(message)
                      (without either, an ecdsa-secp256k1 message must be the 32-byte digest itself;
                      ed25519 and secp256k1 keys sign the message as is and take neither)`

export interface MessageFlags { message?: string, keccak?: boolean, sha256?: boolean }

export interface MessageInput {
  /** What the key signs: the message, or its digest for an ECDSA key. */
  signed: Uint8Array
  /** The hash that made `signed`, when one was asked for. */
  hash?: MessageHash
}

/** Reads --message and the hash flags for a key of `scheme`; every refusal is a UsageError naming the flag. */
export async function messageFromFlags (values: MessageFlags, scheme: KeyScheme): Promise<MessageInput> {
  if (values.keccak === true && values.sha256 === true) throw new UsageError('give --keccak or --sha256, not both')
  const hash: MessageHash | undefined = values.keccak === true ? 'keccak' : values.sha256 === true ? 'sha256' : undefined
  const message = await readMessage(values.message)
  try {
    return { signed: messageToSign(scheme, message, hash), ...(hash !== undefined ? { hash } : {}) }
  } catch (err) {
    if (err instanceof HashForFrostKeyError || err instanceof NotADigestError) throw new UsageError(err.message)
    throw err
  }
}

async function readMessage (value: string | undefined): Promise<Uint8Array> {
  if (value === undefined) throw new UsageError('--message is required')
  if (value.startsWith('@')) {
    try {
      return new Uint8Array(await readFile(value.slice(1)))
    } catch (err) {
      throw new Error(`--message ${value}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  const hex = value.replace(/^0x/i, '').toLowerCase()
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new UsageError('--message must be hex (or @file)')
  return hexToBytes(hex)
}
