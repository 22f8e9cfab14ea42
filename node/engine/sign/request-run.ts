// One sign request at a communication manager: the shell of its coordinator machine
// (protocols/sign/machine/coordinator-machine.ts, DESIGN 10). It feeds the machine the
// request, views of the network, session slots, presignatures, the signers' answers and
// timers, and carries out what it asks: new_party and recover to the party (this node's
// own signer directly), the request's state in the store, the client's answer, blame,
// completion notices, logs and metrics. Every decision is the machine's.
import { randomBytes } from 'node:crypto'
import { PARTY_TIMEOUT_MS, PROTOCOL_PARTY } from '../../../protocols/constants.js'
import type { Frost } from '../../../protocols/frost/index.js'
import type { EpochMs } from '../../../protocols/machine/types.js'
import { createCoordinatorMachine, type CoordinatorMachine } from '../../../protocols/sign/machine/coordinator-machine.js'
import type { CoordinatorEffect, CoordinatorEvent, CoordinatorState, CoordinatorView, StoredResult } from '../../../protocols/sign/machine/coordinator-types.js'
import { frostProtocol } from '../../../protocols/sign/machine/frost-protocol.js'
import { ecdsaProtocol } from '../../../protocols/sign/machine/ecdsa-protocol.js'
import { schemeProtocol, type SchemeKey } from '../../../protocols/sign/machine/scheme-protocol.js'
import type { SignerAnswer, SignMachineMessage } from '../../../protocols/sign/machine/messages.js'
import { PartyAnswerSchema, type NewParty, type PartyAnswer, type PartyMember, type Recover, type SignRequest, type SignResult } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { SignMetrics } from '../../metrics/index.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { requestJson } from '../../p2p/direct.js'
import { deadline, releaseDeadline } from '../../deadline.js'
import { MachineTimers } from '../machine-timers.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { KeyMaterial } from './key-material.js'
import type { PresignPool } from './presign-pool.js'
import type { Semaphore } from './semaphore.js'
import { frostCurveOf, signingProtocolOf, type KeyScheme } from '../../../protocols/keys/key-scheme.js'

/** How long past the machine's own deadline the transport waits for an answer it may still use. */
const ANSWER_SLACK_MS = 1_000

export interface RequestRunInit {
  frost: Frost
  libp2p: ShardsigLibp2p
  view: NetworkView
  members: () => ReadonlySet<string>
  blame: BlameLog
  metrics: SignMetrics
  slots: Semaphore
  presigns: PresignPool
  /** Sessions each signer is in at this CM; the shell counts them from session-started / session-ended. */
  signerLoad: Map<string, number>
  localSigner: {
    onNewParty: (np: NewParty, signal: AbortSignal) => Promise<PartyAnswer>
    onRecover: (req: Recover) => Promise<PartyAnswer>
  }
  /** Writes the request's state (result-store.ts); resolves once written. */
  persist: (stored: StoredResult, sync: boolean) => Promise<void>
  /** The request is decided: what the waiting client gets. */
  decided: (result: SignResult & { status: 'completed' | 'failed' }) => void
  /** Its final state is in the store. */
  durable: () => void
  sentOn: (reason: 'restarted' | 'role-lost', detail: string) => void
  notifyCompleted: (party: readonly PartyMember[], keyId: string, requestId: string, signature: string) => void
  /** The node stops: the machine is told, and the request stays pending. */
  signal: AbortSignal
  now: () => number
  log: Logger
}

/** The machine's answer from the wire's: a FROST share answer's fields are its contribution, a DKLs23 one carries it. */
export function answerFromWire (answer: PartyAnswer): SignerAnswer {
  if (answer.kind === 'dkls23-share') return { kind: 'share', sessionId: answer.sessionId, contribution: answer.contribution }
  if (answer.kind !== 'share') return answer as SignerAnswer
  const { kind: _k, sessionId, ...contribution } = answer
  return { kind: 'share', sessionId, contribution }
}

export class RequestRun {
  private readonly machine: CoordinatorMachine<SchemeKey>
  private state: CoordinatorState<SchemeKey>
  private readonly timers: MachineTimers
  private slotRelease: (() => void) | undefined
  private slotAsk: AbortController | undefined
  private ended!: () => void
  private readonly over = new Promise<void>(resolve => { this.ended = resolve })
  private readonly queue: Array<CoordinatorEvent<SchemeKey>> = []
  private stepping = false
  private expiresAt = 0
  private writing: Promise<void> = Promise.resolve()
  /** The final state's synced write came back (told once). */
  private durable = false

  constructor (private readonly init: RequestRunInit) {
    const protocol = schemeProtocol({ frost: frostProtocol({ frost: init.frost }), ecdsa: ecdsaProtocol({ group: init.frost.backend.secp256k1 }) })
    this.machine = createCoordinatorMachine<SchemeKey>({ protocol, random: n => new Uint8Array(randomBytes(n)) })
    this.state = this.machine.restore(new Map(), init.now()).state
    this.timers = new MachineTimers(timer => { this.feed({ kind: 'timer', timer, nowMs: init.now() }) }, init.now)
  }

  /** Runs the request to its end here: decided (and written), sent on, or stopped. */
  async run (request: SignRequest, material: KeyMaterial): Promise<void> {
    this.expiresAt = request.expiresAt
    const onStop = (): void => { this.feed({ kind: 'stop', nowMs: this.init.now() }) }
    this.init.signal.addEventListener('abort', onStop, { once: true })
    this.feed({
      kind: 'start', nowMs: this.init.now(), self: this.init.view.selfPeerId, request, view: this.viewNow(),
      key: {
        record: material.record, key: { params: material.params, nested: material.nested, scheme: material.record.scheme }, epoch: material.state.epoch,
        tc: material.state.params.tc, tm: material.state.params.tm, holders: material.state.holders, confirmed: material.confirmed
      }
    })
    try {
      await this.over
    } finally {
      this.init.signal.removeEventListener('abort', onStop)
      this.timers.clear()
      this.slotAsk?.abort()
      this.slotRelease?.()
    }
  }

  private viewNow (): CoordinatorView {
    const { view } = this.init
    return { live: view.liveSet(), load: new Map(this.init.signerLoad), members: this.init.members(), manager: view.isManager() }
  }

  /** Steps events one at a time, in order; effects that answer at once queue their events behind. */
  private feed (event: CoordinatorEvent<SchemeKey>): void {
    this.queue.push(event)
    if (this.stepping) return
    this.stepping = true
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const { state, effects } = this.machine.step(this.state, next)
        this.state = state
        for (const e of effects) this.carryOut(e)
        if (state.phase === 'finished' && state.durable && !this.durable) {
          this.durable = true
          this.init.durable()
        }
        if (this.finished()) this.ended()
      }
    } finally {
      this.stepping = false
    }
  }

  /** Nothing more will happen here: decided and durable, sent on, or stopped. */
  private finished (): boolean {
    const s = this.state
    return (s.phase === 'finished' && s.durable) || s.phase === 'sent-on' || s.phase === 'stopped'
  }

  private carryOut (e: CoordinatorEffect): void {
    const { init } = this
    const now = (): EpochMs => init.now()
    switch (e.kind) {
      case 'send': return this.send(e.to, e.msg)
      case 'persist':
        // One after another, in the order asked: the final (synced) state must land after the pending one.
        this.writing = this.writing.then(async () => { await init.persist(e.value as StoredResult, e.sync) })
        this.writing.then(
          () => { this.feed({ kind: 'persisted', token: e.token, nowMs: now() }) },
          (err: Error) => {
            init.log.error({ err: err.message }, 'could not record a sign request\'s state')
            // A final write that failed leaves the result in memory only: nothing more to wait for.
            if (this.state.phase === 'finished') this.ended()
          })
        // A failed write does not hold up the next one.
        this.writing = this.writing.catch(() => {})
        return
      case 'set-timer': this.timers.set(e.timer, e.atMs); return
      case 'cancel-timer': this.timers.cancel(e.timer); return
      case 'need-view':
        this.queue.push({ kind: 'view', nowMs: now(), view: this.viewNow() })
        return
      case 'acquire-slot': {
        const ask = new AbortController()
        this.slotAsk = ask
        // No longer than the request may live (the machine gives up at its expiry and withdraws the ask).
        const until = deadline(Math.max(0, this.expiresAt - now()) + ANSWER_SLACK_MS, ask.signal, init.signal)
        init.slots.acquire(until).then(release => {
          this.slotAsk = undefined
          this.slotRelease = release
          this.feed({ kind: 'slot', nowMs: now() })
        }, () => {}).finally(() => { releaseDeadline(until) })
        return
      }
      case 'release-slot':
        this.slotAsk?.abort()
        this.slotAsk = undefined
        this.slotRelease?.()
        this.slotRelease = undefined
        return
      case 'take-presigns': {
        // Presignatures are FROST's (DKLs23 keys sign with both rounds among their signers).
        const taken = signingProtocolOf(this.scheme()) === 'frost' ? init.presigns.take(e.keyId, e.epoch, frostCurveOf(this.scheme()), e.party) : undefined
        this.queue.push({ kind: 'presigns', nowMs: now(), ...(taken !== undefined ? { presigned: taken.wire } : {}) })
        return
      }
      case 'drop-presigns':
        for (const peerId of e.peerIds) init.presigns.forget(e.keyId, e.epoch, peerId)
        return
      case 'answer': init.decided(e.result); return
      case 'blame':
        init.blame.record(e.record, init.log).catch((err: Error) => { init.log.warn({ err: err.message }, 'could not record blame') })
        return
      case 'notify-completed': init.notifyCompleted(e.party, e.keyId, e.requestId, e.signature); return
      case 'sent-on': init.sentOn(e.reason, e.detail); return
      case 'session-started':
        for (const p of e.party) init.signerLoad.set(p.peerId, (init.signerLoad.get(p.peerId) ?? 0) + 1)
        if (signingProtocolOf(this.scheme()) === 'frost') init.presigns.refill(e.keyId, e.epoch, e.party)
        init.metrics.signSessionStarted(this.scheme(), e.presigned ? 'presigned' : 'exchanged')
        init.log.info({ sessionId: e.sessionId, attempt: e.attempt, presigned: e.presigned, party: e.party.map(p => ({ committee: p.committee, member: p.member, peerId: p.peerId })) }, 'signing session started')
        return
      case 'session-ended':
        for (const p of e.party) init.signerLoad.set(p.peerId, Math.max(0, (init.signerLoad.get(p.peerId) ?? 1) - 1))
        init.log.info({ sessionId: e.sessionId, outcome: e.outcome, ms: e.ms }, 'signing session ended')
        return
      case 'note': init.log.info(e.detail, e.what)
    }
  }

  private scheme (): KeyScheme {
    const s = this.state
    return s.phase === 'running' ? s.run.key.record.scheme : 'ed25519'
  }

  /** new_party and recover to a party member (this node's own signer directly); its answer comes back as an event. */
  private send (to: string, msg: SignMachineMessage): void {
    const { init } = this
    if (msg.kind !== 'new_party' && msg.kind !== 'recover') return
    const signal = deadline(PARTY_TIMEOUT_MS + ANSWER_SLACK_MS, init.signal)
    const asked = to === init.view.selfPeerId
      ? (msg.kind === 'new_party' ? init.localSigner.onNewParty(msg, signal) : init.localSigner.onRecover(msg))
      : requestJson(init.libp2p, to, PROTOCOL_PARTY, msg, PartyAnswerSchema, { signal })
    asked.then(
      answer => { this.feed({ kind: 'message', from: to, msg: { kind: 'answer', answer: answerFromWire(answer) }, nowMs: init.now() }) },
      (err: Error) => {
        init.log.debug({ to, kind: msg.kind, err: err.message }, 'no answer from a party member')
        // A new_party that failed on the way (the member is down, a reset) is silence known now, as it was before the machine.
        if (msg.kind === 'new_party') this.feed({ kind: 'no-answer', from: to, sessionId: msg.sessionId, error: err.message, nowMs: init.now() })
      }
    ).finally(() => { releaseDeadline(signal) })
  }
}
