// A node's HTTPS (node/tls/files.ts, node/api/serve.ts): the files init and the
// devnet write (key sealed under the passphrase, 0600), the operator's own PEM
// pair, the start-up checks against the genesis entry, and a real listener that
// serves the app over TLS and does not answer plain HTTP.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { callJson, NodeUnreachableError } from '../../cli/client/http.js'
import { TlsPins } from '../../cli/client/tls.js'
import { serveHttp } from '../../node/api/serve.js'
import { ConfigError } from '../../node/config/errors.js'
import { makeSelfSignedCertificate } from '../../node/tls/certificate.js'
import { checkHttpsMatchesGenesis, createTlsFiles, loadHttpsCredentials } from '../../node/tls/files.js'
import { WrongPassphraseError } from '../../node/store/index.js'
import type { GenesisNode } from '../../protocols/wire/genesis.js'

const PASSPHRASE = 'correct horse battery staple'
const SCRYPT = { N: 2 ** 10 }
let dir = ''
let fingerprint = ''
const paths = (): { certFile: string, keyFile: string } => ({ certFile: join(dir, 'tls-cert.pem'), keyFile: join(dir, 'tls-key.json') })

function entry (over: Partial<GenesisNode>): GenesisNode {
  return { nodeId: 'node-1', peerId: '12D3KooWTest', multiaddrs: ['/ip4/127.0.0.1/tcp/1'], http: 'https://127.0.0.1:7201', encryptionPublicKey: '11'.repeat(32), committee: 1, ...over }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-node-https-'))
  fingerprint = await createTlsFiles(paths(), PASSPHRASE, ['127.0.0.1'], { scrypt: SCRYPT })
})
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

describe('the node\'s HTTPS files', () => {
  it('the key is sealed under the passphrase with mode 0600; the certificate is PEM', async () => {
    const key = await readFile(paths().keyFile, 'utf8')
    expect(key).not.toContain('PRIVATE KEY')
    expect(JSON.parse(key)).toMatchObject({ version: 1 })
    expect((await stat(paths().keyFile)).mode & 0o777).toBe(0o600)
    expect(await readFile(paths().certFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n/)
    await expect(createTlsFiles(paths(), PASSPHRASE, ['127.0.0.1'], { scrypt: SCRYPT })).rejects.toMatchObject({ code: 'EEXIST' })
  })

  it('loads with the passphrase, and not with another', async () => {
    const credentials = await loadHttpsCredentials(paths(), PASSPHRASE)
    expect(credentials?.fingerprint).toBe(fingerprint)
    expect(inspect(credentials)).not.toContain('PRIVATE KEY')
    expect(JSON.stringify(credentials)).not.toContain('PRIVATE KEY')
    await expect(loadHttpsCredentials(paths(), 'wrong')).rejects.toBeInstanceOf(WrongPassphraseError)
    expect(await loadHttpsCredentials(undefined, PASSPHRASE)).toBeUndefined()
  })

  it('takes an operator\'s own PEM key and certificate, and refuses a key of another certificate', async () => {
    const own = makeSelfSignedCertificate({ hosts: ['node-1.example'], now: new Date(), randomBytes: n => new Uint8Array(randomBytes(n)) })
    await writeFile(join(dir, 'own.pem'), own.certificatePem)
    await writeFile(join(dir, 'own.key'), own.privateKeyPem)
    expect((await loadHttpsCredentials({ certFile: join(dir, 'own.pem'), keyFile: join(dir, 'own.key') }, PASSPHRASE))?.fingerprint).toBe(own.fingerprint)
    const mixed = loadHttpsCredentials({ certFile: paths().certFile, keyFile: join(dir, 'own.key') }, PASSPHRASE)
    await expect(mixed).rejects.toBeInstanceOf(ConfigError)
    await expect(mixed).rejects.toThrow(/is not the key of certificate/)
    await expect(loadHttpsCredentials({ certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'own.key') }, PASSPHRASE)).rejects.toThrow(/cannot read TLS certificate .*ENOENT/)
  })
})

describe('start-up checks against the genesis entry', () => {
  it('serves with the certificate the genesis lists; refuses another fingerprint, a missing "tls", and TLS behind an http:// URL', async () => {
    const credentials = await loadHttpsCredentials(paths(), PASSPHRASE)
    const config = { tls: paths() }
    expect(() => { checkHttpsMatchesGenesis(credentials, entry({ tlsFingerprint: fingerprint }), config) }).not.toThrow()
    const other = 'ab'.repeat(32)
    expect(() => { checkHttpsMatchesGenesis(credentials, entry({ tlsFingerprint: other }), config) })
      .toThrow(new RegExp(`has fingerprint ${fingerprint}, but the genesis lists ${other} for node-1`))
    expect(() => { checkHttpsMatchesGenesis(undefined, entry({ tlsFingerprint: fingerprint }), {}) }).toThrow(/names no "tls" certificate and key/)
    expect(() => { checkHttpsMatchesGenesis(credentials, entry({ http: 'http://127.0.0.1:7201' }), config) }).toThrow(/plain HTTP/)
    // No fingerprint, https: a certificate clients check against a CA; no fingerprint, http: plain.
    expect(() => { checkHttpsMatchesGenesis(credentials, entry({}), config) }).not.toThrow()
    expect(() => { checkHttpsMatchesGenesis(undefined, entry({ http: 'http://127.0.0.1:7201' }), {}) }).not.toThrow()
  })
})

describe('serveHttp with credentials', () => {
  it('serves the app over HTTPS to a client that pins the certificate; a plain-HTTP request gets no answer', async () => {
    const app = new Hono()
    app.get('/x', c => c.json({ ok: true }))
    const listener = await serveHttp(app, '127.0.0.1', 0, await loadHttpsCredentials(paths(), PASSPHRASE))
    try {
      expect(listener.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      const pins = new TlsPins()
      pins.pin(listener.url, fingerprint)
      expect(await callJson('GET', `${listener.url}/x`, z.strictObject({ ok: z.literal(true) }), undefined, { pins })).toEqual({ ok: true })
      const plain = listener.url.replace('https://', 'http://')
      await expect(callJson('GET', `${plain}/x`, z.unknown())).rejects.toBeInstanceOf(NodeUnreachableError)
      const status = await new Promise<number | string>(resolve => {
        const req = request(`${plain}/x`, { agent: false }, res => { resolve(res.statusCode ?? 0) })
        req.on('error', err => { resolve((err as NodeJS.ErrnoException).code ?? err.message) })
        req.end()
      })
      // The TLS server reads the request line as a broken handshake and drops the connection.
      expect(status).toBe('ECONNRESET')
    } finally {
      await listener.close()
    }
  })
})

