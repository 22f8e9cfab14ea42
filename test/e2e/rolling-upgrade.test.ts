// A rolling upgrade on 9 real node processes (issue #17, versioned protocols):
// the devnet starts on the previous build (PREVIOUS_BUILD, built here from git
// into a temporary folder), deals keys of both schemes, and then its nodes are
// restarted on this build one at a time, as an operator upgrades a network.
// After every restart a signature is asked of the mixed network and must
// complete and verify; keys dealt by the old build sign on the new one, and a
// key dealt in the middle signs too. The stores the previous build wrote open
// on this build. Bump PREVIOUS_BUILD to the last landed build that the next
// one must stay compatible with (docs/protocols/versioning.md).
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Devnet } from '../../devnet/api.js'
import { findFreeBasePort } from '../../devnet/ports.js'
import { KeyFileSchema } from '../../cli/key-file.js'
import { runCli } from '../helpers/e2e-devnet.js'

/** The build this one must interoperate with: main as it landed before issue #17 (CI green). */
const PREVIOUS_BUILD = 'd6eeb4dc75d4cd2b048e2287ff25d79204cc79fc'
const REPO_ROOT = join(import.meta.dirname, '..', '..')
const UP_TIMEOUT_MS = 60_000
const E2E_TIMEOUT_MS = 420_000
const SCHEMES = ['ed25519', 'secp256k1'] as const

let root = ''
let devnet: Devnet | undefined

/** Extracts `commit` from this repository and bundles its node entry as its own `npm run build` would. */
async function buildPrevious (commit: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true })
  const archive = join(root, 'previous.tar')
  await promisify(execFile)('git', ['-C', REPO_ROOT, 'archive', '--format=tar', '-o', archive, commit])
  await promisify(execFile)('tar', ['-xf', archive, '-C', into])
  // Same dependencies: the lock file did not change since then (checked below).
  await symlink(join(REPO_ROOT, 'node_modules'), join(into, 'node_modules'), 'dir')
  await build({
    entryPoints: [join(into, 'node', 'main.ts')],
    outfile: join(into, 'dist', 'shardsig-node.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['classic-level', 'sodium-native', 'secp256k1'],
    banner: { js: "import { createRequire as __shardsigCreateRequire } from 'node:module'; const require = __shardsigCreateRequire(import.meta.url);" },
    logLevel: 'warning'
  })
  return join(into, 'bin', 'shardsig-node.js')
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardsig-rolling-upgrade-'))
  const lockThen = (await promisify(execFile)('git', ['-C', REPO_ROOT, 'show', `${PREVIOUS_BUILD}:package-lock.json`], { maxBuffer: 64 * 1024 * 1024 })).stdout
  expect(lockThen, 'the previous build needs other dependencies: install them into its folder instead of linking ours').toBe(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8'))
  const previousEntry = await buildPrevious(PREVIOUS_BUILD, join(root, 'previous'))
  const basePort = await findFreeBasePort(31100, 9)
  devnet = await Devnet.up({ dir: join(root, 'net'), nodes: 9, basePort, timeoutMs: UP_TIMEOUT_MS, nodeEntry: previousEntry })
}, UP_TIMEOUT_MS + 60_000)

afterAll(async () => {
  if (devnet !== undefined) await (await Devnet.open(devnet.dir)).down().catch(() => {})
  await rm(root, { recursive: true, force: true })
}, 30_000)

async function newKey (scheme: string, name: string, entry: string): Promise<string> {
  const keyPath = join(root, `${name}.key.json`)
  const made = await runCli(['new-user', '--node', entry, '--scheme', scheme, '--out', keyPath], 60_000)
  expect(made.code, `new-user ${name}: ${made.stderr}`).toBe(0)
  return keyPath
}

/** Signs through the CLI, which verifies the signature against the key file's group key before it answers 0. */
async function signs (keyPath: string, what: string): Promise<void> {
  const message = Buffer.from(what).toString('hex')
  const signed = await runCli(['sign', '--key', keyPath, '--message', message], 60_000)
  expect(signed.code, `sign (${what}): ${signed.stderr}`).toBe(0)
  expect(signed.stderr).toMatch(/verified/)
  const verified = await runCli(['verify', '--key', keyPath, '--message', message, '--signature', signed.stdout.trim().split(/\s+/).at(-1)!])
  expect(verified.stdout.trim(), `verify (${what})`).toBe('valid')
}

describe(`rolling upgrade from ${PREVIOUS_BUILD.slice(0, 7)} to this build, one node at a time`, () => {
  it('every node restarted on this build in turn; the mixed network signs after each restart with keys of both builds', async () => {
    const old = await Devnet.open(devnet!.dir)
    const keys = await Promise.all(SCHEMES.map(async scheme => await newKey(scheme, `old-${scheme}`, old.node(1).http)))
    for (const key of keys) await signs(key, 'before the upgrade')

    // `open` without a node entry starts this checkout's build.
    const upgrading = await Devnet.open(devnet!.dir)
    for (const index of upgrading.indices()) {
      await upgrading.restart(index, { timeoutMs: UP_TIMEOUT_MS })
      await upgrading.waitForAgreement({ timeoutMs: UP_TIMEOUT_MS })
      await signs(keys[index % keys.length]!, `after node ${index} was upgraded`)
      if (index === 5) {
        // Halfway (nodes 1–5 new, 6–9 old): a key dealt now, through an upgraded entry node, signs too.
        const mixed = await newKey('secp256k1', 'mixed', upgrading.node(index).http)
        keys.push(mixed)
        await signs(mixed, 'dealt on the mixed network')
      }
    }
    for (const key of keys) {
      expect(KeyFileSchema.parse(JSON.parse(await readFile(key, 'utf8'))).keyId).toMatch(/^[0-9a-f]{32}$/)
      await signs(key, 'after the upgrade')
    }
  }, E2E_TIMEOUT_MS)
})
