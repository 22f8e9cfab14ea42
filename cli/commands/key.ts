// `shardsig key KEY_ID`: the registry record of a key as a node sees it.
import { parseArgs } from 'node:util'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { callRoute } from '../client/http.js'
import { envNode, UsageError, type Io } from '../io.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'

export const KEY_USAGE = `usage: shardsig key KEY_ID [--node URL]

Prints the key's public record and the holders that confirmed it (JSON).

${TRUST_USAGE}`

export async function runKey (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { node: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...TRUST_OPTIONS } })
  if (values.help === true) { io.out(KEY_USAGE); return 0 }
  const keyId = positionals[0]
  if (keyId === undefined || positionals.length !== 1) throw new UsageError('give exactly one KEY_ID')
  const node = (values.node ?? envNode(io) ?? 'http://127.0.0.1:7201').replace(/\/$/, '')
  await trustFromFlags(values, node, io)
  const entry = await callRoute(node, HTTP_API.keyInfo, { params: { keyId } }, { signal: io.signal })
  io.out(JSON.stringify(entry, null, 2))
  return 0
}
