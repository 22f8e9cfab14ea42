// Reading node logs: the last lines (for failure reports) and following a
// log as it grows (`devnet logs i -f`).
import { open, stat } from 'node:fs/promises'
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
