// A simulated node's signing shell: what node/engine/sign will be once it is only a shell
// (DESIGN 10). One machine on the simulated node that holds the node's signer machine and
// one coordinator machine per request it took as a manager, routes peers' messages to
// them, answers what they ask of the node (a view of the network, a session slot, no
// presignatures) and carries out their effects, with their timers and writes kept apart
// by prefix. As the node's party handler does, it refuses a recover from a node that is no
// manager in its view, and keeps the key's rate limit with the node's own RateLimiter. It
// decides nothing of signing. What leaves it besides the core effects is what scenarios
// and tests check: answers to the client, blame, requests sent on, every share a signer sent.
import { MAX_CONCURRENT_SESSIONS_PER_CM } from '../../../protocols/constants.js'
import type { CoreEffect, CoreEvent, EpochMs, Machine, Random, Stepped } from '../../../protocols/machine/types.js'
import { createCoordinatorMachine } from '../../../protocols/sign/machine/coordinator-machine.js'
import type { AnyProtocol } from '../../../protocols/sign/machine/coordinator-session.js'
import { RESULT_KEY_PREFIX, type CoordinatorEffect, type CoordinatorEvent, type CoordinatorKey, type CoordinatorState } from '../../../protocols/sign/machine/coordinator-types.js'
import type { SignMachineMessage, SignerAnswer } from '../../../protocols/sign/machine/messages.js'
import { signerMachine } from '../../../protocols/sign/machine/signer-machine.js'
import type { KeyLookup, SignerEffect, SignerEvent, SignerState } from '../../../protocols/sign/machine/signer-types.js'
import type { ThresholdProtocol } from '../../../protocols/sign/machine/threshold-protocol.js'
import { LEDGER_PREFIX, ledgerKey, type LedgerEntry } from '../../../protocols/sign/ledger-rules.js'
import type { BlameRecord } from '../../../protocols/wire/http.js'
import type { SessionAbandoned, SignRequest, SignResult } from '../../../protocols/wire/sign.js'
import { RateLimiter } from '../../../node/engine/sign/rate-limiter.js'

export const SIGN_HOST = 'sign'

/** A client's request, handed to this node as a manager. */
export interface ClientRequest { kind: 'client-request', request: SignRequest, nowMs: EpochMs }

/** The node shuts down (SIGTERM): its requests stay pending, unblamed. The process exits after (SimNode.exit). */
export interface HostStop { kind: 'stop', nowMs: EpochMs }

export type HostEvent = CoreEvent<SignMachineMessage> | ClientRequest | HostStop

export type HostEffect =
  | CoreEffect<SignMachineMessage>
  | { kind: 'client-answer', cm: string, result: SignResult }
  | { kind: 'blame', cm: string, record: BlameRecord }
  /** This CM gave the request up to another manager (the route answers 503 from now on). */
  | { kind: 'sent-on', cm: string, reason: 'restarted' | 'role-lost', detail: string }
  | { kind: 'share-sent', signer: string, to: string, sessionId: string, requestId: string, partySize: number, contribution: unknown }

export interface HostState {
  signer: SignerState<unknown>
  requests: Map<string, CoordinatorState<unknown>>
  /** Session ids this node's requests asked about (new_party, recover): where their answers go. */
  sessions: Map<string, string>
  /** What this node's store holds of the ledger, as the shell's ledger cache would: written through, restored at boot. */
  ledger: Map<string, unknown>
  /** The sessions this node's signer was asked into (new_party): their request and party size, for the scenario's checks. */
  asked: Map<string, { requestId: string, partySize: number }>
  /** The signer's ledger writes on their way, by token: once one is back its machine may forget the entry (the mirror above has it). */
  writing: Map<string, string>
  slotsInUse: number
  slotQueue: string[]
  load: Map<string, number>
  /** The signer's per-key rate limit, in memory as the node's (a restart forgets it). */
  rate: RateLimiter
}

export interface HostInit {
  self: string
  /** Every node of the network (the simulated membership). */
  nodes: readonly string[]
  /** Which nodes are up now: the liveness oracle of the simulation. */
  live: () => ReadonlySet<string>
  /** Whether `peer` is a communication manager in this node's view (default: every node is). */
  isManager?: (peer: string) => boolean
  protocol: ThresholdProtocol<unknown, unknown, unknown, unknown>
  /** This node's key as a signer, and as a coordinator. */
  lookup: KeyLookup<unknown, unknown>
  coordinatorKey: CoordinatorKey<unknown>
  random: Random
  signAbandonment: (at: { keyId: string, requestId: string, sessionId: string, peerId: string }) => SessionAbandoned
  /** A broken shell for the scenario's own check: it reads no ledger entry for a new_party, so its signer claims afresh every time. */
  amnesiac?: boolean
}

const requestKey = (keyId: string, requestId: string): string => `${keyId}/${requestId}`

export function signHost (init: HostInit): Machine<HostState, HostEvent, HostEffect> {
  const signer = signerMachine({ self: init.self, protocol: init.protocol, random: init.random, signAbandonment: init.signAbandonment })
  const coordinator = createCoordinatorMachine<unknown>({ protocol: init.protocol as AnyProtocol<unknown>, random: init.random })

  /** Work to do within one step: events for the inner machines, in order. */
  type Work = { to: 'signer', event: SignerEvent<unknown, unknown> } | { to: 'request', key: string, event: CoordinatorEvent<unknown> }

  const isManager = (peer: string): boolean => init.isManager?.(peer) ?? true
  const view = (): { live: ReadonlySet<string>, load: ReadonlyMap<string, number>, members: ReadonlySet<string>, manager: boolean } =>
    ({ live: init.live(), load: new Map(), members: new Set(init.nodes), manager: isManager(init.self) })

  function run (state: HostState, first: Work[], nowMs: EpochMs): HostEffect[] {
    const out: HostEffect[] = []
    const queue = [...first]
    const deliverLocally = (from: string, msg: SignMachineMessage): void => { queue.push(...route(state, from, msg, nowMs)) }
    while (queue.length > 0) {
      const work = queue.shift()!
      if (work.to === 'signer') {
        const stepped = signer.step(state.signer, work.event)
        state.signer = stepped.state
        for (const e of stepped.effects) signerEffect(state, e, out, deliverLocally)
      } else {
        const current = state.requests.get(work.key)
        if (current === undefined) continue
        const stepped = coordinator.step(current, work.event)
        state.requests.set(work.key, stepped.state)
        for (const e of stepped.effects) coordinatorEffect(state, work.key, e, out, queue, deliverLocally, nowMs)
      }
    }
    return out
  }

  function signerEffect (state: HostState, e: SignerEffect, out: HostEffect[], local: (from: string, msg: SignMachineMessage) => void): void {
    switch (e.kind) {
      case 'send':
        if (e.msg.kind === 'answer' && e.msg.answer.kind === 'share') {
          const asked = state.asked.get(e.msg.answer.sessionId)
          out.push({ kind: 'share-sent', signer: init.self, to: e.to, sessionId: e.msg.answer.sessionId, requestId: asked?.requestId ?? '', partySize: asked?.partySize ?? 0, contribution: e.msg.answer.contribution })
        }
        if (e.to === init.self) local(init.self, e.msg)
        else out.push(e)
        return
      case 'persist':
        if (e.value === undefined) state.ledger.delete(e.key)
        else state.ledger.set(e.key, e.value)
        state.writing.set(e.token, e.key)
        out.push({ ...e, token: `s|${e.token}` })
        return
      case 'set-timer': out.push({ ...e, timer: `s|${e.timer}` }); return
      case 'cancel-timer': out.push({ ...e, timer: `s|${e.timer}` }); return
      case 'take-rate-token': state.rate.tryTake(e.keyId, e.ratePerMinute, e.nowMs); return
      default: // log lines
    }
  }

  function coordinatorEffect (state: HostState, key: string, e: CoordinatorEffect, out: HostEffect[], queue: Work[], local: (from: string, msg: SignMachineMessage) => void, nowMs: EpochMs): void {
    const toRequest = (event: CoordinatorEvent<unknown>): void => { queue.push({ to: 'request', key, event }) }
    switch (e.kind) {
      case 'send':
        if (e.msg.kind === 'new_party' || e.msg.kind === 'recover') state.sessions.set(e.msg.sessionId, key)
        if (e.to === init.self) local(init.self, e.msg)
        else out.push(e)
        return
      case 'persist': out.push({ ...e, token: `c|${key}|${e.token}` }); return
      case 'set-timer': out.push({ ...e, timer: `c|${key}|${e.timer}` }); return
      case 'cancel-timer': out.push({ ...e, timer: `c|${key}|${e.timer}` }); return
      case 'need-view': toRequest({ kind: 'view', nowMs, view: view() }); return
      case 'acquire-slot':
        if (state.slotsInUse < MAX_CONCURRENT_SESSIONS_PER_CM) { state.slotsInUse++; toRequest({ kind: 'slot', nowMs }) } else state.slotQueue.push(key)
        return
      case 'release-slot': {
        const queued = state.slotQueue.indexOf(key)
        if (queued >= 0) { state.slotQueue.splice(queued, 1); return }
        const next = state.slotQueue.shift()
        if (next !== undefined) queue.push({ to: 'request', key: next, event: { kind: 'slot', nowMs } })
        else state.slotsInUse--
        return
      }
      case 'take-presigns': toRequest({ kind: 'presigns', nowMs }); return
      case 'answer': out.push({ kind: 'client-answer', cm: init.self, result: e.result }); return
      case 'blame': out.push({ kind: 'blame', cm: init.self, record: e.record }); return
      case 'sent-on': out.push({ kind: 'sent-on', cm: init.self, reason: e.reason, detail: e.detail }); return
      case 'notify-completed':
        for (const p of e.party) {
          const msg: SignMachineMessage = { kind: 'completed', keyId: e.keyId, requestId: e.requestId, signature: e.signature }
          if (p.peerId === init.self) local(init.self, msg)
          else out.push({ kind: 'send', to: p.peerId, msg })
        }
        return
      default: // drop-presigns, session-started/ended, notes: the shell's logs and metrics
    }
  }

  /** A peer's (or this node's own) message: to the signer, or as an answer to the request that asked. */
  function route (state: HostState, from: string, msg: SignMachineMessage, nowMs: EpochMs): Work[] {
    const stored = (keyId: string, requestId: string): LedgerEntry | undefined => state.ledger.get(ledgerKey(keyId, requestId)) as LedgerEntry | undefined
    // As the node's signer shell: whether the key's rate limit has a token now (the machine takes it).
    const rateAvailable = (keyId: string): boolean => init.lookup.kind !== 'found' || state.rate.available(keyId, init.lookup.record.policy.ratePerMinute, nowMs)
    switch (msg.kind) {
      case 'new_party':
        state.asked.set(msg.sessionId, { requestId: msg.request.requestId, partySize: msg.party.length })
        if (init.amnesiac === true) {
          const key = ledgerKey(msg.request.keyId, msg.request.requestId)
          return [
            { to: 'signer', event: { kind: 'forget', key, nowMs } },
            { to: 'signer', event: { kind: 'new-party', from, np: msg, key: init.lookup, stored: undefined, members: new Set(init.nodes), rateAvailable: rateAvailable(msg.request.keyId), nowMs } }
          ]
        }
        return [{ to: 'signer', event: { kind: 'new-party', from, np: msg, key: init.lookup, stored: stored(msg.request.keyId, msg.request.requestId), members: new Set(init.nodes), rateAvailable: rateAvailable(msg.request.keyId), nowMs } }]
      case 'recover':
        return [{ to: 'signer', event: { kind: 'recover', from, req: msg, key: init.lookup, stored: stored(msg.request.keyId, msg.request.requestId), nowMs } }]
      case 'completed':
        return [{ to: 'signer', event: { kind: 'completed', from, msg, key: init.lookup, stored: stored(msg.keyId, msg.requestId), nowMs } }]
      case 'round':
        return [{ to: 'signer', event: { kind: 'message', from, msg, nowMs } }]
      case 'answer': {
        const key = state.sessions.get((msg.answer as SignerAnswer).sessionId)
        return key === undefined ? [] : [{ to: 'request', key, event: { kind: 'message', from, msg, nowMs } }]
      }
    }
  }

  return {
    restore (persisted, nowMs): Stepped<HostState, HostEffect> {
      const signerPart = new Map([...persisted].filter(([k]) => k.startsWith(LEDGER_PREFIX)))
      const requests = new Map<string, CoordinatorState<unknown>>()
      for (const [k, v] of persisted) {
        if (!k.startsWith(RESULT_KEY_PREFIX)) continue
        const restored = coordinator.restore(new Map([[k, v]]), nowMs).state
        const stored = v as { result?: SignResult }
        if (stored.result !== undefined) requests.set(requestKey(stored.result.keyId, stored.result.requestId), restored)
      }
      return {
        state: { signer: signer.restore(signerPart, nowMs).state, ledger: new Map(signerPart), writing: new Map(), asked: new Map(), requests, sessions: new Map(), slotsInUse: 0, slotQueue: [], load: new Map(), rate: new RateLimiter() },
        effects: []
      }
    },

    step (state, event): Stepped<HostState, HostEffect> {
      switch (event.kind) {
        case 'client-request': {
          const key = requestKey(event.request.keyId, event.request.requestId)
          // A request this manager already holds is not started twice (the shell's idempotent intake).
          if (state.requests.has(key)) return { state, effects: [] }
          state.requests.set(key, coordinator.restore(new Map(), event.nowMs).state)
          return { state, effects: run(state, [{ to: 'request', key, event: { kind: 'start', nowMs: event.nowMs, self: init.self, request: event.request, key: init.coordinatorKey, view: view() } }], event.nowMs) }
        }
        case 'message': {
          const { from, msg, nowMs } = event
          // The node's party handler: a recover can end a session for good, so only a manager in this node's view may send one.
          if (msg.kind === 'recover' && !isManager(from)) {
            const answer: SignerAnswer = { kind: 'reject', sessionId: msg.sessionId, code: 'not-a-manager', reason: `${from} is no communication manager in this node's view` }
            return { state, effects: [{ kind: 'send', to: from, msg: { kind: 'answer', answer } }] }
          }
          return { state, effects: run(state, route(state, from, msg, nowMs), nowMs) }
        }
        case 'stop':
          return { state, effects: run(state, [...state.requests.keys()].map(key => ({ to: 'request' as const, key, event: { kind: 'stop', nowMs: event.nowMs } })), event.nowMs) }
        case 'timer':
        case 'persisted': {
          const name = event.kind === 'timer' ? event.timer : event.token
          // `s|<name>` is the signer's, `c|<request>|<name>` a request's (see the effects above).
          const first = name.indexOf('|')
          const second = name.indexOf('|', first + 1)
          if (name.startsWith('s|')) {
            const own = name.slice(2)
            const inner = event.kind === 'timer' ? { ...event, timer: own } : { ...event, token: own }
            const written = event.kind === 'persisted' ? state.writing.get(own) : undefined
            state.writing.delete(own)
            const work: Work[] = [{ to: 'signer', event: inner }]
            if (written !== undefined) work.push({ to: 'signer', event: { kind: 'forget', key: written, nowMs: event.nowMs } })
            return { state, effects: run(state, work, event.nowMs) }
          }
          const keyPart = name.slice(first + 1, second)
          const rest = name.slice(second + 1)
          const inner = event.kind === 'timer' ? { ...event, timer: rest } : { ...event, token: rest }
          return { state, effects: run(state, [{ to: 'request', key: keyPart, event: inner }], event.nowMs) }
        }
      }
    }
  }
}
