// `shardsig genesis`: a network's genesis, or with --digest the digest that
// `--genesis-digest` pins (docs/threat-model.md#pinning-the-genesis).
import { parseArgs } from 'node:util'
import { genesisDigest } from '../../protocols/wire/genesis.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { callRoute } from '../client/http.js'
import { envNode, UsageError, type Io } from '../io.js'
import { readGenesisFile, TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'

export const GENESIS_USAGE = `usage: shardsig genesis (--file FILE | --node URL) [--digest] [--json]

Prints the genesis as JSON or, with --digest, its digest:
SHA-256("shardsig/v1/genesis\\n" + RFC 8785 canonical JSON of the genesis), lowercase hex,
the value --genesis-digest pins and key files record.

  --file FILE     a genesis file (e.g. the operator's genesis.json)
  --node URL      the genesis a node runs (GET /genesis); default $SHARDSIG_NODE. A digest read
                  from a node is that node's word: compare it with your operator's before pinning it
  --digest        print the digest instead of the genesis
  --json          with --digest: print {"digest": "…"}

${TRUST_USAGE}`

export async function runGenesis (argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      file: { type: 'string' }, node: { type: 'string' }, digest: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' }, ...TRUST_OPTIONS
    }
  })
  if (values.help === true) { io.out(GENESIS_USAGE); return 0 }
  const node = values.node ?? (values.file === undefined ? envNode(io) : undefined)
  if ((values.file === undefined) === (node === undefined)) throw new UsageError('give exactly one of --file FILE and --node URL')
  let genesis
  if (values.file !== undefined) {
    genesis = await readGenesisFile(values.file)
  } else {
    const base = node!.replace(/\/$/, '')
    genesis = (await trustFromFlags(values, base, io)).genesis ?? await callRoute(base, HTTP_API.genesis, {}, { signal: io.signal })
  }
  if (values.digest !== true) {
    if (values.json === true) throw new UsageError('--json goes with --digest (the genesis is printed as JSON anyway)')
    io.out(JSON.stringify(genesis, null, 2))
    return 0
  }
  const digest = genesisDigest(genesis)
  io.out(values.json === true ? JSON.stringify({ digest }) : digest)
  return 0
}
