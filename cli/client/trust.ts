// How a client comes to trust an HTTPS network (docs/decisions/0015-https.md):
// it fetches the entry node's genesis, checks it against a digest it already
// trusts (the key file's, --genesis-digest, or a genesis file's own), checks
// that the entry node's certificate is the one that genesis lists for it, and
// then pins every node's fingerprint from it for every later call. A plain
// http:// entry node has nothing to authenticate: nothing is fetched.
import { genesisDigest, type Genesis } from '../../protocols/wire/genesis.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { callRoute, CLIENT_TLS_PINS } from './http.js'
import { pinTo, TlsFingerprintMismatchError, type TlsPins } from './tls.js'

export interface TrustOptions {
  /** The entry node's base URL. */
  node: string
  /** The digest the genesis must have (key file, --genesis-digest). */
  genesisDigest?: string
  /** A genesis the user holds (--genesis FILE): its digest is the pin, and its fingerprints are pinned at once. */
  genesis?: Genesis
  /** The entry node's certificate fingerprint (--tls-fingerprint): what the very first connection accepts. */
  tlsFingerprint?: string
  pins?: TlsPins
  signal?: AbortSignal
}

export class GenesisPinMismatchError extends Error {
  constructor (readonly node: string, readonly expected: string, readonly got: string, readonly source: string) {
    super(`${node} serves genesis ${got}, not ${expected} (${source}): refusing to trust it. ` +
      'If an operator changed the membership since, ask them for the new digest and pass it with --genesis-digest')
    this.name = 'GenesisPinMismatchError'
  }
}

export class UnpinnedEntryError extends Error {
  constructor (readonly node: string, reason: string) {
    super(`cannot authenticate ${node}: ${reason}`)
    this.name = 'UnpinnedEntryError'
  }
}

export interface Trusted {
  /** The genesis the pins come from; undefined for a plain-HTTP entry node without a genesis file. */
  genesis?: Genesis
  /** Fingerprints pinned from it. */
  pinned: number
}

/**
 * Makes `pins` hold every fingerprint of the network `node` belongs to, or
 * throws. What it trusts, in order: a genesis file (whose digest must equal
 * `genesisDigest` when both are given); else the entry node's GET /genesis,
 * over a connection that accepts `tlsFingerprint` only when given, or any
 * certificate when only a digest is known — the answer is then taken only if
 * its digest is the pinned one, and the certificate only if it is the one that
 * genesis lists for `node`. Nothing but that GET reaches an unchecked server.
 */
export async function trustNetwork (opts: TrustOptions): Promise<Trusted> {
  const pins = opts.pins ?? CLIENT_TLS_PINS
  const node = opts.node.replace(/\/$/, '')
  let pinnedDigest = opts.genesisDigest?.toLowerCase()
  let source = 'the pinned digest'
  if (opts.genesis !== undefined) {
    const fileDigest = genesisDigest(opts.genesis)
    if (pinnedDigest !== undefined && pinnedDigest !== fileDigest) {
      throw new GenesisPinMismatchError('the --genesis file', pinnedDigest, fileDigest, 'the pinned digest')
    }
    pinnedDigest = fileDigest
    source = 'the --genesis file'
    pins.pinGenesis(opts.genesis)
  }
  if (!node.startsWith('https://')) return { ...(opts.genesis !== undefined ? { genesis: opts.genesis } : {}), pinned: pins.size }

  const entryPin = opts.tlsFingerprint?.toLowerCase() ?? pins.fingerprintFor(node)
  if (entryPin === undefined && pinnedDigest === undefined) {
    throw new UnpinnedEntryError(node, 'give the genesis digest (--genesis-digest, or a key file that records it), a genesis file (--genesis) or the node\'s certificate fingerprint (--tls-fingerprint)')
  }
  let presented: string | undefined
  const genesis = await callRoute(node, HTTP_API.genesis, {}, {
    signal: opts.signal,
    ...(entryPin !== undefined
      ? { tlsFingerprint: entryPin }
      : { tlsCheck: (got: string) => { presented = got } })
  })
  const served = genesisDigest(genesis)
  if (pinnedDigest !== undefined && served !== pinnedDigest) throw new GenesisPinMismatchError(node, pinnedDigest, served, source)
  const listed = genesis.nodes.find(n => sameOrigin(n.http, node))
  if (entryPin === undefined) {
    // The genesis is authentic (its digest); the connection it came over is the entry node only if it showed the listed certificate.
    if (listed?.tlsFingerprint === undefined) throw new UnpinnedEntryError(node, `its genesis ${served} lists no TLS fingerprint for ${node}: give --tls-fingerprint`)
    pinTo(listed.tlsFingerprint)(presented ?? '', node)
  } else if (listed?.tlsFingerprint !== undefined && listed.tlsFingerprint !== entryPin) {
    // A --tls-fingerprint the network's own genesis contradicts.
    throw new TlsFingerprintMismatchError(node, listed.tlsFingerprint, entryPin)
  }
  pins.pinGenesis(genesis)
  if (entryPin !== undefined && listed?.tlsFingerprint === undefined) pins.pin(node, entryPin)
  return { genesis, pinned: pins.size }
}

function sameOrigin (a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}
