// The floor under a DKLs23 signer (bench/ecdsa.ts): the group operations its calls make,
// counted through a counting wrapper of the backend and each timed bare on the same backend,
// and the OT-extension work, one extension at the width signing uses (MUL_OT_WIDTH = 4) timed
// alone. No scalar arithmetic, no commitments, no multiplication checks, no encoding.
import type { Element, GroupBackend } from '../protocols/frost/group/types.js'
import { MUL_OT_WIDTH } from '../protocols/ecdsa/multiplication.js'
import { oteReceiverExtend, oteReceiverOutputs, oteSenderTransfer, SENDER_NONCE_BYTES } from '../protocols/ecdsa/ot-extension.js'
import { BATCH_SIZE_BYTES, BATCH_SIZE_OTS } from '../protocols/ecdsa/ot-params.js'
import { encodeScalar, randomScalar } from '../protocols/ecdsa/scalar.js'
import type { PairKeys } from '../protocols/ecdsa/sign.js'
import { median } from './stats.js'
import { random } from './ecdsa-run.js'

/** Calls per group operation; a sum is counted by its number of points (`sum/4`). */
export type OpCounts = Record<string, number>

/**
 * `group` with every call tallied under the member `who()` names at the time (the backends are
 * frozen objects of functions, so a copy with wrapped functions rather than a Proxy). Calls the
 * backend makes on itself go to its own functions and are not seen: only what the protocol asks for.
 */
export function countingGroup (group: GroupBackend, who: () => string | undefined, into: Map<string, OpCounts>): GroupBackend {
  const counted: Record<string, unknown> = {}
  for (const [prop, value] of Object.entries(group)) {
    if (typeof value !== 'function') {
      counted[prop] = value
      continue
    }
    counted[prop] = (...args: unknown[]) => {
      const member = who()
      if (member !== undefined) {
        const op = prop === 'sum' ? `sum/${(args[0] as unknown[]).length}` : prop
        const counts = into.get(member) ?? {}
        counts[op] = (counts[op] ?? 0) + 1
        into.set(member, counts)
      }
      return (value as (...a: unknown[]) => unknown)(...args)
    }
  }
  return counted as unknown as GroupBackend
}

function cpuMs (f: () => void): number {
  const start = process.cpuUsage()
  f()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

/** ms per call of each operation in `ops`, bare on `group`: the median of `batches` batches of `perBatch` calls. */
export function timeGroupOps (group: GroupBackend, ops: readonly string[], perBatch: number, batches: number): Record<string, number> {
  const scalars = Array.from({ length: perBatch }, () => encodeScalar(randomScalar(random)))
  const bigints = Array.from({ length: perBatch }, () => randomScalar(random))
  const points = scalars.map(k => group.mulBase(k))
  const encoded = points.map(p => group.encode(p).slice())
  const out: Record<string, number> = {}
  for (const op of ops) {
    const [name, size] = op.split('/') as [string, string | undefined]
    const call: (i: number) => unknown = (() => {
      switch (name) {
        case 'mulBase': return (i: number) => group.mulBase(scalars[i]!)
        case 'mul': return (i: number) => group.mul(points[i]!, bigints[i]!)
        case 'addBase': return (i: number) => group.addBase(points[i]!, bigints[i]!)
        case 'sum': {
          const n = Number(size)
          return (i: number) => group.sum(Array.from({ length: n }, (_, k) => points[(i + k) % perBatch]!) as Element[])
        }
        case 'decode': return (i: number) => group.decode(encoded[i]!)
        case 'encode': return (i: number) => group.encode(group.decode(encoded[i]!))
        case 'negate': return (i: number) => group.negate(points[i]!)
        case 'equals': return (i: number) => group.equals(points[i]!, points[(i + 1) % perBatch]!)
        default: throw new Error(`no timing for group operation ${op}`)
      }
    })()
    const samples: number[] = []
    for (let b = 0; b < batches + 1; b++) {
      const ms = cpuMs(() => { for (let i = 0; i < perBatch; i++) call(i) })
      if (b > 0) samples.push(ms / perBatch)
    }
    out[op] = median(samples)
  }
  // `encode` was timed with a decode in front (a fresh element each time, as the protocol encodes fresh ones).
  if (out.encode !== undefined && out.decode !== undefined) out.encode = Math.max(0, out.encode - out.decode)
  return out
}

/** Σ count × ms per call. */
export function groupFloorMs (counts: OpCounts, perCall: Record<string, number>): number {
  return Object.entries(counts).reduce((sum, [op, n]) => sum + n * perCall[op]!, 0)
}

/**
 * CPU ms of one whole OT extension at width MUL_OT_WIDTH between `alice` (sender) and `bob` (receiver,
 * the counterparty's view of the same direction): oteReceiverExtend + oteSenderTransfer +
 * oteReceiverOutputs, the median of `iterations`. Each extension under a fresh sid and sender nonce, as signing does.
 */
export function timeOtExtension (alice: PairKeys, bob: PairKeys, iterations: number): number {
  const samples: number[] = []
  for (let i = 0; i < iterations + 1; i++) {
    const sid = random(32)
    const choices = random(BATCH_SIZE_BYTES)
    const nonce = random(SENDER_NONCE_BYTES)
    const correlations = Array.from({ length: MUL_OT_WIDTH }, () => new Array<bigint>(BATCH_SIZE_OTS).fill(randomScalar(random)))
    const ms = cpuMs(() => {
      const { keep, message } = oteReceiverExtend(bob.bob.ote, sid, choices, random)
      const { tau } = oteSenderTransfer(alice.alice.ote, sid, MUL_OT_WIDTH, correlations, message, nonce)
      oteReceiverOutputs(keep, sid, MUL_OT_WIDTH, tau, nonce)
    })
    if (i > 0) samples.push(ms)
  }
  return median(samples)
}
