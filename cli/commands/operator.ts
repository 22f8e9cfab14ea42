// `shardsig operator`: what the network's operator does (docs/protocols/lifecycle.md):
// move it to the next membership, and watch the resharing.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { signMembershipUpdate } from '../../protocols/lifecycle/membership-update.js'
import { genesisDigest, GenesisSchema } from '../../protocols/wire/genesis.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import type { MembershipStatus } from '../../protocols/wire/lifecycle.js'
import { callRoute } from '../client/http.js'
import { envNode, UsageError, type Io } from '../io.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'

export const OPERATOR_USAGE = `usage: shardsig operator <update-node-set|status> [options]

  update-node-set --file GENESIS --operator-key FILE [--node URL] [--json]
      Sign the next epoch's genesis (GENESIS: the whole genesis file of epoch e+1:
      nodes added, removed or moved, committees, tc, tm) with an operator key of the
      current epoch (FILE: its Ed25519 secret key as hex, e.g. a devnet's
      operator.key) and hand it to a node, which gossips it and reshares every key.
  status [--node URL] [--json] [--watch]
      The active epoch and, during an update, the pending one: who joins and
      leaves, keys reshared / pending / failed.

--node defaults to $SHARDSIG_NODE or http://127.0.0.1:7201.

${TRUST_USAGE}
(--genesis is the current epoch's genesis, not the --file of the next)`

export async function runOperator (argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      node: { type: 'string' }, file: { type: 'string' }, 'operator-key': { type: 'string' },
      json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
      ...TRUST_OPTIONS
    }
  })
  if (values.help === true || sub === undefined) { io.out(OPERATOR_USAGE); return sub === undefined ? 2 : 0 }
  const node = values.node ?? envNode(io) ?? 'http://127.0.0.1:7201'
  if (sub === 'update-node-set' || sub === 'status') await trustFromFlags(values, node, io)
  if (sub === 'update-node-set') {
    if (values.file === undefined) throw new UsageError('--file (the next epoch\'s genesis) is required')
    if (values['operator-key'] === undefined) throw new UsageError('--operator-key is required')
    const parsed = GenesisSchema.safeParse(JSON.parse(await readFile(values.file, 'utf8')))
    if (!parsed.success) throw new UsageError(`${values.file} is not a valid genesis: ${parsed.error.issues.slice(0, 3).map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    const secret = hexToBytes((await readFile(values['operator-key'], 'utf8')).trim())
    const current = await callRoute(node, HTTP_API.genesis, {}, { signal: io.signal })
    // An operator retrying after the update was activated: the node runs that genesis already.
    const status = genesisDigest(current) === genesisDigest(parsed.data)
      ? await callRoute(node, HTTP_API.membershipStatus, {}, { signal: io.signal })
      : await callRoute(node, HTTP_API.membershipUpdate, { body: signMembershipUpdate(current, parsed.data, secret, bytesToHex(ed25519.getPublicKey(secret))) }, { signal: io.signal })
    io.out(values.json === true ? JSON.stringify(status) : describe(status))
    return 0
  }
  if (sub === 'status') {
    for (;;) {
      const status = await callRoute(node, HTTP_API.membershipStatus, {}, { signal: io.signal })
      io.out(values.json === true ? JSON.stringify(status) : describe(status))
      if (values.watch !== true) return 0
      await new Promise(resolve => setTimeout(resolve, 2_000))
    }
  }
  throw new UsageError(`unknown operator command ${sub}; see shardsig operator --help`)
}

function describe (s: MembershipStatus): string {
  const lines = [`active epoch ${s.active.epoch} (genesis ${s.active.genesisDigest.slice(0, 16)}…)`]
  const p = s.pending
  if (p === null) return [...lines, 'no update pending'].join('\n')
  lines.push(`pending epoch ${p.epoch} (genesis ${p.genesisDigest.slice(0, 16)}…): ${p.changes.added.length} added, ${p.changes.removed.length} removed, ${p.changes.moved.length} moved`)
  lines.push(`keys: ${p.keys.reshared} of ${p.keys.total} reshared, ${p.keys.total - p.keys.reshared - p.keys.failed.length} pending, ${p.keys.failed.length} failed${p.coordinating ? ' (this node is resharing now)' : ''}`)
  for (const f of p.keys.failed) lines.push(`  ${f.keyId}: ${f.reason}`)
  return lines.join('\n')
}
