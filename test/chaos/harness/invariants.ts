// The chaos invariants (issue #6), checked against what the client saw and
// against every node's API: no invalid signature, no request undecided past
// its deadline, every failure with a reason, no request id completed twice
// with different signatures, and every key that got its receipts still signs.
import { hexToBytes } from '@noble/hashes/utils.js'
import type { KeyFile } from '../../../cli/key-file.js'
import type { Devnet } from '../../../devnet/api.js'
import { SignResultSchema } from '../../../protocols/wire/sign.js'
import { verifiesIndependently } from '../../helpers/verify.js'
import { DECISION_SLACK_MS, type ChaosClient, type SignOutcome } from './client.js'

export interface Violations {
  invalidSignatures: string[]
  undecided: string[]
  failuresWithoutReason: string[]
  doubleUse: string[]
  keysThatDoNotSign: string[]
}

export function emptyViolations (): Violations {
  return { invalidSignatures: [], undecided: [], failuresWithoutReason: [], doubleUse: [], keysThatDoNotSign: [] }
}

export function violationCount (v: Violations): number {
  return Object.values(v).reduce((n, list: string[]) => n + list.length, 0)
}

/** What the client saw: every completed signature verifies independently, every request was decided in time. */
export function checkOutcomes (outcomes: readonly SignOutcome[], keys: ReadonlyMap<string, KeyFile>, into: Violations = emptyViolations()): Violations {
  const seen = new Map<string, string>()
  for (const o of outcomes) {
    const id = `${o.keyId}/${o.requestId}`
    if (o.status === 'invalid-signature') into.invalidSignatures.push(`${id}: ${o.reason ?? ''}`)
    if (o.status === 'completed') {
      const key = keys.get(o.keyId)
      if (key === undefined || o.signature === undefined || !verifiesIndependently(key, hexToBytes(o.message), o.signature)) {
        into.invalidSignatures.push(`${id}: completed with a signature that does not verify`)
      }
      const before = seen.get(id)
      if (before !== undefined && before !== o.signature) into.doubleUse.push(`${id}: completed twice with different signatures`)
      seen.set(id, o.signature ?? '')
    }
    if (o.status === 'pending' || o.startedAt + o.latencyMs > o.deadline + DECISION_SLACK_MS) {
      into.undecided.push(`${id}: ${o.status} after ${o.latencyMs} ms (deadline ${o.deadline - o.startedAt} ms)`)
    }
    if ((o.status === 'failed' || o.status === 'client-error') && (o.reason === undefined || o.reason === '')) into.failuresWithoutReason.push(id)
  }
  return into
}

/**
 * Asks every running node for every completed request: a manager that
 * coordinated it must report the same signature (the others answer 404).
 */
export async function checkManagersAgree (devnet: Devnet, outcomes: readonly SignOutcome[], into: Violations = emptyViolations()): Promise<Violations> {
  const completed = outcomes.filter(o => o.status === 'completed')
  for (const index of devnet.running()) {
    const http = devnet.node(index).http
    for (const o of completed) {
      const res = await fetch(`${http}/sign_request/${o.requestId}?keyId=${o.keyId}`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
      if (res === undefined || res.status !== 200) continue
      const parsed = SignResultSchema.safeParse(await res.json())
      if (parsed.success && parsed.data.status === 'completed' && parsed.data.signature !== o.signature) {
        into.doubleUse.push(`${o.keyId}/${o.requestId}: node ${index} reports another signature than the client got`)
      }
    }
  }
  return into
}

/** Every key signs now (after the faults): the proof that no key was lost. */
export async function checkEveryKeySigns (client: ChaosClient, keys: readonly KeyFile[], into: Violations = emptyViolations()): Promise<SignOutcome[]> {
  const outcomes: SignOutcome[] = []
  for (const key of keys) {
    const o = await client.sign(key)
    outcomes.push(o)
    if (o.status !== 'completed') into.keysThatDoNotSign.push(`${key.keyId} (${key.scheme}): ${o.status}: ${o.reason ?? ''}`)
  }
  checkOutcomes(outcomes, new Map(keys.map(k => [k.keyId, k])), into)
  return outcomes
}
