// Checks that the devnet's ports are free before any node starts, so a taken
// port is reported by number and owner instead of as a node that never comes up.
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEVNET_HOST, EXIT_POLL_INTERVAL_MS, HTTP_PORT_OFFSET } from './constants.js'
import { httpPort, p2pPort } from './layout.js'

/** A port a node will bind, on its host (default DEVNET_HOST). */
export interface PortClaim { port: number, label: string, host?: string }

/** Resolves to undefined when the port can be bound, else to the error code (EADDRINUSE, EACCES, ...). */
export async function probePort (port: number, host = DEVNET_HOST): Promise<string | undefined> {
  return await new Promise(resolve => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? err.message) })
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => { resolve(undefined) })
    })
  })
}

/** The claims whose port cannot be bound, with the reason. */
export async function takenPorts (claims: readonly PortClaim[], host = DEVNET_HOST): Promise<Array<PortClaim & { code: string }>> {
  const results = await Promise.all(claims.map(async c => ({ ...c, code: await probePort(c.port, c.host ?? host) })))
  return results.filter((r): r is PortClaim & { code: string } => r.code !== undefined)
}

export function nodePortClaims (basePort: number, index: number, host?: string): PortClaim[] {
  return [
    { port: p2pPort(basePort, index), label: `node ${index} p2p`, ...(host !== undefined ? { host } : {}) },
    { port: httpPort(basePort, index), label: `node ${index} HTTP`, ...(host !== undefined ? { host } : {}) }
  ]
}

export function describeTaken (taken: ReadonlyArray<PortClaim & { code: string }>): string {
  return taken.map(t => `${t.port} (${t.label}${t.code === 'EADDRINUSE' ? '' : `, ${t.code}`})`).join(', ')
}

/** Waits until none of `claims` is taken, or until `signal` aborts; returns what is still taken. */
export async function waitForPorts (claims: readonly PortClaim[], signal: AbortSignal): Promise<Array<PortClaim & { code: string }>> {
  for (;;) {
    const taken = await takenPorts(claims)
    if (taken.length === 0 || signal.aborted) return taken
    await sleep(EXIT_POLL_INTERVAL_MS * 2, undefined, { signal }).catch(() => {})
  }
}

/**
 * The first base port, from `start` in steps of `step`, whose whole range
 * (p2p and HTTP ports of `nodes` nodes) is free. For tests and benchmarks
 * that must not collide with a devnet someone is running.
 */
export async function findFreeBasePort (start: number, nodes: number, { step = 2 * HTTP_PORT_OFFSET, attempts = 20 } = {}): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const base = start + i * step
    const claims = Array.from({ length: nodes }, (_, k) => nodePortClaims(base, k + 1)).flat()
    if ((await takenPorts(claims)).length === 0) return base
  }
  throw new Error(`no free port range of ${nodes} nodes found from ${start} in ${attempts} steps of ${step}`)
}
