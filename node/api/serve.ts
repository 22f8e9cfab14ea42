// Binds the hono app to a TCP port with @hono/node-server and reports a port
// that is already taken as a typed error instead of an unhandled 'error' event.
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export class PortInUseError extends Error {
  constructor (readonly what: string, readonly host: string, readonly port: number) {
    super(`${what} port ${host}:${port} is already in use`)
    this.name = 'PortInUseError'
  }
}

export interface HttpListener { url: string, port: number, close: () => Promise<void> }

export async function serveHttp (app: Hono, host: string, port: number): Promise<HttpListener> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server
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
    url: `http://${host}:${bound}`,
    port: bound,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
