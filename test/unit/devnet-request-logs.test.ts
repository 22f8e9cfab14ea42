// `devnet logs --request ID`: one request's lines from every node's log,
// merged in time order (devnet/logs.ts), and the command's usage errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../devnet/commands.js'
import { newRequestId } from '../../cli/client/sign.js'
import { formatRequestLine, mergeRequestLogs, requestLines } from '../../devnet/logs.js'

const REQUEST = 'req_AAAAbbbb1234'
const KEY = '0123456789abcdef0123456789abcdef'
const OTHER = 'req_ZZZZyyyy9876'

function line (fields: Record<string, unknown>): string {
  return JSON.stringify({ level: 30, pid: 1, ...fields })
}

let dir = ''
let logs: Array<{ node: string, path: string }> = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-request-logs-'))
  const files: Record<string, string[]> = {
    'node-1': [
      line({ time: '2026-01-01T00:00:00.100Z', node: 'node-1', requestId: REQUEST, keyId: KEY, msg: 'sign request accepted' }),
      `not json at all, e.g. a stack trace on stderr that names ${REQUEST}`,
      line({ time: '2026-01-01T00:00:00.300Z', node: 'node-1', requestId: OTHER, keyId: KEY, msg: 'another request of the same key' }),
      line({ time: '2026-01-01T00:00:00.900Z', node: 'node-1', requestId: REQUEST, keyId: KEY, msg: 'sign request finished', status: 'completed', attempts: 1 })
    ],
    'node-2': [
      line({ time: '2026-01-01T00:00:00.500Z', node: 'node-2', requestId: REQUEST, keyId: KEY, msg: 'signature share sent', committee: 2, member: 1 }),
      // No requestId: a line about the key (new_user side) counts for the key id only.
      line({ time: '2026-01-01T00:00:00.050Z', node: 'node-2', keyId: KEY, msg: 'registry entry from gossip not stored' }),
      line({ time: '2026-01-01T00:00:00.500Z', node: 'node-2', requestId: REQUEST, msg: 'same millisecond, later in the file', level: 40 })
    ],
    'node-3': [
      line({ time: '2026-01-01T00:00:00.200Z', node: 'node-3', requestId: KEY, keyId: KEY, msg: 'sub-share verified and stored' })
    ]
  }
  logs = []
  for (const [node, lines] of Object.entries(files)) {
    await writeFile(join(dir, `${node}.log`), lines.join('\n') + '\n')
    logs.push({ node, path: join(dir, `${node}.log`) })
  }
  logs.push({ node: 'node-4', path: join(dir, 'never-started.log') })
})

afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('devnet logs --request', () => {
  it('merges the lines of one request from every node in time order, skipping other requests and non-JSON lines', async () => {
    const merged = await mergeRequestLogs(logs, REQUEST)
    expect(merged.map(l => [l.node, l.msg])).toEqual([
      ['node-1', 'sign request accepted'],
      ['node-2', 'signature share sent'],
      ['node-2', 'same millisecond, later in the file'],
      ['node-1', 'sign request finished']
    ])
    expect(merged.every(l => JSON.parse(l.raw).requestId === REQUEST)).toBe(true)
  })

  it('a key id finds the new_user lines (requestId = key id) and key lines without a request id, not the key\'s sign requests', async () => {
    const merged = await mergeRequestLogs(logs, KEY)
    expect(merged.map(l => l.msg)).toEqual(['registry entry from gossip not stored', 'sub-share verified and stored'])
  })

  it('a missing log file has no lines', async () => {
    expect(await requestLines('node-4', join(dir, 'never-started.log'), REQUEST)).toEqual([])
  })

  it('prints time, node, level, message and the other fields', async () => {
    const [, second] = await mergeRequestLogs(logs, REQUEST)
    expect(formatRequestLine(second!, 7)).toBe(`2026-01-01T00:00:00.500Z  node-2   INFO   signature share sent  keyId=${KEY}  committee=2  member=1`)
  })

  it('shows peer ids in the fields as node ids', () => {
    const line = { node: 'node-1', timeMs: 0, time: '1970-01-01T00:00:00.000Z', level: 40, msg: 'peer blamed', fields: { blame: { culprit: '12D3KooWabc', reason: 'silent' }, coordinator: '12D3KooWxyz' }, raw: '' }
    expect(formatRequestLine(line, 0, new Map([['12D3KooWabc', 'node-7'], ['12D3KooWxyz', 'node-2']])))
      .toBe('1970-01-01T00:00:00.000Z  node-1  WARN   peer blamed  blame={"culprit":"node-7","reason":"silent"}  coordinator=node-2')
  })

  it('takes an id that starts with "-" in the --request=ID form', async () => {
    const out: string[] = []
    const err: string[] = []
    const code = await main(['logs', '--request=-dashFirst_1234', '--dir', join(dir, 'no-devnet')], {
      stdout: { write: (s: string) => { out.push(s); return true } } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => { err.push(s); return true } } as unknown as NodeJS.WritableStream,
      signal: new AbortController().signal
    })
    // No devnet there: a clear "not found" (1), not a usage error (2) about an ambiguous option.
    expect(err.join('')).not.toMatch(/ambiguous/)
    expect(code, err.join('')).not.toBe(2)
  })

  it('client request ids never start with "-" (they would read as an option on a command line)', () => {
    const ids = Array.from({ length: 2000 }, () => newRequestId())
    expect(ids.filter(id => !/^[A-Za-z0-9][A-Za-z0-9_-]{15}$/.test(id))).toEqual([])
  })

  it('refuses a malformed id and -f with --request (exit 2)', async () => {
    for (const argv of [['logs', '--request', 'bad id!'], ['logs', '--request', REQUEST, '-f'], ['logs']]) {
      const err: string[] = []
      const code = await main([...argv, '--dir', join(dir, 'no-devnet')], {
        stdout: { write: () => true } as unknown as NodeJS.WritableStream,
        stderr: { write: (s: string) => { err.push(s); return true } } as unknown as NodeJS.WritableStream,
        signal: new AbortController().signal
      })
      expect(code, `${argv.join(' ')}: ${err.join('')}`).toBe(2)
    }
  })
})
