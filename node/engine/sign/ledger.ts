// A signer's memory of the requests it contributed to, in the store (so it
// survives restarts): which coordinator it gave a round-2 share for a request,
// and the final signature once the coordinator reported completion. This is
// what keeps one request from completing twice with different signatures:
// any two valid parties share a signer (docs/protocols/sign.md), and that
// signer contributes to one coordinator only.
import type { KeyStore } from '../../store/index.js'

export const LEDGER_PREFIX = 'signed/'

export interface LedgerEntry {
  requestId: string
  keyId: string
  /** requestIdentity(): another key or message under the same id is a conflict. */
  requestDigest: string
  coordinator: string
  expiresAt: number
  /** The message (hex), to check a completion notice's signature before keeping it. */
  message: string
  /** Set when the coordinator reported the finished signature. */
  signature?: string
}

export class SignLedger {
  constructor (private readonly store: KeyStore) {}

  async get (requestId: string): Promise<LedgerEntry | undefined> {
    return await this.store.getJson<LedgerEntry>(LEDGER_PREFIX + requestId)
  }

  /** Written (synced) before the round-2 share leaves this node. */
  async recordContribution (entry: LedgerEntry): Promise<void> {
    await this.store.putJson(LEDGER_PREFIX + entry.requestId, entry, { sync: true })
  }

  async recordCompletion (requestId: string, signature: string): Promise<void> {
    const entry = await this.get(requestId)
    if (entry === undefined || entry.signature !== undefined) return
    await this.store.putJson(LEDGER_PREFIX + requestId, { ...entry, signature }, { sync: true })
  }
}
