// The client's HTTP calls (cli/client/http.ts) against a real node:http server
// on 127.0.0.1: answers parsed by schema, problem details carried, deadlines,
// unreachable nodes, cut-off and oversized answers, and connections reused
// between calls.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { AnswerTooLargeError, callJson, CLIENT_MAX_ANSWER_BYTES, NodeUnreachableError, ProblemError } from '../../cli/client/http.js'

const Answer = z.strictObject({ echoed: z.unknown(), method: z.string() })
const servers: Server[] = []

async function serve (handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string, connections: () => number }> {
  let connections = 0
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => { body += c })
    req.on('end', () => { handler(req, res, body) })
  })
  server.on('connection', (_: Socket) => { connections++ })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections }
}

function json (res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type })
  res.end(JSON.stringify(body))
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(async s => {
    s.closeAllConnections()
    await new Promise(resolve => s.close(resolve))
  }))
})

describe('client HTTP calls', () => {
  it('sends the JSON body and parses the answer with the schema', async () => {
    const node = await serve((req, res, body) => { json(res, 200, { echoed: JSON.parse(body), method: req.method }) })
    expect(await callJson('POST', `${node.url}/x`, Answer, { a: [1, 'ü'] })).toEqual({ echoed: { a: [1, 'ü'] }, method: 'POST' })
  })

  it('reuses one connection for calls one after another', async () => {
    const node = await serve((req, res) => { json(res, 200, { echoed: null, method: req.method }) })
    for (let i = 0; i < 5; i++) await callJson('GET', `${node.url}/x`, Answer)
    expect(node.connections()).toBe(1)
  })

  it('turns an error status into a ProblemError with the node\'s problem details', async () => {
    const problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no such key k1' }
    const node = await serve((_, res) => { json(res, 404, problem, 'application/problem+json') })
    const err = await callJson('GET', `${node.url}/keys/k1`, Answer).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProblemError)
    expect((err as ProblemError).status).toBe(404)
    expect((err as ProblemError).problem).toMatchObject(problem)
  })

  it('refuses a success answer that does not fit the schema', async () => {
    const node = await serve((_, res) => { json(res, 200, { something: 'else' }) })
    const err = await callJson('GET', `${node.url}/x`, Answer).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProblemError)
    expect((err as ProblemError).problem?.title).toBe('Malformed answer')
  })

  it('gives up at its deadline with "timed out"', async () => {
    const node = await serve(() => { /* never answers */ })
    const err = await callJson('GET', `${node.url}/x`, Answer, undefined, { timeoutMs: 200 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeUnreachableError)
    expect((err as Error).message).toMatch(/timed out$/)
  })

  it('stops when the caller aborts', async () => {
    const node = await serve(() => { /* never answers */ })
    const controller = new AbortController()
    setTimeout(() => { controller.abort(new Error('interrupted')) }, 50)
    const err = await callJson('GET', `${node.url}/x`, Answer, undefined, { signal: controller.signal }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeUnreachableError)
    expect((err as Error).message).toContain('interrupted')
  })

  it('says a node that refuses connections is unreachable', async () => {
    const node = await serve(() => {})
    const closed = servers.pop()!
    await new Promise(resolve => closed.close(resolve))
    const err = await callJson('GET', `${node.url}/x`, Answer).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeUnreachableError)
    expect((err as Error).message).toMatch(/unreachable \(.*ECONNREFUSED/)
  })

  it('fails an answer cut off before its end', async () => {
    const node = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"echoed":')
      setTimeout(() => { res.socket?.destroy() }, 20)
    })
    const err = await callJson('GET', `${node.url}/x`, Answer).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeUnreachableError)
  })

  it('stops reading an answer over its limit', async () => {
    const node = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      // Stops once the client has gone: on a write error too (Node 24.22 calls back with one, at once and over
      // and over, while res.destroyed is still false), and after 4× the limit whatever happens.
      let written = 0
      const more = (err?: Error | null): void => {
        if (err != null || res.destroyed || written > 4 * CLIENT_MAX_ANSWER_BYTES) return
        written += chunk.byteLength
        res.write(chunk, more)
      }
      more()
    })
    const err = await callJson('GET', `${node.url}/x`, Answer).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(AnswerTooLargeError)
    expect((err as AnswerTooLargeError).limitBytes).toBe(CLIENT_MAX_ANSWER_BYTES)
  })

  it('refuses a URL that is not http or https', async () => {
    const err = await callJson('GET', 'ftp://127.0.0.1/x', Answer).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeUnreachableError)
    expect((err as Error).message).toContain('ftp: is not http: or https:')
  })
})
