// A small GET-JSON client for the nodes' HTTP API. node:http without
// keep-alive, so a finished CLI command never waits on idle sockets; an
// https:// node must present the certificate the devnet made for it.
import { get, type IncomingMessage } from 'node:http'
import { get as getHttps } from 'node:https'
import { checkedTlsConnection, pinTo } from '../cli/client/tls.js'
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
  /** For an https:// URL: the fingerprint its certificate must have (no CA is asked). */
  tlsFingerprint?: string
}

export async function getJson (url: string, opts: GetJsonOptions = {}): Promise<unknown> {
  const signal = deadline(opts.timeoutMs ?? HTTP_REQUEST_TIMEOUT_MS, opts.signal)
  signal.throwIfAborted()
  const https = url.startsWith('https://')
  if (https && opts.tlsFingerprint === undefined) throw new Error(`GET ${url}: no TLS fingerprint to check the node's certificate against`)
  return await new Promise((resolve, reject) => {
    const onAnswer = (res: IncomingMessage): void => {
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
    }
    const headers = { accept: 'application/json' }
    const req = https
      ? getHttps(url, { createConnection: checkedTlsConnection(url, pinTo(opts.tlsFingerprint!)), signal, headers }, onAnswer)
      : get(url, { agent: false, signal, headers }, onAnswer)
    req.on('error', err => {
      reject(signal.aborted && opts.signal?.aborted !== true
        ? new Error(`GET ${url}: no answer within ${opts.timeoutMs ?? HTTP_REQUEST_TIMEOUT_MS} ms`)
        : err)
    })
  })
}
