// Issue 17 as an operator reproduced it, on real node processes: stop a node,
// flip 8 bytes in the middle of its store's write-ahead log, start it again.
// The node must refuse to start (exit 3, one line naming the corruption), and
// `shardsig-node check` must report it too; a healthy store checks clean.
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateDevnet } from '../../devnet/generate.js'
import { nodePaths } from '../../devnet/layout.js'
import { chooseParams } from '../../devnet/params.js'
import { findFreeBasePort } from '../../devnet/ports.js'

const NODE_BIN = join(import.meta.dirname, '..', '..', 'bin', 'shardsig-node.js')
const EXIT_STORE_INTEGRITY = 3
/** A guard against a hung process, not an ordering: every wait below ends on an event. */
const PROCESS_DEADLINE_MS = 45_000

let root: string
let dir: string

async function runNode (args: string[]): Promise<{ code: number, stderr: string, stdout: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [NODE_BIN, ...args], { timeout: PROCESS_DEADLINE_MS, env: { PATH: process.env.PATH ?? '' } })
    return { code: 0, stderr, stdout }
  } catch (err) {
    const e = err as { code?: number, stderr?: string, stdout?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '', stdout: e.stdout ?? '' }
  }
}

/**
 * Starts node i and waits for whichever comes first: "node started" on stdout
 * (then runs `whileRunning` and stops it with SIGTERM) or the process exiting on its own.
 */
async function startNode (i: number, whileRunning: () => Promise<void> = async () => {}): Promise<{ started: boolean, code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [NODE_BIN, '--config', nodePaths(dir, i).config], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } })
  let stdout = ''
  let stderr = ''
  let started = false
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  child.stdout.on('data', (b: Buffer) => {
    stdout += b.toString()
    if (!started && stdout.includes('"node started"')) {
      started = true
      void whileRunning().finally(() => child.kill('SIGTERM'))
    }
  })
  const guard = setTimeout(() => { child.kill('SIGKILL') }, PROCESS_DEADLINE_MS)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(guard)
  return { started, code, stdout, stderr }
}

/** Flips 8 bytes in the middle of the store's largest write-ahead log (issue 17's reproduction). */
async function flipMiddleOfStoreLog (storePath: string): Promise<string> {
  const logs = await Promise.all((await readdir(storePath)).filter(f => f.endsWith('.log')).map(async f => ({ f, size: (await stat(join(storePath, f))).size })))
  const largest = logs.sort((a, b) => b.size - a.size)[0]
  if (largest === undefined || largest.size < 64) throw new Error(`no write-ahead log with data in ${storePath}: ${JSON.stringify(logs)}`)
  const file = join(storePath, largest.f)
  const raw = await readFile(file)
  const middle = Math.floor(raw.length / 2) - 4
  for (let i = middle; i < middle + 8; i++) raw[i] = (raw[i] as number) ^ 0xff
  await writeFile(file, raw)
  return file
}

function expectOneLine (stderr: string, ...contains: string[]): void {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^shardsig-node: /)
  for (const c of contains) expect(lines[0]).toContain(c)
  expect(stderr).not.toMatch(/\n\s+at /)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardsig-store-integrity-'))
  dir = join(root, 'net')
  await generateDevnet({ dir, nodes: 3, params: chooseParams(3), basePort: await findFreeBasePort(21500, 3), logLevel: 'info' })
})

afterAll(async () => { await rm(root, { recursive: true, force: true }) })

describe('a node whose store LevelDB recovered with dropped data', () => {
  it('refuses to start with exit 3 and one line naming the corruption; check reports it', async () => {
    const storePath = join(nodePaths(dir, 1).data, 'store')
    const first = await startNode(1)
    expect(first.started, first.stdout + first.stderr).toBe(true)
    expect(first.code).toBe(0)

    await flipMiddleOfStoreLog(storePath)

    const again = await startNode(1)
    expect(again.started, again.stdout).toBe(false)
    expect(again.code).toBe(EXIT_STORE_INTEGRITY)
    expectOneLine(again.stderr, `store at ${storePath} is refused: LevelDB reported corruption`, 'dropping', 'Corruption:')

    const check = await runNode(['check', '--config', nodePaths(dir, 1).config])
    expect(check.code).toBe(EXIT_STORE_INTEGRITY)
    expectOneLine(check.stderr, `store at ${storePath} is refused: LevelDB reported corruption`, 'dropping')

    // And it stays refused: LevelDB has since deleted the damaged log.
    const third = await startNode(1)
    expect(third.code).toBe(EXIT_STORE_INTEGRITY)
    expectOneLine(third.stderr, 'LevelDB reported corruption')
  })

  it('check refuses a running node\'s store as locked, and passes it stopped, counting its records by prefix', async () => {
    let whileRunning: { code: number, stderr: string } | undefined
    const first = await startNode(2, async () => { whileRunning = await runNode(['check', '--config', nodePaths(dir, 2).config]) })
    expect(first.started, first.stdout + first.stderr).toBe(true)
    expect(whileRunning?.code).toBe(2)
    expectOneLine(whileRunning?.stderr ?? '', 'is locked by another process or handle')

    const check = await runNode(['check', '--config', nodePaths(dir, 2).config])
    expect(check.code, check.stderr).toBe(0)
    expect(check.stdout).toContain(`store ${join(nodePaths(dir, 2).data, 'store')}: LevelDB recovery clean; write counter`)
    expect(check.stdout).toMatch(/"\\u0000" +\d+ record\(s\)/)
    expect(check.stdout).toMatch(/\d+ record\(s\), all open\n$/)
  })
})
