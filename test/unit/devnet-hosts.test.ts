// Devnets on addresses other than 127.0.0.1 (`devnet genesis --hosts`,
// `Devnet.up({ hosts })`): which addresses are accepted, how they appear in the
// genesis and in each node's config, and that a generated devnet keeps them.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Devnet } from '../../devnet/api.js'
import { main } from '../../devnet/commands.js'
import { DevnetUsageError } from '../../devnet/errors.js'
import { checkHosts, parseHostList } from '../../devnet/hosts.js'
import { httpUrl, p2pMultiaddr } from '../../devnet/layout.js'
import { GenesisSchema } from '../../protocols/wire/genesis.js'
import { NodeConfigFileSchema } from '../../node/config/schema.js'

const dirs: string[] = []
async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-devnet-hosts-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(async d => { await rm(d, { recursive: true, force: true }) }))
})

describe('devnet hosts', () => {
  it('defaults every node to 127.0.0.1 and takes one IP literal per node', () => {
    expect(checkHosts(undefined, 3)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1'])
    expect(checkHosts(['10.0.0.1', 'fd00::2'], 2)).toEqual(['10.0.0.1', 'fd00::2'])
    expect(() => checkHosts(['10.0.0.1'], 2)).toThrow(/one host per node: 2 nodes, 1 hosts/)
    expect(() => checkHosts(['node-1.example', '10.0.0.2'], 2)).toThrow(/not an IPv4 or IPv6 address/)
    expect(() => checkHosts(['0.0.0.0'], 1)).toThrow(DevnetUsageError)
    expect(parseHostList('10.0.0.1, 10.0.0.2,10.0.0.3')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3'])
    expect(() => parseHostList('10.0.0.1,,10.0.0.2')).toThrow(/comma-separated/)
  })

  it('writes addresses as multiaddrs and URLs, IPv6 included', () => {
    expect(p2pMultiaddr(7101)).toBe('/ip4/127.0.0.1/tcp/7101')
    expect(httpUrl(7201)).toBe('http://127.0.0.1:7201')
    expect(p2pMultiaddr(7101, '10.201.0.1')).toBe('/ip4/10.201.0.1/tcp/7101')
    expect(p2pMultiaddr(7101, 'fd00::1')).toBe('/ip6/fd00::1/tcp/7101')
    expect(httpUrl(7201, 'fd00::1')).toBe('http://[fd00::1]:7201')
  })

  it('`devnet genesis --hosts` writes a genesis announcing each host and configs that listen there', async () => {
    const dir = join(await tempDir(), 'net')
    const out: string[] = []
    const err: string[] = []
    const io = {
      stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WritableStream,
      signal: new AbortController().signal
    }
    const hosts = ['192.0.2.10', '192.0.2.11', '192.0.2.12']
    expect(await main(['genesis', '--dir', dir, '--hosts', hosts.join(','), '--base-port', '9000'], io)).toBe(0)
    const genesis = GenesisSchema.parse(JSON.parse(await readFile(join(dir, 'genesis.json'), 'utf8')))
    expect(genesis.nodes.map(n => n.multiaddrs)).toEqual(hosts.map((h, k) => [`/ip4/${h}/tcp/${9001 + k}`]))
    expect(genesis.nodes.map(n => n.http)).toEqual(hosts.map((h, k) => `http://${h}:${9101 + k}`))
    const config = NodeConfigFileSchema.parse(JSON.parse(await readFile(join(dir, 'node-2', 'config.json'), 'utf8')))
    expect(config.listen).toEqual({ p2p: ['/ip4/192.0.2.11/tcp/9002'], http: { host: '192.0.2.11', port: 9102 } })
    expect(config.genesis).toBe('../genesis.json')
    expect(out.join('')).toContain('/ip4/192.0.2.12/tcp/9003')

    // The devnet remembers the hosts; nothing was started.
    const devnet = await Devnet.open(dir)
    expect(devnet.nodes().map(n => n.host)).toEqual(hosts)
    expect(devnet.nodes().every(n => n.process === 'down')).toBe(true)
    // A second genesis into the same folder, or an `up` with other hosts, is refused.
    expect(await main(['genesis', '--dir', dir, '--hosts', hosts.join(',')], io)).toBe(1)
    expect(err.join('')).toContain('there is already a devnet')
    await expect(Devnet.up({ dir, hosts: ['192.0.2.20', '192.0.2.21', '192.0.2.22'] })).rejects.toThrow(/generated with hosts 192\.0\.2\.10,192\.0\.2\.11,192\.0\.2\.12/)
  })

  it('refuses `devnet genesis` without --hosts or with a bad address (usage errors)', async () => {
    const dir = join(await tempDir(), 'net')
    const err: string[] = []
    const io = { stdout: { write: () => true } as unknown as NodeJS.WritableStream, stderr: { write: (s: string) => err.push(s) } as unknown as NodeJS.WritableStream, signal: new AbortController().signal }
    expect(await main(['genesis', '--dir', dir], io)).toBe(2)
    expect(await main(['genesis', '--dir', dir, '--hosts', '10.0.0.1,host.example'], io)).toBe(2)
    expect(err.join('')).toContain('host "host.example" is not an IPv4 or IPv6 address')
  })
})
