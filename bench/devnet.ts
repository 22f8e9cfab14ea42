// Devnet benchmark (`npm run bench:devnet`): time from `up -n 9` to every node
// healthy with roles agreed, failover time after kill -9 of each committee
// leader, rejoin time after a restart, and resident memory per node process.
// Prints a table and writes bench/results/devnet.json.
import '../node/polyfills.js'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Devnet } from '../devnet/api.js'
import { findRepoRoot } from '../devnet/entry.js'
import { findFreeBasePort } from '../devnet/ports.js'
import { HEARTBEAT_INTERVAL_MS, LIVENESS_WINDOW_MS } from '../protocols/constants.js'

const NODES = 9
const BENCH_BASE_PORT = 18100
const UP_TIMEOUT_MS = 60_000
/** Resolution of the failover measurement. */
const FAILOVER_POLL_INTERVAL_MS = 100
const FAILOVER_TIMEOUT_MS = 30_000
const RESTART_TIMEOUT_MS = 30_000
/** Let the network run a few heartbeats before reading memory, so RSS is not a start-up transient. */
const RSS_SETTLE_MS = 3_000

interface FailoverSample {
  committee: number
  killedNode: number
  /** kill -9 until every remaining node names the same new leader for the committee. */
  newLeaderMs: number
  /** kill -9 until the remaining nodes agree on every role and none is held by the killed node. */
  agreedMs: number
  /** restart of the killed node until it answers /health. */
  restartHealthyMs: number
  /** restart until all nodes agree again. */
  restartAgreedMs: number
}

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-devnet-'))
  let devnet: Devnet | undefined
  try {
    const basePort = await findFreeBasePort(BENCH_BASE_PORT, NODES)
    let waitMs = 0
    const upStartedMs = performance.now()
    devnet = await Devnet.up({ dir, nodes: NODES, basePort, timeoutMs: UP_TIMEOUT_MS, onProgress: p => { waitMs = p.elapsedMs } })
    const upMs = performance.now() - upStartedMs

    await sleep(RSS_SETTLE_MS)
    const rssKb = devnet.nodes().map(n => ({ node: n.index, rssKb: n.pid !== undefined ? readRssKb(n.pid) : undefined }))

    const failovers: FailoverSample[] = []
    for (let committee = 1; committee <= devnet.params.committees; committee++) {
      failovers.push(await measureFailover(devnet, committee))
    }

    const rssValues = rssKb.map(r => r.rssKb).filter((v): v is number => v !== undefined)
    const result = {
      date: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemMb: Math.round(totalmem() / 2 ** 20) },
      constants: { HEARTBEAT_INTERVAL_MS, LIVENESS_WINDOW_MS, FAILOVER_POLL_INTERVAL_MS },
      nodes: NODES,
      params: devnet.params,
      up: { totalMs: Math.round(upMs), generateAndSpawnMs: Math.round(upMs - waitMs), spawnToAgreedMs: Math.round(waitMs) },
      failover: failovers.map(f => ({ ...f, newLeaderMs: Math.round(f.newLeaderMs), agreedMs: Math.round(f.agreedMs), restartHealthyMs: Math.round(f.restartHealthyMs), restartAgreedMs: Math.round(f.restartAgreedMs) })),
      rssKb,
      rssMb: { min: mb(Math.min(...rssValues)), median: mb(median(rssValues)), max: mb(Math.max(...rssValues)) }
    }

    printReport(result)
    const out = join(findRepoRoot(), 'bench', 'results', 'devnet.json')
    await mkdir(join(out, '..'), { recursive: true })
    await writeFile(out, JSON.stringify(result, null, 2) + '\n')
    console.log(`\nwritten to ${out}`)
  } finally {
    await devnet?.down()
    await rm(dir, { recursive: true, force: true })
  }
}

async function measureFailover (devnet: Devnet, committee: number): Promise<FailoverSample> {
  const before = await devnet.waitForAgreement({ nodes: devnet.indices(), timeoutMs: RESTART_TIMEOUT_MS })
  const leader = before.whoCl!.committees[committee - 1]!.leader!.peerId
  const killedNode = devnet.indexOfPeer(leader)!
  const remaining = devnet.indices().filter(i => i !== killedNode)
  const deadline = AbortSignal.timeout(FAILOVER_TIMEOUT_MS)

  const startedMs = performance.now()
  await devnet.kill(killedNode)
  let newLeaderMs: number | undefined
  let agreedMs: number | undefined
  while (agreedMs === undefined) {
    if (deadline.aborted) throw new Error(`committee ${committee}: no failover within ${FAILOVER_TIMEOUT_MS} ms`)
    const [agreement, leaders] = await Promise.all([
      devnet.agreement(remaining),
      Promise.all(remaining.map(async i => await devnet.whoCl(i).then(w => w.committees[committee - 1]?.leader?.peerId ?? null, () => null)))
    ])
    const now = performance.now() - startedMs
    const first = leaders[0]
    if (newLeaderMs === undefined && first !== null && first !== undefined && first !== leader && leaders.every(l => l === first)) newLeaderMs = now
    if (agreement.agreed) agreedMs = now
    else await sleep(FAILOVER_POLL_INTERVAL_MS)
  }

  const restartStartedMs = performance.now()
  await devnet.restart(killedNode, { timeoutMs: RESTART_TIMEOUT_MS })
  const restartHealthyMs = performance.now() - restartStartedMs
  await devnet.waitForAgreement({ nodes: devnet.indices(), timeoutMs: RESTART_TIMEOUT_MS, pollIntervalMs: FAILOVER_POLL_INTERVAL_MS })
  const restartAgreedMs = performance.now() - restartStartedMs
  return { committee, killedNode, newLeaderMs: newLeaderMs ?? agreedMs, agreedMs, restartHealthyMs, restartAgreedMs }
}

/** Resident set size from /proc/<pid>/status (Linux), in kB. Synchronous, so all nodes are read at nearly the same moment. */
function readRssKb (pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
    return m?.[1] !== undefined ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function mb (kb: number): number {
  return Math.round(kb / 1024 * 10) / 10
}

function printReport (r: {
  machine: { node: string, cpus: number }
  up: { totalMs: number, generateAndSpawnMs: number, spawnToAgreedMs: number }
  failover: FailoverSample[]
  rssKb: Array<{ node: number, rssKb: number | undefined }>
  rssMb: { min: number, median: number, max: number }
}): void {
  const rows: string[][] = [
    ['measure', 'value'],
    ['up -n 9 → all healthy, roles agreed', `${r.up.totalMs} ms (generate+spawn ${r.up.generateAndSpawnMs} ms, spawn→agreed ${r.up.spawnToAgreedMs} ms)`]
  ]
  for (const f of r.failover) {
    rows.push([`failover committee ${f.committee} (kill -9 node ${f.killedNode})`, `new leader ${Math.round(f.newLeaderMs)} ms, all roles agreed ${Math.round(f.agreedMs)} ms`])
    rows.push([`  restart node ${f.killedNode}`, `healthy ${Math.round(f.restartHealthyMs)} ms, all agreed ${Math.round(f.restartAgreedMs)} ms`])
  }
  rows.push(['RSS per node (min / median / max)', `${r.rssMb.min} / ${r.rssMb.median} / ${r.rssMb.max} MB`])
  rows.push(['RSS per node', r.rssKb.map(x => `${x.node}:${x.rssKb !== undefined ? mb(x.rssKb) : '?'}`).join(' ')])
  const width = Math.max(...rows.map(row => row[0]!.length))
  console.log(`devnet bench: ${NODES} nodes, Node ${r.machine.node}, ${r.machine.cpus} cpus\n`)
  for (const row of rows) console.log(`${row[0]!.padEnd(width)}  ${row[1]}`)
}

await main()
