// Reading node logs: the last lines (for failure reports), following a log
// as it grows (`devnet logs i -f`), and one request's lines from every node
// merged in time order (`devnet logs --request ID`).
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { LOG_FOLLOW_INTERVAL_MS } from './constants.js'

/** Bytes read from the end of a log to find its last lines. */
const TAIL_READ_BYTES = 64 * 1024

/** The last `lines` lines of the file after byte `from`; [] when it does not exist. */
export async function tailLines (path: string, lines: number, from = 0): Promise<string[]> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch {
    return []
  }
  try {
    const { size } = await handle.stat()
    const start = Math.max(Math.min(from, size), size - TAIL_READ_BYTES)
    const buffer = Buffer.alloc(size - start)
    await handle.read(buffer, 0, buffer.length, start)
    const text = buffer.toString('utf8')
    // Drop a partial first line when we started mid-file.
    const all = (start > from ? text.slice(text.indexOf('\n') + 1) : text).split('\n')
    if (all.at(-1) === '') all.pop()
    return all.slice(-lines)
  } finally {
    await handle.close()
  }
}

/** Copies the file to `out`, then whatever is appended, until `signal` aborts. A truncated file is read again from the start. */
export async function followFile (path: string, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  let position = 0
  while (!signal.aborted) {
    const size = await stat(path).then(s => s.size, () => 0)
    if (size < position) position = 0
    if (size > position) {
      const handle = await open(path, 'r')
      try {
        const buffer = Buffer.alloc(size - position)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
        position += bytesRead
        out.write(buffer.subarray(0, bytesRead))
      } finally {
        await handle.close()
      }
    }
    await sleep(LOG_FOLLOW_INTERVAL_MS, undefined, { signal }).catch(() => {})
  }
}

/** One log line of a request's story, from one node's pino JSON log. */
export interface RequestLogLine {
  node: string
  /** ms since the epoch, from pino's ISO `time`. */
  timeMs: number
  time: string
  level: number
  msg: string
  /** Every other field of the line. */
  fields: Record<string, unknown>
  /** The line as the node wrote it. */
  raw: string
}

/** Fields every line has (or that the request id makes redundant): not repeated after the message. */
const FRAME_FIELDS = new Set(['time', 'level', 'node', 'msg', 'requestId', 'pid', 'hostname'])
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }

/**
 * The lines of one node's log that belong to request `id`: its `requestId`
 * is `id` (new_user sessions use the key id as their request id), or it has
 * no `requestId` and its `keyId` is `id`. Lines that are not JSON are skipped.
 */
export async function requestLines (node: string, path: string, id: string): Promise<RequestLogLine[]> {
  const found: RequestLogLine[] = []
  let lines
  try {
    lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
    for await (const raw of lines) {
      if (!raw.includes(id)) continue
      const line = parseLine(raw)
      if (line === undefined) continue
      const belongs = line.requestId === id || (line.requestId === undefined && line.keyId === id)
      if (!belongs) continue
      const { time, level, msg, node: lineNode } = line
      const timeMs = typeof time === 'string' ? Date.parse(time) : typeof time === 'number' ? time : NaN
      if (!Number.isFinite(timeMs)) continue
      const fields = Object.fromEntries(Object.entries(line).filter(([k]) => !FRAME_FIELDS.has(k)))
      found.push({
        node: typeof lineNode === 'string' ? lineNode : node,
        timeMs,
        time: new Date(timeMs).toISOString(),
        level: typeof level === 'number' ? level : 30,
        msg: typeof msg === 'string' ? msg : '',
        fields,
        raw
      })
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  } finally {
    lines?.close()
  }
  return found
}

/** Every node's lines of request `id`, in time order (a node's own lines keep their order within a millisecond). */
export async function mergeRequestLogs (logs: ReadonlyArray<{ node: string, path: string }>, id: string): Promise<RequestLogLine[]> {
  const perNode = await Promise.all(logs.map(async l => await requestLines(l.node, l.path, id)))
  // Array.prototype.sort is stable: equal times keep node order, then file order.
  return perNode.flat().sort((a, b) => a.timeMs - b.timeMs)
}

/**
 * `time  node  LEVEL  msg  key=value …`; `names` (peer id → node id) makes
 * the peer ids in the fields readable (a party, a coordinator, a culprit).
 */
export function formatRequestLine (line: RequestLogLine, nodeWidth = 0, names: ReadonlyMap<string, string> = new Map()): string {
  const extra = Object.entries(line.fields).map(([k, v]) => {
    let text = typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)
    for (const [peerId, name] of names) text = text.replaceAll(peerId, name)
    return `${k}=${text}`
  })
  return [line.time, line.node.padEnd(nodeWidth), (LEVEL_NAMES[line.level] ?? String(line.level)).padEnd(5), line.msg, ...extra].join('  ')
}

function parseLine (raw: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw)
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}
