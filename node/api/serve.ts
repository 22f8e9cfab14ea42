// Binds the hono app to a TCP port with @hono/node-server and reports a port
// that is already taken as a typed error instead of an unhandled 'error' event.
// Requests refused below the app (node's HTTP parser, the adapter's URL and
// Host checks, an Expect header) get problem details like every other error.
// With credentials it serves HTTPS (node:https), the same app on the same port.
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { HttpsCredentials } from '../tls/files.js'
import { MalformedHttpProblem, problemJson, problemResponse, type HttpProblem } from './problems.js'

export class PortInUseError extends Error {
  constructor (readonly what: string, readonly host: string, readonly port: number) {
    super(`${what} port ${host}:${port} is already in use`)
    this.name = 'PortInUseError'
  }
}

export interface HttpListener { url: string, port: number, close: () => Promise<void> }

export async function serveHttp (app: Hono, host: string, port: number, tls?: HttpsCredentials): Promise<HttpListener> {
  const listener = getRequestListener(app.fetch, {
    hostname: host,
    // The adapter refuses a request it cannot turn into a URL (bad Host, a backslash in the path): 400, as a problem.
    errorHandler: (err) => problemResponse(new MalformedHttpProblem(400, 'bad-request', 'Bad Request', `malformed request: ${(err as Error).message}`))
  })
  // Node's own check for a missing Host answers a bare 400; this one answers a problem (RFC 9112 3.2 asks for the 400).
  const handle: RequestListener = (req, res) => {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      writeProblem(res, new MalformedHttpProblem(400, 'bad-request', 'Bad Request', 'an HTTP/1.1 request must carry a Host header'))
      return
    }
    void listener(req, res)
  }
  const server = tls === undefined
    ? createServer({ requireHostHeader: false }, handle)
    : createHttpsServer({ requireHostHeader: false, cert: tls.certificatePem, key: tls.privateKeyPem }, handle)
  server.on('clientError', answerClientError)
  server.on('checkExpectation', answerExpectation)
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? new PortInUseError('HTTP', host, port) : err)
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  return {
    url: `${tls === undefined ? 'http' : 'https'}://${host}:${bound}`,
    port: bound,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

/** The parser's error codes that have their own status; everything else it refuses is a 400. */
function problemForParserError (err: NodeJS.ErrnoException): HttpProblem {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new MalformedHttpProblem(431, 'request-header-fields-too-large', 'Request Header Fields Too Large', 'request headers exceed the server limit')
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new MalformedHttpProblem(413, 'payload-too-large', 'Payload Too Large', 'chunk extensions exceed the server limit')
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new MalformedHttpProblem(408, 'request-timeout', 'Request Timeout', 'the request did not arrive in time')
    default:
      return new MalformedHttpProblem(400, 'bad-request', 'Bad Request', `malformed HTTP request (${err.code ?? 'parse error'})`)
  }
}

/**
 * Node's own answer to a request its parser refuses is a bare status line.
 * Like node, answer only when no response to this socket has started (else
 * the bytes would corrupt it), then close the connection.
 */
function answerClientError (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
  if (err.code !== 'ECONNRESET' && socket.writable && (inFlight === undefined || inFlight === null || !inFlight.headersSent)) {
    const problem = problemForParserError(err)
    const body = problemJson(problem)
    // A HEAD answer has no body; the parser failed before it could tell us the method, so look at the bytes (best effort).
    const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD '
    socket.end(`HTTP/1.1 ${problem.status} ${problem.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${head ? '' : body}`)
  }
  socket.destroySoon()
}

/** An Expect header other than 100-continue: node answers 417 on its own, without a body. */
function answerExpectation (req: IncomingMessage, res: ServerResponse): void {
  writeProblem(res, new MalformedHttpProblem(417, 'expectation-failed', 'Expectation Failed', `unsupported Expect: ${JSON.stringify(String(req.headers.expect).slice(0, 64))}`))
}

/** For answers given before the app runs; the connection closes, as the request body (if any) is not read. */
function writeProblem (res: ServerResponse, problem: HttpProblem): void {
  const body = problemJson(problem)
  res.writeHead(problem.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' })
  res.end(body)
}
