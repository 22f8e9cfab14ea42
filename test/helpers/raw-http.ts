// A bare HTTP client for hostile-input tests: unlike fetch it reads a response
// the server sends before the request body is fully written (413 on an
// oversized body), which is what a well-behaved server does.
import { request } from 'node:http'

const EARLY_RESPONSE_GRACE_MS = 200

export interface RawResponse { status: number, contentType: string | undefined, body: string }

export async function rawRequest (url: string, init: { method: string, headers?: Record<string, string>, body?: string | Uint8Array }, timeoutMs = 10_000): Promise<RawResponse> {
  return await new Promise((resolve, reject) => {
    // agent: false — a fresh connection each time; a kept-alive socket the server reset would hang the next request.
    const req = request(url, { method: init.method, headers: init.headers, agent: false, signal: AbortSignal.timeout(timeoutMs) }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    // EPIPE / ECONNRESET while still writing is expected after an early answer, and may
    // be reported just before the response is parsed: give the response a moment to win.
    req.on('error', err => { setTimeout(() => { reject(err) }, EARLY_RESPONSE_GRACE_MS) })
    if (init.body !== undefined) req.write(init.body, () => {})
    req.end()
  })
}
