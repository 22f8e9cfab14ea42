// One simulated node: the runner of its machines (protocols/machine/types.ts). It feeds
// them events (deliveries, timers, completed writes), carries out their core effects
// (send, persist, set and cancel timers) and hands every other effect (answer a client,
// record blame, publish gossip, …) to the simulation's handler and to the trace. A crash
// loses its memory, timers and in-flight deliveries; a restart restores each machine
// from what its store kept.
import type { CoreEffect, CoreEvent, Machine } from '../../protocols/machine/types.js'
import type { Scheduled, VirtualClock } from './clock.js'
import { DuplicateMachineError, NodeAlreadyUpError, UnknownMachineError } from './errors.js'
import type { SimNetwork } from './network.js'
import type { CrashLoss, SimStore } from './store.js'
import type { Trace } from './trace.js'

/** What a peer's message is at this node's edge: taken (decoded) or refused there, as the node's validators do. */
export type EdgeVerdict<M> = { kind: 'ok', msg: M } | { kind: 'refused', why: string }

export interface MachineSpec<S, E, F, M> {
  /** Unique on the node; also the machine's namespace in the store and its address on the network. */
  name: string
  machine: Machine<S, E | CoreEvent<M>, F | CoreEffect<M>>
  /** The wire form of a message (default: the message itself). */
  encode?: (msg: M) => unknown
  /** The edge: how the node reads a peer's wire message before the machine sees it (default: as is). */
  decode?: (from: string, wire: unknown) => EdgeVerdict<M>
}

/** What travels on the simulated network: which machine it is for, and its wire form. */
export interface Envelope { machine: string, wire: unknown }

/** Effects that are not core ones: returned by the handler as handled, or only traced. */
export type EffectHandler = (node: SimNode, machine: string, effect: { kind: string }) => void

export interface NodeHooks {
  /** After every step of every machine: the simulation checks its invariants here. */
  afterStep: () => void
  onEffect: EffectHandler
  /**
   * How much before its time a timer fires (default none): the node's runner reads a coarser clock
   * than the one it passes in, as Node's setTimeout does against Date.now (up to 1 ms).
   */
  timersEarlyMs?: number
}

// The node holds machines of different types; each is only ever stepped with its own state.
type AnySpec = MachineSpec<unknown, { kind: string }, { kind: string }, unknown>

export class SimNode {
  up = false
  incarnation = 0
  readonly #specs = new Map<string, AnySpec>()
  readonly #states = new Map<string, unknown>()
  readonly #timers = new Map<string, Scheduled>()

  constructor (
    readonly id: string,
    readonly store: SimStore,
    private readonly clock: VirtualClock,
    private readonly network: SimNetwork,
    private readonly trace: Trace,
    private readonly hooks: NodeHooks
  ) {
    network.attach(id, this)
  }

  add<S, E extends { kind: string }, F extends { kind: string }, M> (spec: MachineSpec<S, E, F, M>): void {
    if (this.#specs.has(spec.name)) throw new DuplicateMachineError(this.id, spec.name)
    this.#specs.set(spec.name, spec as unknown as AnySpec)
  }

  /** The current state of machine `name` (for invariants and tests; undefined while the node is down). */
  state<S> (name: string): S | undefined {
    return this.up ? this.#states.get(name) as S | undefined : undefined
  }

  /** Starts (or restarts) the node: every machine restored from what its store kept. */
  boot (): void {
    if (this.up) throw new NodeAlreadyUpError(this.id)
    this.up = true
    this.incarnation++
    this.trace.add({ atMs: this.clock.nowMs, where: this.id, what: 'boot', detail: { incarnation: this.incarnation } })
    const kept = this.store.view()
    for (const [name, spec] of this.#specs) {
      const prefix = `${name}/`
      const persisted = new Map([...kept].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]))
      const { state, effects } = spec.machine.restore(persisted, this.clock.nowMs)
      this.#states.set(name, state)
      this.trace.add({ atMs: this.clock.nowMs, where: this.id, what: `restore ${name}`, detail: { persisted: persisted.size, effects } })
      this.#carryOut(name, effects)
    }
    this.hooks.afterStep()
  }

  /** A crash: memory, timers and in-flight deliveries gone; the store keeps what durability allows. */
  crash (): void {
    this.#down('crash', () => this.store.crash())
  }

  /** The process exits after a graceful stop (tell the machines first): memory and timers gone as in a crash, every write kept. */
  exit (): void {
    this.#down('exit', () => this.store.close())
  }

  #down (what: 'crash' | 'exit', disk: () => CrashLoss): void {
    if (!this.up) return
    this.up = false
    for (const t of this.#timers.values()) t.cancelled = true
    this.#timers.clear()
    this.#states.clear()
    const loss = disk()
    this.trace.add({ atMs: this.clock.nowMs, where: this.id, what, detail: loss })
  }

  /** Feeds `event` to machine `name`: the way tests deliver machine-specific events (a client request, a stop). */
  step (name: string, event: { kind: string }): void {
    if (!this.up) return
    const spec = this.#specs.get(name)
    if (spec === undefined) throw new UnknownMachineError(this.id, name)
    const { state, effects } = spec.machine.step(this.#states.get(name), event)
    this.#states.set(name, state)
    this.trace.add({ atMs: this.clock.nowMs, where: this.id, what: `${name} ← ${event.kind}`, detail: { event, effects } })
    this.#carryOut(name, effects)
    this.hooks.afterStep()
  }

  /** The network's delivery: through the machine's edge, then a `message` event. */
  deliver (from: string, wire: unknown): void {
    const { machine, wire: body } = wire as Envelope
    const spec = this.#specs.get(machine)
    if (spec === undefined) return
    const verdict: EdgeVerdict<unknown> = spec.decode?.(from, body) ?? { kind: 'ok', msg: body }
    if (verdict.kind === 'refused') {
      this.trace.add({ atMs: this.clock.nowMs, where: this.id, what: `edge refused (${verdict.why})`, detail: { from, machine } })
      return
    }
    const event: CoreEvent<unknown> = { kind: 'message', from, msg: verdict.msg, nowMs: this.clock.nowMs }
    this.step(machine, event)
  }

  /** Sends a machine's message as that machine would (for adversaries and newer builds that share the edge). */
  envelope (machine: string, msg: unknown): Envelope {
    const spec = this.#specs.get(machine)
    return { machine, wire: spec?.encode?.(msg) ?? msg }
  }

  #carryOut (name: string, effects: ReadonlyArray<{ kind: string }>): void {
    const incarnation = this.incarnation
    for (const effect of effects) {
      const e = effect as CoreEffect<unknown>
      switch (e.kind) {
        case 'send':
          this.network.send(this.id, e.to, this.envelope(name, e.msg))
          break
        case 'persist':
          this.store.write(`${name}/${e.key}`, e.value, e.sync, () => {
            const persisted: CoreEvent<unknown> = { kind: 'persisted', token: e.token, nowMs: this.clock.nowMs }
            if (this.up && this.incarnation === incarnation) this.step(name, persisted)
          })
          break
        case 'set-timer': {
          const key = `${name}/${e.timer}`
          const old = this.#timers.get(key)
          if (old !== undefined) old.cancelled = true
          this.#timers.set(key, this.clock.at(e.atMs - (this.hooks.timersEarlyMs ?? 0), () => {
            this.#timers.delete(key)
            const fired: CoreEvent<unknown> = { kind: 'timer', timer: e.timer, nowMs: this.clock.nowMs }
            this.step(name, fired)
          }))
          break
        }
        case 'cancel-timer': {
          const key = `${name}/${e.timer}`
          const old = this.#timers.get(key)
          if (old !== undefined) old.cancelled = true
          this.#timers.delete(key)
          break
        }
        default:
          this.hooks.onEffect(this, name, effect)
      }
    }
  }
}
