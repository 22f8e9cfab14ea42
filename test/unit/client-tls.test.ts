// The client's certificate pinning (cli/client/tls.ts, trust.ts) against real
// node:https servers on 127.0.0.1 with self-signed certificates: a server whose
// certificate has another fingerprint is refused with a typed error naming the
// URL and both fingerprints, before it sees a request; the pinned one is
// served; a genesis is trusted only by its digest, and the entry node only if
// it shows the certificate that genesis lists for it.
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { callJson, NodeUnreachableError } from '../../cli/client/http.js'
import { TlsFingerprintMismatchError, TlsPins } from '../../cli/client/tls.js'
import { GenesisPinMismatchError, trustNetwork, UnpinnedEntryError } from '../../cli/client/trust.js'
import { getJson } from '../../devnet/http.js'
import { makeSelfSignedCertificate, type SelfSignedCertificate } from '../../node/tls/certificate.js'
import { genesisDigest, type Genesis } from '../../protocols/wire/genesis.js'

const Answer = z.strictObject({ ok: z.literal(true) })
const servers: Server[] = []

function certificate (): SelfSignedCertificate {
  return makeSelfSignedCertificate({ hosts: ['127.0.0.1'], now: new Date(), randomBytes: n => new Uint8Array(randomBytes(n)) })
}

/** An HTTPS server with `cert` answering /genesis with `genesis()` and anything else {ok: true}; counts the TCP connections it accepted and the requests it read. */
async function serve (cert: SelfSignedCertificate, genesis?: (url: string) => Genesis): Promise<{ url: string, requests: () => number, connections: () => number }> {
  let requests = 0
  let connections = 0
  let url = ''
  const server = createServer({ key: cert.privateKeyPem, cert: cert.certificatePem }, (req, res) => {
    requests++
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(req.url === '/genesis' && genesis !== undefined ? genesis(url) : { ok: true }))
  })
  server.on('connection', () => { connections++ })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, requests: () => requests, connections: () => connections }
}

function genesisListing (url: string, fingerprint: string): Genesis {
  return {
    version: 1,
    network: 'tls-test',
    epoch: 0,
    params: { committees: 1, tc: 1, tm: 1, managers: 1 },
    nodes: [{ nodeId: 'node-1', peerId: '12D3KooWTest', multiaddrs: ['/ip4/127.0.0.1/tcp/1'], http: url, encryptionPublicKey: '11'.repeat(32), committee: 1, tlsFingerprint: fingerprint }]
  }
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map(async s => {
    s.closeAllConnections()
    await new Promise(resolve => s.close(resolve))
  }))
})

describe('client certificate pinning', () => {
  it('refuses a server whose certificate has another fingerprint, naming the URL and both fingerprints, before sending it anything', async () => {
    const served = certificate()
    const pinned = certificate()
    const node = await serve(served)
    const pins = new TlsPins()
    pins.pin(node.url, pinned.fingerprint)
    const err = await callJson('GET', `${node.url}/health`, Answer, undefined, { pins }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TlsFingerprintMismatchError)
    expect(err).toMatchObject({ url: `${node.url}/health`, expected: pinned.fingerprint, got: served.fingerprint })
    expect((err as Error).message).toContain(served.fingerprint)
    expect(node.connections()).toBe(1)
    expect(node.requests()).toBe(0)
  })

  it('talks to the server whose certificate has the pinned fingerprint, self-signed, over one kept-alive connection', async () => {
    const cert = certificate()
    const node = await serve(cert)
    const pins = new TlsPins()
    pins.pin(`${node.url}/`, cert.fingerprint)
    for (let i = 0; i < 3; i++) expect(await callJson('GET', `${node.url}/x`, Answer, undefined, { pins })).toEqual({ ok: true })
    expect(node.requests()).toBe(3)
    expect(node.connections()).toBe(1)
    // A per-call fingerprint wins over the pins.
    const other = certificate()
    await expect(callJson('GET', `${node.url}/x`, Answer, undefined, { pins, tlsFingerprint: other.fingerprint })).rejects.toBeInstanceOf(TlsFingerprintMismatchError)
  })

  it('an https URL pinned nowhere is checked against the CAs, which do not know a self-signed certificate', async () => {
    const node = await serve(certificate())
    const err = await callJson('GET', `${node.url}/x`, Answer, undefined, { pins: new TlsPins() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NodeUnreachableError)
    expect((err as Error).message).toMatch(/self[- ]signed/i)
    expect(node.requests()).toBe(0)
  })

  it('the devnet\'s requests pin too', async () => {
    const cert = certificate()
    const node = await serve(cert)
    expect(await getJson(`${node.url}/x`, { tlsFingerprint: cert.fingerprint })).toEqual({ ok: true })
    await expect(getJson(`${node.url}/x`, { tlsFingerprint: certificate().fingerprint })).rejects.toBeInstanceOf(TlsFingerprintMismatchError)
    await expect(getJson(`${node.url}/x`)).rejects.toThrow(/no TLS fingerprint/)
    expect(node.requests()).toBe(1)
  })
})

describe('trusting a network by its genesis digest', () => {
  it('with only the digest: fetches the genesis, checks its digest and the entry\'s certificate against it, then pins every node', async () => {
    const cert = certificate()
    const node = await serve(cert, url => genesisListing(url, cert.fingerprint))
    const digest = genesisDigest(genesisListing(node.url, cert.fingerprint))
    const pins = new TlsPins()
    const trusted = await trustNetwork({ node: node.url, genesisDigest: digest, pins })
    expect(trusted.genesis?.nodes[0]?.tlsFingerprint).toBe(cert.fingerprint)
    expect(pins.fingerprintFor(node.url)).toBe(cert.fingerprint)
    expect(await callJson('GET', `${node.url}/x`, Answer, undefined, { pins })).toEqual({ ok: true })
  })

  it('refuses a man in the middle that replays the real genesis with a certificate of its own', async () => {
    const real = certificate()
    const impostor = await serve(certificate(), url => genesisListing(url, real.fingerprint))
    const digest = genesisDigest(genesisListing(impostor.url, real.fingerprint))
    const pins = new TlsPins()
    const err = await trustNetwork({ node: impostor.url, genesisDigest: digest, pins }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TlsFingerprintMismatchError)
    expect(err).toMatchObject({ expected: real.fingerprint })
    expect(pins.size).toBe(0)
    // It was asked for the public genesis and nothing else.
    expect(impostor.requests()).toBe(1)
  })

  it('refuses a genesis of another digest', async () => {
    const cert = certificate()
    const node = await serve(cert, url => genesisListing(url, cert.fingerprint))
    const err = await trustNetwork({ node: node.url, genesisDigest: 'ab'.repeat(32), pins: new TlsPins() }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GenesisPinMismatchError)
    expect((err as Error).message).toContain('ab'.repeat(32))
  })

  it('with only the entry node\'s fingerprint: pins the network that node serves; a wrong one is refused', async () => {
    const cert = certificate()
    const node = await serve(cert, url => genesisListing(url, cert.fingerprint))
    const pins = new TlsPins()
    await trustNetwork({ node: node.url, tlsFingerprint: cert.fingerprint, pins })
    expect(pins.fingerprintFor(node.url)).toBe(cert.fingerprint)
    await expect(trustNetwork({ node: node.url, tlsFingerprint: certificate().fingerprint, pins: new TlsPins() })).rejects.toBeInstanceOf(TlsFingerprintMismatchError)
  })

  it('with a genesis file: its fingerprints are pinned before the first connection, and the node must serve that genesis', async () => {
    const cert = certificate()
    const node = await serve(cert, url => genesisListing(url, cert.fingerprint))
    const pins = new TlsPins()
    await trustNetwork({ node: node.url, genesis: genesisListing(node.url, cert.fingerprint), pins })
    expect(pins.fingerprintFor(node.url)).toBe(cert.fingerprint)
    const otherFile = { ...genesisListing(node.url, cert.fingerprint), network: 'another' }
    await expect(trustNetwork({ node: node.url, genesis: otherFile, pins: new TlsPins() })).rejects.toBeInstanceOf(GenesisPinMismatchError)
    await expect(trustNetwork({ node: node.url, genesis: otherFile, genesisDigest: 'cd'.repeat(32), pins: new TlsPins() })).rejects.toBeInstanceOf(GenesisPinMismatchError)
  })

  it('with nothing to check the entry node by: refuses before connecting; a plain-HTTP entry needs nothing', async () => {
    const node = await serve(certificate())
    await expect(trustNetwork({ node: node.url, pins: new TlsPins() })).rejects.toBeInstanceOf(UnpinnedEntryError)
    expect(node.connections()).toBe(0)
    expect(await trustNetwork({ node: 'http://127.0.0.1:1', pins: new TlsPins() })).toEqual({ pinned: 0 })
  })
})
