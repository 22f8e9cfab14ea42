// `shardsig verify`: whether a signature is a key's, with verifiers independent of the network's
// (cli/client/check-signature.ts). Offline with a key file; a KEY_ID is looked up at a node.
import { bytesToHex } from '@noble/hashes/utils.js'
import { access } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { signingProtocolOf } from '../../protocols/keys/key-scheme.js'
import { checkSignature, type PublicKeyRef } from '../client/check-signature.js'
import { KEY_ID, publicKeyFromNode } from '../client/key-ref.js'
import { envNode, UsageError, type Io } from '../io.js'
import { readKeyFile } from '../key-file.js'
import { MESSAGE_OPTIONS, MESSAGE_USAGE, messageFromFlags } from '../message-flags.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags, type TrustFlags } from '../trust-flags.js'

export const VERIFY_USAGE = `usage: shardsig verify --key FILE|KEY_ID --message HEX|@FILE [--keccak|--sha256] --signature HEX [--json]

Checks a signature against the key's group public key and prints one line, valid or invalid: why
(exit 0 valid, 1 invalid), with verifiers that share no code with the network: OpenSSL for ed25519
(RFC 8032), noble for secp256k1 (BIP340) and ecdsa-secp256k1. An ECDSA signature is 64 bytes r‖s or
65 bytes r‖s‖v, low-s; with v, the key recovered from it must be this key.

  --key FILE|KEY_ID   a key file (offline), or a key id (32 hex) looked up at --node
${MESSAGE_USAGE}
  --signature HEX     the signature (0x allowed)
  --node URL          with a KEY_ID: the node to ask (default: SHARDSIG_NODE, else http://127.0.0.1:7201)
  --json              print {valid, keyId, scheme, groupPublicKey, reason?} (ecdsa-secp256k1: and digest)

${TRUST_USAGE}`

const DEFAULT_NODE = 'http://127.0.0.1:7201'

export async function runVerify (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      key: { type: 'string' }, signature: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' }, ...MESSAGE_OPTIONS, ...TRUST_OPTIONS
    }
  })
  if (values.help === true) { io.out(VERIFY_USAGE); return 0 }
  if (values.key === undefined) throw new UsageError('--key is required (a key file or a key id)')
  if (values.signature === undefined) throw new UsageError('--signature is required')
  const key = await resolveKey(values.key, values, io)
  const { signed } = await messageFromFlags(values, key.scheme)
  const verdict = checkSignature(key, signed, values.signature)
  if (values.json === true) {
    io.out(JSON.stringify({
      valid: verdict.valid,
      keyId: key.keyId,
      scheme: key.scheme,
      groupPublicKey: key.groupPublicKey,
      ...(signingProtocolOf(key.scheme) === 'dkls23' ? { digest: bytesToHex(signed) } : {}),
      ...(!verdict.valid ? { reason: verdict.reason } : {})
    }))
  } else {
    io.out(verdict.valid ? 'valid' : `invalid: ${verdict.reason}`)
  }
  return verdict.valid ? 0 : 1
}

/** A key file when one exists at that path; else a key id, looked up at the node. */
async function resolveKey (value: string, values: TrustFlags & { node?: string }, io: Io): Promise<PublicKeyRef & { keyId: string }> {
  if (!KEY_ID.test(value) || await exists(value)) return await readKeyFile(value)
  const node = (values.node ?? envNode(io) ?? DEFAULT_NODE).replace(/\/$/, '')
  await trustFromFlags(values, node, io)
  return await publicKeyFromNode(node, value, io.signal)
}

async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
