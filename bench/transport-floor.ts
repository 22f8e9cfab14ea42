// The floor under issue #8's devnet targets (`npm run bench:transport`): the
// signing path's skeleton (bench/skeleton.ts: the nodes' own transport and
// store between six processes, none of their logic) and the pieces it is made
// of, with the FROST steps of each scheme (bench/crypto-floor.ts) on top, set
// against the targets. Prints a table; writes bench/results/transport-floor.json.
import '../node/polyfills.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import type { CurveName } from '../protocols/sharing/index.js'
import { cryptoBackendPreference, frostFor } from '../node/crypto-backend.js'
import { measureCryptoFloor } from './crypto-floor.js'
import { floorAgainstTargets, measureSkeleton, type Measured, type SkeletonResult } from './skeleton.js'
import { round2 } from './stats.js'

const CURVE_NAMES: CurveName[] = ['ed25519', 'secp256k1']
const CRYPTO_ITERATIONS = 200
const RUNS = { sequential: 1_000, concurrent: 3_000, inFlight: 32, pieces: 1_000 }

async function main (): Promise<void> {
  const cores = cpus().length
  const loadAtStart = loadavg().map(l => round2(l))
  process.stderr.write(`load average at start: ${loadAtStart.join(' ')} on ${cores} cpus\n`)
  // FROST first, before five more processes share the cores.
  const frost = frostFor(cryptoBackendPreference(process.env))
  const crypto = Object.fromEntries(CURVE_NAMES.map(s => [s, measureCryptoFloor(s, { frost, iterations: CRYPTO_ITERATIONS, warmup: 20, cores, frostOnly: true })]))
  const skeleton = await measureSkeleton(RUNS, what => { process.stderr.write(`${what}…\n`) })
  const schemes = Object.fromEntries(CURVE_NAMES.map(s => [s, {
    cryptoCriticalPathMs: crypto[s]!.criticalPathMs,
    cryptoCpuPerSignatureMs: crypto[s]!.cpuPerSignatureMs,
    ...floorAgainstTargets(skeleton, crypto[s]!, cores)
  }]))
  const result = { at: new Date().toISOString(), cores, loadAverage: { start: loadAtStart, end: loadavg().map(l => round2(l)) }, skeleton, schemes }
  await mkdir('bench/results', { recursive: true })
  await writeFile('bench/results/transport-floor.json', JSON.stringify(result, null, 2) + '\n')
  print(skeleton, schemes)
}

function print (s: SkeletonResult, schemes: Record<string, ReturnType<typeof floorAgainstTargets>>): void {
  const line = (text: string): void => { process.stdout.write(text + '\n') }
  const row = (name: string, m: Measured): void => { line(`| ${name} | ${m.latencyMs.p50} | ${m.latencyMs.p99} | ${m.cpuMsPerOp} | ${m.opsPerS} |`) }
  line('| what | p50 ms | p99 ms | CPU ms each (all processes) | per s |')
  line('|---|---|---|---|---|')
  if (s.pieces !== undefined) {
    row('channel exchange (1.5 KB → 0.4 KB), one at a time', s.pieces.channelExchange)
    line(`| synced store write (${s.recordBytes} B) | ${s.pieces.syncedWriteMs.p50} | ${s.pieces.syncedWriteMs.p99} | | |`)
  }
  row('skeleton signature, one at a time', s.sequential)
  row('skeleton signature without the synced writes, one at a time', s.sequentialWithoutSyncedWrites)
  row(`skeleton signature, ${s.concurrent.inFlight} in flight`, s.concurrent)
  line('')
  line('| scheme | p50 target ms | p50 floor ms | throughput target /s | CPU floor ms per signature | throughput ceiling /s |')
  line('|---|---|---|---|---|---|')
  for (const [name, f] of Object.entries(schemes)) {
    line(`| ${name} | ${f.p50TargetMs} | ${f.p50FloorMs} | ${f.throughputTargetPerS} | ${f.cpuFloorPerSignatureMs} | ${f.throughputCeilingPerS} |`)
  }
}

await main()
