// Sign clients that live inside lab namespaces: the client code of
// cli/client/sign.ts, bundled once with esbuild into a script and run as a
// process under the lab's wrapper (`ip netns exec NS node client.mjs`).
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { build } from 'esbuild'
import type { WorkerAnswer, WorkerRequest } from './protocol.js'

export type { WorkerAnswer, WorkerRequest }

const START_TIMEOUT_MS = 10_000

/** Writes the client script into `dir`; returns its path. */
export async function bundleSignClient (dir: string): Promise<string> {
  const outfile = join(dir, 'netns-sign-client.mjs')
  await build({
    entryPoints: [join(import.meta.dirname, 'worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Bundled CommonJS dependencies call require(); give the ESM bundle one (as scripts/bundle-node.mjs does).
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning'
  })
  return outfile
}

export class SignClientProcess {
  private readonly waiting = new Map<string, (a: WorkerAnswer) => void>()
  private next = 0

  private constructor (readonly name: string, private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', line => {
      const a = JSON.parse(line) as WorkerAnswer
      this.waiting.get(a.id)?.(a)
      this.waiting.delete(a.id)
    })
    // A client that dies leaves no request waiting for ever.
    child.once('exit', code => {
      for (const [id, resolve] of this.waiting) resolve({ id, ms: 0, failovers: [], rediscoveries: 0, error: `sign client ${name} exited (${code ?? 'signal'})` })
      this.waiting.clear()
    })
  }

  /** Starts `node script` through `wrap` (e.g. the lab's `ip netns exec NS`) and waits until it reads requests. */
  static async start (name: string, script: string, wrap: readonly string[]): Promise<SignClientProcess> {
    const [cmd, ...args] = [...wrap, process.execPath, script]
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] })
    const client = new SignClientProcess(name, child)
    const ready = new Promise<void>((resolve, reject) => {
      client.waiting.set('ready', a => { if (a.error === undefined) resolve(); else reject(new Error(`${a.error} before it was ready`)) })
      setTimeout(() => { reject(new Error(`sign client ${name} not ready within ${START_TIMEOUT_MS} ms`)) }, START_TIMEOUT_MS).unref()
    })
    try {
      await ready
    } catch (err) {
      child.kill('SIGKILL')
      throw err
    }
    return client
  }

  get pid (): number | undefined {
    return this.child.pid
  }

  async sign (req: Omit<WorkerRequest, 'id'>): Promise<WorkerAnswer> {
    const id = String(this.next++)
    if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`sign client ${this.name} is not running`)
    return await new Promise(resolve => {
      this.waiting.set(id, resolve)
      this.child.stdin!.write(JSON.stringify({ ...req, id } satisfies WorkerRequest) + '\n')
    })
  }

  /** Ends the process (closing its stdin ends it; SIGKILL if it lingers). */
  async close (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise<void>(resolve => this.child.once('exit', () => { resolve() }))
    this.child.stdin!.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000)
    await exited
    clearTimeout(timer)
  }
}
