// The signing path's skeleton, with the nodes' own transport and store and
// none of their logic (docs/performance.md, "The floor under the devnet
// targets"):
//
//   client --HTTP--> "CM" --libp2p channel--> 4 "signers" --> "CM" --> client
//
// Six processes on 127.0.0.1: the caller (the client, through the client's own
// callJson), a CM (hono on @hono/node-server, as a node serves sign_request)
// and four signers (libp2p with TCP + Noise + Yamux, answering the party
// protocol on channels as node/p2p/direct.ts does), started from
// bench/skeleton-process.ts. A signer writes a record to its sealed store with
// fsync and answers, as a signer's contribution must be durable before its
// share leaves; the CM answers once all four did. No checks, no FROST, no
// logging, no heartbeats: what any implementation on this stack pays per
// signature before doing anything. Latency in wall time; CPU from
// process.cpuUsage (the caller) and /proc/<pid>/stat (the others).
import { multiaddr } from '@multiformats/multiaddr'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { callJson } from '../cli/client/http.js'
import type { ShardsigLibp2p } from '../node/p2p/create-libp2p.js'
import { channelsOf } from '../node/p2p/channel.js'
import { requestJson } from '../node/p2p/direct.js'
import { openStore, type KeyStore } from '../node/store/store.js'
import { PROTOCOL_PARTY } from '../protocols/constants.js'
import type { CryptoFloor } from './crypto-floor.js'
import {
  HTTP_REQUEST_BYTES, PARTY_ANSWER_BYTES, PARTY_REQUEST_BYTES, PartyAnswer, RECORD_BYTES, REQUEST_TIMEOUT_MS, ROLE_FLAG,
  SignAnswer, startNode, type CmReady, type CmStart, type Role, type SignerReady
} from './skeleton-wire.js'
import { processCpuMs, round2, summary } from './stats.js'

/** The devnet's party: every signature asks 4 signers. */
export const SKELETON_SIGNERS = 4
const WARMUP = 200
/** Issue #8's targets (bench/sign.ts has the same). */
const P50_SLACK_MS = 2
const THROUGHPUT_SHARE = 0.5
const log = pino({ level: 'silent' })

export interface Measured { latencyMs: ReturnType<typeof summary>, cpuMsPerOp: number, opsPerS: number }

export interface SkeletonResult {
  signers: number
  recordBytes: number
  /** One signature at a time. */
  sequential: Measured
  /** The same with the signers' writes left out: what the fsyncs cost. */
  sequentialWithoutSyncedWrites: Measured
  /** `inFlight` signatures at a time. */
  concurrent: Measured & { inFlight: number }
  /** The pieces alone, when asked for: one channel exchange (caller ↔ signer 1) and one synced write (in the caller). */
  pieces?: { channelExchange: Measured & { requestBytes: number, answerBytes: number }, syncedWriteMs: ReturnType<typeof summary> }
}

export interface SkeletonRuns { sequential: number, concurrent: number, inFlight: number, pieces: number }

/** Starts the skeleton's processes, measures, and stops them. */
export async function measureSkeleton (runs: SkeletonRuns, progress: (what: string) => void = () => {}): Promise<SkeletonResult> {
  const signerProcs = Array.from({ length: SKELETON_SIGNERS }, () => spawn('signer'))
  const cmProc = spawn('cm')
  const procs = [...signerProcs, cmProc]
  let client: ShardsigLibp2p | undefined
  try {
    const signers = await Promise.all(signerProcs.map(async p => await ready<SignerReady>(p)))
    cmProc.send({ signers } satisfies CmStart)
    const cm = await ready<CmReady>(cmProc)
    const pids = procs.map(p => p.pid!)

    let pieces: SkeletonResult['pieces']
    if (runs.pieces > 0) {
      progress('pieces: a channel exchange, a synced write')
      client = await startNode()
      const libp2p = client
      // Its requests go over channels, as a devnet node's do.
      channelsOf(libp2p, log)
      const first = signers[0]!
      await libp2p.dial(first.multiaddrs.map(m => multiaddr(m)), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      const bare = { pad: 'r'.repeat(PARTY_REQUEST_BYTES), durable: false }
      const channelExchange = await measure(runs.pieces, 1, [pids[0]!], async () => {
        await requestJson(libp2p, first.peerId, PROTOCOL_PARTY, bare, PartyAnswer, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
      })
      pieces = { channelExchange: { requestBytes: PARTY_REQUEST_BYTES, answerBytes: PARTY_ANSWER_BYTES, ...channelExchange }, syncedWriteMs: await syncedWrites(Math.ceil(runs.pieces / 4)) }
      await client.stop()
      client = undefined
    }

    const signRequest = { request: 'q'.repeat(HTTP_REQUEST_BYTES) }
    const signAt = (path: string) => async (): Promise<void> => {
      await callJson('POST', `${cm.httpUrl}${path}`, SignAnswer, signRequest, { timeoutMs: REQUEST_TIMEOUT_MS })
    }
    progress('skeleton path without the synced writes, one at a time')
    const sequentialWithoutSyncedWrites = await measure(runs.sequential, 1, pids, signAt('/sign_request_volatile'))
    progress('skeleton path, one at a time')
    const sequential = await measure(runs.sequential, 1, pids, signAt('/sign_request'))
    progress(`skeleton path, ${runs.inFlight} in flight`)
    const concurrent = await measure(runs.concurrent, runs.inFlight, pids, signAt('/sign_request'))
    return {
      signers: SKELETON_SIGNERS,
      recordBytes: RECORD_BYTES,
      sequential,
      sequentialWithoutSyncedWrites,
      concurrent: { inFlight: runs.inFlight, ...concurrent },
      ...(pieces !== undefined ? { pieces } : {})
    }
  } finally {
    await client?.stop()
    for (const p of procs) if (p.connected) p.disconnect()
  }
}

/** Issue #8's devnet targets for one scheme against the skeleton with that scheme's crypto steps added. */
export interface FloorAgainstTargets {
  p50TargetMs: number
  /** The skeleton's p50 plus FROST's critical path: the devnet's p50 cannot be lower. */
  p50FloorMs: number
  throughputTargetPerS: number
  /** The skeleton's CPU per signature at concurrency plus FROST's CPU per signature. */
  cpuFloorPerSignatureMs: number
  /** What the cores allow at that cost: the devnet's throughput cannot be higher. */
  throughputCeilingPerS: number
}

/** `crypto`: FROST's steps (bench/crypto-floor.ts), or for ecdsa-secp256k1 DKLs23's (bench/sign-ecdsa.ts). */
export function floorAgainstTargets (skeleton: SkeletonResult, crypto: Pick<CryptoFloor, 'criticalPathMs' | 'cpuPerSignatureMs'>, cores: number): FloorAgainstTargets {
  const cryptoBoundPerS = 1000 / crypto.cpuPerSignatureMs * cores
  const cpuFloorMs = skeleton.concurrent.cpuMsPerOp + crypto.cpuPerSignatureMs
  return {
    p50TargetMs: round2(crypto.criticalPathMs + P50_SLACK_MS),
    p50FloorMs: round2(skeleton.sequential.latencyMs.p50 + crypto.criticalPathMs),
    throughputTargetPerS: Math.round(cryptoBoundPerS * THROUGHPUT_SHARE),
    cpuFloorPerSignatureMs: round2(cpuFloorMs),
    throughputCeilingPerS: Math.round(1000 / cpuFloorMs * cores)
  }
}

function spawn (role: Role): ChildProcess {
  const entry = fileURLToPath(new URL('./skeleton-process.js', import.meta.url))
  return fork(entry, [ROLE_FLAG, role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

async function ready<T> (child: ChildProcess): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    child.once('message', m => { resolve(m as T) })
    child.once('exit', code => { reject(new Error(`a skeleton process exited (${code})`)) })
  })
}

/** Runs `op` `total` times with `concurrency` in flight; CPU is the caller's plus the `pids`'. */
async function measure (total: number, concurrency: number, pids: number[], op: () => Promise<void>): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await op()
  const samples: number[] = []
  const othersCpu = (): number => pids.reduce((sum, pid) => sum + processCpuMs(pid), 0)
  const cpu = process.cpuUsage()
  const others = othersCpu()
  const start = performance.now()
  let started = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < total) {
      started++
      const t = performance.now()
      await op()
      samples.push(performance.now() - t)
    }
  }))
  const wallMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  const cpuMs = (used.user + used.system) / 1000 + (othersCpu() - others)
  return { latencyMs: summary(samples), cpuMsPerOp: round2(cpuMs / total), opsPerS: Math.round(total / wallMs * 1000) }
}

async function syncedWrites (count: number): Promise<ReturnType<typeof summary>> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-store-'))
  let store: KeyStore | undefined
  try {
    store = await openStore({ path: join(dir, 'db'), passphrase: 'bench', scrypt: { N: 2 ** 10 } })
    const record = new Uint8Array(RECORD_BYTES).fill(7)
    const samples: number[] = []
    for (let i = 0; i < count; i++) {
      const t = performance.now()
      await store.put(`bench/${i}`, record, { sync: true })
      samples.push(performance.now() - t)
    }
    return summary(samples)
  } finally {
    await store?.close()
    await rm(dir, { recursive: true, force: true })
  }
}
