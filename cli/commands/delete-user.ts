// `shardsig delete-user`: the owner deletes a key from the network.
import { parseArgs } from 'node:util'
import { deleteUser } from '../client/delete-user.js'
import { readKeyFile } from '../key-file.js'
import { envNode, UsageError, type Io } from '../io.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'

export const DELETE_USER_USAGE = `usage: shardsig delete-user --key FILE [--node URL] [--json]

Deletes the key for good: every holder erases its share and signs an erasure
receipt; every node keeps an owner-signed tombstone and answers 410 for the
key from then on. Prints how many holders confirmed. --node defaults to
$SHARDSIG_NODE, then the key file's node. The key file itself is left alone.

${TRUST_USAGE}
(an https:// network is trusted by the key file's genesis digest unless one of these is given)`

export async function runDeleteUser (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, strict: true, options: { key: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, ...TRUST_OPTIONS } })
  if (values.help === true) { io.out(DELETE_USER_USAGE); return 0 }
  if (values.key === undefined) throw new UsageError('--key is required')
  const key = await readKeyFile(values.key)
  const node = values.node ?? envNode(io) ?? key.node
  await trustFromFlags(values, node, io, key.genesisDigest)
  const result = await deleteUser({ node, key, signal: io.signal })
  if (values.json === true) {
    io.out(JSON.stringify(result))
  } else {
    const pending = result.holders.filter(h => !h.erased).map(h => `committee ${h.committee} member ${h.member}`)
    io.out(`key ${result.keyId} ${result.alreadyDeleted ? 'was already deleted' : 'deleted'}: ${result.erased} of ${result.holders.length} holders confirmed erasure${pending.length > 0 ? ` (not yet: ${pending.join(', ')}; they erase when they next sync)` : ''}`)
  }
  return 0
}
