// A small GET-JSON client for the nodes' HTTP API. node:http without
// keep-alive, so a finished CLI command never waits on idle sockets.
import { get } from 'node:http'
import { HTTP_REQUEST_TIMEOUT_MS, MAX_HTTP_RESPONSE_BYTES } from './constants.js'
import { deadline } from '../node/deadline.js'

export class HttpStatusError extends Error {
  constructor (readonly url: string, readonly status: number) {
    super(`GET ${url} answered ${status}`)
    this.name = 'HttpStatusError'
  }
}

export interface GetJsonOptions {
  signal?: AbortSignal
  timeoutMs?: number
  /** Statuses whose body is the answer (default 200 only); /health answers 503 with its body when not ok. */
  acceptStatuses?: readonly number[]
}

export async function getJson (url: string, opts: GetJsonOptions = {}): Promise<unknown> {
  const signal = deadline(opts.timeoutMs ?? HTTP_REQUEST_TIMEOUT_MS, opts.signal)
  signal.throwIfAborted()
  return await new Promise((resolve, reject) => {
    const req = get(url, { agent: false, signal, headers: { accept: 'application/json' } }, res => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_HTTP_RESPONSE_BYTES) {
          req.destroy(new Error(`GET ${url}: response larger than ${MAX_HTTP_RESPONSE_BYTES} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', reject)
      res.on('end', () => {
        if (!(opts.acceptStatuses ?? [200]).includes(res.statusCode ?? 0)) {
          reject(new HttpStatusError(url, res.statusCode ?? 0))
          return
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        } catch (err) {
          reject(new Error(`GET ${url}: body is not JSON (${(err as Error).message})`))
        }
      })
    })
    req.on('error', err => {
      reject(signal.aborted && opts.signal?.aborted !== true
        ? new Error(`GET ${url}: no answer within ${opts.timeoutMs ?? HTTP_REQUEST_TIMEOUT_MS} ms`)
        : err)
    })
  })
}
