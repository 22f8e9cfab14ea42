// Three ways to put a hostile request on the wire, for the HTTP fuzz:
// - `agent`: node:http over a shared keep-alive agent (most cases; fast);
// - `fresh`: a connection of its own, for bodies the server answers early (413)
//   and then drops: a kept-alive socket would carry that into the next request;
// - `socket`: raw bytes on a TCP socket, for what node:http refuses to send
//   (bad request lines, methods, header bytes, conflicting lengths).
import { Agent, request, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'

export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface AgentRequest {
  via: 'agent' | 'fresh'
  method: string
  /** Path and query exactly as sent (already percent-encoded where needed). */
  path: string
  headers: Record<string, string>
  body?: Uint8Array | string
}

export interface SocketRequest {
  via: 'socket'
  /** The whole request, bytes as they go on the wire. */
  raw: Uint8Array
}

export type WireRequest = AgentRequest | SocketRequest

const EARLY_ANSWER_GRACE_MS = 200

export class HostileHttpClient {
  private readonly agent: Agent

  constructor (private readonly host: string, private readonly port: number, maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets })
  }

  close (): void {
    this.agent.destroy()
  }

  async send (req: WireRequest, timeoutMs: number): Promise<HttpAnswer> {
    if (req.via === 'socket') return await this.raw(req.raw, timeoutMs)
    try {
      return await this.once(req, timeoutMs)
    } catch (err) {
      // A kept-alive socket the server closed while idle: node's documented advice is to retry once.
      if ((err as { reusedSocket?: boolean }).reusedSocket === true) return await this.once(req, timeoutMs)
      throw err
    }
  }

  private async once (req: AgentRequest, timeoutMs: number): Promise<HttpAnswer> {
    return await new Promise((resolve, reject) => {
      const r = request({
        host: this.host,
        port: this.port,
        method: req.method,
        path: req.path,
        headers: req.headers,
        agent: req.via === 'agent' ? this.agent : false,
        signal: AbortSignal.timeout(timeoutMs)
      }, res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
        res.on('error', reject)
      })
      r.on('error', err => {
        const tagged = Object.assign(err, { reusedSocket: r.reusedSocket })
        // After an early answer (413) the server may reset while we still write: let the answer win.
        if (req.via === 'fresh') setTimeout(() => { reject(tagged) }, EARLY_ANSWER_GRACE_MS)
        else reject(tagged)
      })
      if (req.body !== undefined) r.write(req.body, () => {})
      r.end()
    })
  }

  /** Writes `bytes`, reads until the server closes, parses the first response's status line and headers. */
  private async raw (bytes: Uint8Array, timeoutMs: number): Promise<HttpAnswer> {
    return await new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port })
      const chunks: Buffer[] = []
      let settled = false
      const timer = setTimeout(() => { finish(new Error(`no answer within ${timeoutMs} ms`)) }, timeoutMs)
      const finish = (err?: Error): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        const text = Buffer.concat(chunks).toString('latin1')
        const parsed = parseResponse(text)
        if (parsed !== undefined) resolve(parsed)
        else reject(err ?? new Error(`no HTTP response, got ${JSON.stringify(text.slice(0, 80))}`))
      }
      socket.on('data', (c: Buffer) => {
        chunks.push(c)
        // One full response is enough; the server may keep the connection open after it.
        const parsed = parseResponse(Buffer.concat(chunks).toString('latin1'))
        if (parsed !== undefined && isComplete(parsed, Buffer.concat(chunks).toString('latin1'))) finish()
      })
      socket.on('end', () => { finish() })
      socket.on('close', () => { finish() })
      socket.on('error', err => { setTimeout(() => { finish(err) }, EARLY_ANSWER_GRACE_MS) })
      socket.write(bytes)
    })
  }
}

function parseResponse (text: string): HttpAnswer | undefined {
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')
  if (m === null) return undefined
  const headers: IncomingHttpHeaders = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
  }
  const body = text.slice(end + 4)
  return { status: Number(m[1]), headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(body) : body }
}

/** The data of a chunked body, as far as it arrived. */
function dechunk (body: string): string {
  let out = ''
  let at = 0
  for (;;) {
    const eol = body.indexOf('\r\n', at)
    if (eol < 0) return out
    const size = parseInt(body.slice(at, eol), 16)
    if (!Number.isFinite(size) || size === 0) return out
    out += body.slice(eol + 2, eol + 2 + size)
    at = eol + 2 + size + 2
  }
}

/** A response with a Content-Length whose body has fully arrived (chunked answers wait for the close). */
function isComplete (answer: HttpAnswer, text: string): boolean {
  const length = answer.headers['content-length']
  if (typeof length !== 'string') return false
  return text.length - (text.indexOf('\r\n\r\n') + 4) >= Number(length)
}
