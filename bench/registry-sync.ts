// Registry anti-entropy at scale (`npm run bench:registry`, issue #17): for
// 1,000, 10,000 and 100,000 keys, two registries on their own libp2p nodes
// and stores (bench/registry-fixtures.ts). Node A holds every key, node B
// lacks 1 % of them (real, checked entries, spread over the buckets). Measured:
// the registry's start with that many keys (loading every entry from the store),
// B's catch-up from A (digests, then summaries of the differing buckets, then
// the entries, each checked), and a round once both agree (one digest each
// way). For comparison, the size of the one full summary the previous
// protocol sent every round (its limit is 4 MiB). Prints a table and writes
// bench/results/registry-sync.json.
import '../node/polyfills.js'
import { cpus, loadavg } from 'node:os'
import { MAX_REGISTRY_SYNC_MESSAGE_BYTES } from '../protocols/constants.js'
import { entryCopies, registryNetwork, startRegistryNode, validEntry, type RegistryNode } from './registry-fixtures.js'
import { writeBenchResult } from './results.js'
import { monotonicUs } from './stats.js'

const SIZES = [1_000, 10_000, 100_000]
const MISSING_SHARE = 0.01
/** One `have` item of the previous protocol's full summary, as JSON: {"keyId":…,"recordDigest":…,"receipts":n}, plus a comma. */
const FULL_SUMMARY_BYTES_PER_KEY = JSON.stringify({ keyId: 'ab'.repeat(16), recordDigest: 'cd'.repeat(32), receipts: 3 }).length + 1

interface Row { keys: number, missing: number, startMs: number, catchUpMs: number, pulled: number, inSyncMs: number, fullSummaryBytes: number, fullSummaryFits: boolean, heapMiB: number }

const ms = (fromUs: number): number => Math.round((monotonicUs() - fromUs) / 100) / 10

async function measure (keys: number): Promise<Row> {
  const net = await registryNetwork()
  const template = await validEntry(net)
  const shared = entryCopies(template, keys)
  const missingCount = Math.max(10, Math.round(keys * MISSING_SHARE))
  const missing = await Promise.all(Array.from({ length: missingCount }, async () => await validEntry(net)))
  const nodes: RegistryNode[] = []
  try {
    nodes.push(await startRegistryNode(net, [...shared, ...missing]))
    nodes.push(await startRegistryNode(net, shared))
    const [a, b] = nodes as [RegistryNode, RegistryNode]
    const startMs = b.startMs
    await b.libp2p.dial(a.libp2p.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
    let t = monotonicUs()
    const pulled = await b.registry.syncWith(a.libp2p.peerId.toString())
    const catchUpMs = ms(t)
    t = monotonicUs()
    const again = await b.registry.syncWith(a.libp2p.peerId.toString())
    const inSyncMs = ms(t)
    if (pulled !== missingCount || again !== 0) throw new Error(`${keys} keys: pulled ${pulled} of ${missingCount}, then ${again}`)
    const fullSummaryBytes = (keys + missingCount) * FULL_SUMMARY_BYTES_PER_KEY
    return {
      keys, missing: missingCount, startMs, catchUpMs, pulled, inSyncMs, fullSummaryBytes,
      fullSummaryFits: fullSummaryBytes <= MAX_REGISTRY_SYNC_MESSAGE_BYTES, heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20)
    }
  } finally {
    for (const n of nodes) await n.stop()
  }
}

async function main (): Promise<void> {
  const loadAtStart = loadavg()
  const rows: Row[] = []
  for (const keys of SIZES) {
    process.stderr.write(`${keys} keys ...\n`)
    rows.push(await measure(keys))
  }
  console.log(`registry anti-entropy: Node ${process.version}, ${cpus().length} cpus, load ${loadAtStart.map(l => l.toFixed(1)).join(' ')} → ${loadavg().map(l => l.toFixed(1)).join(' ')}`)
  console.log('keys     missing  registry start  catch-up (pulled)  round in sync  full summary (old protocol)  heap of both')
  for (const r of rows) {
    console.log(`${String(r.keys).padEnd(8)} ${String(r.missing).padEnd(8)} ${`${r.startMs} ms`.padEnd(15)} ${`${r.catchUpMs} ms (${r.pulled})`.padEnd(18)} ${`${r.inSyncMs} ms`.padEnd(14)} ${`${(r.fullSummaryBytes / 2 ** 20).toFixed(2)} MiB${r.fullSummaryFits ? '' : ' (over the 4 MiB limit)'}`.padEnd(28)} ${r.heapMiB} MiB`)
  }
  const written = await writeBenchResult('registry-sync.json', { at: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAverage: { atStart: loadAtStart, atEnd: loadavg() }, rows })
  console.log(`written to ${written}`)
}

await main()
