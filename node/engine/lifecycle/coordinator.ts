// The reshare coordinator (docs/protocols/lifecycle.md): the node an operator
// posted the update to reshares every key it holds at the active epoch that has
// no confirmed entry yet, one at a time with rests between (RESHARE_REST_RATIO). Per key: choose a quorum of live
// holders, collect their contributions, check them, deliver them to every new
// member, and once every new committee confirmed with tm receipts, keep and
// gossip the epoch entry. A dealer that fails, refuses or deals badly is
// excluded (and blamed when the values show it) and the quorum chosen again.
// Posting the update again (here or elsewhere) resumes what is left.
import {
  PROTOCOL_RESHARE, RESHARE_CONCURRENT_KEYS, RESHARE_DEALER_TIMEOUT_MS, RESHARE_MEMBER_TIMEOUT_MS, RESHARE_QUORUM_ATTEMPTS, RESHARE_REST_RATIO
} from '../../../protocols/constants.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { DealerFault } from '../../../protocols/new-user/check-record.js'
import { LifecycleRejection } from '../../../protocols/lifecycle/errors.js'
import { checkEpochEntry, chooseQuorum, epochRecordFrom, verifyReshare, type KeyState, type Quorum } from '../../../protocols/lifecycle/reshare.js'
import {
  ReshareResponseSchema, type MembershipUpdate, type ReshareContribution, type ReshareReceipt, type ReshareRequest, type ReshareResponse
} from '../../../protocols/wire/lifecycle.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { DirectProtocolError, requestJson } from '../../p2p/direct.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { KeyRegistry } from '../registry.js'
import type { KeyStates } from './key-state.js'
import type { MembershipBook } from './membership-book.js'
import type { ReshareParticipant } from './participant.js'
import { deadline } from '../../deadline.js'
import { reshareInPasses } from './reshare-passes.js'

export interface CoordinatorInit {
  libp2p: ShardsigLibp2p
  view: NetworkView
  book: MembershipBook
  registry: KeyRegistry
  keyStates: KeyStates
  participant: ReshareParticipant
  blame: BlameLog
  log: Logger
}

/** One attempt's failure: the dealers to exclude next time, and why. */
class AttemptFailed extends Error {
  constructor (readonly exclude: string[], reason: string) { super(reason) }
}

export class ReshareCoordinator {
  private running: Promise<void> | undefined
  /** Set by start(): another pass must look for keys (e.g. one dealt while the update is pending). */
  private again = false
  private readonly failed = new Map<string, string>()

  constructor (private readonly init: CoordinatorInit) {}

  get coordinating (): boolean { return this.running !== undefined }

  failures (): Array<{ keyId: string, reason: string }> {
    return [...this.failed].map(([keyId, reason]) => ({ keyId, reason }))
  }

  /**
   * Starts (or joins) resharing every key without a confirmed entry to the pending epoch; resolves when all were tried.
   * Called while a run is under way, it makes the run look once more for keys to do when it is through its list.
   */
  start (update: MembershipUpdate): Promise<void> {
    this.again = true
    this.running ??= this.run(update).finally(() => {
      this.running = undefined
      // Called between the run's last look and its end: run again for what it missed.
      if (this.again) this.start(update).catch((err: Error) => { this.init.log.error({ err }, 'resharing stopped') })
    })
    return this.running
  }

  /** Passes over the keys until one finds nothing new (reshare-passes.ts). */
  private async run (update: MembershipUpdate): Promise<void> {
    const { keyStates, book } = this.init
    const log = this.init.log.child({ flow: 'reshare', toEpoch: update.genesis.epoch })
    const startedAt = performance.now()
    this.failed.clear()
    const { tried, failed } = await reshareInPasses({
      // Keys that never reached tc committees cannot sign, and need not (often cannot) be reshared.
      candidates: () => keyStates.usableKeyIds().filter(k => book.entryOf(k) === undefined),
      takeAgain: () => { const again = this.again; this.again = false; return again },
      reshareKey: async keyId => { await this.reshareKey(update, keyId, log.child({ requestId: `reshare/${keyId}`, keyId })) },
      concurrentKeys: RESHARE_CONCURRENT_KEYS,
      rest: async keyMs => { await sleep(keyMs * RESHARE_REST_RATIO, undefined, { ref: false }) },
      now: () => performance.now(),
      onPass: (pass, keys) => { log.info({ keys, pass }, pass === 1 ? 'resharing started' : 'resharing keys dealt since the last pass') },
      onKeyFailed: (keyId, reason) => {
        this.failed.set(keyId, reason)
        log.warn({ keyId, reason }, 'key not reshared')
      }
    })
    log.info({ keys: tried.size, failed: failed.size, ms: Math.round(performance.now() - startedAt) }, 'resharing finished')
  }

  private async reshareKey (update: MembershipUpdate, keyId: string, log: Logger): Promise<void> {
    const entry = this.init.registry.get(keyId)
    if (entry === undefined) throw new LifecycleRejection('wrong-key', `key ${keyId} left the registry`)
    const state = this.init.keyStates.stateOf(entry.record)
    if (state === undefined) throw new LifecycleRejection('wrong-key', `key ${keyId} was not reshared to epoch ${this.init.keyStates.epoch}`)
    const excluded = new Set<string>()
    const reasons: string[] = []
    for (let attempt = 1; attempt <= RESHARE_QUORUM_ATTEMPTS; attempt++) {
      // From holders that confirmed their share: one that refused its sub-share would refuse to deal (no share) and cost an attempt.
      const quorum = chooseQuorum(state, update.genesis.epoch, this.init.view.liveSet(), excluded, this.init.keyStates.confirmedOf(entry))
      if (quorum === undefined) throw new LifecycleRejection('wrong-quorum', `key ${keyId}: no live quorum of its holders${excluded.size > 0 ? ` without ${[...excluded].join(', ')}` : ''}; ${reasons.join('; ')}`)
      try {
        await this.attempt(update, state, quorum, log)
        log.info({ attempt, quorum: quorum.map(s => `${s.committee}/${s.member}`) }, 'key reshared and confirmed')
        return
      } catch (err) {
        if (!(err instanceof AttemptFailed)) throw err
        for (const d of err.exclude) excluded.add(d)
        reasons.push(`attempt ${attempt}: ${err.message}`)
        log.warn({ attempt, excluded: err.exclude, reason: err.message }, 'reshare attempt failed; choosing the quorum again')
      }
    }
    throw new LifecycleRejection('unconfirmed', `key ${keyId}: ${reasons.join('; ')}`)
  }

  private async attempt (update: MembershipUpdate, state: KeyState, quorum: Quorum, log: Logger): Promise<void> {
    const { book } = this.init
    const to = book.pending!.membership
    const keyId = state.keyId
    const contributions = await Promise.all(quorum.map(async s => {
      const answer = await this.ask(s.peerId, { kind: 'deal', update, keyId, quorum }, RESHARE_DEALER_TIMEOUT_MS)
      if (answer.kind !== 'contribution') throw new AttemptFailed([s.peerId], `holder ${s.peerId} did not deal: ${answer.kind === 'reject' ? `${answer.code}: ${answer.reason}` : answer.kind}`)
      return answer.contribution
    }).map(async p => await p.catch((err: unknown) => err)))
    const refusals = contributions.filter((c): c is AttemptFailed => c instanceof AttemptFailed)
    if (refusals.length > 0) throw new AttemptFailed(refusals.flatMap(r => r.exclude), refusals.map(r => r.message).join('; '))
    const dealt = contributions as ReshareContribution[]
    let verified
    try {
      verified = verifyReshare(state, quorum, dealt, to)
    } catch (err) {
      if (!(err instanceof DealerFault)) throw err
      await this.init.blame.record({ at: Date.now(), culprit: err.dealer, reason: err.code, flow: 'reshare', keyId, detail: err.message }, log)
      throw new AttemptFailed([err.dealer], err.message)
    }
    const record = epochRecordFrom(state, quorum, verified, to)
    const receipts: ReshareReceipt[] = []
    const blamedDealers = new Set<string>()
    const problems: string[] = []
    await Promise.all(to.committees.flatMap(c => c.map(async m => {
      const answer = await this.ask(m.peerId, { kind: 'deliver', update, keyId, quorum, contributions: dealt }, RESHARE_MEMBER_TIMEOUT_MS).catch((err: Error) => err)
      if (answer instanceof AttemptFailed) { problems.push(answer.message); return }
      if (answer instanceof Error) throw answer
      if (answer.kind === 'receipt') receipts.push(answer.receipt)
      else if (answer.kind === 'reject') {
        if (answer.dealer !== undefined) blamedDealers.add(answer.dealer)
        problems.push(`member ${m.peerId}: ${answer.code}: ${answer.reason}`)
      }
    })))
    const entry = { record, receipts: receipts.sort((a, b) => a.committee - b.committee || a.member - b.member) }
    try {
      checkEpochEntry(entry, state, to)
    } catch (err) {
      if (!(err instanceof LifecycleRejection)) throw err
      throw new AttemptFailed([...blamedDealers], `${err.message}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`)
    }
    if (problems.length > 0) log.warn({ problems }, 'some new members did not confirm; every committee still has tm receipts')
    await book.addEntry(entry, { gossip: true })
  }

  /** One reshare request to a node (ourselves directly); a node that does not answer becomes an AttemptFailed naming it. */
  private async ask (peerId: string, req: ReshareRequest, timeoutMs: number): Promise<ReshareResponse> {
    try {
      return peerId === this.init.view.selfPeerId
        ? await this.init.participant.handle(req)
        : await requestJson(this.init.libp2p, peerId, PROTOCOL_RESHARE, req, ReshareResponseSchema, { signal: deadline(timeoutMs) })
    } catch (err) {
      if (err instanceof DirectProtocolError) throw new AttemptFailed([peerId], `${peerId} did not answer the ${req.kind}: ${err.message}`)
      throw err
    }
  }
}
