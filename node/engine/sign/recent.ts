// The last sign requests a CM finished, newest first, for the status page
// (GET /status). Memory only and bounded: the store keeps every result.
import { RECENT_SIGN_REQUESTS_COUNT } from '../../../protocols/constants.js'
import type { SignResult } from '../../../protocols/wire/sign.js'
import type { RecentSignRequest } from '../../../protocols/wire/status.js'

/** A failure reason can list every blamed signer; the page needs the gist. */
const MAX_REASON_CHARS = 300

export class RecentSignRequests {
  private entries: RecentSignRequest[] = []

  constructor (private readonly capacity = RECENT_SIGN_REQUESTS_COUNT) {}

  /** `result` must be finished (completed or failed); a pending one is ignored. */
  add (result: SignResult, startedAt: number, finishedAt: number): void {
    if (result.status === 'pending') return
    const entry: RecentSignRequest = {
      requestId: result.requestId,
      keyId: result.keyId,
      scheme: result.scheme,
      status: result.status,
      attempts: result.attempts,
      latencyMs: Math.max(0, Math.round(finishedAt - startedAt)),
      finishedAt: Math.round(finishedAt),
      signers: result.status === 'completed' ? (result.signers ?? []).map(s => ({ ...s })) : [],
      ...(result.reason !== undefined ? { reason: shorten(result.reason) } : {})
    }
    this.entries = [entry, ...this.entries.slice(0, this.capacity - 1)]
  }

  list (): RecentSignRequest[] {
    return [...this.entries]
  }
}

function shorten (text: string): string {
  return text.length <= MAX_REASON_CHARS ? text : `${text.slice(0, MAX_REASON_CHARS - 1)}…`
}
