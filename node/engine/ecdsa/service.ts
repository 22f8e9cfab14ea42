// The node's DKLs23 pair states (DESIGN 11, issue 19 item 2): one per pair of nodes and
// membership epoch, never per key. keysFor gives the signing engine this node's keys with each
// member of a party, setting up on the spot any pair that is missing or burnt; a missing pair
// is set up, never a failure of the request, unless the peer cannot be reached in time
// (PairSetupFailedError naming it). Ahead of signing, once the network holds an ECDSA key, the
// node sets up its pairs in the background, a few at a time, the lower peer id of each pair
// initiating, so a first signature rarely waits for one. The pieces: pair-store.ts (memory and
// sealed records), pair-exchange.ts (one setup per peer, crossing setups merged),
// pair-protocol.ts (the libp2p protocol).
import { randomBytes } from 'node:crypto'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  PAIR_SETUP_TIMEOUT_MS, PAIR_SETUPS_AHEAD_CONCURRENCY, PAIR_SETUPS_AHEAD_DELAY_MS, PAIR_SETUPS_AHEAD_INTERVAL_MS
} from '../../../protocols/constants.js'
import type { GroupBackend } from '../../../protocols/frost/group/types.js'
import type { Random } from '../../../protocols/machine/types.js'
import { PairSetupError } from '../../../protocols/ecdsa/pair-setup.js'
import type { PairKeys } from '../../../protocols/ecdsa/sign.js'
import { deadline, raceSignal, releaseDeadline } from '../../deadline.js'
import type { Logger } from '../../log.js'
import type { EcdsaPairMetrics } from '../../metrics/metrics.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import type { KeyStore } from '../../store/index.js'
import { PairSetupFailedError } from './errors.js'
import { PairExchange } from './pair-exchange.js'
import { askPairSetup, handlePairSetup, unhandlePairSetup } from './pair-protocol.js'
import { PairStore } from './pair-store.js'

export interface EcdsaPairServiceInit {
  libp2p: ShardsigLibp2p
  /** secp256k1 of the node's crypto backend (frost.backend.secp256k1). */
  group: GroupBackend
  store: KeyStore
  /** This node's peer id. */
  self: string
  /** Peer ids of the membership this node runs (itself included or not). */
  members: readonly string[]
  /** The membership the pairs belong to, pairContextOf(network, epoch). */
  context: string
  log: Logger
  metrics?: EcdsaPairMetrics
  random?: Random
  /** Whether setting pairs up ahead is worth it now (the node: once its registry holds an ECDSA key); default always. */
  wanted?: () => boolean
  /** Default PAIR_SETUPS_AHEAD_DELAY_MS and PAIR_SETUPS_AHEAD_INTERVAL_MS; tests turn the background off with Infinity. */
  aheadDelayMs?: number
  aheadIntervalMs?: number
}

const defaultRandom: Random = n => new Uint8Array(randomBytes(n))

export class EcdsaPairService {
  /** This node's pair keys by peer (memory and sealed store). */
  readonly pairs: PairStore
  private readonly exchange: PairExchange
  private readonly members: ReadonlySet<string>
  private readonly stopping = new AbortController()
  private timer: NodeJS.Timeout | undefined
  private aheadRun: Promise<unknown> | undefined
  private started = false

  constructor (private readonly init: EcdsaPairServiceInit) {
    this.pairs = new PairStore(init.store, init.context, init.self, init.log)
    this.members = new Set(init.members.filter(m => m !== init.self))
    this.exchange = new PairExchange({
      group: init.group,
      store: this.pairs,
      random: init.random ?? defaultRandom,
      repeatWindowMs: PAIR_SETUP_TIMEOUT_MS,
      ask: async (peer, mine) => {
        const signal = deadline(PAIR_SETUP_TIMEOUT_MS, this.stopping.signal)
        try {
          return await askPairSetup(init.libp2p, peer, init.context, mine, signal)
        } finally {
          releaseDeadline(signal)
        }
      }
    })
  }

  /** Reads the stored pairs (erasing other memberships'), answers the protocol, and schedules the setups ahead. */
  async start (): Promise<void> {
    const { loaded, dropped } = await this.pairs.open()
    this.init.log.info({ context: this.init.context, loaded, dropped }, 'ECDSA pair states read')
    await handlePairSetup({
      libp2p: this.init.libp2p,
      context: this.init.context,
      members: this.members,
      answer: async (peer, theirs) => {
        const mine = await this.exchange.answer(peer, theirs)
        this.init.log.info({ peer, role: 'responder', pair: this.idWith(peer) }, 'ECDSA pair set up')
        return mine
      },
      onAnswered: (_peer, outcome) => { this.init.metrics?.pairSetupFinished('responder', outcome === 'accept' ? 'completed' : 'failed') },
      log: this.init.log
    })
    this.started = true
    this.schedule(this.init.aheadDelayMs ?? PAIR_SETUPS_AHEAD_DELAY_MS)
  }

  async stop (): Promise<void> {
    this.stopping.abort(new PairSetupStoppedError())
    clearTimeout(this.timer)
    if (this.started) await unhandlePairSetup(this.init.libp2p)
    await this.aheadRun?.catch(() => {})
  }

  /** This node's usable keys with `peer` (set up, not burnt), or undefined. */
  keysWith (peer: string): PairKeys | undefined {
    const keys = this.pairs.get(peer)
    return keys === undefined || keys.alice.ote.burned ? undefined : keys
  }

  /**
   * This node's keys with each of `peers` (itself left out), setting up now every pair that is
   * missing or burnt, all at once. Rejects with PairSetupFailedError naming the first peer, in
   * the order given, whose setup failed or did not finish before `signal` (the others that
   * failed are in its alsoFailed); the pairs that did finish are kept for the next call.
   */
  async keysFor (peers: readonly string[], signal: AbortSignal): Promise<Map<string, PairKeys>> {
    const others = [...new Set(peers)].filter(p => p !== this.init.self)
    const settled = await Promise.allSettled(others.map(async peer => await this.ensure(peer, signal)))
    const failed = others.filter((_, i) => settled[i]!.status === 'rejected')
    if (failed.length > 0) {
      const first = (settled[others.indexOf(failed[0]!)] as PromiseRejectedResult).reason as PairSetupFailedError
      throw new PairSetupFailedError(first.peer, first.failure, first.message, { cause: first, alsoFailed: failed.slice(1) })
    }
    return new Map(others.map((peer, i) => [peer, (settled[i] as PromiseFulfilledResult<PairKeys>).value]))
  }

  /**
   * One pass of the setups ahead: every member with a higher peer id than this node's whose pair
   * is missing or burnt, PAIR_SETUPS_AHEAD_CONCURRENCY at a time. (The lower id of a pair sets it
   * up, so the two ends do not both spend a setup on it.)
   */
  async setUpAhead (): Promise<{ completed: string[], failed: string[] }> {
    const due = [...this.members].filter(p => this.init.self < p && this.keysWith(p) === undefined).sort()
    const completed: string[] = []
    const failed: string[] = []
    const worker = async (): Promise<void> => {
      for (let peer = due.shift(); peer !== undefined && !this.stopping.signal.aborted; peer = due.shift()) {
        try {
          await this.ensure(peer, this.stopping.signal)
          completed.push(peer)
        } catch {
          failed.push(peer) // logged by setUp; the next pass or a keysFor tries again
        }
      }
    }
    await Promise.all(Array.from({ length: PAIR_SETUPS_AHEAD_CONCURRENCY }, worker))
    return { completed, failed }
  }

  /** Drops this node's state with `peer` (memory and store): after a failed check burnt it, so a restart cannot bring it back. */
  async forget (peer: string): Promise<void> {
    await this.pairs.discard(peer)
  }

  private async ensure (peer: string, signal: AbortSignal): Promise<PairKeys> {
    if (!this.members.has(peer)) throw new PairSetupFailedError(peer, 'not-a-member', `not a node of ${this.init.context}`)
    const have = this.pairs.get(peer)
    if (have !== undefined && !have.alice.ote.burned) return have
    // A burnt state leaves the store now: a restart before the new setup must not revive it.
    if (have !== undefined) await this.pairs.discard(peer, have)
    return await raceSignal(this.setUp(peer), signal, () => signal.reason instanceof PairSetupStoppedError
      ? new PairSetupFailedError(peer, 'stopped', 'this node is stopping')
      : new PairSetupFailedError(peer, 'deadline', `no setup within the caller's deadline (${String(signal.reason)})`))
  }

  /** Runs (or joins) the setup with `peer` as its initiator; PairSetupFailedError otherwise. */
  private async setUp (peer: string): Promise<PairKeys> {
    const joined = this.exchange.busyWith(peer)
    try {
      const keys = await this.exchange.initiate(peer)
      if (!joined) {
        this.init.metrics?.pairSetupFinished('initiator', 'completed')
        this.init.log.info({ peer, role: 'initiator', pair: bytesToHex(keys.id) }, 'ECDSA pair set up')
      }
      return keys
    } catch (err) {
      const failure = err instanceof PairSetupFailedError
        ? err
        : err instanceof PairSetupError
          ? new PairSetupFailedError(peer, 'invalid-message', err.message, { cause: err })
          : new PairSetupFailedError(peer, 'internal', (err as Error).message, { cause: err })
      if (!joined) {
        this.init.metrics?.pairSetupFinished('initiator', 'failed')
        this.init.log.warn({ peer, failure: failure.failure, err: failure.message }, 'ECDSA pair setup failed')
      }
      throw failure
    }
  }

  private idWith (peer: string): string | undefined {
    const keys = this.pairs.get(peer)
    return keys === undefined ? undefined : bytesToHex(keys.id)
  }

  /**
   * A pass of the setups ahead now, not at the next tick (the registry just got its first ECDSA key:
   * its first signatures should not pay for the pairs). The ticks go on from here.
   */
  wake (): void {
    if (this.stopping.signal.aborted || this.timer === undefined) return
    clearTimeout(this.timer)
    this.schedule(0)
  }

  private schedule (delayMs: number): void {
    if (!Number.isFinite(delayMs) || this.stopping.signal.aborted) return
    this.timer = setTimeout(() => {
      if ((this.init.wanted?.() ?? true) && this.aheadRun === undefined) {
        this.aheadRun = this.setUpAhead()
          .then(({ completed, failed }) => {
            if (completed.length + failed.length > 0) this.init.log.info({ completed: completed.length, failed: failed.length }, 'ECDSA pairs set up ahead')
          })
          .catch(err => { this.init.log.warn({ err }, 'ECDSA pair setups ahead failed') })
          .finally(() => { this.aheadRun = undefined })
      }
      this.schedule(this.init.aheadIntervalMs ?? PAIR_SETUPS_AHEAD_INTERVAL_MS)
    }, delayMs)
    this.timer.unref()
  }
}

/** The reason a stopping service aborts its setups with. */
class PairSetupStoppedError extends Error {
  constructor () {
    super('the ECDSA pair service is stopping')
    this.name = 'PairSetupStoppedError'
  }
}
