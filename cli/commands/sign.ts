// `shardsig sign` and `shardsig verify`.
import { hexToBytes } from '@noble/hashes/utils.js'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createFrost, selectBackend } from '../../protocols/frost/index.js'
import { frostCurveOf, signingProtocolOf } from '../../protocols/keys/key-scheme.js'
import { pointFromHex } from '../../protocols/sharing/index.js'
import { sign } from '../client/sign.js'
import { readKeyFile } from '../key-file.js'
import { envNode, UsageError, type Io } from '../io.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'

export const SIGN_USAGE = `usage: shardsig sign --key FILE --message HEX|@FILE [options]

Asks the network to sign a message with the key; no node ever holds the whole key.

  --key FILE          key file written by \`shardsig new-user\`
  --message M         the message as hex, or @path to sign a file's bytes
  --node URL          any node (default: the node in the key file)
  --request-id ID     reuse an id (8–64 of A-Z a-z 0-9 _ -) to retry safely; default random
  --no-wait           return as soon as a manager accepted it (status pending)
  --json              print {requestId, status, scheme, groupPublicKey, signature} only

${TRUST_USAGE}
(an https:// network is trusted by the key file's genesis digest unless one of these is given)`

export const VERIFY_USAGE = `usage: shardsig verify --key FILE --message HEX|@FILE --signature HEX

Checks a signature against the key's group public key, offline (exit 0 valid, 1 invalid).`

async function readMessage (value: string | undefined): Promise<Uint8Array> {
  if (value === undefined) throw new UsageError('--message is required')
  if (value.startsWith('@')) return new Uint8Array(await readFile(value.slice(1)))
  const hex = value.replace(/^0x/i, '').toLowerCase()
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new UsageError('--message must be hex (or @file)')
  return hexToBytes(hex)
}

export async function runSign (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      key: { type: 'string' }, message: { type: 'string' }, node: { type: 'string' }, 'request-id': { type: 'string' },
      'no-wait': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      ...TRUST_OPTIONS
    }
  })
  if (values.help === true) { io.out(SIGN_USAGE); return 0 }
  if (values.key === undefined) throw new UsageError('--key is required')
  const key = await readKeyFile(values.key)
  const message = await readMessage(values.message)
  const node = values.node ?? envNode(io) ?? key.node
  await trustFromFlags(values, node, io, key.genesisDigest)
  const result = await sign({
    node,
    key, message, requestId: values['request-id'], wait: values['no-wait'] !== true, signal: io.signal,
    onFailover: (from, why) => { io.progress(`manager ${from} failed (${why}); trying the next`) }
  })
  if (values.json === true) {
    io.out(JSON.stringify({ requestId: result.requestId, status: result.status, scheme: result.scheme, groupPublicKey: result.groupPublicKey, signature: result.signature ?? null, ...(result.reason !== undefined ? { reason: result.reason } : {}) }))
  } else if (result.status === 'completed') {
    io.out(`signature ${result.signature!}`)
    io.progress(`request ${result.requestId}: ${result.scheme} signature by ${result.signers!.length} signers (committees ${[...new Set(result.signers!.map(s => s.committee))].join(', ')}), verified`)
  } else {
    io.out(`request ${result.requestId}: ${result.status}${result.reason !== undefined ? `: ${result.reason}` : ''}`)
  }
  return result.status === 'failed' ? 1 : 0
}

export async function runVerify (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { key: { type: 'string' }, message: { type: 'string' }, signature: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) { io.out(VERIFY_USAGE); return 0 }
  if (values.key === undefined || values.signature === undefined) throw new UsageError('--key and --signature are required')
  const key = await readKeyFile(values.key)
  const message = await readMessage(values.message)
  if (signingProtocolOf(key.scheme) !== 'frost') throw new UsageError(`verify checks FROST signatures (ed25519, secp256k1); the key is ${key.scheme}`)
  const curve = frostCurveOf(key.scheme)
  const sig = values.signature.replace(/^0x/i, '').toLowerCase()
  const valid = /^[0-9a-f]{128}$/.test(sig) && createFrost(selectBackend('auto')).verifySignature(curve, pointFromHex(curve, key.groupPublicKey), message, hexToBytes(sig))
  io.out(valid ? 'valid' : 'invalid')
  return valid ? 0 : 1
}
