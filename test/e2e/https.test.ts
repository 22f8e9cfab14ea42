// HTTPS with pinned certificates, with real processes: `devnet up --tls`
// (Devnet.up({tls: true})) gives every node a self-signed certificate whose
// fingerprint the genesis lists; the devnet's own polling, `devnet status`,
// and the `shardsig` CLI (new-user, sign, status, genesis --digest) all work
// over HTTPS, pinned, and nothing answers plain HTTP.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { callJson, NodeUnreachableError } from '../../cli/client/http.js'
import { KeyFileSchema } from '../../cli/key-file.js'
import { pemFingerprint } from '../../node/tls/certificate.js'
import { genesisDigest, GenesisSchema } from '../../protocols/wire/genesis.js'
import { runCli, runDevnetCli, useE2eDevnet } from '../helpers/e2e-devnet.js'

const net = useE2eDevnet('https-e2e', { nodes: 3, basePortFrom: 31300, tls: true })

async function genesisFile (): Promise<{ path: string, digest: string, genesis: z.infer<typeof GenesisSchema> }> {
  const path = join(net.devnet().dir, 'genesis.json')
  const genesis = GenesisSchema.parse(JSON.parse(await readFile(path, 'utf8')))
  return { path, digest: genesisDigest(genesis), genesis }
}

describe('devnet up --tls: 3 node processes over HTTPS', () => {
  it('the genesis lists https URLs and the fingerprints of the certificates the nodes serve; devnet status reads them pinned', async () => {
    const devnet = net.devnet()
    const { genesis } = await genesisFile()
    for (const n of devnet.nodes()) {
      const listed = genesis.nodes.find(g => g.nodeId === n.nodeId)!
      expect(listed.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(listed.tlsFingerprint).toBe(pemFingerprint(await readFile(n.paths.tlsCert, 'utf8')))
      expect(n.tlsFingerprint).toBe(listed.tlsFingerprint)
    }
    expect((await devnet.status()).map(r => r.state)).toEqual(['healthy', 'healthy', 'healthy'])
    const res = await runDevnetCli(['status', '--dir', devnet.dir, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect((JSON.parse(res.stdout) as Array<{ state: string, http: string }>).map(r => [r.state, r.http.slice(0, 8)])).toEqual([['healthy', 'https://'], ['healthy', 'https://'], ['healthy', 'https://']])
  })

  it('`shardsig genesis --digest` prints the genesisDigest of the file, and of what a pinned node serves', async () => {
    const { path, digest } = await genesisFile()
    const fromFile = await runCli(['genesis', '--digest', '--file', path])
    expect(fromFile.code, fromFile.stderr).toBe(0)
    expect(fromFile.stdout.trim()).toBe(digest)
    const node = net.devnet().node(2)
    const fromNode = await runCli(['genesis', '--digest', '--json', '--node', node.http, '--tls-fingerprint', node.tlsFingerprint!])
    expect(fromNode.code, fromNode.stderr).toBe(0)
    expect(JSON.parse(fromNode.stdout)).toEqual({ digest })
  })

  it('new-user trusts the network by the genesis file and records its digest; sign over HTTPS trusts it by the key file alone', async () => {
    const devnet = net.devnet()
    const { path, digest } = await genesisFile()
    const keyPath = join(net.dir(), 'tls.key.json')
    const dealt = await runCli(['new-user', '--node', devnet.node(1).http, '--genesis', path, '--out', keyPath, '--json'])
    expect(dealt.code, dealt.stderr).toBe(0)
    expect((JSON.parse(dealt.stdout) as { committees: Array<{ receipts: number }> }).committees).toEqual([{ committee: 1, receipts: 3, error: null }])
    const keyFile = KeyFileSchema.parse(JSON.parse(await readFile(keyPath, 'utf8')))
    expect(keyFile.genesisDigest).toBe(digest)
    expect(keyFile.node).toBe(devnet.node(1).http)

    const message = '68747470732070696e6e6564'
    const signed = await runCli(['sign', '--key', keyPath, '--message', message, '--json'])
    expect(signed.code, signed.stderr).toBe(0)
    const result = JSON.parse(signed.stdout) as { status: string, signature: string }
    expect(result.status).toBe('completed')
    const verified = await runCli(['verify', '--key', keyPath, '--message', message, '--signature', result.signature])
    expect(verified.stdout.trim()).toBe('valid')
  })

  it('a wrong entry fingerprint, or an https node with nothing to pin it by, is refused with one line naming the fingerprints', async () => {
    const node = net.devnet().node(3)
    const wrong = 'ab'.repeat(32)
    const refused = await runCli(['status', '--node', node.http, '--tls-fingerprint', wrong])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`presented a TLS certificate with fingerprint ${node.tlsFingerprint!}, not the pinned ${wrong}`)
    const unpinned = await runCli(['status', '--node', node.http])
    expect(unpinned.code).toBe(1)
    expect(unpinned.stderr).toContain(`cannot authenticate ${node.http}`)
    const pinned = await runCli(['status', '--node', node.http, '--tls-fingerprint', node.tlsFingerprint!])
    expect(pinned.code, pinned.stderr).toBe(0)
    expect(pinned.stdout).toContain('3/3 live')
  })

  it('a plain-HTTP request to a TLS node gets no answer', async () => {
    const plain = net.devnet().node(1).http.replace('https://', 'http://')
    await expect(callJson('GET', `${plain}/health`, z.unknown())).rejects.toBeInstanceOf(NodeUnreachableError)
    const res = await runCli(['status', '--node', plain])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('unreachable')
  })
})
