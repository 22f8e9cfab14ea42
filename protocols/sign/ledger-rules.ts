// The signer's ledger transitions (docs/protocols/sign.md#the-ledger), pure:
// given the entry as it stands, what a claim, a contribution, a recover, a release
// or a completion notice makes of it, and whether that write must be synced. The
// shell (node/engine/sign/ledger.ts) and the signer machine run these; neither
// decides anything about the ledger itself.
//
// Why each write is synced or not: a claim (a lease, no share yet) and a completion
// are unsynced — a crash that loses them loses no promise (the nonces died with the
// process; a lost completion leads to the same signature). A contribution is synced
// before the share leaves, and an abandoned-session mark before a recover is
// answered: those keep one request from two signatures (decisions/0011).
import type { Contribution } from '../wire/sign.js'

/** Store key prefix of ledger entries: `signed/<keyId>/<requestId>`. */
export const LEDGER_PREFIX = 'signed/'

export const ledgerKey = (keyId: string, requestId: string): string => `${LEDGER_PREFIX}${keyId}/${requestId}`

/** Abandoned session ids kept per request (a request has a few sessions at most). */
export const MAX_ABANDONED_SESSIONS = 16

export interface LedgerEntry {
  requestId: string
  keyId: string
  /** requestIdentity(): another message under the same key and id is a conflict. */
  requestDigest: string
  coordinator: string
  /** A round-2 share went to `coordinator`: no other coordinator gets one for this request. */
  contributed: boolean
  /** Until then (ms) the claim holds even without a share. */
  leaseUntil: number
  /**
   * The ledger instance (one per node process) that took the lease. A lease
   * from before a restart holds nothing: the nonces of its session died with
   * that process, so this signer can never contribute to it.
   */
  leasedIn?: string
  /**
   * Of the request: the latest of every copy this signer took (a client may sign the same
   * request again with a later expiry). The entry is kept until LEDGER_RETENTION_AFTER_EXPIRY_MS after it.
   */
  expiresAt: number
  /** The message (hex), to check a completion notice's signature before keeping it. */
  message: string
  /** Set when the coordinator reported the finished signature. */
  signature?: string
  /** The session our share went to (the latest one, when the coordinator retried with us). */
  contribution?: Contribution
  /**
   * Sessions a CM asked us for (recover) before we contributed: we never
   * contribute to them, so a session judged unfinishable stays so.
   */
  abandoned?: string[]
}

/** A write the rule asks for: `entry` (undefined: delete the record), synced or not. */
export interface LedgerWrite {
  entry: LedgerEntry | undefined
  sync: boolean
}

export type ClaimResult =
  | { kind: 'claimed', entry: LedgerEntry, first: boolean }
  | { kind: 'completed', signature: string }
  | { kind: 'conflict' }
  /** For good: a share went to `by`, in the session `contribution` describes. */
  | { kind: 'held', by: string, contribution?: Contribution }
  /** For now: `by` holds a lease until `until`. */
  | { kind: 'leased', by: string, until: number }

export type ClaimCandidate = Omit<LedgerEntry, 'contributed' | 'signature' | 'contribution' | 'abandoned' | 'leasedIn'>

/** What a rule decided: its result, and the write it needs (none: the entry stays). */
export interface Ruled<R> {
  result: R
  write?: LedgerWrite
}

/** Why `coordinator` may not claim the request `previous` records, if it may not. */
function refusal (previous: LedgerEntry, coordinator: string, nowMs: number, instance: string): ClaimResult | undefined {
  if (previous.signature !== undefined) return { kind: 'completed', signature: previous.signature }
  if (previous.coordinator === coordinator) return undefined
  if (previous.contributed) return { kind: 'held', by: previous.coordinator, contribution: previous.contribution }
  if (nowMs < previous.leaseUntil && previous.leasedIn === instance) return { kind: 'leased', by: previous.coordinator, until: previous.leaseUntil }
  return undefined
}

/**
 * Claims the request for `candidate.coordinator` (a lease in ledger instance `instance`), or says why not.
 * The claim is unsynced unless it moves the entry's expiry later (retention must not shrink in a crash).
 */
export function claimRule (previous: LedgerEntry | undefined, candidate: ClaimCandidate, nowMs: number, instance: string): Ruled<ClaimResult> {
  if (previous !== undefined) {
    if (previous.requestDigest !== candidate.requestDigest) return { result: { kind: 'conflict' } }
    const refused = refusal(previous, candidate.coordinator, nowMs, instance)
    if (refused !== undefined) {
      // A copy of the request with a later expiry (the owner signed it again) keeps the entry longer, synced (retention).
      return candidate.expiresAt > previous.expiresAt
        ? { result: refused, write: { entry: { ...previous, expiresAt: candidate.expiresAt }, sync: true } }
        : { result: refused }
    }
  }
  const entry: LedgerEntry = {
    ...candidate,
    expiresAt: Math.max(candidate.expiresAt, previous?.expiresAt ?? 0),
    leasedIn: instance,
    // Same coordinator again (a retry): keep what it already got from us.
    contributed: previous?.coordinator === candidate.coordinator ? previous.contributed : false,
    contribution: previous?.coordinator === candidate.coordinator ? previous.contribution : undefined,
    abandoned: previous?.abandoned
  }
  const extended = previous !== undefined && entry.expiresAt > previous.expiresAt
  return { result: { kind: 'claimed', entry, first: previous === undefined || previous.coordinator === '' }, write: { entry, sync: extended } }
}

/**
 * Records the share about to leave (synced, before it leaves). 'lost' when the claim was lost
 * meanwhile (another CM took the request over), 'abandoned' when a recover declared the session
 * unfinishable first: in both cases no share may leave.
 */
export function contributionRule (current: LedgerEntry | undefined, claimed: LedgerEntry, contribution: Contribution): Ruled<'recorded' | 'lost' | 'abandoned'> {
  if (current === undefined || current.coordinator !== claimed.coordinator || current.requestDigest !== claimed.requestDigest) return { result: 'lost' }
  if (current.abandoned?.includes(contribution.sessionId) === true) return { result: 'abandoned' }
  return { result: 'recorded', write: { entry: { ...current, contributed: true, contribution }, sync: true } }
}

export type RecoverResult =
  | { kind: 'contributed', contribution: Contribution }
  | { kind: 'completed', signature: string }
  | { kind: 'conflict' }
  | { kind: 'abandoned' }

/**
 * A CM's recover of `sessionId`: our contribution to it if we sent one; otherwise the session is
 * marked abandoned (synced) and we never contribute to it, so the CM's judgement "incomplete"
 * cannot be overtaken by a share of ours still on its way.
 */
export function recoverRule (
  current: LedgerEntry | undefined, template: Pick<LedgerEntry, 'requestId' | 'keyId' | 'requestDigest' | 'expiresAt' | 'message'>, sessionId: string
): Ruled<RecoverResult> {
  if (current !== undefined && current.requestDigest !== template.requestDigest) return { result: { kind: 'conflict' } }
  if (current?.signature !== undefined) return { result: { kind: 'completed', signature: current.signature } }
  if (current?.contribution?.sessionId === sessionId) return { result: { kind: 'contributed', contribution: current.contribution } }
  // No claim yet: an empty one (no coordinator, lease over) that any CM may take, carrying the mark.
  const base: LedgerEntry = current ?? { ...template, coordinator: '', leaseUntil: 0, contributed: false }
  const abandoned = [...new Set([...(base.abandoned ?? []), sessionId])].slice(-MAX_ABANDONED_SESSIONS)
  return { result: { kind: 'abandoned' }, write: { entry: { ...base, abandoned, expiresAt: Math.max(base.expiresAt, template.expiresAt) }, sync: true } }
}

/**
 * Frees the request from the coordinator our share went to when `isDead` says that session can
 * never finish; synced, with the session marked abandoned so we never take it up again.
 */
export function releaseDeadRule (current: LedgerEntry | undefined, isDead: (contribution: Contribution) => boolean): Ruled<'released' | 'kept'> {
  if (current === undefined || current.signature !== undefined || !current.contributed || current.contribution === undefined || !isDead(current.contribution)) return { result: 'kept' }
  const abandoned = [...new Set([...(current.abandoned ?? []), current.contribution.sessionId])].slice(-MAX_ABANDONED_SESSIONS)
  return { result: 'released', write: { entry: { ...current, coordinator: '', leaseUntil: 0, contributed: false, contribution: undefined, abandoned }, sync: true } }
}

/** Undoes a first claim that led nowhere (e.g. the key's rate limit was reached); abandoned-session marks outlive it. */
export function releaseRule (current: LedgerEntry | undefined, claimed: LedgerEntry): Ruled<undefined> {
  if (current === undefined || current.contributed || current.coordinator !== claimed.coordinator) return { result: undefined }
  return current.abandoned !== undefined
    ? { result: undefined, write: { entry: { ...current, coordinator: '', leaseUntil: 0 }, sync: true } }
    : { result: undefined, write: { entry: undefined, sync: false } }
}

/** Keeps the finished signature the coordinator reported (checked by the caller); unsynced. */
export function completionRule (current: LedgerEntry | undefined, signature: string): Ruled<undefined> {
  if (current === undefined || current.signature !== undefined) return { result: undefined }
  return { result: undefined, write: { entry: { ...current, signature }, sync: false } }
}
