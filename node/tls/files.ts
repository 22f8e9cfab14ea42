// A node's HTTPS files: the certificate (PEM) and its private key, sealed under
// the node's passphrase like its identity when this code made it, or PEM when
// the operator brought their own. Read at start and held to the fingerprint
// the genesis lists for the node before anything serves.
import { createPrivateKey, randomBytes as nodeRandomBytes, X509Certificate, type KeyObject } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { inspect } from 'node:util'
import type { GenesisNode } from '../../protocols/wire/genesis.js'
import { ConfigError } from '../config/errors.js'
import type { NodeConfig } from '../config/schema.js'
import { readSealedFile, writeSealedFile, type ScryptParams } from '../store/index.js'
import { certificateFingerprint, makeSelfSignedCertificate } from './certificate.js'

/** What `serveHttp` needs to serve HTTPS. Holds a private key: prints itself redacted. */
export class HttpsCredentials {
  constructor (
    readonly certificatePem: string,
    /** PEM, as node:tls takes it. */
    readonly privateKeyPem: string,
    /** SHA-256 of the certificate's DER, lowercase hex. */
    readonly fingerprint: string
  ) {}

  toString (): string {
    return `HttpsCredentials(${this.fingerprint}, key <redacted>)`
  }

  toJSON (): unknown {
    return { fingerprint: this.fingerprint }
  }

  [inspect.custom] (): string {
    return this.toString()
  }
}

export interface TlsFilePaths { certFile: string, keyFile: string }

/**
 * Makes a self-signed certificate for `hosts` and writes it (PEM, 0644) and its
 * key (sealed under `passphrase`, 0600); an existing file is never overwritten.
 * Returns the certificate's fingerprint for the genesis entry.
 */
export async function createTlsFiles (
  paths: TlsFilePaths, passphrase: string, hosts: readonly string[],
  opts: { scrypt?: Partial<ScryptParams>, now?: Date, randomBytes?: (n: number) => Uint8Array } = {}
): Promise<string> {
  const made = makeSelfSignedCertificate({
    hosts, now: opts.now ?? new Date(), randomBytes: opts.randomBytes ?? (n => new Uint8Array(nodeRandomBytes(n)))
  })
  await writeFile(paths.certFile, made.certificatePem, { mode: 0o644, flag: 'wx' })
  await writeSealedFile(paths.keyFile, passphrase, new TextEncoder().encode(made.privateKeyPem), opts.scrypt)
  return made.fingerprint
}

/** The certificate and key the config names, checked to belong together; undefined without `tls`. */
export async function loadHttpsCredentials (tls: NodeConfig['tls'], passphrase: string): Promise<HttpsCredentials | undefined> {
  if (tls === undefined) return undefined
  const certificatePem = await readConfigFile(tls.certFile, 'TLS certificate')
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(certificatePem)
  } catch (err) {
    throw new ConfigError(`TLS certificate ${tls.certFile} does not parse: ${(err as Error).message}`)
  }
  const keyText = await readConfigFile(tls.keyFile, 'TLS key')
  // A PEM key is the operator's own; anything else is the sealed file init wrote (a wrong passphrase is WrongPassphraseError).
  const keyPem = keyText.trimStart().startsWith('-----BEGIN')
    ? keyText
    : new TextDecoder().decode(await readSealedFile(tls.keyFile, passphrase))
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(keyPem)
  } catch (err) {
    throw new ConfigError(`TLS key ${tls.keyFile} does not parse: ${(err as Error).message}`)
  }
  if (privateKey.asymmetricKeyType !== certificate.publicKey.asymmetricKeyType || !certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(`TLS key ${tls.keyFile} is not the key of certificate ${tls.certFile}`)
  }
  return new HttpsCredentials(certificatePem, keyPem, certificateFingerprint(certificate.raw))
}

/**
 * A node the genesis lists with a fingerprint serves HTTPS with exactly that
 * certificate: clients refuse any other, so starting with another would only
 * make the node unreachable. One listed with an http:// URL serves plain HTTP.
 */
export function checkHttpsMatchesGenesis (credentials: HttpsCredentials | undefined, self: GenesisNode, config: Pick<NodeConfig, 'tls'>): void {
  const pinned = self.tlsFingerprint
  if (pinned !== undefined && credentials === undefined) {
    throw new ConfigError(`the genesis lists ${self.nodeId} at ${self.http} with TLS fingerprint ${pinned}, but the config names no "tls" certificate and key`)
  }
  if (pinned !== undefined && credentials !== undefined && credentials.fingerprint !== pinned) {
    throw new ConfigError(`TLS certificate ${config.tls?.certFile ?? ''} has fingerprint ${credentials.fingerprint}, but the genesis lists ${pinned} for ${self.nodeId}: serve the certificate the genesis names (or have a membership update name this one)`)
  }
  if (credentials !== undefined && self.http.startsWith('http://')) {
    throw new ConfigError(`the config has "tls", but the genesis lists ${self.nodeId} at ${self.http} (plain HTTP): clients would not reach it; remove "tls" or list an https:// URL`)
  }
}

async function readConfigFile (path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}
