// The simulated network between node ids: every send is delivered after a delay drawn
// from the run's PRNG (so messages reorder), or dropped, or delivered twice; partitions
// cut sets of nodes off from the rest for a while, and a link can have faults of its own.
// A delivery to a node that crashed after the send is lost (its connections died with it).
// A test can cut chosen messages (a rule over sender, receiver and message).
import type { VirtualClock } from './clock.js'
import { UnknownSimNodeError } from './errors.js'
import type { Prng } from './prng.js'
import type { Trace } from './trace.js'

export interface LinkFaults {
  /** Probability that a message is lost. */
  dropRate: number
  /** Probability that a delivered message is delivered a second time (independently delayed). */
  duplicateRate: number
  minDelayMs: number
  maxDelayMs: number
}

/** A network that loses, repeats and reorders a little: what a property run gets unless it asks otherwise. */
export const DEFAULT_LINK_FAULTS: LinkFaults = { dropRate: 0.02, duplicateRate: 0.02, minDelayMs: 1, maxDelayMs: 80 }
/** After the faults end (`faultsUntilMs`): nothing lost or repeated, delays still drawn (reordering stays). */
export const HEALED_LINK: LinkFaults = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 20 }

/** `side` cannot reach the other nodes, nor they it, from `fromMs` until `untilMs`. */
export interface Partition { fromMs: number, untilMs: number, side: readonly string[] }

/** Faults of one direction of one link for a while, replacing the network's. */
export interface LinkFault { from: string, to: string, fromMs: number, untilMs: number, faults: LinkFaults }

export interface NetworkPlan {
  faults: LinkFaults
  /** Faults (drops, duplicates, partitions, link faults) apply before this time; after it the network is healed. */
  faultsUntilMs: number
  partitions: readonly Partition[]
  links: readonly LinkFault[]
}

/** What the network needs of a node: whether it is up, which life it is in, and where deliveries go. */
export interface Endpoint {
  readonly up: boolean
  readonly incarnation: number
  deliver: (from: string, wire: unknown) => void
}

export type Tap = (from: string, to: string, wire: unknown) => void

/** Which messages a cut drops: a test's targeted loss (these answers, those round messages), whatever the plan says. */
export type CutRule = (from: string, to: string, wire: unknown) => boolean

export class SimNetwork {
  readonly #endpoints = new Map<string, Endpoint>()
  readonly #taps: Tap[] = []
  readonly #cuts: Array<{ label: string, rule: CutRule }> = []
  sent = 0
  delivered = 0
  dropped = 0

  constructor (
    private readonly clock: VirtualClock,
    private readonly prng: Prng,
    private readonly trace: Trace,
    readonly plan: NetworkPlan
  ) {}

  attach (nodeId: string, endpoint: Endpoint): void {
    this.#endpoints.set(nodeId, endpoint)
  }

  /** Sees every message sent (before the network decides its fate): an adversary capturing traffic. */
  tap (tap: Tap): void {
    this.#taps.push(tap)
  }

  /** Drops every message `rule` picks from now on (traced as drop:cut:<label>); the function returned lifts the cut. */
  cut (label: string, rule: CutRule): () => void {
    const cut = { label, rule }
    this.#cuts.push(cut)
    return () => {
      const i = this.#cuts.indexOf(cut)
      if (i >= 0) this.#cuts.splice(i, 1)
    }
  }

  partitioned (a: string, b: string, atMs: number): boolean {
    if (atMs >= this.plan.faultsUntilMs) return false
    return this.plan.partitions.some(p => atMs >= p.fromMs && atMs < p.untilMs && p.side.includes(a) !== p.side.includes(b))
  }

  faultsOf (from: string, to: string, atMs: number): LinkFaults {
    if (atMs >= this.plan.faultsUntilMs) return HEALED_LINK
    const link = this.plan.links.find(l => l.from === from && l.to === to && atMs >= l.fromMs && atMs < l.untilMs)
    return link?.faults ?? this.plan.faults
  }

  send (from: string, to: string, wire: unknown): void {
    this.sent++
    for (const tap of this.#taps) tap(from, to, wire)
    const now = this.clock.nowMs
    const cut = this.#cuts.find(c => c.rule(from, to, wire))
    if (cut !== undefined) return this.#drop(from, to, `cut:${cut.label}`, wire)
    if (this.partitioned(from, to, now)) return this.#drop(from, to, 'partition', wire)
    const faults = this.faultsOf(from, to, now)
    if (this.prng.chance(faults.dropRate)) return this.#drop(from, to, 'lost', wire)
    this.#schedule(from, to, wire, faults)
    if (this.prng.chance(faults.duplicateRate)) {
      this.trace.add({ atMs: now, where: 'net', what: 'duplicate', detail: { from, to } })
      this.#schedule(from, to, wire, faults)
    }
  }

  /** A message put on the wire by someone else than `from` (a relay, a replayer): only partitions and crashes stop it. */
  inject (from: string, to: string, wire: unknown, delayMs: number): void {
    this.trace.add({ atMs: this.clock.nowMs, where: 'net', what: 'inject', detail: { from, to, wire } })
    this.#deliverLater(from, to, wire, delayMs)
  }

  #schedule (from: string, to: string, wire: unknown, faults: LinkFaults): void {
    this.#deliverLater(from, to, wire, this.prng.int(faults.minDelayMs, faults.maxDelayMs))
  }

  #deliverLater (from: string, to: string, wire: unknown, delayMs: number): void {
    const target = this.#endpoints.get(to)
    if (target === undefined) throw new UnknownSimNodeError(to, `a message from ${from}`)
    const incarnation = target.incarnation
    this.clock.after(delayMs, () => {
      if (!target.up || target.incarnation !== incarnation) return this.#drop(from, to, 'receiver-crashed', wire)
      if (this.partitioned(from, to, this.clock.nowMs)) return this.#drop(from, to, 'partition', wire)
      this.delivered++
      target.deliver(from, wire)
    })
  }

  #drop (from: string, to: string, why: string, wire: unknown): void {
    this.dropped++
    this.trace.add({ atMs: this.clock.nowMs, where: 'net', what: `drop:${why}`, detail: { from, to, wire } })
  }
}
