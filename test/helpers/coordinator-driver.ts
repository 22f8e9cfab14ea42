// Drives one sign coordinator machine (protocols/sign/machine/coordinator-machine.ts) by hand:
// scripted events on a virtual clock, the timers it set, and every effect it asked for, with
// the invariants checked on every step (at most one answer; no blame once it is decided).
import { expect } from 'vitest'
import { ownerPublicKey, signBody } from '../../protocols/crypto/owner-auth.js'
import { createCoordinatorMachine, type CoordinatorMachine } from '../../protocols/sign/machine/coordinator-machine.js'
import type { AnyProtocol } from '../../protocols/sign/machine/coordinator-session.js'
import type { CoordinatorEffect, CoordinatorEvent, CoordinatorKey, CoordinatorState, CoordinatorView } from '../../protocols/sign/machine/coordinator-types.js'
import type { LedgerContribution, SignerAnswer } from '../../protocols/sign/machine/messages.js'
import { DEFAULT_POLICY, type KeyRecord, type KeyScheme } from '../../protocols/wire/key-record.js'
import { SIGN_REQUEST_KIND, type NewParty, type PartyMember, type SignRequest } from '../../protocols/wire/sign.js'
import { seeded } from './deterministic.js'
import { newOwner } from './owner.js'

export const KEY_ID = 'cd'.repeat(16)
export const T0 = 1_900_000_000_000
export const SELF = 'cm-self'

type Effect<K extends CoordinatorEffect['kind']> = Extract<CoordinatorEffect, { kind: K }>

/** A request owned by a fresh owner, and the key record the CM holds for it (only what the machine reads is real). */
export function ownedRequest (opts: { scheme?: KeyScheme, message?: string, lifetimeMs?: number, requestId?: string, groupPublicKey?: string } = {}): { request: SignRequest, record: KeyRecord } {
  const owner = newOwner()
  const scheme = opts.scheme ?? 'ed25519'
  const request = signBody(SIGN_REQUEST_KIND, {
    v: 1 as const, keyId: KEY_ID, message: opts.message ?? 'cafe0001', requestId: opts.requestId ?? 'request-0001', expiresAt: T0 + (opts.lifetimeMs ?? 30_000)
  }, owner) as SignRequest
  const record = { keyId: KEY_ID, scheme, groupPublicKey: opts.groupPublicKey ?? '02'.padEnd(66, '0'), ownerAuthKey: ownerPublicKey(owner), policy: { ...DEFAULT_POLICY } } as unknown as KeyRecord
  return { request, record }
}

export function viewOf (live: Iterable<string>, opts: Partial<CoordinatorView> = {}): CoordinatorView {
  const set = new Set(live)
  return { live: set, load: new Map(), members: new Set([...set, SELF]), manager: true, ...opts }
}

export class Driver<Pub> {
  readonly machine: CoordinatorMachine<Pub>
  state: CoordinatorState<Pub>
  nowMs = T0
  /** Every effect, in order. */
  readonly log: CoordinatorEffect[] = []
  /** Timers set and not cancelled or fired: name → when. */
  readonly timers = new Map<string, number>()
  private decided = false
  /** The shell's side of the session slot, as the effects ask (acquire-slot, release-slot) and `slot()` grants. */
  slotState: 'none' | 'asked' | 'held' = 'none'

  constructor (protocol: AnyProtocol<Pub>, seed = 'coordinator') {
    this.machine = createCoordinatorMachine({ protocol, random: seeded(seed) })
    this.state = this.machine.restore(new Map(), T0).state
  }

  step (event: CoordinatorEvent<Pub>): CoordinatorEffect[] {
    const { state, effects } = this.machine.step(this.state, event)
    this.state = state
    for (const e of effects) {
      if (e.kind === 'answer') {
        expect(this.decided, 'a second answer').toBe(false)
        this.decided = true
      }
      if (e.kind === 'blame') expect(this.decided, 'blame after the request was decided').toBe(false)
      if (e.kind === 'acquire-slot') this.slotState = 'asked'
      if (e.kind === 'release-slot') this.slotState = 'none'
      if (e.kind === 'set-timer') this.timers.set(e.timer, e.atMs)
      if (e.kind === 'cancel-timer') this.timers.delete(e.timer)
    }
    this.log.push(...effects)
    return effects
  }

  start (request: SignRequest, key: CoordinatorKey<Pub>, view: CoordinatorView): CoordinatorEffect[] {
    return this.step({ kind: 'start', nowMs: this.nowMs, self: SELF, request, key, view })
  }

  at (ms: number): this {
    this.nowMs = Math.max(this.nowMs, ms)
    return this
  }

  view (view: CoordinatorView): CoordinatorEffect[] {
    return this.step({ kind: 'view', nowMs: this.nowMs, view })
  }

  slot (): CoordinatorEffect[] {
    if (this.slotState === 'asked') this.slotState = 'held'
    return this.step({ kind: 'slot', nowMs: this.nowMs })
  }

  presigns (presigned?: NewParty['presigned']): CoordinatorEffect[] {
    return this.step({ kind: 'presigns', nowMs: this.nowMs, ...(presigned !== undefined ? { presigned } : {}) })
  }

  answer (from: string, answer: SignerAnswer): CoordinatorEffect[] {
    return this.step({ kind: 'message', from, msg: { kind: 'answer', answer }, nowMs: this.nowMs })
  }

  stop (): CoordinatorEffect[] {
    return this.step({ kind: 'stop', nowMs: this.nowMs })
  }

  /** Fires the pending timer whose name starts with `purpose` (the clock moves to it). */
  fire (purpose: string): CoordinatorEffect[] {
    const found = [...this.timers].find(([name]) => name.startsWith(`${purpose}#`))
    if (found === undefined) throw new Error(`no pending ${purpose} timer; pending: ${[...this.timers.keys()].join(', ')}`)
    this.timers.delete(found[0])
    this.at(found[1])
    return this.step({ kind: 'timer', timer: found[0], nowMs: this.nowMs })
  }

  all<K extends CoordinatorEffect['kind']> (kind: K, effects: CoordinatorEffect[] = this.log): Array<Effect<K>> {
    return effects.filter((e): e is Effect<K> => e.kind === kind)
  }

  /** The new_party messages of the last session started (one per member). */
  lastNewParty (): NewParty {
    const sends = this.all('send').filter(s => s.msg.kind === 'new_party')
    const last = sends.at(-1)
    if (last === undefined) throw new Error('no new_party was sent')
    return last.msg as NewParty
  }

  get phase (): CoordinatorState<Pub>['phase'] {
    return this.state.phase
  }

  get stage (): string | undefined {
    return this.state.phase === 'running' ? this.state.stage.at : undefined
  }

  /** The one answer, if decided. */
  get answered (): Effect<'answer'>['result'] | undefined {
    return this.all('answer')[0]?.result
  }
}

export const member = (committee: number, m: number, peerId: string): PartyMember => ({ committee, member: m, peerId })

/** A ledger record for the stand-in protocols, whose `keep` is `{ fake: contribution }`. */
export function kept (sessionId: string, coordinator: string, party: PartyMember[], contribution: unknown): LedgerContribution {
  return { sessionId, coordinator, party, fake: contribution } as unknown as LedgerContribution
}
