// Certificate pinning for the client's HTTPS calls: a node's certificate is
// accepted when its SHA-256 fingerprint is the one the genesis lists for that
// node's URL, and refused otherwise, with no CA in the loop (so a self-signed
// certificate works and a CA-issued one for the same name does not pass).
// The check runs once the TLS handshake is done and before the connection is
// handed to the HTTP request: a refused server never receives a request byte.
import { Agent as HttpsAgent, type AgentOptions, type RequestOptions } from 'node:https'
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls'
import { isIP } from 'node:net'
import type { Duplex } from 'node:stream'
import { certificateFingerprint } from '../../node/tls/certificate.js'
import type { Genesis } from '../../protocols/wire/genesis.js'

export class TlsFingerprintMismatchError extends Error {
  constructor (readonly url: string, readonly expected: string, readonly got: string) {
    super(`${url} presented a TLS certificate with fingerprint ${got}, not the pinned ${expected}: refusing to talk to it`)
    this.name = 'TlsFingerprintMismatchError'
  }
}

/** Called with the fingerprint a server presented; throws to refuse the connection. */
export type FingerprintCheck = (got: string, url: string) => void

/** A check that accepts exactly `expected`. */
export function pinTo (expected: string): FingerprintCheck {
  return (got, url) => {
    if (got !== expected) throw new TlsFingerprintMismatchError(url, expected, got)
  }
}

/**
 * Which fingerprint each HTTPS origin must present, for one client: filled from
 * a genesis whose digest was checked (cli/client/trust.ts), read by every call.
 */
export class TlsPins {
  readonly #byOrigin = new Map<string, string>()

  pin (url: string, fingerprint: string): void {
    this.#byOrigin.set(origin(url), fingerprint)
  }

  /** Every node of `genesis` that lists a fingerprint, replacing what was pinned for its URL before. */
  pinGenesis (genesis: Genesis): void {
    for (const n of genesis.nodes) if (n.tlsFingerprint !== undefined) this.pin(n.http, n.tlsFingerprint)
  }

  fingerprintFor (url: string): string | undefined {
    try {
      return this.#byOrigin.get(origin(url))
    } catch {
      return undefined
    }
  }

  get size (): number {
    return this.#byOrigin.size
  }
}

/** scheme://host:port, normalized by WHATWG URL rules (lowercase host, default port dropped, IPv6 in brackets). */
function origin (url: string): string {
  return new URL(url).origin
}

/**
 * `createConnection` for one request without an agent: TLS to the target, the
 * certificate checked by `check`, the socket handed over only if it passes.
 */
export function checkedTlsConnection (url: string, check: FingerprintCheck): NonNullable<RequestOptions['createConnection']> {
  return (options, oncreate) => {
    connectChecked(tlsOptions(options as ConnectionOptions), url, check, oncreate)
    return undefined
  }
}

/**
 * A keep-alive pool whose every new connection must present one fingerprint.
 * No TLS session reuse: a resumed session is not shown the certificate again.
 */
export class PinnedHttpsAgent extends HttpsAgent {
  constructor (readonly fingerprint: string, opts: AgentOptions = {}) {
    super({ ...opts, rejectUnauthorized: false, maxCachedSessions: 0 })
  }

  override createConnection (options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const url = `https://${hostForUrl(options.host ?? options.hostname ?? 'localhost')}:${String(options.port ?? 443)}`
    connectChecked(tlsOptions(options as ConnectionOptions), url, pinTo(this.fingerprint), callback ?? (() => {}))
    return undefined
  }
}

function tlsOptions (options: ConnectionOptions): ConnectionOptions {
  const host = options.host ?? 'localhost'
  // SNI takes names only (RFC 6066 3); the pin, not the name, decides.
  const servername = options.servername !== undefined && options.servername !== '' && isIP(options.servername) === 0
    ? options.servername
    : (isIP(host) === 0 ? host : undefined)
  const { servername: _ignored, ...rest } = options
  return { ...rest, host, ...(servername !== undefined ? { servername } : {}), rejectUnauthorized: false }
}

function connectChecked (options: ConnectionOptions, url: string, check: FingerprintCheck, done: (err: Error | null, stream: Duplex) => void): void {
  let settled = false
  const finish = (err: Error | null, socket: TLSSocket): void => {
    if (settled) return
    settled = true
    socket.off('error', onError)
    if (err !== null) socket.destroy()
    done(err, socket)
  }
  const socket = connect(options)
  const onError = (err: Error): void => { finish(err, socket) }
  socket.once('error', onError)
  socket.once('secureConnect', () => {
    const raw = socket.getPeerCertificate().raw as Buffer | undefined
    try {
      if (raw === undefined) throw new Error(`${url} presented no TLS certificate`)
      check(certificateFingerprint(raw), url)
    } catch (err) {
      finish(err as Error, socket)
      return
    }
    finish(null, socket)
  })
}

function hostForUrl (host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host
}

