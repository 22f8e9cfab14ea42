// The floor under issue #8's devnet targets (`npm run bench:transport`): the
// signing path's skeleton, with the nodes' own transport and store and none of
// their logic, on this machine.
//
//   client --HTTP--> "CM" --libp2p channel--> 4 "signers" --> "CM" --> client
//
// Six processes on 127.0.0.1: this one (the client, through the client's own
// callJson), a CM (hono on @hono/node-server, as a node serves sign_request)
// and four signers (libp2p with TCP + Noise + Yamux, answering the party
// protocol on channels as node/p2p/direct.ts does). A signer writes a record
// to its sealed store with fsync and answers, as a signer's contribution must
// be durable before its share leaves; the CM answers once all four did. No
// checks, no FROST, no logging, no heartbeats: what is measured is what any
// implementation on this stack pays per signature before doing anything, and
// the FROST steps (bench/crypto-floor.ts, measured here too) come on top.
//
// It also times the pieces alone (one channel exchange, one HTTP exchange,
// one synced write). Latency in wall time; CPU from process.cpuUsage (this
// process) and /proc/<pid>/stat (the others). Prints a table; writes
// bench/results/transport-floor.json.
import '../node/polyfills.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { Hono } from 'hono'
import { fork, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { z } from 'zod'
import { callJson } from '../cli/client/http.js'
import { serveHttp } from '../node/api/serve.js'
import { createShardsigLibp2p, type ShardsigLibp2p } from '../node/p2p/create-libp2p.js'
import { handleJson, requestJson } from '../node/p2p/direct.js'
import { openStore, type KeyStore } from '../node/store/store.js'
import { PROTOCOL_PARTY } from '../protocols/constants.js'
import type { Scheme } from '../protocols/sharing/index.js'
import { measureCryptoFloor } from './crypto-floor.js'
import { processCpuMs, round2, summary } from './stats.js'

/** A new_party with presigned commitments for 4 members is ~1.5 KB of JSON; a share answer ~0.4 KB. */
const PARTY_REQUEST_BYTES = 1_500
const PARTY_ANSWER_BYTES = 400
/** A sign_request body (request, owner signature) and the CM's answer with the signature. */
const HTTP_REQUEST_BYTES = 600
const HTTP_ANSWER_BYTES = 300
/** A signer's contribution record. */
const RECORD_BYTES = 400
/** The devnet's party: every signature asks 4 signers. */
const SIGNERS = 4
const WARMUP = 200
const PIECE_EXCHANGES = 1_000
const SKELETON_SEQUENTIAL = 1_000
const CONCURRENT = 32
const SKELETON_CONCURRENT = 3_000
const SCHEMES: Scheme[] = ['ed25519', 'secp256k1']
const CRYPTO_ITERATIONS = 200
/** Issue #8's targets (bench/sign.ts has the same). */
const P50_SLACK_MS = 2
const THROUGHPUT_SHARE = 0.5
const REQUEST_TIMEOUT_MS = 10_000
const ROLE_FLAG = '--role'

const PartyRequest = z.strictObject({ pad: z.string(), durable: z.boolean() })
const PartyAnswer = z.strictObject({ pad: z.string() })
const SignAnswer = z.strictObject({ signature: z.string() })
const SignRequest = z.strictObject({ request: z.string() })
const log = pino({ level: 'silent' })

type Role = 'signer' | 'cm'
interface SignerReady { multiaddrs: string[], peerId: string }
interface CmReady { httpUrl: string }
interface CmStart { signers: SignerReady[] }

async function startNode (): Promise<ShardsigLibp2p> {
  return await createShardsigLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
}

/** A signer: answers the party protocol, after a synced write of a record when asked for one. */
async function runSigner (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-signer-'))
  const store = await openStore({ path: join(dir, 'db'), passphrase: 'bench', scrypt: { N: 2 ** 10 } })
  const node = await startNode()
  const record = new Uint8Array(RECORD_BYTES).fill(7)
  const answer = { pad: 'a'.repeat(PARTY_ANSWER_BYTES) }
  let n = 0
  await handleJson({
    libp2p: node, protocol: PROTOCOL_PARTY, requestSchema: PartyRequest, malformed: () => ({ pad: '' }), timeoutMs: REQUEST_TIMEOUT_MS, log,
    handle: async req => {
      if (req.durable) await store.put(`bench/${n++}`, record, { sync: true })
      return answer
    }
  })
  process.send?.({ multiaddrs: node.getMultiaddrs().map(m => m.toString()), peerId: node.peerId.toString() } satisfies SignerReady)
  stopOnDisconnect(async () => {
    await node.stop()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })
}

/** The CM: for each sign_request, asks the 4 signers at once and answers when all did. */
async function runCm (): Promise<void> {
  const { signers } = await new Promise<CmStart>(resolve => { process.once('message', m => { resolve(m as CmStart) }) })
  const node = await startNode()
  // A node that answers the party protocol has channels, as every devnet node does.
  await handleJson({ libp2p: node, protocol: PROTOCOL_PARTY, requestSchema: PartyRequest, malformed: () => ({}), timeoutMs: REQUEST_TIMEOUT_MS, log, handle: async () => ({}) })
  for (const s of signers) await node.dial(s.multiaddrs.map(m => multiaddr(m)), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const signature = { signature: 'b'.repeat(HTTP_ANSWER_BYTES) }
  const app = new Hono()
  // /sign_request: the signers write synced, as they must; /sign_request_volatile: they do not (to see what the fsyncs cost).
  for (const durable of [true, false]) {
    const newParty = { pad: 'r'.repeat(PARTY_REQUEST_BYTES), durable }
    app.post(durable ? '/sign_request' : '/sign_request_volatile', async c => {
      SignRequest.parse(await c.req.json())
      const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      await Promise.all(signers.map(async s => await requestJson(node, s.peerId, PROTOCOL_PARTY, newParty, PartyAnswer, { signal })))
      return c.json(signature)
    })
  }
  const http = await serveHttp(app, '127.0.0.1', 0)
  process.send?.({ httpUrl: http.url } satisfies CmReady)
  stopOnDisconnect(async () => { await Promise.all([node.stop(), http.close()]) })
}

function stopOnDisconnect (stop: () => Promise<void>): void {
  process.on('disconnect', () => { void stop().finally(() => process.exit(0)) })
}

function spawn (role: Role): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [ROLE_FLAG, role], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

async function ready<T> (child: ChildProcess): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    child.once('message', m => { resolve(m as T) })
    child.once('exit', code => { reject(new Error(`a bench process exited (${code})`)) })
  })
}

interface Measured { latencyMs: ReturnType<typeof summary>, cpuMsPerOp: number, opsPerS: number }

/** Runs `op` `total` times with `concurrency` in flight; CPU is this process's plus the `pids`'. */
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

async function syncedWrites (): Promise<ReturnType<typeof summary>> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-store-'))
  let store: KeyStore | undefined
  try {
    store = await openStore({ path: join(dir, 'db'), passphrase: 'bench', scrypt: { N: 2 ** 10 } })
    const record = new Uint8Array(RECORD_BYTES).fill(7)
    const samples: number[] = []
    for (let i = 0; i < PIECE_EXCHANGES / 4; i++) {
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

async function main (): Promise<void> {
  const cores = cpus().length
  const loadAtStart = loadavg().map(l => round2(l))
  process.stderr.write(`load average at start: ${loadAtStart.join(' ')} on ${cores} cpus\n`)
  // FROST first, before five more processes share the cores.
  const crypto = Object.fromEntries(SCHEMES.map(s => [s, measureCryptoFloor(s, { iterations: CRYPTO_ITERATIONS, warmup: 20, cores, frostOnly: true })]))
  const signerProcs = Array.from({ length: SIGNERS }, () => spawn('signer'))
  const cmProc = spawn('cm')
  const procs = [...signerProcs, cmProc]
  let client: ShardsigLibp2p | undefined
  try {
    const signers = await Promise.all(signerProcs.map(async p => await ready<SignerReady>(p)))
    cmProc.send({ signers } satisfies CmStart)
    const cm = await ready<CmReady>(cmProc)
    const pids = procs.map(p => p.pid!)

    // The pieces alone: this process and signer 1 (channel), this process and the CM (HTTP).
    client = await startNode()
    const libp2p = client
    await handleJson({ libp2p, protocol: PROTOCOL_PARTY, requestSchema: PartyRequest, malformed: () => ({}), timeoutMs: REQUEST_TIMEOUT_MS, log, handle: async () => ({}) })
    const first = signers[0]!
    await libp2p.dial(first.multiaddrs.map(m => multiaddr(m)), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const bare = { pad: 'r'.repeat(PARTY_REQUEST_BYTES), durable: false }
    process.stderr.write('pieces: a channel exchange, a synced write…\n')
    const channel = await measure(PIECE_EXCHANGES, 1, [pids[0]!], async () => {
      await requestJson(libp2p, first.peerId, PROTOCOL_PARTY, bare, PartyAnswer, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    })
    const synced = await syncedWrites()
    await client.stop()
    client = undefined

    const signRequest = { request: 'q'.repeat(HTTP_REQUEST_BYTES) }
    const signAt = (path: string) => async (): Promise<void> => {
      await callJson('POST', `${cm.httpUrl}${path}`, SignAnswer, signRequest, { timeoutMs: REQUEST_TIMEOUT_MS })
    }
    const sign = signAt('/sign_request')
    process.stderr.write('skeleton path without the synced writes, one at a time…\n')
    const volatile = await measure(SKELETON_SEQUENTIAL, 1, pids, signAt('/sign_request_volatile'))
    process.stderr.write('skeleton path, one at a time…\n')
    const sequential = await measure(SKELETON_SEQUENTIAL, 1, pids, sign)
    process.stderr.write(`skeleton path, ${CONCURRENT} in flight…\n`)
    const concurrent = await measure(SKELETON_CONCURRENT, CONCURRENT, pids, sign)

    const schemes = Object.fromEntries(SCHEMES.map(s => {
      const c = crypto[s]!
      const cryptoBoundPerS = 1000 / c.cpuPerSignatureMs * cores
      const floorCpuMs = concurrent.cpuMsPerOp + c.cpuPerSignatureMs
      return [s, {
        cryptoCriticalPathMs: c.criticalPathMs,
        cryptoCpuPerSignatureMs: c.cpuPerSignatureMs,
        p50TargetMs: round2(c.criticalPathMs + P50_SLACK_MS),
        // The skeleton's p50 with the FROST steps added: a floor for the devnet's p50.
        p50FloorMs: round2(sequential.latencyMs.p50 + c.criticalPathMs),
        throughputTargetPerS: Math.round(cryptoBoundPerS * THROUGHPUT_SHARE),
        // The skeleton's CPU per signature at concurrency 32 with the FROST steps added, and what 2 cores allow at that cost.
        cpuFloorPerSignatureMs: round2(floorCpuMs),
        throughputCeilingPerS: Math.round(1000 / floorCpuMs * cores)
      }]
    }))
    const result = {
      at: new Date().toISOString(),
      cores,
      loadAverage: { start: loadAtStart, end: loadavg().map(l => round2(l)) },
      pieces: {
        channelExchange: { requestBytes: PARTY_REQUEST_BYTES, answerBytes: PARTY_ANSWER_BYTES, ...channel },
        syncedWriteMs: synced
      },
      skeleton: { signers: SIGNERS, recordBytes: RECORD_BYTES, sequential, sequentialWithoutSyncedWrites: volatile, concurrent: { inFlight: CONCURRENT, ...concurrent } },
      schemes
    }
    await mkdir('bench/results', { recursive: true })
    await writeFile('bench/results/transport-floor.json', JSON.stringify(result, null, 2) + '\n')
    print(result)
  } finally {
    await client?.stop()
    for (const p of procs) if (p.connected) p.disconnect()
  }
}

function print (r: { pieces: { channelExchange: Measured, syncedWriteMs: { p50: number, p99: number } }, skeleton: { sequential: Measured, sequentialWithoutSyncedWrites: Measured, concurrent: Measured }, schemes: Record<string, Record<string, number>> }): void {
  const line = (s: string): void => { process.stdout.write(s + '\n') }
  const row = (name: string, m: Measured): void => { line(`| ${name} | ${m.latencyMs.p50} | ${m.latencyMs.p99} | ${m.cpuMsPerOp} | ${m.opsPerS} |`) }
  line('| what | p50 ms | p99 ms | CPU ms each (all processes) | per s |')
  line('|---|---|---|---|---|')
  row('channel exchange (1.5 KB → 0.4 KB), one at a time', r.pieces.channelExchange)
  line(`| synced store write (${RECORD_BYTES} B) | ${r.pieces.syncedWriteMs.p50} | ${r.pieces.syncedWriteMs.p99} | | |`)
  row('skeleton signature, one at a time', r.skeleton.sequential)
  row('skeleton signature without the synced writes, one at a time', r.skeleton.sequentialWithoutSyncedWrites)
  row(`skeleton signature, ${CONCURRENT} in flight`, r.skeleton.concurrent)
  line('')
  line('| scheme | p50 target ms | p50 floor ms | throughput target /s | CPU floor ms per signature | throughput ceiling /s |')
  line('|---|---|---|---|---|---|')
  for (const [s, f] of Object.entries(r.schemes)) {
    line(`| ${s} | ${f.p50TargetMs} | ${f.p50FloorMs} | ${f.throughputTargetPerS} | ${f.cpuFloorPerSignatureMs} | ${f.throughputCeilingPerS} |`)
  }
}

const roleAt = process.argv.indexOf(ROLE_FLAG)
const role = roleAt >= 0 ? process.argv[roleAt + 1] : undefined
if (role === 'signer') await runSigner()
else if (role === 'cm') await runCm()
else await main()
