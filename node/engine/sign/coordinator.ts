// A communication manager's part of the sign flow (DESIGN 5, sign steps 2–6):
// accept an owner-signed request (intake: owner signature, rate, bounds, the
// same request twice) and run it through its coordinator machine
// (request-run.ts), which picks parties, runs sessions, blames and replaces
// silent or lying signers until one party signs, the request's deadline
// passes or no valid party is left. Results are kept in the store
// (result-store.ts) for a day after their request expired, and the recent ones
// in memory (docs/protocols/sign.md#retention).
import {
  MAX_CACHED_SIGN_RESULTS, MAX_CONCURRENT_SESSIONS_PER_CM, MAX_PRESIGN_STOCK_KEYS, PROTOCOL_PARTY, SIGN_DRAIN_TIMEOUT_MS, SIGN_RESULT_CACHE_MS, SIGN_STATE_PRUNE_INTERVAL_MS
} from '../../../protocols/constants.js'
import { Semaphore } from './semaphore.js'
import { KeyedLock } from '../keyed-lock.js'
import { verifyBody } from '../../../protocols/crypto/owner-auth.js'
import { checkSignRequest, requestIdentity, SignRejection } from '../../../protocols/sign/check-request.js'
import { PartyAnswerSchema, SIGN_REQUEST_KIND, type PartyAnswer, type NewParty, type PartyMember, type Presign, type Recover, type SignRequest, type SignResult } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { QuotaMetrics, RetentionMetrics, SignMetrics } from '../../metrics/index.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { notifyJson, requestJson } from '../../p2p/direct.js'
import type { KeyStore } from '../../store/index.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import { RequestRun } from './request-run.js'
import { NotManagerError, RequestSentOnError, type SentOnReason } from './coordinator-errors.js'
import { PendingBounds } from './pending-bounds.js'
import { PresignPool } from './presign-pool.js'
import type { KeyMaterials } from './key-material.js'
import type { RateLimiter } from './rate-limiter.js'
import { RecentSignRequests } from './recent.js'
import { SignResultStore, type StoredResult } from './result-store.js'
import type { RecentSignRequest } from '../../../protocols/wire/status.js'
import type { Frost } from '../../../protocols/frost/index.js'
import { HTTP_API, routeLabel } from '../../../protocols/wire/http-api.js'
import { deadline, raceSignal, withDeadline } from '../../deadline.js'

/** The refusals of the pending bounds are counted under the route that meets them. */
const SIGN_ROUTE = routeLabel(HTTP_API.signRequest)

export interface SubmitOptions {
  /**
   * Called with the key's owner auth key once the owner's signature on a new
   * request verified, before the CM takes it; throws to refuse it (the HTTP
   * layer's per-owner bucket). Not called for a request the CM already holds.
   */
  admit?: (ownerAuthKey: string) => void
}

/** Request ids are scoped by key: another owner cannot squat an id a user will choose. */
function trackKey (keyId: string, requestId: string): string {
  return `${keyId}/${requestId}`
}

/**
 * A request still pending in the store was cut off by a restart of this CM. It
 * does not run it again (its old session may still be finished by another CM,
 * and a second session could give a second signature): another CM takes it.
 */
function restored (stored: StoredResult): Tracked {
  const tracked: Tracked = { requestDigest: stored.requestDigest, result: stored.result, expiresAt: stored.expiresAt ?? 0, done: Promise.resolve() }
  if (stored.result.status === 'pending') tracked.sentOn = 'restarted'
  return tracked
}

interface Tracked extends Omit<StoredResult, 'expiresAt'> {
  /**
   * Settles once the result is decided (completed or failed) in memory — before
   * the CM's synced write of it, which a waiting client need not wait for: a
   * crash before that write leaves the request pending in the store, and after a
   * restart another CM finishes it from the signers' ledgers, to the same
   * signature (docs/performance.md) — or when the request ends undecided (shutdown).
   */
  done: Promise<void>
  decided?: () => void
  /** When this CM took it (absent when restored from the store); the status page's latency. */
  startedAt?: number
  finishedAt?: number
  /** The final result is in the store: memory may forget it, a GET then reads the same from the store. */
  persisted?: boolean
  /** In the store and the expiry index (its first write). */
  filed?: boolean
  expiresAt: number
  /** This CM no longer coordinates it (restarted, or lost its role mid-recovery): another manager does. */
  sentOn?: SentOnReason
}

export interface CoordinatorInit {
  /** The node's FROST (sessions, aggregation, presignatures' checks). */
  frost: Frost
  libp2p: ShardsigLibp2p
  /** This node's own signer: the CM may be in the party it picks. */
  localSigner: {
    onNewParty: (np: NewParty, signal: AbortSignal) => Promise<PartyAnswer>
    onRecover: (req: Recover) => Promise<PartyAnswer>
    onCompleted: (keyId: string, requestId: string, signature: string) => Promise<void>
    onPresign: (req: Presign) => Promise<PartyAnswer>
  }
  view: NetworkView
  keys: KeyMaterials
  store: KeyStore
  blame: BlameLog
  rate: RateLimiter
  log: Logger
  metrics: SignMetrics & QuotaMetrics & RetentionMetrics
  /** Default MAX_PENDING_REQUESTS_PER_CM. */
  maxPendingRequests?: number
  /** The share of maxPendingRequests one owner may hold; default OWNER_SHARE_OF_PENDING_SIGN_REQUESTS. */
  ownerShareOfPending?: number
  /** Default MAX_SIGN_RESULTS. */
  maxResults?: number
  /** Default MAX_CACHED_SIGN_RESULTS. */
  maxCachedResults?: number
  now?: () => number
}

export class SignCoordinator {
  private readonly requests = new Map<string, Tracked>()
  /** The finished (or sent on) ones among `requests`, in the order they finished: memory forgets the first first. */
  private readonly finished = new Map<string, Tracked>()
  private readonly results: SignResultStore
  private readonly maxCachedResults: number
  private timer: NodeJS.Timeout | undefined
  /** The last finished requests, for the status page. */
  private readonly recent = new RecentSignRequests()
  /** Sessions each signer is in right now (party selection prefers the lightly loaded). */
  private readonly signerLoad = new Map<string, number>()
  private readonly controller = new AbortController()
  /** Requests running here now (each resolves when decided and written, sent on, or stopped): what stop() drains. */
  private readonly running = new Set<Promise<void>>()
  /** stop() began: no new request is taken. */
  private draining = false
  private readonly slots = new Semaphore(MAX_CONCURRENT_SESSIONS_PER_CM)
  private readonly intake = new KeyedLock()
  /** Unfinished requests, in all and per owner. */
  private readonly bounds: PendingBounds
  private readonly now: () => number
  /** Presignatures party members made ahead for this CM (docs/protocols/sign.md#presignatures). */
  readonly presigns: PresignPool

  constructor (private readonly init: CoordinatorInit) {
    this.now = init.now ?? Date.now
    this.results = new SignResultStore({
      store: init.store, log: init.log, metrics: init.metrics, now: this.now, maxResults: init.maxResults,
      onDeleted: (keyId, requestId) => {
        // Memory has it only in the rare case it outlived SIGN_RESULT_CACHE_MS there.
        const id = trackKey(keyId, requestId)
        if (this.requests.get(id)?.finishedAt !== undefined) {
          this.requests.delete(id)
          this.finished.delete(id)
        }
      }
    })
    this.maxCachedResults = init.maxCachedResults ?? MAX_CACHED_SIGN_RESULTS
    this.bounds = new PendingBounds({ max: init.maxPendingRequests, ownerShare: init.ownerShareOfPending, onRefused: quota => { init.metrics.quotaRefused(SIGN_ROUTE, quota) } })
    this.presigns = new PresignPool({
      frost: init.frost,
      log: init.log,
      signal: this.controller.signal,
      now: this.now,
      ask: async (member, req, signal) => member.peerId === init.view.selfPeerId
        ? await init.localSigner.onPresign(req)
        : await requestJson(init.libp2p, member.peerId, PROTOCOL_PARTY, req, PartyAnswerSchema, { signal })
    })
  }

  /** Files and counts the stored results (result-store.ts), and prunes every SIGN_STATE_PRUNE_INTERVAL_MS until stop(). Before the CM takes requests. */
  async start (): Promise<void> {
    await this.results.start()
    const { metrics } = this.init
    metrics.retained('sign_results_cached', () => this.finished.size, this.maxCachedResults)
    metrics.retained('presign_stock', () => this.presigns.size)
    metrics.retained('presign_stock_keys', () => this.presigns.keys, MAX_PRESIGN_STOCK_KEYS)
    this.timer = setInterval(() => {
      this.prune().catch((err: Error) => { this.init.log.warn({ err: err.message }, 'sign results prune failed; trying again next round') })
    }, SIGN_STATE_PRUNE_INTERVAL_MS)
    this.timer.unref()
  }

  /** Results in the store now (after start). */
  get storedResults (): number {
    return this.results.size
  }

  /**
   * Forgets what the retention rules let go (docs/protocols/sign.md#retention); the number of
   * results deleted from the store (SignResultStore.prune). Memory: finished results
   * SIGN_RESULT_CACHE_MS after they finished, and beyond maxCachedResults the first finished.
   */
  async prune (nowMs = this.now()): Promise<number> {
    this.forgetFinished(nowMs)
    return await this.results.prune(nowMs, () => this.stopping())
  }

  private forgetFinished (nowMs: number): void {
    for (const [id, t] of this.finished) {
      const aged = nowMs - (t.finishedAt ?? nowMs) > SIGN_RESULT_CACHE_MS
      if (!aged && this.finished.size <= this.maxCachedResults) break
      // Its final write is still on its way: the store would answer it pending (and so sent on). Forgotten by age only.
      if (!aged && t.persisted !== true) break
      this.finished.delete(id)
      if (this.requests.get(id) === t) this.requests.delete(id)
    }
  }

  /** Requests this CM finished lately, newest first (GET /status). */
  recentRequests (): RecentSignRequest[] {
    return this.recent.list()
  }

  /**
   * Takes no new request, lets those running finish for up to `drainMs` (a request cut off by
   * a restart is never run again here: docs/protocols/sign.md#persistence-and-cm-restarts), then
   * stops the rest, which stay pending and unblamed.
   */
  async stop (drainMs = SIGN_DRAIN_TIMEOUT_MS): Promise<void> {
    this.draining = true
    if (this.running.size > 0 && drainMs > 0) {
      // The drain's end cuts the wait short (raceSignal rejects), not the requests: they are stopped below.
      await withDeadline(drainMs, async signal => { await raceSignal(Promise.allSettled([...this.running]), signal) }).catch(() => {})
      if (this.running.size > 0) this.init.log.warn({ requests: this.running.size, drainMs }, 'sign requests still running at stop: left pending (this manager answers them 503 after its restart)')
    }
    this.controller.abort(new Error('coordinator stopping'))
    if (this.timer !== undefined) clearInterval(this.timer)
  }

  /** Unfinished requests this CM coordinates (shardsig_sign_pending_requests). */
  get pendingRequests (): number {
    return this.bounds.pending
  }

  /**
   * Takes a request (idempotently: the same request under the same id gives
   * the same tracked state, which is how a client fails over between CMs).
   * Throws NotManagerError, or SignRejection for a request no signer would accept.
   */
  async submit (request: SignRequest, opts: SubmitOptions = {}): Promise<{ result: SignResult, done: Promise<void> }> {
    // Copies of one request arriving together must not both start: each waits for the one before.
    return await this.intake.run(trackKey(request.keyId, request.requestId), async () => await this.submitOnce(request, opts))
  }

  private async submitOnce (request: SignRequest, opts: SubmitOptions): Promise<{ result: SignResult, done: Promise<void> }> {
    const { view } = this.init
    if (!view.isManager() || this.draining) throw new NotManagerError()
    const requestDigest = requestIdentity(request)
    const material = this.init.keys.get(request.keyId)
    const known = this.requests.get(trackKey(request.keyId, request.requestId)) ?? await this.load(request.keyId, request.requestId)
    if (known !== undefined) {
      if (known.requestDigest !== requestDigest) throw new SignRejection('conflict', `request id ${request.requestId} was already used with key ${request.keyId} for another message`)
      // Only the owner may learn a request's state this way: its signature must still verify.
      if (!verifyBody(SIGN_REQUEST_KIND, request, material.record.ownerAuthKey)) throw new SignRejection('bad-owner-signature', `request ${request.requestId}: the owner signature does not verify`)
      if (known.sentOn !== undefined) throw new RequestSentOnError(request.requestId, known.sentOn)
      return { result: known.result, done: known.done }
    }
    checkSignRequest(request, material.record, this.now())
    const owner = material.record.ownerAuthKey
    this.bounds.check(owner)
    // The owner's signature verified (checkSignRequest): only now may the owner's own bucket be drawn on.
    opts.admit?.(owner)
    if (!this.init.rate.tryTake(request.keyId, material.record.policy.ratePerMinute, this.now())) {
      throw new SignRejection('rate-limited', `key ${request.keyId} is over its limit of ${material.record.policy.ratePerMinute} signatures per minute`)
    }
    const result: SignResult = { requestId: request.requestId, keyId: request.keyId, status: 'pending', scheme: material.record.scheme, groupPublicKey: material.record.groupPublicKey, attempts: 0 }
    const tracked: Tracked = { requestDigest, result, expiresAt: request.expiresAt, done: Promise.resolve(), startedAt: this.now() }
    const release = this.bounds.hold(owner)
    const decided = new Promise<void>(resolve => { tracked.decided = resolve })
    const ran = this.run(request, tracked).finally(() => { release(); tracked.decided?.(); this.running.delete(ran) })
    this.running.add(ran)
    tracked.done = Promise.race([decided, ran])
    this.requests.set(trackKey(request.keyId, request.requestId), tracked)
    return { result, done: tracked.done }
  }

  /**
   * The states of a request id this CM coordinated, from memory or, after a
   * restart, from the store; one per key that used the id (usually one).
   * Throws RequestSentOnError when the one asked for is now another manager's.
   */
  async get (requestId: string, keyId?: string): Promise<SignResult[]> {
    const found = new Map<string, Tracked>()
    for (const t of this.requests.values()) if (t.result.requestId === requestId) found.set(t.result.keyId, t)
    for await (const stored of this.results.byRequestId(requestId)) {
      if (!found.has(stored.result.keyId)) found.set(stored.result.keyId, restored(stored))
    }
    const matching = [...found.values()].filter(t => keyId === undefined || t.result.keyId === keyId)
    const only = matching.length === 1 ? matching[0]! : undefined
    if (only?.sentOn !== undefined) throw new RequestSentOnError(requestId, only.sentOn)
    return matching.map(t => t.result)
  }

  private async load (keyId: string, requestId: string): Promise<Tracked | undefined> {
    const stored = await this.results.get(keyId, requestId)
    return stored === undefined ? undefined : restored(stored)
  }

  /**
   * Runs the request through its coordinator machine (request-run.ts). Never rejects: a failure to
   * record (e.g. a full disk) is logged and leaves the request failed in memory.
   */
  private async run (request: SignRequest, tracked: Tracked): Promise<void> {
    // Every line of this request's story carries its id (docs/operations.md: devnet logs --request).
    const log = this.init.log.child({ requestId: request.requestId, keyId: request.keyId, flow: 'sign' })
    log.info({ expiresAt: request.expiresAt }, 'sign request accepted')
    try {
      const material = this.init.keys.get(request.keyId)
      const run = new RequestRun({
        frost: this.init.frost, libp2p: this.init.libp2p, view: this.init.view, members: () => this.init.view.members(),
        blame: this.init.blame, metrics: this.init.metrics, slots: this.slots, presigns: this.presigns, signerLoad: this.signerLoad,
        localSigner: this.init.localSigner, signal: this.controller.signal, now: this.now, log,
        persist: async (stored, sync) => {
          Object.assign(tracked.result, stored.result)
          // The first write files it by its request's expiry (retention); RequestRun issues them one after another.
          const first = tracked.filed !== true
          tracked.filed = true
          await this.results.put(stored, { sync, first })
        },
        decided: result => { this.decide(tracked, result, log) },
        durable: () => { tracked.persisted = true; this.forgetFinished(this.now()) },
        sentOn: (reason, detail) => { this.sendOn(tracked, reason, log, detail) },
        notifyCompleted: (party, keyId, requestId, signature) => { this.notifyCompleted(party, keyId, requestId, signature) }
      })
      await run.run(request, material)
    } catch (err) {
      // The key went meanwhile (deleted, or no longer at this epoch): the request fails with why.
      if (err instanceof SignRejection) return this.decide(tracked, { ...tracked.result, status: 'failed', reason: err.message }, log)
      log.error({ err }, 'could not record a sign request\'s state')
      if (tracked.result.status === 'pending' && !this.stopping()) this.decide(tracked, { ...tracked.result, status: 'failed', reason: 'the coordinator failed; see its log' }, log)
    } finally {
      // Not in the store as it is in memory: kept here SIGN_RESULT_CACHE_MS (forgetFinished), never dropped for the cap.
      if (tracked.finishedAt === undefined && !this.stopping()) this.finishedNow(tracked)
    }
  }

  /**
   * While the node shuts down the request is left pending, unblamed: its
   * stored pending state makes this CM send it on (503) after a restart,
   * and another manager finishes it.
   */
  private stopping (): boolean {
    return this.controller.signal.aborted
  }

  /** The machine decided the request: what the client gets now; the synced write of it follows. */
  private decide (tracked: Tracked, result: SignResult, log: Logger): void {
    Object.assign(tracked.result, result)
    const finishedAt = this.finishedNow(tracked)
    tracked.decided?.()
    this.recent.add(tracked.result, tracked.startedAt ?? finishedAt, finishedAt)
    const { status, attempts, reason, scheme } = tracked.result
    const ms = finishedAt - (tracked.startedAt ?? finishedAt)
    this.init.metrics.signFinished(scheme, status === 'completed' ? 'completed' : 'failed', ms / 1000, attempts)
    log.info({ status, attempts, reason, ms }, 'sign request finished')
  }

  /**
   * Leaves the request to another manager: memory and store keep it pending
   * here, and the client's next POST or GET gets 503 and fails over with the
   * same request id (as after a restart, `restored`).
   */
  private sendOn (tracked: Tracked, why: SentOnReason, log: Logger, detail: string): void {
    tracked.sentOn = why
    this.finishedNow(tracked)
    tracked.decided?.()
    log.info({ why, detail }, 'sign request sent on to another manager')
  }

  /** Marks the request finished (or sent on) now; memory keeps it among the finished ones for a while. */
  private finishedNow (tracked: Tracked): number {
    tracked.finishedAt = this.now()
    const id = trackKey(tracked.result.keyId, tracked.result.requestId)
    this.finished.delete(id)
    this.finished.set(id, tracked)
    return tracked.finishedAt
  }

  /** Tells the party the request is done, so a later new_party for it is answered with the signature. */
  private notifyCompleted (party: readonly PartyMember[], keyId: string, requestId: string, signature: string): void {
    for (const p of party) {
      if (p.peerId === this.init.view.selfPeerId) {
        this.init.localSigner.onCompleted(keyId, requestId, signature).catch((err: Error) => { this.init.log.warn({ requestId, err: err.message }, 'could not record completion') })
        continue
      }
      // Its answer ('noted') tells nothing: sent as a notification, no answer travels back.
      notifyJson(this.init.libp2p, p.peerId, PROTOCOL_PARTY, { kind: 'completed', keyId, requestId, signature }, { signal: deadline(5_000) })
        .catch((err: Error) => { this.init.log.debug({ requestId, to: p.peerId, err: err.message }, 'completion notice not delivered') })
    }
  }
}
