// A client that signs without pause while the network changes (update_node_set
// scenarios): every request must complete, whichever node it enters through.
import { keccak_256 } from '@noble/hashes/sha3.js'
import { newRequestId, sign } from '../../cli/client/sign.js'
import { keyFileOf } from '../../cli/key-file.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import { verifiesIndependently } from './verify.js'

export interface SignLoopResult { completed: number, failed: string[], invalid: number, slowestMs: number }

/** How long one request is tried (through one entry node after another) before it counts as failed. */
const REQUEST_GIVE_UP_MS = 60_000
const ENTRY_RETRY_PAUSE_MS = 300

/**
 * Signs one request after another with the keys in turn (read on every request:
 * keys may be added meanwhile), through the HTTP URL of a node that stays (any
 * one that is up: nodes restart when they activate), until `stop`. A request
 * whose entry node is unreachable is sent again, with the same id, to another
 * node until it expires.
 */
export async function signContinuously (
  stop: AbortSignal, keys: ReadonlyArray<{ record: KeyRecord, owner: Uint8Array }>, entries: () => string[],
  /** Filled as the client goes, for a test that waits on its progress; the same object is returned. */
  result: SignLoopResult = { completed: 0, failed: [], invalid: 0, slowestMs: 0 }
): Promise<SignLoopResult> {
  for (let i = 0; !stop.aborted; i++) {
    const { record, owner } = keys[i % keys.length]!
    const text = new TextEncoder().encode(`through the update ${i}`)
    // An ecdsa-secp256k1 key signs a 32-byte digest (the client hashes: keccak-256, as `shardsig sign --keccak`).
    const message = record.scheme === 'ecdsa-secp256k1' ? keccak_256(text) : text
    const requestId = newRequestId()
    const until = Date.now() + REQUEST_GIVE_UP_MS
    let outcome: string | undefined
    while (outcome === undefined) {
      const urls = entries()
      const entry = urls[i % Math.max(1, urls.length)]
      try {
        if (entry === undefined) throw new Error('no node up')
        const t0 = Date.now()
        const signed = await sign({ node: entry, key: keyFileOf(record, entry, owner), message, requestId })
        result.slowestMs = Math.max(result.slowestMs, Date.now() - t0)
        if (signed.status === 'completed') {
          result.completed++
          if (!verifiesIndependently(record, message, signed.signature!)) result.invalid++
          outcome = 'completed'
        } else {
          outcome = `${requestId}: ${signed.status} ${signed.reason ?? ''}`
        }
      } catch (err) {
        if (Date.now() > until) outcome = `${requestId}: ${(err as Error).message}`
        else await new Promise(resolve => setTimeout(resolve, ENTRY_RETRY_PAUSE_MS))
      }
    }
    if (outcome !== 'completed') result.failed.push(outcome)
  }
  return result
}
