// The client's new_user (DESIGN 5): find the committee leaders, deal the key,
// send each committee its bundle (falling back to the backup when the leader
// fails), and check every receipt before reporting success.
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { dealNewUser, type DealtNewUser } from '../../protocols/new-user/deal-bundles.js'
import { checkReceipt, recordDigest } from '../../protocols/new-user/registry-entry.js'
import type { SecretScalar } from '../../protocols/sharing/index.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { DEFAULT_POLICY, type KeyRecord, type Policy, type KeyScheme } from '../../protocols/wire/key-record.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import type { AnyNewUserBundle, NewUserResponse } from '../../protocols/wire/new-user.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { callRoute, CLIENT_REQUEST_TIMEOUT_MS, ProblemError } from './http.js'

/** Rounds of asking who leads a committee again when its leader and backup both failed. */
const COMMITTEE_RETRY_ROUNDS = 3
const COMMITTEE_RETRY_PAUSE_MS = 1_500
/**
 * A committee leader answers once its members confirmed (a few hundred ms; the game waits at most 6 s).
 * One silent this long is likely paused or cut off: say so, rather than print nothing until the deadline.
 */
export const SLOW_LEADER_NOTICE_MS = 2_000

export interface NewUserOptions {
  node: string
  /**
   * The genesis digest the user trusts (out of band, e.g. from the operator). Without it the
   * client trusts the node it asks for the membership; every honest node still refuses a key
   * dealt against another membership, so a lying node gets no receipts, but a node that fakes
   * the entire network can only be caught with this pin.
   */
  genesisDigest?: string
  scheme: KeyScheme
  ownerSecretKey: Uint8Array
  policy?: Partial<Policy>
  /** Runs after dealing (or DKG), before any bundle is sent (e.g. to save the owner key). */
  beforeSend?: (prepared: PreparedKey) => Promise<void>
  /** Called for each committee as it finishes, for progress output. */
  onCommittee?: (result: CommitteeOutcome) => void
  /** Progress lines while a committee is slow: a leader that does not answer, the switch to its backup, asking who leads again. */
  onProgress?: (line: string) => void
  signal?: AbortSignal
}

export interface CommitteeOutcome {
  committee: number
  via: string | null
  response: NewUserResponse | null
  error: string | null
  /** DKG: dealers whose sub-shares members refused (bad-dealer-share), to exclude in another attempt. */
  blamedDealers?: string[]
}

/** A key ready to send: its owner-signed record and one bundle per committee (client-dealt or DKG). */
export interface PreparedKey {
  record: KeyRecord
  bundles: AnyNewUserBundle[]
  /** Client-dealt keys only: the key itself, for --export-secret. DKG keys exist nowhere whole. */
  secret?: SecretScalar
}

export interface NewUserResult {
  record: KeyRecord
  committees: CommitteeOutcome[]
  /** Committees whose receipts reached tm: the key can sign when at least tc did. */
  confirmedCommittees: number
  usable: boolean
  secret?: SecretScalar
}

export class NewUserFailedError extends Error {
  constructor (readonly result: NewUserResult) {
    super(`key ${result.record.keyId} reached only ${result.confirmedCommittees} committees, ${result.record.params.tc} needed: ` +
      result.committees.filter(c => c.error !== null).map(c => `committee ${c.committee}: ${c.error}`).join('; '))
    this.name = 'NewUserFailedError'
  }
}

export class GenesisMismatchError extends Error {
  constructor (readonly expected: string, readonly got: string, node: string) {
    super(`${node} serves genesis ${got}, not the pinned ${expected}: refusing to deal a key to it`)
    this.name = 'GenesisMismatchError'
  }
}

/**
 * Deals a key against the network `node` serves, without sending anything. The
 * membership (peer ids, encryption keys) is derived here from the whole genesis,
 * whose digest goes into the record, so every honest node can check what we
 * were told.
 */
export async function dealThrough (opts: Pick<NewUserOptions, 'node' | 'scheme' | 'ownerSecretKey' | 'policy' | 'signal' | 'genesisDigest'>): Promise<DealtNewUser> {
  const base = opts.node.replace(/\/$/, '')
  const genesis = await callRoute(base, HTTP_API.genesis, {}, { signal: opts.signal })
  const membership = membershipOf(genesis)
  if (opts.genesisDigest !== undefined && opts.genesisDigest !== membership.genesisDigest) {
    throw new GenesisMismatchError(opts.genesisDigest, membership.genesisDigest, base)
  }
  return await dealNewUser({
    scheme: opts.scheme,
    membership,
    ownerSecretKey: opts.ownerSecretKey,
    policy: { ...DEFAULT_POLICY, ...opts.policy },
    nowMs: Date.now(),
    randomBytes: n => new Uint8Array(nodeRandomBytes(n))
  })
}

export async function newUser (opts: NewUserOptions): Promise<NewUserResult> {
  const dealt = await dealThrough(opts)
  await opts.beforeSend?.(dealt)
  return await sendBundles(dealt, opts)
}

/** Sends each committee its bundle through its leader or backup, and checks every receipt. Throws NewUserFailedError below tc committees. */
export async function sendBundles (prepared: PreparedKey, opts: Pick<NewUserOptions, 'node' | 'signal' | 'onCommittee' | 'onProgress'>): Promise<NewUserResult> {
  const base = opts.node.replace(/\/$/, '')
  const whoCl = await callRoute(base, HTTP_API.whoCl, {}, { signal: opts.signal })
  const digest = recordDigest(prepared.record)

  const committees = await Promise.all(prepared.bundles.map(async (bundle): Promise<CommitteeOutcome> => {
    let roles = whoCl.committees.find(c => c.committee === bundle.committee)
    let outcome = await sendToCommittee(bundle, [roles?.leader, roles?.backup].filter(e => e != null).map(e => e.http), digest, prepared.record, opts)
    // Leader and backup both gone or not (yet) in charge (421): the roles move within a liveness
    // window; ask again who leads and resend (members take the same bundle twice without harm).
    for (let round = 0; round < COMMITTEE_RETRY_ROUNDS && outcome.response === null && outcome.retryable; round++) {
      opts.onProgress?.(`  committee ${bundle.committee}: no leader took the bundle (${outcome.error ?? ''}); asking who leads it again (${round + 1} of ${COMMITTEE_RETRY_ROUNDS})`)
      await sleep(COMMITTEE_RETRY_PAUSE_MS, undefined, { signal: opts.signal })
      roles = (await callRoute(base, HTTP_API.whoCl, {}, { signal: opts.signal }).catch(() => whoCl)).committees.find(c => c.committee === bundle.committee)
      const again = await sendToCommittee(bundle, [roles?.leader, roles?.backup].filter(e => e != null).map(e => e.http), digest, prepared.record, opts)
      outcome = { ...again, error: again.error === null ? null : `${outcome.error ?? ''}; then ${again.error}` }
    }
    const { retryable: _r, ...reported } = outcome
    opts.onCommittee?.(reported)
    return reported
  }))
  const { record } = prepared
  const confirmedCommittees = committees.filter(c => c.response !== null && c.response.receipts.length >= record.params.tm).length
  const result: NewUserResult = { record, committees, confirmedCommittees, usable: confirmedCommittees >= record.params.tc, secret: prepared.secret }
  if (!result.usable) throw new NewUserFailedError(result)
  return result
}

/** Dealers the members named in their refusals (DKG bundles only). */
function blamedDealersOf (failures: NewUserResponse['failures'] | undefined): string[] {
  return [...new Set((failures ?? []).flatMap(f => f.dealer === undefined ? [] : [f.dealer]))]
}

async function sendToCommittee (
  bundle: AnyNewUserBundle, candidates: string[], digest: string, record: KeyRecord, opts: Pick<NewUserOptions, 'signal' | 'onProgress'>
): Promise<CommitteeOutcome & { retryable: boolean }> {
  const { signal } = opts
  const errors: string[] = []
  if (candidates.length === 0) errors.push('no live committee leader')
  for (const [i, http] of candidates.entries()) {
    if (i > 0) opts.onProgress?.(`  committee ${bundle.committee}: ${candidates[i - 1]} failed (${errors.at(-1) ?? ''}); trying ${http}`)
    const next = candidates[i + 1]
    const slow = setTimeout(() => {
      opts.onProgress?.(`  committee ${bundle.committee}: no answer from ${http} after ${SLOW_LEADER_NOTICE_MS / 1000} s; waiting up to ${CLIENT_REQUEST_TIMEOUT_MS / 1000} s${next !== undefined ? `, then trying ${next}` : ''}`)
    }, SLOW_LEADER_NOTICE_MS)
    try {
      const response = await callRoute(http, HTTP_API.newUser, { body: bundle }, { signal }).finally(() => { clearTimeout(slow) })
      // Trust no node: every receipt must be signed by the member it names, for this record and
      // this committee, one per member — a CL cannot make a committee look confirmed.
      const members = new Set<number>()
      for (const r of response.receipts) {
        checkReceipt(record, digest, r)
        if (r.committee !== bundle.committee || members.has(r.member)) throw new Error(`${http} returned a receipt for committee ${r.committee} member ${r.member} twice or for the wrong committee`)
        members.add(r.member)
      }
      return { committee: bundle.committee, via: http, response, error: null, retryable: false, blamedDealers: blamedDealersOf(response.failures) }
    } catch (err) {
      // A 4xx other than 421 is about the bundle itself: the backup would say the same.
      errors.push((err as Error).message)
      const blamedDealers = err instanceof ProblemError ? blamedDealersOf((err.problem as { result?: NewUserResponse } | undefined)?.result?.failures) : []
      if (blamedDealers.length > 0) return { committee: bundle.committee, via: null, response: null, error: errors.join('; '), retryable: false, blamedDealers }
      if (err instanceof ProblemError && err.status >= 400 && err.status < 500 && err.status !== 421) {
        return { committee: bundle.committee, via: null, response: null, error: errors.join('; '), retryable: false }
      }
    }
  }
  return { committee: bundle.committee, via: null, response: null, error: errors.join('; '), retryable: true }
}
