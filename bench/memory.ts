// Memory benchmark (`npm run bench:memory`, issue #17 item 7): on a fresh
// 9-node devnet, signs SIGNATURES requests at a modest concurrency and, before
// the first and after every SAMPLE_EVERY signatures (and once more after the
// network idled), reads each node's resident set (/proc/<pid>/status) and its
// GET /metrics: V8's heap, and the counts of the state a node retains
// (shardsig_retained_records), and the size of its store on disk. Prints a
// table and writes bench/results/memory.json.
//
// SHARDSIG_BENCH_SIGNATURES, SHARDSIG_BENCH_CONCURRENCY narrow or widen the run
// (a run with either writes memory-partial.json). SHARDSIG_BENCH_HEAP_SNAPSHOTS=DIR
// starts the nodes with --heapsnapshot-signal and writes heap snapshots of one
// manager and one other node into DIR before the first signature, every
// HEAP_SNAPSHOT_EVERY signatures and at the end; bench/heap-diff.ts compares two
// (docs/performance.md). A snapshot stops its node for seconds and leaves its
// RSS higher: such a run's figures are for the heap, not for RSS.
import '../node/polyfills.js'
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { newRequestId, sign } from '../cli/client/sign.js'
import { ManagerDirectory } from '../cli/client/managers.js'
import { SigningContext } from '../cli/client/signing-context.js'
import type { KeyFile } from '../cli/key-file.js'
import { Devnet } from '../devnet/api.js'
import { findFreeBasePort } from '../devnet/ports.js'
import type { KeyScheme } from '../protocols/wire/key-record.js'
import { makeBenchKey, writeBenchResult } from './results.js'

const NODES = 9
const BENCH_BASE_PORT = 19300
const ENV_SIGNATURES = process.env.SHARDSIG_BENCH_SIGNATURES
const ENV_CONCURRENCY = process.env.SHARDSIG_BENCH_CONCURRENCY
const HEAP_DIR = process.env.SHARDSIG_BENCH_HEAP_SNAPSHOTS
const PARTIAL_RUN = ENV_SIGNATURES !== undefined || ENV_CONCURRENCY !== undefined
/** The issue's run: RSS grew 129 → 148 MiB over 3,000 signatures and had not levelled off. */
const SIGNATURES = ENV_SIGNATURES !== undefined ? Number(ENV_SIGNATURES) : 3_000
const CONCURRENCY = ENV_CONCURRENCY !== undefined ? Number(ENV_CONCURRENCY) : 8
const SAMPLE_EVERY = 300
/** Signatures before the first sample: the keys reach every registry, presignature stock fills, JIT warms up. */
const WARMUP_SIGNATURES = 40
const WARMUP_TIMEOUT_MS = 60_000
/** After the last signature: long enough for a few major GCs of an idle node, and for in-memory results to age. */
const IDLE_AFTER_MS = 60_000
const MESSAGE_BYTES = 32
/** High enough that no rate limit caps the run. */
/** Both schemes, taken in turn: one key each. */
const SCHEMES: KeyScheme[] = ['ed25519', 'secp256k1']
/** The /metrics series kept per sample (by name prefix). */
const KEPT_SERIES = ['nodejs_heap_', 'nodejs_external_memory_bytes', 'nodejs_array_buffers_bytes', 'process_resident_memory_bytes', 'shardsig_retained_']
const SNAPSHOT_WAIT_MS = 120_000
const HEAP_SNAPSHOT_EVERY = 4_000

interface NodeSample {
  node: number
  manager: boolean
  rssKb?: number
  /** Anonymous (heap, malloc) and file-backed resident memory, from /proc/<pid>/status. */
  anonKb?: number
  fileKb?: number
  /** The node's LevelDB folder on disk. */
  storeKb?: number
  metrics: Record<string, number>
}

interface Sample { signatures: number, at: string, label: string, nodes: NodeSample[] }

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-memory-'))
  if (HEAP_DIR !== undefined) {
    await mkdir(HEAP_DIR, { recursive: true })
    // Node passes NODE_OPTIONS on to the node processes the devnet spawns.
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2`.trim()
  }
  let devnet: Devnet | undefined
  try {
    process.stderr.write('starting a 9-node devnet ...\n')
    const net = await Devnet.up({ dir: join(dir, 'net'), nodes: NODES, basePort: await findFreeBasePort(BENCH_BASE_PORT, NODES), timeoutMs: 60_000 })
    devnet = net
    const entry = net.node(1).http
    const context = new SigningContext()
    const managers = new ManagerDirectory(entry)
    const keys: KeyFile[] = []
    for (const scheme of SCHEMES) keys.push(await makeBenchKey(entry, scheme))
    const samples: Sample[] = []
    let failures = 0
    const failureReasons = new Map<string, number>()

    await warmUp(managers, context, keys)
    samples.push(await sample(net, 0, 'after warm-up'))
    const snapshotted = HEAP_DIR === undefined ? [] : snapshotNodes(samples[0]!)
    if (HEAP_DIR !== undefined) await snapshots(net, snapshotted, HEAP_DIR, '0')
    const started = performance.now()
    let next = 0
    let done = 0
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < SIGNATURES) {
        const n = next++
        const failure = await signOnce(managers, context, keys[n % keys.length]!)
        if (failure !== undefined) {
          failures++
          failureReasons.set(failure, (failureReasons.get(failure) ?? 0) + 1)
        }
        done++
        process.stderr.write(`\r${done}/${SIGNATURES} signed (${failures} failed)`)
        // One sampler at a time: the worker that crosses a multiple of SAMPLE_EVERY takes it while the others keep signing.
        if (done % SAMPLE_EVERY === 0) samples.push(await sample(net, done, 'signing'))
        if (HEAP_DIR !== undefined && done % HEAP_SNAPSHOT_EVERY === 0 && done < SIGNATURES) await snapshots(net, snapshotted, HEAP_DIR, String(done))
      }
    }))
    const wallMs = performance.now() - started
    process.stderr.write('\n')
    await sleep(IDLE_AFTER_MS)
    samples.push(await sample(net, done, `idle ${IDLE_AFTER_MS / 1000} s`))
    if (HEAP_DIR !== undefined) await snapshots(net, snapshotted, HEAP_DIR, `${done}-idle`)

    const result = {
      at: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemMb: Math.round(totalmem() / 2 ** 20) },
      nodes: NODES,
      params: net.params,
      counts: { signatures: SIGNATURES, concurrency: CONCURRENCY, sampleEvery: SAMPLE_EVERY, warmup: WARMUP_SIGNATURES, idleAfterMs: IDLE_AFTER_MS, schemes: SCHEMES },
      wallMs: Math.round(wallMs),
      failures: { count: failures, byReason: Object.fromEntries(failureReasons) },
      growth: growth(samples),
      samples
    }
    printReport(samples, result.growth)
    console.log(`\nwritten to ${await writeBenchResult(PARTIAL_RUN ? 'memory-partial.json' : 'memory.json', result)}`)
  } finally {
    await devnet?.down()
    await rm(dir, { recursive: true, force: true })
  }
}


/** One sign() end to end; the failure reason, or undefined when it completed. */
async function signOnce (managers: ManagerDirectory, context: SigningContext, key: KeyFile): Promise<string | undefined> {
  try {
    const result = await sign({ node: managers.node, managers, context, key, message: new Uint8Array(randomBytes(MESSAGE_BYTES)), requestId: newRequestId() })
    return result.status === 'completed' ? undefined : `${result.status}: ${(result.reason ?? '').slice(0, 80)}`
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message.slice(0, 80)}`
  }
}

/** Signs until WARMUP_SIGNATURES complete with every key (the first may fail while a key spreads). */
async function warmUp (managers: ManagerDirectory, context: SigningContext, keys: KeyFile[]): Promise<void> {
  const deadline = performance.now() + WARMUP_TIMEOUT_MS
  let completed = 0
  while (completed < WARMUP_SIGNATURES) {
    if (performance.now() > deadline) throw new Error(`warm-up: ${completed} of ${WARMUP_SIGNATURES} signatures within ${WARMUP_TIMEOUT_MS} ms`)
    if (await signOnce(managers, context, keys[completed % keys.length]!) === undefined) completed++
  }
}

async function sample (devnet: Devnet, signatures: number, label: string): Promise<Sample> {
  const managerPeers = new Set((await devnet.whoCm(1).catch(() => ({ managers: [] }))).managers.map(m => m.peerId))
  const nodes = await Promise.all(devnet.nodes().map(async (n): Promise<NodeSample> => ({
    node: n.index,
    manager: managerPeers.has(n.peerId),
    ...(n.pid !== undefined ? readStatus(n.pid) : {}),
    storeKb: folderKb(join(n.dataDir, 'store')),
    metrics: await readMetrics(n.http)
  })))
  return { signatures, at: new Date().toISOString(), label, nodes }
}

/** VmRSS and its anonymous and file-backed parts, in kB (Linux). */
function readStatus (pid: number): { rssKb?: number, anonKb?: number, fileKb?: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string): number | undefined => {
      const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(status)
      return m?.[1] !== undefined ? Number(m[1]) : undefined
    }
    return { rssKb: field('VmRSS'), anonKb: field('RssAnon'), fileKb: field('RssFile') }
  } catch {
    return {}
  }
}

function folderKb (dir: string): number | undefined {
  try {
    return Math.round(readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) / 1024)
  } catch {
    return undefined
  }
}

/** The kept series of a node's /metrics, each `name{labels}` → value. */
async function readMetrics (base: string): Promise<Record<string, number>> {
  const kept: Record<string, number> = {}
  try {
    const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })
    for (const line of (await res.text()).split('\n')) {
      if (line.startsWith('#') || !KEPT_SERIES.some(p => line.startsWith(p))) continue
      const space = line.lastIndexOf(' ')
      kept[line.slice(0, space)] = Number(line.slice(space + 1))
    }
  } catch {
    // A node that does not answer has no metrics in this sample.
  }
  return kept
}

/** The first manager and the first other node of a sample. */
function snapshotNodes (s: Sample): number[] {
  return [s.nodes.find(n => n.manager)?.node, s.nodes.find(n => !n.manager)?.node].filter((i): i is number => i !== undefined)
}

/** SIGUSR2 to each of `indices` (--heapsnapshot-signal); waits for each snapshot file and moves it to `dir`. */
async function snapshots (devnet: Devnet, indices: number[], dir: string, label: string): Promise<void> {
  for (const n of devnet.nodes()) {
    if (n.pid === undefined || !indices.includes(n.index)) continue
    const nodeDir = n.paths.dir
    const before = new Set(readdirSync(nodeDir))
    process.kill(n.pid, 'SIGUSR2')
    const deadline = performance.now() + SNAPSHOT_WAIT_MS
    for (;;) {
      const made = readdirSync(nodeDir).find(f => f.endsWith('.heapsnapshot') && !before.has(f))
      // V8 writes the file in one go, but it appears before it is complete: wait until its size stops changing.
      if (made !== undefined && await steady(join(nodeDir, made))) {
        await rename(join(nodeDir, made), join(dir, `node${n.index}-${label}.heapsnapshot`))
        break
      }
      if (performance.now() > deadline) throw new Error(`node ${n.index}: no heap snapshot within ${SNAPSHOT_WAIT_MS} ms`)
      await sleep(500)
    }
    process.stderr.write(`heap snapshot of node ${n.index} (${label})\n`)
  }
}

async function steady (path: string): Promise<boolean> {
  const size = (): number => { try { return readFileSync(path).length } catch { return -1 } }
  const first = size()
  await sleep(1_000)
  return first > 0 && size() === first
}

interface Growth { node: number, manager: boolean, rssMbFirst: number, rssMbLast: number, rssMbMax: number, heapUsedMbFirst?: number, heapUsedMbLast?: number }

function growth (samples: Sample[]): Growth[] {
  const first = samples[0]!
  const last = samples.at(-1)!
  return first.nodes.map(n => {
    const all = samples.map(s => s.nodes.find(x => x.node === n.node))
    const end = last.nodes.find(x => x.node === n.node)
    const heap = (s: NodeSample | undefined): number | undefined => s?.metrics.nodejs_heap_size_used_bytes !== undefined ? mb(s.metrics.nodejs_heap_size_used_bytes / 1024) : undefined
    return {
      node: n.node,
      manager: n.manager,
      rssMbFirst: mb(n.rssKb ?? 0),
      rssMbLast: mb(end?.rssKb ?? 0),
      rssMbMax: mb(Math.max(...all.map(s => s?.rssKb ?? 0))),
      ...(heap(n) !== undefined ? { heapUsedMbFirst: heap(n), heapUsedMbLast: heap(end) } : {})
    }
  })
}

function mb (kb: number): number {
  return Math.round(kb / 1024 * 10) / 10
}

function printReport (samples: Sample[], growthByNode: Growth[]): void {
  const header = ['signatures', ...samples[0]!.nodes.map(n => `n${n.node}${n.manager ? '*' : ''}`)]
  console.log(`\nRSS per node in MiB (* a manager at the first sample); heap used in brackets when /metrics has it\n`)
  console.log(header.map(h => h.padStart(11)).join(''))
  for (const s of samples) {
    const cells = s.nodes.map(n => {
      const heap = n.metrics.nodejs_heap_size_used_bytes
      return `${mb(n.rssKb ?? 0)}${heap !== undefined ? `(${Math.round(heap / 2 ** 20)})` : ''}`
    })
    console.log([`${s.signatures}${s.label.startsWith('idle') ? '+idle' : ''}`, ...cells].map(c => c.padStart(11)).join(''))
  }
  console.log('\nper node: RSS first → last (max); at the end: store on disk, retained records')
  const last = samples.at(-1)!
  for (const g of growthByNode) {
    const end = last.nodes.find(n => n.node === g.node)
    const retained = Object.entries(end?.metrics ?? {})
      .filter(([name, v]) => name.startsWith('shardsig_retained_records{') && v > 0)
      .map(([name, v]) => `${/kind="([^"]+)"/.exec(name)?.[1] ?? name} ${v}`)
    console.log(`  node ${g.node}${g.manager ? ' (manager)' : ''}: ${g.rssMbFirst} → ${g.rssMbLast} (${g.rssMbMax}) MiB; store ${mb(end?.storeKb ?? 0)} MiB; ${retained.join(', ')}`)
  }
}

await main()
