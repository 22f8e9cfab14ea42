// `shardsig sign`: have the network sign a message (or, for an ecdsa-secp256k1 key, a digest) with a key.
import { bytesToHex } from '@noble/hashes/utils.js'
import { parseArgs } from 'node:util'
import { ecdsaFields, type EcdsaSignatureFields } from '../../protocols/ecdsa/signature-fields.js'
import { signingProtocolOf } from '../../protocols/keys/key-scheme.js'
import type { SignResult } from '../../protocols/wire/sign.js'
import { sign } from '../client/sign.js'
import { readKeyFile } from '../key-file.js'
import { envNode, UsageError, type Io } from '../io.js'
import { MESSAGE_OPTIONS, MESSAGE_USAGE, messageFromFlags } from '../message-flags.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'

export const SIGN_USAGE = `usage: shardsig sign --key FILE --message HEX|@FILE [--keccak|--sha256] [options]

Asks the network to sign a message with the key; no node ever holds the whole key. The signature
is checked locally before it is printed. An ecdsa-secp256k1 key signs a 32-byte digest and prints
r, s, v and the 65-byte signature r‖s‖v (the last line, as for the other keys).

  --key FILE          key file written by \`shardsig new-user\`
${MESSAGE_USAGE}
  --node URL          any node (default: the node in the key file)
  --request-id ID     reuse an id (8–64 of A-Z a-z 0-9 _ -) to retry safely; default random
  --no-wait           return as soon as a manager accepted it (status pending)
  --json              print {requestId, status, scheme, groupPublicKey, signature} only;
                      for an ecdsa-secp256k1 key also digest, r, s and v

${TRUST_USAGE}
(an https:// network is trusted by the key file's genesis digest unless one of these is given)`

export async function runSign (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      key: { type: 'string' }, node: { type: 'string' }, 'request-id': { type: 'string' },
      'no-wait': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      ...MESSAGE_OPTIONS,
      ...TRUST_OPTIONS
    }
  })
  if (values.help === true) { io.out(SIGN_USAGE); return 0 }
  if (values.key === undefined) throw new UsageError('--key is required')
  const key = await readKeyFile(values.key)
  const { signed, hash } = await messageFromFlags(values, key.scheme)
  const ecdsa = signingProtocolOf(key.scheme) === 'dkls23'
  const node = values.node ?? envNode(io) ?? key.node
  await trustFromFlags(values, node, io, key.genesisDigest)
  if (hash !== undefined) io.progress(`digest ${bytesToHex(signed)} (${hash === 'keccak' ? 'keccak-256' : 'SHA-256'} of the message)`)
  const result = await sign({
    node,
    key, message: signed, requestId: values['request-id'], wait: values['no-wait'] !== true, signal: io.signal,
    onFailover: (from, why) => { io.progress(`manager ${from} failed (${why}); trying the next`) }
  })
  // sign() checked a completed result's signature, r, s and v; these are derived from the checked signature.
  const fields = ecdsa && result.signature !== undefined ? ecdsaFields(result.signature) : undefined
  if (values.json === true) {
    io.out(JSON.stringify(jsonOutput(result, ecdsa ? { digest: bytesToHex(signed), fields } : undefined)))
  } else if (result.status === 'completed') {
    if (fields !== undefined) for (const name of ['r', 's', 'v'] as const) io.out(`${name} ${fields[name]}`)
    io.out(`signature ${result.signature!}`)
    io.progress(`request ${result.requestId}: ${result.scheme} signature by ${result.signers!.length} signers (committees ${[...new Set(result.signers!.map(s => s.committee))].join(', ')}), verified`)
  } else {
    io.out(`request ${result.requestId}: ${result.status}${result.reason !== undefined ? `: ${result.reason}` : ''}`)
  }
  return result.status === 'failed' ? 1 : 0
}

/** `--json`: the same fields for every key, and for an ECDSA key the digest signed and r, s, v (null until completed). */
function jsonOutput (result: SignResult, ecdsa?: { digest: string, fields: EcdsaSignatureFields | undefined }): Record<string, unknown> {
  return {
    requestId: result.requestId,
    status: result.status,
    scheme: result.scheme,
    groupPublicKey: result.groupPublicKey,
    signature: result.signature ?? null,
    ...(ecdsa !== undefined ? { digest: ecdsa.digest, r: ecdsa.fields?.r ?? null, s: ecdsa.fields?.s ?? null, v: ecdsa.fields?.v ?? null } : {}),
    ...(result.reason !== undefined ? { reason: result.reason } : {})
  }
}
