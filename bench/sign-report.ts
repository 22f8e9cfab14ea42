// The sign benchmark's printed report (bench/sign.ts): per scheme the latencies, throughput and
// node CPU, issue #8's targets against the crypto and skeleton floors, where the time goes, the
// crypto floors, failures; for ecdsa-secp256k1 also its first signature, the devnet's pair setups
// and issue 19's two targets.
import type { KeyScheme } from '../protocols/wire/key-record.js'
import type { CryptoFloor } from './crypto-floor.js'
import { issue19TargetLines, type Dkls23Floor, type EcdsaReport, type Issue19Targets } from './sign-ecdsa.js'
import type { NodeLogs } from './sign-logs.js'
import type { SchemeResult } from './sign-result.js'

/** What the run did, for the headings. */
export interface ReportCounts { nodes: number, warmupSignatures: number, sequentialRequests: number, concurrency: number, concurrentRequests: number }

function table (header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  console.log(line(header))
  for (const r of rows) console.log(line(r))
}

export function printReport (schemes: readonly KeyScheme[], counts: ReportCounts, results: Record<string, SchemeResult>, machine: { node: string, cpus: number, loadAverageAtStart: number[], loadAverageAtEnd: number[] }, logs: NodeLogs, idleNodesCpuMsPerS: number, ecdsa: EcdsaReport | undefined, targets: Issue19Targets | undefined): void {
  const of = (s: KeyScheme): SchemeResult => results[s]!
  const frostSchemes = schemes.filter(s => of(s).cryptoFloorKind === 'frost-steps')
  const c = counts.concurrency
  const f = (x: number | null | undefined): string => x === null || x === undefined || Number.isNaN(x) ? '-' : String(x)
  console.log(`sign bench: ${counts.nodes} nodes (3 committees × 3, tc=2, tm=2), Node ${machine.node}, ${machine.cpus} cpus, load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd.join(' ')} at end`)
  console.log(`concurrency 1: ${counts.sequentialRequests} sequential sign() after ${counts.warmupSignatures} warm-up; concurrency ${c}: ${counts.concurrentRequests} requests\n`)
  table(
    ['scheme', 'c=1 p50', 'p95', 'p99 ms', `c=${c} sig/s`, 'p50', 'p95 ms', 'failed', 'floor crit.', 'floor CPU ms', 'floor max sig/s', `nodes CPU ms/sig c=1 / c=${c}`],
    schemes.map(s => {
      const r = of(s)
      const failed = r.concurrent.requests - r.concurrent.completed
      return [s, f(r.sequential.latencyMs.p50), f(r.sequential.latencyMs.p95), f(r.sequential.latencyMs.p99), f(r.concurrent.signaturesPerS),
        f(r.concurrent.latencyMs.p50), f(r.concurrent.latencyMs.p95), `${failed}/${r.concurrent.requests}`,
        f(r.cryptoFloor.criticalPathMs), f(r.cryptoFloor.cpuPerSignatureMs), f(r.cryptoFloor.ceilingSignaturesPerS), `${f(r.sequential.nodeCpuMsPerSignatureNetOfIdle)} / ${f(r.concurrent.nodeCpuMsPerSignatureNetOfIdle)}`]
    })
  )
  console.log(`(floor: one process, no network, CPU time; crit. = one signer + CM + client verify; nodes CPU = all 9 processes per completed signature, net of the idle devnet's ${f(idleNodesCpuMsPerS)} ms/s)`)
  console.log('\nissue #8 targets (crypto: protocols/frost on the nodes\' backend, FROST steps only, one process; ecdsa-secp256k1: DKLs23 without presignatures, one process):')
  table(
    ['scheme', 'backend', 'crypto crit. ms', 'crypto CPU ms', 'p50 ms (≤ limit)', 'p99 ms (≤ limit)', `sig/s c=${c} (≥ min)`, 'skeleton p50 floor ms', 'skeleton sig/s ceiling'],
    schemes.map(s => {
      const r = of(s)
      const mark = (met: boolean): string => met ? 'met' : 'NOT met'
      return [s, r.cryptoBackend, f(r.cryptoCriticalPathMs), f(r.cryptoCpuPerSignatureMs),
        `${f(r.p50Ms)} (${f(r.targets.p50.limitMs)}, ${mark(r.targets.p50.met)})`, `${f(r.p99Ms)} (${f(r.targets.p99.limitMs)}, ${mark(r.targets.p99.met)})`,
        `${f(r.throughputPerS)} (${f(r.targets.throughput.minPerS)}, ${mark(r.targets.throughput.met)})`, f(r.floor.p50FloorMs), f(r.floor.throughputCeilingPerS)]
    })
  )
  console.log('(skeleton: client → CM → 4 signers with synced writes, the nodes\' transport and store without their logic, plus the crypto; bench/skeleton.ts)')
  console.log('\nwhere the time goes (medians, ms, completed requests; CM session from its log):')
  table(
    ['scheme', 'phase', 'client', 'CM session', 'gap', '→session', 'session→last share', 'last share→end', 'end→finished', 'finished→client'],
    schemes.flatMap(s => (['sequential', 'concurrent'] as const).map(phase => {
      const b = of(s)[phase].breakdown
      return [s, phase === 'sequential' ? 'c=1' : `c=${c}`, f(b.clientMsP50), f(b.cmSessionMsP50), f(b.gapMsP50), f(b.toSessionStartMsP50), f(b.sessionToLastShareMsP50), f(b.lastShareToSessionEndMsP50), f(b.sessionEndToFinishedMsP50), f(b.finishedToClientMsP50)]
    }))
  )
  console.log('\na signer\'s steps (medians, ms, from its \'signature share sent\' lines):')
  for (const s of schemes) {
    for (const phase of ['sequential', 'concurrent'] as const) {
      const steps = of(s)[phase].signerStepsMsP50
      console.log(`${s} ${phase === 'sequential' ? 'c=1' : `c=${c}`}: ${Object.entries(steps).map(([k, v]) => `${k} ${v}`).join(', ')}`)
    }
  }
  console.log('\ncrypto floor, one process, no network (median CPU ms per call; wall-time totals in the last column):')
  table(
    ['scheme', 'createSession', 'commit', 'signShare', 'verifyingShares', 'aggregate', 'verify', 'wire decode signer/CM', 'owner sign/verify', 'CPU+wire+auth', 'wall crit. / CPU / +wire+auth'],
    frostSchemes.map(s => {
      const floor = of(s).cryptoFloor as CryptoFloor
      const o = floor.ops
      return [s, f(o.createSession), f(o.commit), f(o.signShare), f(o.verifyingShares), f(o.aggregate), f(o.verify), `${o.signerWireDecode} / ${o.coordinatorWireDecode}`, `${o.ownerSign} / ${o.ownerVerify}`, f(floor.cpuWithWireAndAuthMs),
        `${floor.wallMs.criticalPath} / ${floor.wallMs.perSignature} / ${floor.wallMs.withWireAndAuth}`]
    })
  )
  for (const s of schemes.filter(s => !frostSchemes.includes(s))) {
    const d = of(s).cryptoFloor as Dkls23Floor
    console.log(`${s} (DKLs23 without presignatures, ${d.backend}, ${d.signatures} signatures): per signer ${d.perSignerCpuMs} ms CPU (${Object.entries(d.stepsPerSignerCpuMs).map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
      `critical path ${d.criticalPathMs} ms, CPU per signature ${d.cpuPerSignatureMs} ms, wire ${d.wirePerSignerCpuMs} ms per signer, ${d.bytesPerSigner} bytes sent per signer; ` +
      `group ops + OT floor ${d.groupAndOtFloor.perSignerMs} ms per signer (× ${d.groupAndOtFloor.perSignerOverFloor}); online part with a presignature: critical path ${d.withPresignatures.criticalPathMs} ms`)
  }
  for (const s of schemes) {
    const r = of(s)
    const all = { ...prefixed('warm-up', r.warmup.failures), ...prefixed('c=1', r.sequential.failures), ...prefixed(`c=${c}`, r.concurrent.failures) }
    if (Object.keys(all).length > 0) {
      console.log(`\n${s} failures by reason:`)
      for (const [reason, count] of Object.entries(all)) console.log(`  ${count} × ${reason}`)
    }
    if (r.concurrent.retried > 0 || r.concurrent.clientFailovers > 0) {
      console.log(`${s} c=${c}: ${r.concurrent.retried} requests needed more than one session, ${r.concurrent.clientFailovers} client failovers, ` +
        `${r.concurrent.requestsSeenByMoreThanOneCm} requests ran at more than one CM, ${r.concurrent.failedAtClientButCompletedAtACm} failed at the client although a CM completed them`)
    }
  }
  console.log(`\nsessions per CM: ${Object.entries(logs.sessionsByNode).map(([k, v]) => `${k}: ${v}`).join(', ')}; outcomes: ${Object.entries(logs.sessionOutcomes).map(([k, v]) => `${k} ${v}`).join(', ')}; round 1: ${Object.entries(logs.sessionsByRound1).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  for (const [reason, count] of Object.entries(logs.rejections)) console.log(`signer rejections: ${count} × ${reason}`)
  for (const [msg, w] of Object.entries(logs.warnings)) console.log(`node log ${msg}: ${w.count}×`)
  if (ecdsa !== undefined) printEcdsa(ecdsa)
  if (targets !== undefined) {
    console.log('\nissue 19 item 8 targets (reported, not asserted):')
    for (const line of issue19TargetLines(targets)) console.log(line)
  }
}

function printEcdsa ({ firstSignature: first, pairSetup: p }: EcdsaReport): void {
  const s = (ms: number | null): string => ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`
  console.log(`\necdsa-secp256k1 first signature on the new key: ${first.completed ? `${first.latencyMs} ms (attempt ${first.attempts}), ${s(first.sinceKeyCreatedMs)} after the key's creation` : `none completed in ${first.attempts} attempts`}`)
  console.log(`ecdsa-secp256k1 pair setups: ${p.held} of ${p.pairs} pairs held ${s(p.allPairsMs)} after the key's creation; ${p.heldBeforeFirstTick} on demand before the nodes' first ahead tick ` +
    `(${s(p.firstAheadTickMs)}, estimated), then ${s(p.fromFirstTickMs)} until all; ${p.logged.initiator} initiator + ${p.logged.responder} responder log lines, ${p.logged.failed} failed; ` +
    `nodes' CPU meanwhile ${p.nodesCpuMs ?? '-'} ms (${p.nodesCpuMsNetOfIdle ?? '-'} net of idle)`)
}

function prefixed (prefix: string, counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${prefix}: ${k}`, v]))
}

