// `shardsig blame verify`: checks blame records' evidence at a node of the
// user's choosing (POST /blame/verify), which redoes the blamer's check from
// the signed messages and its own copy of the key
// (docs/protocols/sign.md#blame-evidence).
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { BlameRecordSchema, type BlameRecord } from '../../protocols/wire/http.js'
import { callRoute } from '../client/http.js'
import { envNode, UsageError, type Io } from '../io.js'

export const BLAME_USAGE = `usage: shardsig blame verify [--node URL] (--from URL | --file FILE) [--json]

Checks the evidence of blame records at a node (POST /blame/verify): that node redoes the
check from the culprit's signed statement and its own copy of the key, and answers
  proven       the evidence shows the culprit did it
  not-proven   forged, incomplete or false (or the key was reshared since)
  unprovable   no signed message can show this kind of blame (silence, a majority's word)

  --node URL   the node that checks; default $SHARDSIG_NODE, else http://127.0.0.1:7201.
               Ask one you trust, not the one that blamed
  --from URL   the records: that node's recent blame (GET /blame)
  --file FILE  the records: a JSON file holding one record, an array of them, or {"blame": [...]}
  --json       one JSON line per record: {"record": …, "verdict": …, "detail": …}

Exit status: 0 when no record is not-proven, 1 when one is, 2 on a usage error.`

const RecordsFileSchema = z.union([BlameRecordSchema, z.array(BlameRecordSchema), z.strictObject({ blame: z.array(BlameRecordSchema) })])

export async function runBlame (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { node: { type: 'string' }, from: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } }
  })
  if (values.help === true) { io.out(BLAME_USAGE); return 0 }
  if (positionals.length !== 1 || positionals[0] !== 'verify') throw new UsageError('the only subcommand is verify')
  if ((values.from === undefined) === (values.file === undefined)) throw new UsageError('give exactly one of --from URL and --file FILE')
  const checker = (values.node ?? envNode(io) ?? 'http://127.0.0.1:7201').replace(/\/$/, '')
  const records = values.file !== undefined
    ? recordsOf(await readRecordsFile(values.file))
    : (await callRoute(values.from!.replace(/\/$/, ''), HTTP_API.blame, {}, { signal: io.signal })).blame
  let disproved = 0
  for (const record of records) {
    const { verdict, detail } = await callRoute(checker, HTTP_API.blameVerify, { body: record }, { signal: io.signal })
    if (verdict === 'not-proven') disproved++
    io.out(values.json === true
      ? JSON.stringify({ record, verdict, detail })
      : `${verdict.padEnd(11)} ${record.reason} by ${record.culprit}${record.keyId !== undefined ? ` (key ${record.keyId})` : ''} at ${new Date(record.at).toISOString()}: ${detail}`)
  }
  if (records.length === 0 && values.json !== true) io.out('no blame records')
  return disproved > 0 ? 1 : 0
}

async function readRecordsFile (path: string): Promise<z.infer<typeof RecordsFileSchema>> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new UsageError(`cannot read blame records from ${path}: ${(err as Error).message}`)
  }
  const parsed = RecordsFileSchema.safeParse(json)
  if (!parsed.success) throw new UsageError(`${path} holds no blame record, array of them or {"blame": [...]}: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

function recordsOf (file: z.infer<typeof RecordsFileSchema>): BlameRecord[] {
  if (Array.isArray(file)) return file
  return 'blame' in file && Array.isArray(file.blame) ? file.blame : [file as BlameRecord]
}
