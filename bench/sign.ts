// Sign benchmark (`npm run bench`, issue #5): on a fresh 9-node devnet
// (3 committees × 3, tc=2, tm=2), per scheme (ed25519, secp256k1 and ecdsa-secp256k1):
// client-observed latency of `sign()` at concurrency 1, signatures/s at concurrency 32
// with failures by reason, the in-process crypto floor of the same party
// (bench/crypto-floor.ts; DKLs23's for ECDSA, bench/sign-ecdsa.ts), the signing path's
// skeleton measured in the same run (bench/skeleton.ts: the floor under issue #8's
// targets on this machine), and where the time goes, from the CMs' and signers' logs.
// For ECDSA also the first signature and the devnet's pair setups (issue 19 item 8).
// Prints tables (bench/sign-report.ts) and writes bench/results/sign.json.
import '../node/polyfills.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { ManagerDirectory } from '../cli/client/managers.js'
import { SigningContext } from '../cli/client/signing-context.js'
import { Devnet } from '../devnet/api.js'
import { findFreeBasePort } from '../devnet/ports.js'
import { PARTY_TIMEOUT_MS, ROUND_ONE_TIMEOUT_MS } from '../protocols/constants.js'
import type { KeyScheme } from '../protocols/wire/key-record.js'
import type { CurveName } from '../protocols/sharing/index.js'
import { measureCryptoFloor, type CryptoFloor } from './crypto-floor.js'
import { measureSkeleton } from './skeleton.js'
import { monotonicUs, round1 } from './stats.js'
import { cryptoBackendPreference, frostFor } from '../node/crypto-backend.js'
import { readNodeLogs } from './sign-logs.js'
import { BENCH_POLICY, makeBenchKey, writeBenchResult } from './results.js'
import { ECDSA_SCHEME, firstSignatureAndPairs, issue19Targets, measureDkls23Floor, type Dkls23Floor, type EcdsaReport } from './sign-ecdsa.js'
import { withIdle } from './sign-pairs.js'
import { printReport } from './sign-report.js'
import { schemeResult, type SchemeCrypto, type SchemeResult, type SchemeRun } from './sign-result.js'
import { idleNodesCpuMsPerS, MESSAGE_BYTES, nodesCpuMs, signOnce, warmUp, WARMUP_SIGNATURES, type Phase, type PhaseCost, type Sample } from './sign-run.js'

const NODES = 9
const BENCH_BASE_PORT = 18900
/**
 * For profiling runs (docs/performance.md): SHARDSIG_BENCH_SCHEMES=ed25519, SHARDSIG_BENCH_SEQUENTIAL=N and
 * SHARDSIG_BENCH_CONCURRENT=N narrow the run; such a run writes bench/results/sign-partial.json, not sign.json.
 */
const ENV_SCHEMES = process.env.SHARDSIG_BENCH_SCHEMES?.split(',').filter(s => s !== '') as KeyScheme[] | undefined
const ENV_SEQUENTIAL = process.env.SHARDSIG_BENCH_SEQUENTIAL
const ENV_CONCURRENT = process.env.SHARDSIG_BENCH_CONCURRENT
const PARTIAL_RUN = ENV_SCHEMES !== undefined || ENV_SEQUENTIAL !== undefined || ENV_CONCURRENT !== undefined
const SCHEMES: KeyScheme[] = ENV_SCHEMES ?? ['ed25519', 'secp256k1', ECDSA_SCHEME]
/** The schemes FROST signs; the rest (ecdsa-secp256k1) DKLs23. */
type FrostScheme = Extract<KeyScheme, CurveName>
const FROST_SCHEMES = SCHEMES.filter((s): s is FrostScheme => s !== ECDSA_SCHEME)
/** 200, not fewer: the p99 of 60 samples was their maximum, one slow request. */
const SEQUENTIAL_REQUESTS = ENV_SEQUENTIAL !== undefined ? Number(ENV_SEQUENTIAL) : 200
const CONCURRENCY = 32
const CONCURRENT_REQUESTS = ENV_CONCURRENT !== undefined ? Number(ENV_CONCURRENT) : 320
/** The skeleton (bench/skeleton.ts) in every run: ~20 s, enough for stable medians; its pieces are bench:transport's. */
const SKELETON_RUNS = { sequential: 500, concurrent: 2_000, inFlight: CONCURRENCY, pieces: 0 }
const FLOOR_ITERATIONS = 30
const FLOOR_WARMUP = 3
/** The FROST-only floor (cryptoCriticalPathMs, cryptoCpuPerSignatureMs): cheap, so more iterations and a JIT warm-up. */
const FROST_FLOOR_ITERATIONS = 200
const FROST_FLOOR_WARMUP = 50

async function main (): Promise<void> {
  const cores = cpus().length
  const loadAtStart = loadavg().map(round1)
  process.stderr.write(`load average at start: ${loadAtStart.join(' ')} on ${cores} cpus\n`)

  // The nodes choose their backend from the same environment (node/crypto-backend.ts); the floor uses it too.
  const frost = frostFor(cryptoBackendPreference(process.env))
  // The floor first, before nine node processes compete for the cores.
  // The FROST steps alone first (as bench:frost measures them), before the owner signatures' and the
  // wire decoding's garbage exists; then the full floor, whose per-call medians show those costs too.
  const crypto: Partial<Record<KeyScheme, SchemeCrypto>> = {}
  const frostFloors: Partial<Record<KeyScheme, CryptoFloor>> = {}
  for (const scheme of FROST_SCHEMES) {
    process.stderr.write(`crypto floor ${scheme} (${frost.info[scheme]}) ...\n`)
    frostFloors[scheme] = measureCryptoFloor(scheme, { frost, iterations: FROST_FLOOR_ITERATIONS, warmup: FROST_FLOOR_WARMUP, cores, frostOnly: true })
  }
  for (const scheme of FROST_SCHEMES) {
    const frostOnly = frostFloors[scheme]!
    const full = measureCryptoFloor(scheme, { frost, iterations: FLOOR_ITERATIONS, warmup: FLOOR_WARMUP, cores })
    crypto[scheme] = { kind: 'frost-steps', backend: frost.info[scheme], targetFloor: frostOnly, cryptoFloor: full, cryptoFloorFrostOnly: frostOnly }
  }
  if (SCHEMES.includes(ECDSA_SCHEME)) {
    process.stderr.write(`crypto floor ${ECDSA_SCHEME} (DKLs23 on ${frost.backend.secp256k1.name}) ...\n`)
    const dkls23: Dkls23Floor = measureDkls23Floor(frost.backend.secp256k1, cores)
    crypto[ECDSA_SCHEME] = { kind: dkls23.kind, backend: dkls23.backend, targetFloor: dkls23, cryptoFloor: dkls23, cryptoFloorFrostOnly: null }
  }
  // The signing path's skeleton in the same run (bench/skeleton.ts): the floor under the targets on this machine now.
  const skeleton = await measureSkeleton(SKELETON_RUNS, what => { process.stderr.write(`${what} ...\n`) })

  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-sign-'))
  let devnet: Devnet | undefined
  try {
    process.stderr.write('starting a 9-node devnet ...\n')
    const net = await Devnet.up({ dir: join(dir, 'net'), nodes: NODES, basePort: await findFreeBasePort(BENCH_BASE_PORT, NODES), timeoutMs: 60_000 })
    devnet = net
    const node = devnet.node(1).http
    const samples: Record<string, Sample[]> = {}
    const runs: Record<string, SchemeRun> = {}
    const idleAtStart = await idleNodesCpuMsPerS(devnet)
    let ecdsa: EcdsaReport | undefined

    for (const scheme of SCHEMES) {
      process.stderr.write(`${scheme}: new key ...\n`)
      const key = await makeBenchKey(node, scheme)
      const keyCreatedAt = Date.now()
      // One directory for the run, as a client signing many messages keeps one (who_cm once per 2 s).
      const context = new SigningContext()
      const managers = new ManagerDirectory(node)
      const list: Sample[] = []
      samples[scheme] = list
      const cost = {} as Record<Phase, PhaseCost>
      const measured = async (phase: Phase, run: () => Promise<void>): Promise<void> => {
        const cpuBefore = nodesCpuMs(net)
        const clientBefore = process.cpuUsage()
        const t = performance.now()
        const fromUs = monotonicUs()
        await run()
        const used = process.cpuUsage(clientBefore)
        cost[phase] = { wallMs: performance.now() - t, nodeCpuMs: nodesCpuMs(net) - cpuBefore, clientCpuMs: (used.user + used.system) / 1000, monotonicUs: [fromUs, monotonicUs()] }
      }

      // ECDSA: the first signature may pay for pair setups; then every pair, before anything is measured.
      if (scheme === ECDSA_SCHEME) ecdsa = await firstSignatureAndPairs(net, managers, context, key, list, keyCreatedAt)
      await measured('warmup', async () => { await warmUp(managers, context, key, list) })
      await measured('sequential', async () => {
        for (let i = 0; i < SEQUENTIAL_REQUESTS; i++) {
          list.push(await signOnce(managers, context, key, 'sequential'))
          process.stderr.write(`\r${scheme} sequential: ${i + 1}/${SEQUENTIAL_REQUESTS}`)
        }
        process.stderr.write('\n')
      })
      await measured('concurrent', async () => {
        let next = 0
        let done = 0
        await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
          while (next < CONCURRENT_REQUESTS) {
            next++
            list.push(await signOnce(managers, context, key, 'concurrent'))
            process.stderr.write(`\r${scheme} concurrency ${CONCURRENCY}: ${++done}/${CONCURRENT_REQUESTS}`)
          }
        }))
        process.stderr.write('\n')
      })
      runs[scheme] = { keyId: key.keyId, cost }
    }

    // The idle rate after the runs is the one subtracted: the nodes are warm then, as they were during the runs.
    const idleNodeCpuMsPerS = await idleNodesCpuMsPerS(devnet)
    const logs = await readNodeLogs(devnet)
    if (ecdsa !== undefined) ecdsa = { ...ecdsa, pairSetup: withIdle(ecdsa.pairSetup, idleNodeCpuMsPerS) }
    const env = { skeleton, cores, concurrency: CONCURRENCY, idleNodeCpuMsPerS, logs }
    const results: Record<string, SchemeResult & Record<string, unknown>> = {}
    for (const scheme of SCHEMES) {
      results[scheme] = { ...schemeResult(samples[scheme]!, runs[scheme]!, crypto[scheme]!, env), ...(scheme === ECDSA_SCHEME ? ecdsa : {}) }
    }
    const targets = ecdsa === undefined
      ? undefined
      : issue19Targets(results[ECDSA_SCHEME]?.p50Ms, results.secp256k1?.p50Ms, ecdsa.pairSetup.pairs, ecdsa.pairSetup.allPairsMs)

    const result = {
      at: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemMb: Math.round(totalmem() / 2 ** 20), loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map(round1) },
      nodes: NODES,
      params: devnet.params,
      counts: {
        warmupSignatures: WARMUP_SIGNATURES, sequentialRequests: SEQUENTIAL_REQUESTS, concurrency: CONCURRENCY,
        concurrentRequests: CONCURRENT_REQUESTS, floorIterations: FLOOR_ITERATIONS, messageBytes: MESSAGE_BYTES
      },
      policy: BENCH_POLICY,
      constants: { ROUND_ONE_TIMEOUT_MS, PARTY_TIMEOUT_MS },
      idleNodesCpuMsPerS: { afterStart: round1(idleAtStart), afterRuns: round1(idleNodeCpuMsPerS) },
      skeleton,
      // Issue 19 item 8: ECDSA's p50 against FROST secp256k1's of this run, and the devnet's pair setups.
      ...(targets !== undefined ? { issue19Targets: targets } : {}),
      results,
      logs: { sessionsByCm: logs.sessionsByNode, sessionOutcomes: logs.sessionOutcomes, sessionsByRound1: logs.sessionsByRound1, rejections: logs.rejections, warnings: logs.warnings }
    }
    const counts = { nodes: NODES, warmupSignatures: WARMUP_SIGNATURES, sequentialRequests: SEQUENTIAL_REQUESTS, concurrency: CONCURRENCY, concurrentRequests: CONCURRENT_REQUESTS }
    printReport(SCHEMES, counts, results, result.machine, logs, round1(idleNodeCpuMsPerS), ecdsa, targets)
    console.log(`\nwritten to ${await writeBenchResult(PARTIAL_RUN ? 'sign-partial.json' : 'sign.json', result)}`)
  } finally {
    await devnet?.down()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
