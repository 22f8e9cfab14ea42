// A real 9-process devnet in a temporary folder for an e2e test file: up in
// beforeAll, down in afterAll, node logs kept under test/artifacts/ when a test failed.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { Devnet } from '../../devnet/api.js'
import { findFreeBasePort } from '../../devnet/ports.js'
import type { LogLevel } from '../../devnet/generate.js'

const UP_TIMEOUT_MS = 45_000
const REPO_ROOT = join(import.meta.dirname, '..', '..')

export interface E2eDevnet { devnet: () => Devnet, dir: () => string }

export function useE2eDevnet (name: string, opts: { nodes?: number, basePortFrom: number, logLevel?: LogLevel, tls?: boolean }): E2eDevnet {
  let dir = ''
  let devnet: Devnet | undefined
  let failed = false
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `shardsig-${name}-`))
    const basePort = await findFreeBasePort(opts.basePortFrom, opts.nodes ?? 9)
    devnet = await Devnet.up({ dir: join(dir, 'net'), nodes: opts.nodes ?? 9, basePort, timeoutMs: UP_TIMEOUT_MS, ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}), ...(opts.tls === true ? { tls: true } : {}) })
  }, UP_TIMEOUT_MS + 15_000)
  beforeEach(ctx => { ctx.onTestFailed(() => { failed = true }) })
  afterAll(async () => {
    // Read the state again: add-node / remove-node change the devnet's nodes.
    if (devnet !== undefined) await (await Devnet.open(devnet.dir).catch(() => devnet!)).down()
    if (failed) {
      const artifacts = join(REPO_ROOT, 'test', 'artifacts', name)
      await rm(artifacts, { recursive: true, force: true })
      await cp(dir, artifacts, { recursive: true })
      console.error(`${name} failed: node logs copied to ${artifacts}`)
    }
    await rm(dir, { recursive: true, force: true })
  }, 30_000)
  return {
    devnet: () => { if (devnet === undefined) throw new Error('the devnet did not come up'); return devnet },
    dir: () => dir
  }
}

/** Runs the built `shardsig` CLI as a user would; resolves with its exit code and output. */
export async function runCli (args: string[], timeoutMs = 30_000): Promise<{ code: number, stdout: string, stderr: string }> {
  return await runBin('shardsig.js', args, timeoutMs)
}

/** Runs the built `devnet` command, e.g. `devnet logs --request ID --dir …`. */
export async function runDevnetCli (args: string[], timeoutMs = 30_000): Promise<{ code: number, stdout: string, stderr: string }> {
  return await runBin('devnet.js', args, timeoutMs)
}

async function runBin (bin: string, args: string[], timeoutMs: number): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', bin), ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, SHARDSIG_NODE: '' } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
