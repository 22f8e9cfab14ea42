// The node process as an operator meets it: each configuration mistake ends
// with exactly one clear line on stderr and exit code 2, never a stack trace;
// SIGTERM stops a running node cleanly.
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDevnet } from '../../devnet/generate.js'
import { httpPort, nodePaths, p2pPort } from '../../devnet/layout.js'
import { chooseParams } from '../../devnet/params.js'
import { findFreeBasePort } from '../../devnet/ports.js'
import { callJson } from '../../cli/client/http.js'
import { makeSelfSignedCertificate, pemFingerprint } from '../../node/tls/certificate.js'
import { JoiningHealthSchema } from '../../protocols/wire/http.js'

const NODE_BIN = join(import.meta.dirname, '..', '..', 'bin', 'shardsig-node.js')
const EXIT_CONFIG = 2

let root: string
let dir: string
/** A devnet generated with --tls: its genesis lists every node's certificate fingerprint. */
let tlsDir: string
let basePort: number

async function runNode (args: string[], env: Record<string, string> = {}): Promise<{ code: number, stderr: string, stdout: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [NODE_BIN, ...args], { timeout: 60_000, env: { PATH: process.env.PATH ?? '', ...env } })
    return { code: 0, stderr, stdout }
  } catch (err) {
    const e = err as { code?: number, stderr?: string, stdout?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '', stdout: e.stdout ?? '' }
  }
}

function expectOneClearLine (res: { code: number, stderr: string }, contains: string): void {
  expect(res.code).toBe(EXIT_CONFIG)
  const lines = res.stderr.trim().split('\n')
  expect(lines, res.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^shardsig-node: /)
  expect(lines[0]).toContain(contains)
  expect(res.stderr).not.toMatch(/\n\s+at /)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardsig-node-process-'))
  dir = join(root, 'net')
  basePort = await findFreeBasePort(21100, 3)
  await generateDevnet({ dir, nodes: 3, params: chooseParams(3), basePort, logLevel: 'info' })
  tlsDir = join(root, 'tls-net')
  await generateDevnet({ dir: tlsDir, nodes: 3, params: chooseParams(3), basePort: await findFreeBasePort(21200, 3), logLevel: 'info', tls: true })
})

afterAll(async () => { await rm(root, { recursive: true, force: true }) })

describe('shardsig-node configuration errors', () => {
  it('a missing passphrase', async () => {
    // The devnet's config names its passphrase file; an operator's config may not.
    const config = JSON.parse(await readFile(nodePaths(dir, 1).config, 'utf8')) as Record<string, unknown>
    delete config.passphraseFile
    const bare = join(nodePaths(dir, 1).dir, 'no-passphrase.json')
    await writeFile(bare, JSON.stringify(config))
    expectOneClearLine(await runNode(['--config', bare]), 'no passphrase given')
  })

  it('an empty passphrase file is named as such, not as a missing passphrase', async () => {
    const empty = join(root, 'empty-passphrase')
    await writeFile(empty, '\n')
    const res = await runNode(['--config', nodePaths(dir, 1).config, '--passphrase-file', empty])
    expectOneClearLine(res, `passphrase file ${empty} is empty`)
    expect(res.stderr).not.toContain('no passphrase given')
    expectOneClearLine(await runNode(['--config', nodePaths(dir, 1).config], { SHARDSIG_PASSPHRASE: '' }), 'SHARDSIG_PASSPHRASE is set but empty')
  })

  it('a wrong passphrase', async () => {
    expectOneClearLine(await runNode(['--config', nodePaths(dir, 1).config], { SHARDSIG_PASSPHRASE: 'not the passphrase' }), 'wrong passphrase')
  })

  it('a malformed genesis', async () => {
    const bad = join(root, 'bad-genesis.json')
    await writeFile(bad, JSON.stringify({ version: 1, network: 'x', epoch: 0, params: { committees: 1, tc: 2, tm: 1, managers: 1 }, nodes: [] }))
    const res = await runNode(['--config', nodePaths(dir, 1).config, '--passphrase-file', nodePaths(dir, 1).passphrase, '--genesis', bad])
    expectOneClearLine(res, 'is invalid')
  })

  it('a genesis that is not JSON', async () => {
    const bad = join(root, 'not-json.json')
    await writeFile(bad, '{ nope')
    expectOneClearLine(await runNode(['--config', nodePaths(dir, 1).config, '--passphrase-file', nodePaths(dir, 1).passphrase, '--genesis', bad]), 'not valid JSON')
  })

  it('an HTTP port in use', async () => {
    const config = JSON.parse(await readFile(nodePaths(dir, 2).config, 'utf8')) as { listen: { http: { port: number } } }
    const blocker = createServer()
    await new Promise<void>(resolve => blocker.listen(config.listen.http.port, '127.0.0.1', resolve))
    try {
      expectOneClearLine(await runNode(['--config', nodePaths(dir, 2).config, '--passphrase-file', nodePaths(dir, 2).passphrase]), `port 127.0.0.1:${config.listen.http.port} is already in use`)
    } finally {
      blocker.close()
    }
  })

  it('a certificate other than the one the genesis lists for the node', async () => {
    const node = nodePaths(tlsDir, 1)
    const listed = pemFingerprint(await readFile(node.tlsCert, 'utf8'))
    // The operator's own key and certificate, which no membership update has named.
    const own = makeSelfSignedCertificate({ hosts: ['127.0.0.1'], now: new Date(), randomBytes: n => new Uint8Array(randomBytes(n)) })
    await writeFile(join(node.dir, 'own-cert.pem'), own.certificatePem)
    await writeFile(join(node.dir, 'own-key.pem'), own.privateKeyPem, { mode: 0o600 })
    const config = JSON.parse(await readFile(node.config, 'utf8')) as Record<string, unknown>
    await writeFile(join(node.dir, 'own-tls.json'), JSON.stringify({ ...config, tls: { cert: 'own-cert.pem', key: 'own-key.pem' } }))
    expectOneClearLine(await runNode(['--config', join(node.dir, 'own-tls.json'), '--passphrase-file', node.passphrase]),
      `has fingerprint ${own.fingerprint}, but the genesis lists ${listed} for node-1`)
    // And no certificate at all.
    const { tls: _tls, ...plain } = config
    await writeFile(join(node.dir, 'no-tls.json'), JSON.stringify(plain))
    expectOneClearLine(await runNode(['--config', join(node.dir, 'no-tls.json'), '--passphrase-file', node.passphrase]), `with TLS fingerprint ${listed}, but the config names no "tls" certificate and key`)
  })

  it('an unknown flag', async () => {
    const res = await runNode(['--config', nodePaths(dir, 1).config, '--bogus'])
    expect(res.code).toBe(EXIT_CONFIG)
    expect(res.stderr).toContain("Unknown option '--bogus'")
  })
})

describe('shardsig-node lifecycle', () => {
  it('stops cleanly on SIGTERM, closing HTTP, libp2p and the store in order', async () => {
    const child = spawn(process.execPath, [NODE_BIN, '--config', nodePaths(dir, 3).config, '--passphrase-file', nodePaths(dir, 3).passphrase], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    const started = await new Promise<boolean>(resolve => {
      const timer = setTimeout(() => { resolve(false) }, 45_000)
      child.stdout.on('data', () => { if (out.includes('"node started"')) { clearTimeout(timer); resolve(true) } })
    })
    expect(started, out).toBe(true)
    child.kill('SIGTERM')
    const code = await new Promise<number | null>(resolve => child.on('exit', c => { resolve(c) }))
    expect(code).toBe(0)
    expect(out).toContain('"node stopping"')
    expect(out).toContain('"node stopped"')
    // No secret of the node reached its log.
    const passphrase = (await readFile(nodePaths(dir, 3).passphrase, 'utf8')).trim()
    expect(out).not.toContain(passphrase)
  })
})

describe('shardsig-node init: a new node on its own host', () => {
  it('writes a joining node\'s folder and its genesis entry; the node starts as a joining node with it', async () => {
    const newDir = join(root, 'new-node')
    const port = await findFreeBasePort(21300, 1)
    const args = ['init', '--dir', newDir, '--node-id', 'node-10', '--committee', '1', '--host', '127.0.0.1', '--genesis', join(dir, 'genesis.json'),
      '--p2p-port', String(p2pPort(port, 1)), '--http-port', String(httpPort(port, 1))]
    const res = await runNode(args)
    expect(res.code, res.stderr).toBe(0)
    const entry = JSON.parse(res.stdout) as { nodeId: string, peerId: string, committee: number, multiaddrs: string[], http: string, encryptionPublicKey: string, tlsFingerprint: string }
    expect(entry).toMatchObject({ nodeId: 'node-10', committee: 1, multiaddrs: [`/ip4/127.0.0.1/tcp/${p2pPort(port, 1)}`], http: `https://127.0.0.1:${httpPort(port, 1)}` })
    // The entry pins the certificate init made; its key is sealed under the passphrase (no PEM on disk).
    expect(entry.tlsFingerprint).toBe(pemFingerprint(await readFile(join(newDir, 'tls-cert.pem'), 'utf8')))
    expect(await readFile(join(newDir, 'tls-key.json'), 'utf8')).not.toContain('PRIVATE KEY')
    expect(JSON.parse(await readFile(join(newDir, 'genesis-entry.json'), 'utf8'))).toEqual(entry)
    expect(JSON.parse(await readFile(join(newDir, 'config.json'), 'utf8'))).toMatchObject({ nodeId: 'node-10', join: true, tls: { cert: 'tls-cert.pem', key: 'tls-key.json' } })

    // The same folder again, or a node id the genesis already names: one clear line, exit 2, nothing overwritten.
    expectOneClearLine(await runNode(args), 'already holds a node')
    expectOneClearLine(await runNode(['init', '--dir', join(root, 'other'), '--node-id', 'node-1', '--committee', '1', '--host', '127.0.0.1', '--genesis', join(dir, 'genesis.json')]), 'node id node-1 is already in the genesis')

    // Started (no member is running here): it is a joining node waiting for the update that adds its peer id.
    const child = spawn(process.execPath, [NODE_BIN, '--config', join(newDir, 'config.json')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    const joining = await new Promise<boolean>(resolve => {
      const timer = setTimeout(() => { resolve(false) }, 45_000)
      child.stdout.on('data', () => { if (out.includes(`waiting for the membership update that adds ${entry.peerId}`)) { clearTimeout(timer); resolve(true) } })
    })
    // It serves HTTPS with the certificate its entry pins.
    const joinHealth = joining ? await callJson('GET', `${entry.http}/health`, JoiningHealthSchema, undefined, { tlsFingerprint: entry.tlsFingerprint }).catch(() => undefined) : undefined
    child.kill('SIGTERM')
    const code = await new Promise<number | null>(resolve => child.on('exit', c => { resolve(c) }))
    expect(joining, out).toBe(true)
    expect(joinHealth?.peerId, out).toBe(entry.peerId)
    expect(code).toBe(0)
    expect(out).not.toContain((await readFile(join(newDir, 'passphrase'), 'utf8')).trim())

    // --no-tls: a plain node for an all-HTTP network.
    const plain = await runNode(['init', '--dir', join(root, 'plain-node'), '--node-id', 'node-11', '--committee', '1', '--host', '127.0.0.1', '--genesis', join(dir, 'genesis.json'), '--no-tls'])
    expect(plain.code, plain.stderr).toBe(0)
    const plainEntry = JSON.parse(plain.stdout) as Record<string, unknown>
    expect(plainEntry.http).toBe('http://127.0.0.1:7201')
    expect(plainEntry).not.toHaveProperty('tlsFingerprint')
  })
})
