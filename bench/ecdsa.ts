// DKLs23 threshold ECDSA in one process (`npm run bench:ecdsa`, issue 19 item 8): for the devnet's
// default party (2 of 3 committees × 2 of 3 members = 4 signers, tags c/m), per signer CPU,
// critical path and JSON bytes per signature with and without presignatures, next to FROST
// secp256k1 (bench/crypto-floor.ts, as bench:frost measures it) and a floor of the group
// operations and OT-extension work a signer needs (bench/ecdsa-floor.ts), all in the same run;
// plus the cost of a pair setup, alone and for the default devnet (9 nodes, 36 pairs). Figures
// are CPU time of this process; ratios to floors of the same round are what to compare, since
// absolute times on a small shared machine move with its load. Prints a table; writes
// bench/results/ecdsa.json. Definitions: docs/performance.md, "Threshold ECDSA (DKLs23), in process".
//   `node --cpu-prof --cpu-prof-dir=DIR dist/bench/ecdsa.js --profile 1/1` instead signs
//   PROFILE_SIGNATURES times and writes the CLOCK_MONOTONIC spans of that member's calls, for
//   `node dist/bench/profile-summary.js --windows FILE DIR`.
import '../node/polyfills.js'
import { cpus, loadavg } from 'node:os'
import { createFrost, selectBackend, type CryptoBackend } from '../protocols/frost/index.js'
import { testParty, setUpPairs } from '../test/helpers/ecdsa-party.js'
import type { PairKeys } from '../protocols/ecdsa/sign.js'
import { measureCryptoFloor } from './crypto-floor.js'
import { countingGroup, groupFloorMs, timeGroupOps, timeOtExtension, type OpCounts } from './ecdsa-floor.js'
import { figures, mean, pairSetupOnce, perSigner, random, round3, signOnce, spansOf, STEPS, type Figures, type PairSetupRun, type SignatureRun } from './ecdsa-run.js'
import { writeBenchResult } from './results.js'
import { median, round1, round2 } from './stats.js'

/** The devnet default (devnet/params.ts for 9 nodes: 3 committees of 3, tc = 2, tm = 2) and the party bench:frost uses. */
const MEMBERS = ['1/1', '1/2', '2/1', '2/2']
const DEVNET_NODES = 9
const DIGEST_BYTES = 32
/** Per backend: rounds, signatures per round (each round also measures the floor and FROST), untimed signatures first, pair setups. */
const PLAN = {
  native: { rounds: 6, perRound: 4, warmup: 3, pairSetups: 3, frostPerRound: 12 },
  noble: { rounds: 2, perRound: 2, warmup: 1, pairSetups: 1, frostPerRound: 4 }
} as const
const OT_EXTENSIONS_PER_ROUND = 5
const GROUP_OP_CALLS = 40
const PROFILE_SIGNATURES = 30

function settle (): void {
  (globalThis as { gc?: () => void }).gc?.()
}

function pairSetupFigures (runs: PairSetupRun[]): Record<string, number> {
  const pairs = DEVNET_NODES * (DEVNET_NODES - 1) / 2
  const sideMs = median(runs.map(r => r.sideMs))
  const pairMs = median(runs.map(r => r.pairMs))
  const { messageBytes, messageBase64Bytes } = runs[0]!
  return {
    setups: runs.length,
    oneSideCpuMs: round1(sideMs),
    onePairCpuMs: round1(pairMs),
    messageBytes,
    messageBase64Bytes,
    devnetPairs: pairs,
    devnetPerNodeCpuMs: round1((DEVNET_NODES - 1) * sideMs),
    devnetInAllCpuMs: round1(pairs * pairMs),
    devnetPerNodeBytesSent: (DEVNET_NODES - 1) * messageBytes,
    devnetInAllBytes: 2 * pairs * messageBytes
  }
}

/** Everything for one crypto backend's secp256k1. */
function measureBackend (backend: CryptoBackend, pairs: Map<string, Map<string, PairKeys>>, plan: typeof PLAN[keyof typeof PLAN], cores: number): Record<string, unknown> {
  const group = backend.secp256k1
  const party = testParty(group, MEMBERS, random, undefined, pairs)
  const key = group.encode(party.publicKey)
  const frost = createFrost(backend)
  process.stderr.write(`${group.name}: counting group operations, warming up ...\n`)

  // One signature through the counting wrapper: the group operations each member's calls ask for.
  const counts = new Map<string, OpCounts>()
  let current: string | undefined
  signOnce(countingGroup(group, () => current, counts), party, key, random(DIGEST_BYTES), {
    enter: who => { current = MEMBERS.includes(who) ? who : undefined },
    leave: () => { current = undefined }
  })
  const ops = [...new Set([...counts.values()].flatMap(c => Object.keys(c)))].sort()
  for (let i = 0; i < plan.warmup; i++) signOnce(group, party, key, random(DIGEST_BYTES))
  timeOtExtension(pairs.get(MEMBERS[0]!)!.get(MEMBERS[1]!)!, pairs.get(MEMBERS[1]!)!.get(MEMBERS[0]!)!, 1)
  measureCryptoFloor('secp256k1', { frost, iterations: plan.frostPerRound, warmup: 0, cores, frostOnly: true })

  const runs: SignatureRun[] = []
  const floors: Array<{ groupMs: number, otMs: number, perCall: Record<string, number>, extensionMs: number }> = []
  const ratios: number[] = []
  const frostRounds: Array<{ perSignerCpuMs: number, criticalPathMs: number, cpuPerSignatureMs: number }> = []
  for (let round = 0; round < plan.rounds; round++) {
    process.stderr.write(`${group.name}: round ${round + 1} of ${plan.rounds} ...\n`)
    settle()
    const these = Array.from({ length: plan.perRound }, () => signOnce(group, party, key, random(DIGEST_BYTES)))
    runs.push(...these)
    settle()
    const perCall = timeGroupOps(group, ops, GROUP_OP_CALLS, 5)
    const extensionMs = timeOtExtension(pairs.get(MEMBERS[0]!)!.get(MEMBERS[1]!)!, pairs.get(MEMBERS[1]!)!.get(MEMBERS[0]!)!, OT_EXTENSIONS_PER_ROUND)
    const groupMs = mean(MEMBERS.map(m => groupFloorMs(counts.get(m)!, perCall)))
    // Per signer, one extension's work per counterparty: as Bob extend + outputs, as Alice transfer.
    const otMs = (MEMBERS.length - 1) * extensionMs
    floors.push({ groupMs, otMs, perCall, extensionMs })
    ratios.push(median(these.map(r => mean(perSigner(r, STEPS)))) / (groupMs + otMs))
    settle()
    const f = measureCryptoFloor('secp256k1', { frost, iterations: plan.frostPerRound, warmup: 1, cores, frostOnly: true })
    frostRounds.push({ perSignerCpuMs: f.ops.createSession + f.ops.commit + f.ops.signShare, criticalPathMs: f.criticalPathMs, cpuPerSignatureMs: f.cpuPerSignatureMs })
  }

  const without = figures(runs, STEPS, b => b.round1 + b.round2 + b.contribution)
  const withPre = figures(runs, ['online'], b => b.contribution)
  const ahead = figures(runs, ['round1', 'round2', 'round3'], b => b.round1 + b.round2, false)
  const frostFigures = {
    perSignerCpuMs: round2(median(frostRounds.map(f => f.perSignerCpuMs))),
    criticalPathMs: round2(median(frostRounds.map(f => f.criticalPathMs))),
    cpuPerSignatureMs: round2(median(frostRounds.map(f => f.cpuPerSignatureMs)))
  }
  const floor = {
    groupOpsPerSigner: counts.get(MEMBERS[0]!)!,
    groupOpUsPerCall: Object.fromEntries(ops.map(op => [op, round2(1000 * median(floors.map(f => f.perCall[op]!)))])),
    groupPerSignerMs: round2(median(floors.map(f => f.groupMs))),
    otExtensionMs: round2(median(floors.map(f => f.extensionMs))),
    otExtensionsPerSigner: MEMBERS.length - 1,
    otPerSignerMs: round2(median(floors.map(f => f.otMs))),
    perSignerMs: round2(median(floors.map(f => f.groupMs + f.otMs)))
  }
  process.stderr.write(`${group.name}: pair setups ...\n`)
  settle()
  const setups = Array.from({ length: plan.pairSetups }, () => pairSetupOnce(group, 'bench/epoch-0'))
  return {
    backend: group.name,
    signatures: runs.length,
    withoutPresignatures: without,
    withPresignatures: { ...withPre, aheadPerSignerCpuMs: ahead.perSignerCpuMs, aheadCriticalPathMs: ahead.criticalPathMs, aheadBytesInAll: ahead.bytesInAll },
    stepsPerSignerCpuMs: Object.fromEntries(STEPS.map(s => [s, round3(median(runs.flatMap(r => [...r.cpuMs.values()].map(c => c[s]))))])),
    coordinator: { combineMs: round3(median(runs.map(r => r.combineMs))), verifyMs: round2(median(runs.map(r => r.verifyMs))) },
    wirePerSignerCpuMs: round2(median(runs.flatMap(r => [...r.wireMs.values()]))),
    coordinatorWireCpuMs: round2(median(runs.map(r => r.coordinatorWireMs))),
    bytesPerSignerByMessage: runs[runs.length - 1]!.bytes.get(MEMBERS[0]!),
    floor,
    ratioToFloor: round2(median(ratios)),
    frostSecp256k1: frostFigures,
    overFrost: {
      perSignerCpu: round1(without.perSignerCpuMs / frostFigures.perSignerCpuMs),
      criticalPath: round1(without.criticalPathMs / frostFigures.criticalPathMs),
      onlineCriticalPath: round2(withPre.criticalPathMs / frostFigures.criticalPathMs)
    },
    pairSetup: pairSetupFigures(setups)
  }
}

const DEFINITIONS = {
  party: 'the devnet default: 9 nodes, 3 committees of 3, tc = 2, tm = 2; the party is committees 1 and 2, members 1 and 2 of each (tags 1/1 1/2 2/1 2/2), holding additive shares of the key',
  withoutPresignatures: 'everything for one signature: signRound1, answerRound1 per counterparty, checkRound2 per counterparty + presignature (with its final-share evidence), finalShare; then the coordinator combines and verifies',
  withPresignatures: 'the online part only: finalShare per signer, then the coordinator combines and verifies (it checks the evidence only when the signature fails); the rest (`ahead*`) is done before the message is known',
  perSignerCpuMs: "CPU time in one signer's own protocol calls (the mean over signers, median over signatures); wire work apart (wirePerSignerCpuMs)",
  criticalPathMs: 'the slowest signer of each round, summed over the rounds (rounds run in parallel across nodes), plus the coordinator: combineShares, low-s, encoding, and verifyEcdsa (noble)',
  cpuPerSignatureMs: "every signer's calls plus the coordinator's",
  bytes: "JSON payloads as protocols/ecdsa/wire.ts writes them: each signer's round-1 and round-2 message to each counterparty, and its contribution (R, u, w and the evidence, EcdsaContributionSchema); bytesPerSignerByMessage.finalShareOnly is u and w alone as hex",
  wirePerSignerCpuMs: 'encode + JSON.stringify of what a signer sends, JSON.parse + schema + decode of what it receives; coordinatorWireCpuMs: parsing and decoding the contributions',
  floor: 'per signer: its group operations (counted per call through a counting backend, each timed bare on the same backend) plus one whole OT extension at width 4 (oteReceiverExtend + oteSenderTransfer + oteReceiverOutputs) per counterparty: as Bob it extends and takes outputs, as Alice it transfers',
  ratioToFloor: 'per signer CPU without presignatures ÷ floor, the median of the rounds (each round measures both)',
  frostSecp256k1: 'bench/crypto-floor.ts, FROST steps only, as bench:frost: per signer createSession + commit + signShare; critical path and CPU per signature as there (aggregate and BIP340 verify included)',
  pairSetup: 'one pair of nodes: pairSetupStart + pairSetupFinish on each side (base OTs both directions, zero seed); message bytes binary (no JSON form yet) and as base64; the devnet has 9 nodes, 36 pairs, 8 per node'
}

function table (results: Record<string, Record<string, unknown>>): void {
  const rows: string[][] = [['backend', 'path', 'per signer CPU ms', 'critical path ms', 'CPU/signature ms', 'bytes/signer', 'bytes in all', '× floor']]
  for (const [name, r] of Object.entries(results)) {
    const w = r.withoutPresignatures as Figures
    const p = r.withPresignatures as Figures & { aheadPerSignerCpuMs: number, aheadBytesInAll: number }
    const f = r.floor as { perSignerMs: number, groupPerSignerMs: number, otPerSignerMs: number }
    const fr = r.frostSecp256k1 as Figures
    const row = (path: string, x: Partial<Figures>, ratio: string): string[] =>
      [name, path, String(x.perSignerCpuMs ?? ''), String(x.criticalPathMs ?? ''), String(x.cpuPerSignatureMs ?? ''), String(x.bytesPerSigner ?? ''), String(x.bytesInAll ?? ''), ratio]
    rows.push(row('DKLs23, without presignatures', w, String(r.ratioToFloor)))
    rows.push(row('DKLs23, with presignatures (online)', p, ''))
    rows.push(row('DKLs23, presignature ahead', { perSignerCpuMs: p.aheadPerSignerCpuMs, bytesInAll: p.aheadBytesInAll }, ''))
    rows.push(row('FROST secp256k1 (BIP340)', fr, ''))
    rows.push(row(`floor: group ops ${f.groupPerSignerMs} + OT ${f.otPerSignerMs}`, { perSignerCpuMs: f.perSignerMs }, '1'))
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)))
  for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n')
  for (const [name, r] of Object.entries(results)) {
    const s = r.pairSetup as ReturnType<typeof pairSetupFigures>
    const o = r.overFrost as Record<string, number>
    process.stdout.write(`${name}: DKLs23 per signer CPU ${o.perSignerCpu}× FROST's, critical path ${o.criticalPath}× (online with a presignature: ${o.onlineCriticalPath}×)\n`)
    process.stdout.write(`${name}: pair setup ${s.oneSideCpuMs} ms per side, ${s.onePairCpuMs} ms per pair, ${s.messageBytes} bytes each way; devnet (${s.devnetPairs} pairs): ${s.devnetPerNodeCpuMs} ms and ${s.devnetPerNodeBytesSent} bytes sent per node, ${s.devnetInAllCpuMs} ms and ${s.devnetInAllBytes} bytes in all\n`)
  }
}

async function profile (member: string): Promise<void> {
  const group = selectBackend('native').secp256k1
  const pairs = setUpPairs(group, MEMBERS, random)
  const party = testParty(group, MEMBERS, random, undefined, pairs)
  const key = group.encode(party.publicKey)
  for (let i = 0; i < 3; i++) signOnce(group, party, key, random(DIGEST_BYTES))
  const spans: Array<[number, number]> = []
  for (let i = 0; i < PROFILE_SIGNATURES; i++) signOnce(group, party, key, random(DIGEST_BYTES), spansOf(member, spans))
  const path = await writeBenchResult('ecdsa-profile-windows.json', spans)
  process.stderr.write(`${spans.length} spans of ${member}'s calls over ${PROFILE_SIGNATURES} signatures: ${path}\n` +
    `summarise: node dist/bench/profile-summary.js --windows ${path} <the --cpu-prof-dir>\n`)
}

async function main (): Promise<void> {
  const p = process.argv.indexOf('--profile')
  if (p >= 0) return await profile(process.argv[p + 1] ?? MEMBERS[0]!)
  const cores = cpus().length
  const startLoad = loadavg().map(round1)
  process.stderr.write(`load average at start: ${startLoad.join(' ')} on ${cores} cpus\n`)
  if (!process.execArgv.includes('--no-concurrent-recompilation')) {
    process.stderr.write('note: run through `npm run bench:ecdsa` (node --no-concurrent-recompilation): background compilation adds to the measured CPU times\n')
  }
  const startedAt = Date.now()
  const native = selectBackend('native')
  // Pair keys hold no group elements: set up once (natively) and used by both backends' parties.
  const pairs = setUpPairs(native.secp256k1, MEMBERS, random)
  const results: Record<string, Record<string, unknown>> = {}
  results[native.secp256k1.name] = measureBackend(native, pairs, PLAN.native, cores)
  if (process.env.SHARDSIG_BENCH_ECDSA_NOBLE !== '0') {
    const noble = selectBackend('noble')
    results[noble.secp256k1.name] = measureBackend(noble, pairs, PLAN.noble, cores)
  }
  table(results)
  const took = round1((Date.now() - startedAt) / 1000)
  const endLoad = loadavg().map(round1)
  process.stderr.write(`took ${took} s; load average at end: ${endLoad.join(' ')}\n`)
  const path = await writeBenchResult('ecdsa.json', {
    definitions: DEFINITIONS,
    party: { members: MEMBERS, devnetNodes: DEVNET_NODES },
    run: { node: process.version, cores, loadAverageAtStart: startLoad, loadAverageAtEnd: endLoad, seconds: took },
    byBackend: results
  })
  process.stderr.write(`wrote ${path}\n`)
}

await main()
