// The client side of the sign benchmark (bench/sign.ts): one sign() end to end as a sample, the
// warm-up, failures by reason, and the nodes' CPU (from /proc) per completed signature.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { newRequestId, sign } from '../cli/client/sign.js'
import type { ManagerDirectory } from '../cli/client/managers.js'
import type { SigningContext } from '../cli/client/signing-context.js'
import type { KeyFile } from '../cli/key-file.js'
import type { Devnet } from '../devnet/api.js'
import { normalise } from './sign-logs.js'
import { processCpuMs, round1 } from './stats.js'

/** Every scheme signs 32 bytes: a message for FROST, the digest itself for ECDSA (random ones are fine here). */
export const MESSAGE_BYTES = 32
/**
 * Signatures that must complete before measuring: the key reaches every node's registry, connections
 * and JIT warm up, and the managers fill their stock of the key's presignatures (each party's first
 * sessions at a manager exchange round-1 commitments; docs/protocols/sign.md#presignatures).
 */
export const WARMUP_SIGNATURES = 20
const WARMUP_TIMEOUT_MS = 60_000
export const RETRY_PAUSE_MS = 500
/** How long the idle devnet's CPU use (heartbeats, gossip) is sampled, to be taken out of the per-signature figures. */
const IDLE_SAMPLE_MS = 5_000
/** Quiet time before sampling: start-up work (registry sync, first dials) or the last requests' completion notices. */
const IDLE_SETTLE_MS = 3_000

export type Phase = 'warmup' | 'sequential' | 'concurrent'

/**
 * monotonicUs: the phase's start and end on CLOCK_MONOTONIC, the clock V8 stamps .cpuprofile samples with,
 * so that bench/profile-summary.ts can keep a node profile's samples of one phase (--window).
 */
export interface PhaseCost { wallMs: number, nodeCpuMs: number, clientCpuMs: number, monotonicUs: [number, number] }

export interface Sample {
  requestId: string
  phase: Phase
  /** Wall clock (Date.now) when the client call began: node logs use the same clock. */
  startedAt: number
  latencyMs: number
  ok: boolean
  /** Why it did not complete, normalised so that equal causes count together. */
  failure?: string
  attempts?: number
  failovers: number
}

/** One `sign()` end to end, never throwing: a thrown error or a failed result becomes a failure reason. */
export async function signOnce (managers: ManagerDirectory, context: SigningContext, key: KeyFile, phase: Phase): Promise<Sample> {
  const requestId = newRequestId()
  let failovers = 0
  const startedAt = Date.now()
  const t = performance.now()
  try {
    const result = await sign({ node: managers.node, managers, context, key, message: new Uint8Array(randomBytes(MESSAGE_BYTES)), requestId, onFailover: () => { failovers++ } })
    const latencyMs = performance.now() - t
    const ok = result.status === 'completed'
    return {
      requestId, phase, startedAt, latencyMs, ok, attempts: result.attempts, failovers,
      // sign() polls a pending request until it expires, then hands back the pending result.
      ...(ok ? {} : { failure: result.status === 'pending' ? 'still pending when the request expired' : `${result.status}: ${normalise(result.reason ?? '(no reason)')}` })
    }
  } catch (err) {
    return { requestId, phase, startedAt, latencyMs: performance.now() - t, ok: false, failovers, failure: `${(err as Error).name}: ${normalise((err as Error).message)}` }
  }
}

/** Signs until `count` complete (default WARMUP_SIGNATURES): the first may fail while the new key spreads through the registry. */
export async function warmUp (managers: ManagerDirectory, context: SigningContext, key: KeyFile, list: Sample[], count = WARMUP_SIGNATURES): Promise<void> {
  const deadline = performance.now() + WARMUP_TIMEOUT_MS
  let completed = 0
  while (completed < count) {
    if (performance.now() > deadline) throw new Error(`${key.scheme}: only ${completed} of ${count} warm-up signatures in ${WARMUP_TIMEOUT_MS} ms: ${list.at(-1)?.failure ?? ''}`)
    const s = await signOnce(managers, context, key, 'warmup')
    list.push(s)
    if (s.ok) completed++
    else await sleep(RETRY_PAUSE_MS)
  }
}

export function failuresByReason (samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of samples) if (!s.ok) out[s.failure ?? '?'] = (out[s.failure ?? '?'] ?? 0) + 1
  return out
}

/**
 * CPU of all nine node processes and of this client process per completed signature; the nodes'
 * also net of what the idle devnet burns in the same time. Work spent on failed requests counts
 * against the completed ones.
 */
export function cpuPerSignature (cost: PhaseCost, signatures: number, idleNodeCpuMsPerS: number): { nodeCpuMsPerSignature: number | null, nodeCpuMsPerSignatureNetOfIdle: number | null, clientCpuMsPerSignature: number | null } {
  const per = (ms: number): number | null => signatures > 0 ? round1(ms / signatures) : null
  return {
    nodeCpuMsPerSignature: per(cost.nodeCpuMs),
    nodeCpuMsPerSignatureNetOfIdle: per(cost.nodeCpuMs - idleNodeCpuMsPerS * cost.wallMs / 1000),
    clientCpuMsPerSignature: per(cost.clientCpuMs)
  }
}

/** CPU ms per second that all nodes use with no request in flight. */
export async function idleNodesCpuMsPerS (devnet: Devnet): Promise<number> {
  await sleep(IDLE_SETTLE_MS)
  const before = nodesCpuMs(devnet)
  const t = performance.now()
  await sleep(IDLE_SAMPLE_MS)
  return (nodesCpuMs(devnet) - before) / ((performance.now() - t) / 1000)
}

/** utime + stime of every running node process, in ms. */
export function nodesCpuMs (devnet: Devnet): number {
  let total = 0
  for (const n of devnet.nodes()) {
    if (n.pid === undefined) continue
    try {
      total += processCpuMs(n.pid)
    } catch {
      // A node that exited counts nothing; the log warnings will say why.
    }
  }
  return total
}
