// A signing world for scripted tests on the simulator (test/sim/sign-*.test.ts): nine nodes of
// three committees, each a sign host (sign-host.ts: the signer machine and a coordinator machine
// per request) with real FROST on one dealt key. The nodes have real libp2p peer ids, so a
// member's signed word that it abandoned a session checks as it does on the network. The
// network is healed (1–20 ms, nothing lost) unless a test cuts messages; a crash keeps only
// synced writes, a graceful stop every write. A test scripts clients, a dead CM's messages,
// crashes, restarts and cuts on the virtual clock, runs it, and reads what every node did.
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { signAbandonment } from '../../../protocols/sign/dead-session.js'
import { requestStatus } from '../../../protocols/sign/machine/coordinator-machine.js'
import { frostProtocol, type FrostKey } from '../../../protocols/sign/machine/frost-protocol.js'
import type { SignerAnswer, SignMachineMessage } from '../../../protocols/sign/machine/messages.js'
import type { ThresholdProtocol } from '../../../protocols/sign/machine/threshold-protocol.js'
import { selectParty } from '../../../protocols/sign/select-party.js'
import type { BlameRecord } from '../../../protocols/wire/http.js'
import type { KeyRecord, Policy } from '../../../protocols/wire/key-record.js'
import type { PartyMember, SignRequest, SignResult } from '../../../protocols/wire/sign.js'
import { testFrost } from '../../helpers/frost.js'
import { signFixture, type SignFixture } from '../../helpers/sign-fixture.js'
import type { Envelope } from '../node.js'
import { HEALED_LINK } from '../network.js'
import { corrupting } from '../scenarios/sign.js'
import { SIM_START_MS, Simulation } from '../simulation.js'
import { SIGN_HOST, signHost, type HostEffect, type HostState } from './sign-host.js'

/** The load a CM's party selection gives the CM itself (coordinator-machine.ts): it is chosen last. */
const SELF_PARTY_LOAD = Number.MAX_SAFE_INTEGER / 2
/** A graceful stop: the process exits this long after its machines were told. */
const EXIT_AFTER_STOP_MS = 1

/** The policy of the real-stack tests' BIP340 key: short messages that start with cafe. */
export const CAFE_POLICY: Partial<Policy> = { maxMessageBytes: 64, messagePrefix: 'cafe', ratePerMinute: 1_000 }

export interface WorldOptions {
  seed?: number
  policy?: Partial<Policy>
  /** This node's signer adds one to every share it sends (committee-major index, 0–8). */
  faulty?: number
  /** The communication managers every node counts at the start (indices; default 0, 4, 8). */
  managers?: number[]
  /** Every timer fires this long before its time, as Node's setTimeout may against Date.now (default 0). */
  timersEarlyMs?: number
}

export interface Seen<T> { atMs: number, from: string, to: string, msg: T }

/** Peer ids (committee-major) and each one's libp2p key seed, the same in every world. */
const PEERS = Array.from({ length: 9 }, (_, i) => {
  const seed = sha256(new TextEncoder().encode(`sim-sign-cases/peer/${i}`))
  return { seed, peerId: peerIdFromPublicKey(publicKeyFromRaw(ed25519.getPublicKey(seed))).toString() }
})
const fixtures = new Map<string, SignFixture>()

export class SignWorld {
  readonly sim: Simulation
  readonly nodes = PEERS.map(p => p.peerId)
  readonly holders: string[][]
  readonly record: KeyRecord
  readonly managers: Set<string>
  /** Every sign message sent (before the network decides its fate), with virtual ms into the run. */
  readonly wire: Array<Seen<SignMachineMessage>> = []
  readonly answers: Array<{ atMs: number, cm: string, result: SignResult }> = []
  readonly blame: Array<{ atMs: number, cm: string, record: BlameRecord }> = []
  readonly sentOn: Array<{ atMs: number, cm: string, reason: string }> = []
  readonly #fx: SignFixture

  constructor (opts: WorldOptions = {}) {
    const policy = { ...CAFE_POLICY, ...opts.policy }
    const cached = JSON.stringify(policy)
    this.#fx = fixtures.get(cached) ?? signFixture({ seed: 'sim-sign-cases', policy })
    fixtures.set(cached, this.#fx)
    const fx = this.#fx
    // The fixture's holders are named p<committee><member>: here they are the peers above, slot for slot.
    this.holders = fx.holders.map((members, c) => members.map((_, m) => this.nodes[3 * c + m]!))
    const alias = new Map(this.holders.flatMap((members, c) => members.map((p, m) => [p, fx.holders[c]![m]!] as const)))
    this.record = { ...fx.record, holders: this.holders }
    const state = { ...fx.state, holders: this.holders }
    this.managers = new Set((opts.managers ?? [0, 4, 8]).map(i => this.nodes[i]!))
    this.sim = new Simulation({
      seed: opts.seed ?? 1, nodes: this.nodes, network: { faults: HEALED_LINK, faultsUntilMs: 0, partitions: [], links: [] },
      disk: { minLatencyMs: 0, maxLatencyMs: 4, unsyncedKeepRate: 0 }, timersEarlyMs: opts.timersEarlyMs
    })
    const honest = frostProtocol({ frost: testFrost }) as unknown as ThresholdProtocol<FrostKey, unknown, unknown, unknown>
    const faulty = opts.faulty === undefined ? undefined : this.nodes[opts.faulty]
    this.nodes.forEach((peer, i) => {
      this.sim.node(peer).add({
        name: SIGN_HOST,
        machine: signHost({
          self: peer, nodes: this.nodes, live: () => this.up(), isManager: p => this.managers.has(p),
          protocol: (peer === faulty ? corrupting(honest) : honest) as never,
          lookup: { kind: 'found', record: this.record, state, pub: fx.pub, secret: fx.secretOf(alias.get(peer)!) },
          coordinatorKey: { record: this.record, key: fx.pub, epoch: 0, tc: fx.params.tc, tm: fx.params.tm, holders: this.holders },
          random: this.sim.prng.fork(`random/${peer}`).random(),
          signAbandonment: at => signAbandonment(at, PEERS[i]!.seed)
        }) as never
      })
    })
    this.sim.network.tap((from, to, wire) => {
      const env = wire as Envelope
      if (env.machine === SIGN_HOST) this.wire.push({ atMs: this.sim.elapsedMs, from, to, msg: env.wire as SignMachineMessage })
    })
    this.sim.onEffect((_node, _machine, effect) => {
      const e = effect as HostEffect
      const atMs = this.sim.elapsedMs
      if (e.kind === 'client-answer') this.answers.push({ atMs, cm: e.cm, result: e.result })
      if (e.kind === 'blame') this.blame.push({ atMs, cm: e.cm, record: e.record })
      if (e.kind === 'sent-on') this.sentOn.push({ atMs, cm: e.cm, reason: e.reason })
    })
    this.sim.start()
  }

  /** The node at committee c, member m (1-based). */
  at (committee: number, member: number): string {
    return this.holders[committee - 1]![member - 1]!
  }

  up (): Set<string> {
    return new Set(this.nodes.filter(n => this.sim.node(n).up))
  }

  /** An owner-signed request expiring `lifetimeMs` after `fromMs` (virtual ms into the run). */
  request (requestId: string, message: string, lifetimeMs = 60_000, fromMs = 0): SignRequest {
    return this.#fx.request({ requestId, message, expiresAt: SIM_START_MS + fromMs + lifetimeMs })
  }

  /** A client hands `request` to `cm` at `atMs`. */
  submit (atMs: number, cm: string, request: SignRequest): void {
    this.sim.at(atMs, `client → ${cm}: ${request.requestId}`, () => {
      this.sim.node(cm).step(SIGN_HOST, { kind: 'client-request', request, nowMs: this.sim.nowMs } as { kind: string })
    })
  }

  /** `from` puts `msg` on the wire to each of `to` at `atMs`, as its sign host would: a CM that skips the machine (a dead CM, a liar). */
  send (atMs: number, from: string, to: readonly string[], msg: SignMachineMessage): void {
    this.sim.at(atMs, `${from} sends ${msg.kind} by hand`, () => {
      for (const peer of to) this.sim.network.send(from, peer, this.sim.node(from).envelope(SIGN_HOST, msg))
    })
  }

  /** From `atMs` on, the network drops the sign messages `rule` picks; `untilMs` lifts the cut. */
  cut (atMs: number, label: string, rule: (from: string, to: string, msg: SignMachineMessage) => boolean, untilMs?: number): void {
    this.sim.at(atMs, `cut ${label}`, () => {
      const lift = this.sim.network.cut(label, (from, to, wire) => (wire as Envelope).machine === SIGN_HOST && rule(from, to, (wire as Envelope).wire as SignMachineMessage))
      if (untilMs !== undefined) this.sim.at(untilMs, `lift cut ${label}`, lift)
    })
  }

  crash (atMs: number, node: string): void {
    this.sim.at(atMs, `crash ${node}`, () => { this.sim.node(node).crash() })
  }

  boot (atMs: number, node: string): void {
    this.sim.at(atMs, `boot ${node}`, () => { this.sim.node(node).boot() })
  }

  /** A graceful stop (SIGTERM): the node's requests are told to stop, then the process exits keeping every write. */
  stop (atMs: number, node: string): void {
    this.sim.at(atMs, `stop ${node}`, () => { this.sim.node(node).step(SIGN_HOST, { kind: 'stop', nowMs: this.sim.nowMs } as { kind: string }) })
    this.sim.at(atMs + EXIT_AFTER_STOP_MS, `exit ${node}`, () => { this.sim.node(node).exit() })
  }

  /** Runs `fn` at `atMs` (e.g. a change of who the managers are). */
  when (atMs: number, label: string, fn: () => void): void {
    this.sim.at(atMs, label, fn)
  }

  run (untilMs: number): this {
    this.sim.runUntil(untilMs)
    return this
  }

  /**
   * The party `cm` picks first for `requestId` when `live` are up and no signer is loaded (itself last,
   * as coordinator-machine.ts does); `excluded` are left out, as blamed signers are.
   */
  partyOf (cm: string, requestId: string, opts: { live?: Iterable<string>, excluded?: Iterable<string> } = {}): PartyMember[] {
    const selection = selectParty({
      requestId, tc: this.record.params.tc, tm: this.record.params.tm, holders: this.holders, live: new Set(opts.live ?? this.nodes),
      load: new Map([[cm, SELF_PARTY_LOAD]]), excluded: new Set(opts.excluded ?? [])
    })
    if (!selection.ok) throw new Error(selection.reason)
    return selection.party
  }

  /** The answers `to` got from signers (new_party, recover), in the order they were sent. */
  answersTo (to: string): Array<Seen<SignerAnswer>> {
    return this.wire.flatMap(w => w.to === to && w.msg.kind === 'answer' ? [{ ...w, msg: w.msg.answer }] : [])
  }

  /** What `cm`'s route would say of `request` now: its result, and whether another manager has it (503). */
  statusAt (cm: string, request: SignRequest): ReturnType<typeof requestStatus> | undefined {
    const state = this.sim.node(cm).state<HostState>(SIGN_HOST)?.requests.get(`${request.keyId}/${request.requestId}`)
    return state === undefined ? undefined : requestStatus(state)
  }

  /** Whether `signature` is the key's on `message` (noble's Ed25519, which shares no code with our FROST). */
  verifies (message: string, signature: string | undefined): boolean {
    return signature !== undefined && ed25519.verify(hexToBytes(signature), hexToBytes(message), this.#fx.deal.groupPublicKey.toBytes())
  }
}

export const peersOf = (party: readonly PartyMember[]): string[] => party.map(m => m.peerId)

/** The first request id `prefix-<n>` that `ok` accepts (deterministic: no random ids). */
export function requestIdWhere (prefix: string, ok: (requestId: string) => boolean): string {
  for (let i = 0; i < 1_000; i++) if (ok(`${prefix}-${i}`)) return `${prefix}-${i}`
  throw new Error(`no request id ${prefix}-<n> fits`)
}
