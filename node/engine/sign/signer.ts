// A signer's part of the sign flow on a node: the shell of the signer machine
// (protocols/sign/machine/signer-machine.ts, DESIGN 10). It looks up what an event
// needs (the key's material, this node's share, the ledger entry, a presignature),
// steps the machine, and carries out what it asks: round-1 commitments to the other
// members over /shardsig/sign/1.0.0, the answer to the coordinator's new_party or
// recover on its stream, ledger writes (synced or not), timers, the key's rate
// limit, log lines. Every decision is the machine's. Presignatures are made here
// (onPresign); their nonces live only in memory.
import { randomBytes, type KeyObject } from 'node:crypto'
import { EPOCH_SWITCH_RETRY_MS, PAIR_SETUP_IN_SESSION_MS, PAIR_SETUP_RETRY_MS, PROTOCOL_SIGN, ROUND_ONE_TIMEOUT_MS } from '../../../protocols/constants.js'
import { PairSetupFailedError } from '../ecdsa/errors.js'
import { encodeCommitments, type Frost, type SignerKey } from '../../../protocols/frost/index.js'
import { ownerSigningKey } from '../../../protocols/crypto/owner-auth.js'
import { signAbandonment } from '../../../protocols/sign/dead-session.js'
import { checkSignable, SignRejection } from '../../../protocols/sign/check-request.js'
import { frostCurveOf, sharingCurveOf, signingProtocolOf } from '../../../protocols/keys/key-scheme.js'
import { ledgerKey, type LedgerEntry } from '../../../protocols/sign/ledger-rules.js'
import { CommitmentWireSchema } from '../../../protocols/wire/sign.js'
import type { FrostContribution, FrostPresigned } from '../../../protocols/sign/machine/frost-protocol.js'
import type { EcdsaContributionWire } from '../../../protocols/ecdsa/wire.js'
import type { PairKeys } from '../../../protocols/ecdsa/sign.js'
import { isDkls23Contribution, schemeProtocol, type SchemeKey, type SchemeSecret } from '../../../protocols/sign/machine/scheme-protocol.js'
import type { SignerAnswer, SignMachineMessage } from '../../../protocols/sign/machine/messages.js'
import { signerMachine } from '../../../protocols/sign/machine/signer-machine.js'
import type { Machine as MachineOf } from '../../../protocols/machine/types.js'
import type { KeyLookup, PresignLookup, SignerEffect, SignerEvent, SignerState } from '../../../protocols/sign/machine/signer-types.js'
import { scalarFromHex, SecretScalar } from '../../../protocols/sharing/index.js'
import type { Completed } from '../../../protocols/sign/machine/messages.js'
import type { NewParty, PartyAnswer, PartyMember, Presign, Recover, RoundMessageWire, RoundOne } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { NodeProtocols } from '../../node-protocols.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { notifyJson } from '../../p2p/direct.js'
import type { ShareStore } from '../new-user/share-store.js'
import { holderSlot } from '../lifecycle/key-state.js'
import { deadline, releaseDeadline } from '../../deadline.js'
import { KeyedLock } from '../keyed-lock.js'
import { MachineTimers } from '../machine-timers.js'
import type { KeyMaterial, KeyMaterials } from './key-material.js'
import type { SignLedger } from './ledger.js'
import type { RateLimiter } from './rate-limiter.js'
import type { PresignNonces } from './presign-nonces.js'


export interface SignerInit {
  frost: Frost
  libp2p: ShardsigLibp2p
  selfPeerId: string
  /** Seed of this node's libp2p key: it signs share statements and its abandonment of a session. */
  peerSeed: Uint8Array
  keys: KeyMaterials
  shares: ShareStore
  ledger: SignLedger
  rate: RateLimiter
  /** Presignatures this signer made for managers (nonces in memory only). */
  presigns: PresignNonces
  log: Logger
  /** FROST as this signer drives it, made for its peer key (node/node-protocols.ts). */
  signing: NodeProtocols['signing']
  /** DKLs23 as this signer drives it (ecdsa-secp256k1 keys). */
  ecdsaSigning: NodeProtocols['ecdsaSigning']
  /** This node's DKLs23 pair keys with other nodes, set up on the fly when missing (node/engine/ecdsa/). */
  pairs: PairKeysSource
  /** Whether a peer is a node of the active epoch: a session naming one that left can never finish. */
  isMember: (peerId: string) => boolean
  /** The nodes of the active epoch. */
  members: ReadonlySet<string>
  now?: () => number
}

/** Where a DKLs23 signer gets its pair keys: this node's with each of `peers`, any missing one set up now. */
export interface PairKeysSource {
  keysFor: (peers: readonly string[], signal: AbortSignal) => Promise<Map<string, PairKeys>>
}

type Machine = MachineOf<SignerState<unknown>, SignerEvent<SchemeKey, SchemeSecret>, SignerEffect>
/** A waiting new_party or recover: its answer goes back on its stream. */
interface Waiting { resolve: (answer: PartyAnswer) => void }

/** How long a round-1 commitment may take to be delivered. */
const ROUND_MESSAGE_TIMEOUT_MS = 5_000
/** A recover of a session still running here is answered when it ends: round 1 and the synced write, with room. */
const RECOVER_ANSWER_TIMEOUT_MS = ROUND_ONE_TIMEOUT_MS + 5_000

export class Signer {
  private readonly machine: Machine
  private state: SignerState<unknown>
  private readonly now: () => number
  private readonly peerKey: KeyObject
  /** Answers the machine will give, by `coordinator|sessionId`, oldest first. */
  private readonly waiting = new Map<string, Waiting[]>()
  private readonly timers: MachineTimers
  /** Lookups and steps of one request, one at a time: the ledger entry an event brings is never older than the machine's last write. */
  private readonly lookups = new KeyedLock()
  /** Ledger writes on their way, by persist token; and how many per entry. */
  private readonly writes = new Map<string, string>()
  private readonly inFlight = new Map<string, number>()

  constructor (private readonly init: SignerInit) {
    this.now = init.now ?? Date.now
    this.peerKey = ownerSigningKey(init.peerSeed)
    const protocol = schemeProtocol({ frost: init.signing({ frost: init.frost, peerKey: this.peerKey }), ecdsa: init.ecdsaSigning({ group: init.frost.backend.secp256k1 }) })
    this.machine = signerMachine<SchemeKey, SchemeSecret, unknown, FrostPresigned>({
      self: init.selfPeerId,
      protocol: protocol as never,
      random: n => new Uint8Array(randomBytes(n)),
      signAbandonment: at => signAbandonment(at, init.peerSeed)
    })
    this.state = this.machine.restore(new Map(), this.now()).state
    this.timers = new MachineTimers(timer => { this.step({ kind: 'timer', timer, nowMs: this.now() }) }, this.now)
  }

  /** new_party from `coordinator`: answers with our share, completed-before, or a reject naming why. */
  async onNewParty (np: NewParty, coordinator: string, signal: AbortSignal): Promise<PartyAnswer> {
    const paired = await this.pairUp(np, signal)
    if ('answer' in paired) return paired.answer
    return await this.answered(coordinator, np.sessionId, signal, np.request, async () => {
      const { key, material } = await this.lookup(np.request.keyId, paired.pairs)
      return {
        kind: 'new-party', from: coordinator, np, key, stored: await this.stored(np.request.keyId, np.request.requestId), members: this.init.members,
        rateAvailable: key.kind === 'found' && this.init.rate.available(key.record.keyId, key.record.policy.ratePerMinute, this.now()),
        ...(np.presigned !== undefined ? { presign: this.takePresigned(np, coordinator, material) } : {}),
        nowMs: this.now()
      }
    })
  }

  /** Another CM finishes session `sessionId` of a request whose CM died: our part of it, if we sent one. */
  async onRecover (req: Recover, from = ''): Promise<PartyAnswer> {
    return await this.answered(from, req.sessionId, deadline(RECOVER_ANSWER_TIMEOUT_MS), req.request, async () => ({
      kind: 'recover', from, req, key: (await this.lookup(req.request.keyId)).key, stored: await this.stored(req.request.keyId, req.request.requestId), nowMs: this.now()
    }))
  }

  /** The CM reports the finished signature; the machine keeps it only if it verifies. */
  async onCompleted (keyId: string, requestId: string, signature: string): Promise<void> {
    const msg: Completed = { kind: 'completed', keyId, requestId, signature }
    await this.keyed(keyId, requestId, async () => ({ kind: 'completed', from: '', msg, key: (await this.lookup(keyId)).key, stored: await this.stored(keyId, requestId), nowMs: this.now() }))
  }

  /** A round message from another party member (authenticated by the stream's peer id): FROST's round-1 commitment, or another protocol's round. */
  onRound (msg: RoundOne | RoundMessageWire, from: string): { kind: 'ack' } {
    const round = msg.kind === 'round1' ? { round: 1, payload: msg.commitment } : { round: msg.round, payload: msg.payload }
    this.step({ kind: 'message', from, msg: { kind: 'round', sessionId: msg.sessionId, ...round }, nowMs: this.now() })
    return { kind: 'ack' }
  }

  /**
   * A DKLs23 session needs this node's pair keys with every other member (set up now when missing,
   * issue 19 item 2): the keys (none for a FROST key, or a key the lookup will refuse), or the answer
   * naming the members no pair could be set up with, as members a round never heard from.
   */
  private async pairUp (np: NewParty, signal: AbortSignal): Promise<{ pairs: ReadonlyMap<string, PairKeys> } | { answer: PartyAnswer }> {
    const none = { pairs: new Map<string, PairKeys>() }
    let scheme
    try {
      scheme = this.init.keys.get(np.request.keyId).record.scheme
    } catch {
      return none // the lookup refuses it, with its reason
    }
    if (signingProtocolOf(scheme) !== 'dkls23') return none
    const others = np.party.filter(m => m.peerId !== this.init.selfPeerId)
    // Setups started here continue after this deadline, for the next session; this one needs its answer in time.
    const until = deadline(PAIR_SETUP_IN_SESSION_MS, signal)
    try {
      return { pairs: await this.init.pairs.keysFor(others.map(m => m.peerId), until) }
    } catch (err) {
      if (err instanceof PairSetupFailedError && err.failure === 'deadline') {
        // The setups are under way (a new key, a new epoch, a loaded peer) and go on: ask the coordinator to try again shortly,
        // nobody at fault. A peer that cannot be reached at all is named missing instead (below).
        this.init.log.info({ keyId: np.request.keyId, requestId: np.request.requestId, sessionId: np.sessionId, flow: 'sign', err: err.message }, 'DKLs23 pair keys still being set up; asked to retry')
        return { answer: { kind: 'reject', sessionId: np.sessionId, code: 'pairs-pending', reason: `session ${np.sessionId}: DKLs23 pair setups with the party are still under way: ${err.message}`, retryAfterMs: PAIR_SETUP_RETRY_MS } }
      }
      const failed = failedPeers(err)
      const missing: PartyMember[] = others.filter(m => failed === undefined || failed.includes(m.peerId))
      this.init.log.info({ keyId: np.request.keyId, requestId: np.request.requestId, sessionId: np.sessionId, flow: 'sign', err: (err as Error).message }, 'DKLs23 pair keys could not be set up; share not sent')
      return { answer: { kind: 'reject', sessionId: np.sessionId, code: 'round1-timeout', reason: `session ${np.sessionId}: no DKLs23 pair keys with ${missing.map(m => m.peerId).join(', ')}: ${(err as Error).message}`, missing } }
    } finally {
      releaseDeadline(until)
    }
  }

  /**
   * A manager asks for presignatures of a key: round-1 nonces made now, kept
   * here for it only, each for one session (docs/protocols/sign.md#presignatures).
   * Only for a key this signer holds a usable share of, at the manager's epoch.
   */
  async onPresign (req: Presign, manager: string): Promise<PartyAnswer> {
    const log = this.init.log.child({ keyId: req.keyId, flow: 'sign' })
    try {
      const { key } = await this.lookup(req.keyId)
      if (key.kind === 'refused') throw new SignRejection(key.code, key.reason)
      const { record, state } = key
      // Presignatures are FROST nonces: none for a key FROST does not sign.
      checkSignable(record)
      if (signingProtocolOf(record.scheme) !== 'frost') throw new SignRejection('scheme-not-signable', `key ${record.keyId} is a ${record.scheme} key: this signer makes presignatures for FROST keys only`)
      if (key.leavingFor !== undefined || req.epoch !== state.epoch) {
        return { kind: 'reject', sessionId: '', code: 'wrong-epoch', reason: `this signer holds key ${req.keyId} at epoch ${state.epoch}${key.leavingFor !== undefined ? ` and is switching to epoch ${key.leavingFor}` : ''}`, retryAfterMs: EPOCH_SWITCH_RETRY_MS }
      }
      if (key.secret === undefined) throw new SignRejection('no-share', `this node holds no usable share of key ${record.keyId} at epoch ${state.epoch}`)
      const made = this.init.presigns.make(manager, record.keyId, state.epoch, key.secret as SignerKey, req.count)
      log.debug({ manager, count: made.length, held: this.init.presigns.count(manager) }, 'presignatures made')
      return { kind: 'presigned', keyId: record.keyId, epoch: state.epoch, presigned: made.map(p => ({ id: p.id, commitment: encodeCommitments(p.commitments) })) }
    } catch (err) {
      if (err instanceof SignRejection) return { kind: 'reject', sessionId: '', code: err.code, reason: err.message }
      log.error({ err }, 'presign failed inside this node')
      return { kind: 'reject', sessionId: '', code: 'internal', reason: 'the signer failed; see its log' }
    }
  }

  /** Stops the machine's timers (the node stops). */
  stop (): void {
    this.timers.clear()
  }

  /** The key's material and this node's usable share of it, as the machine takes them (with `pairs`, for a DKLs23 session). */
  private async lookup (keyId: string, pairs: ReadonlyMap<string, PairKeys> = new Map()): Promise<{ key: KeyLookup<SchemeKey, SchemeSecret>, material?: KeyMaterial }> {
    let material: KeyMaterial
    try {
      material = this.init.keys.get(keyId)
    } catch (err) {
      if (err instanceof SignRejection) return { key: { kind: 'refused', code: err.code, reason: err.message } }
      throw err
    }
    const { record, state, params, nested } = material
    const slot = holderSlot(state.holders, this.init.selfPeerId)
    const stored = slot === undefined ? undefined : await this.init.shares.get(record.keyId, state.epoch)
    // An active share of that very record at that epoch, at this node's slot: anything else is no-share.
    const usable = slot !== undefined && stored !== undefined && stored.state === 'active' && stored.recordDigest === state.digest
    let secret: SchemeSecret | undefined
    if (usable) {
      const share = new SecretScalar(scalarFromHex(sharingCurveOf(record.scheme), stored.share))
      secret = signingProtocolOf(record.scheme) === 'frost'
        ? { scheme: frostCurveOf(record.scheme), committee: slot.committee, member: slot.member, share }
        : { committee: slot.committee, member: slot.member, share, pairs }
    }
    const leavingFor = this.init.keys.leavingFor
    return { key: { kind: 'found', record, state, pub: { params, nested, scheme: record.scheme }, secret, ...(leavingFor !== undefined ? { leavingFor } : {}) }, material }
  }

  /** The ledger entry as the store has it (with the writes issued so far). */
  private async stored (keyId: string, requestId: string): Promise<LedgerEntry | undefined> {
    return await this.init.ledger.get(keyId, requestId)
  }

  /** This member's presignature of the new_party, taken (so spent) from its stock. */
  private takePresigned (np: NewParty, coordinator: string, material: KeyMaterial | undefined): PresignLookup<FrostPresigned> {
    const slot = material === undefined ? undefined : holderSlot(material.state.holders, this.init.selfPeerId)
    const mine = np.presigned?.find(p => slot !== undefined && p.commitment.committee === slot.committee && p.commitment.member === slot.member)
    if (material === undefined || mine === undefined) return { kind: 'unknown', reason: 'the presignatures do not name this member' }
    const round1 = this.init.presigns.take(coordinator, mine.id, material.record.keyId, material.state.epoch, mine.commitment)
    if (round1 === undefined) return { kind: 'unknown', reason: `presignature ${mine.id} is not one this signer holds for ${coordinator} (restarted, expired or used)` }
    return { kind: 'taken', pre: { round1, presigned: np.presigned! } }
  }

  /**
   * Steps a new_party or recover and waits for the answer the machine gives on its stream. A lookup
   * that throws (the store failed) throws here, and its waiter goes with it instead of staying to the deadline.
   */
  private async answered (from: string, sessionId: string, signal: AbortSignal, request: { keyId: string, requestId: string }, event: () => Promise<SignerEvent<SchemeKey, SchemeSecret>>): Promise<PartyAnswer> {
    const waiting = this.wait(from, sessionId, signal)
    try {
      await this.keyed(request.keyId, request.requestId, event)
    } catch (err) {
      waiting.withdraw()
      throw err
    }
    return await waiting.answer
  }

  /** Looks up and steps one event of a request, one at a time per request; then lets the machine forget what the ledger now has. */
  private async keyed (keyId: string, requestId: string, event: () => Promise<SignerEvent<SchemeKey, SchemeSecret>>): Promise<void> {
    const key = ledgerKey(keyId, requestId)
    await this.lookups.run(key, async () => { this.step(await event()) })
    if ((this.inFlight.get(key) ?? 0) === 0) this.step({ kind: 'forget', key, nowMs: this.now() })
  }

  /** Waits for the machine's answer to `coordinator` about `sessionId`, until `signal` aborts or the wait is withdrawn. */
  private wait (coordinator: string, sessionId: string, signal: AbortSignal): { answer: Promise<PartyAnswer>, withdraw: () => void } {
    const id = `${coordinator}|${sessionId}`
    let withdraw!: () => void
    const answer = new Promise<PartyAnswer>(resolve => {
      const entry: Waiting = { resolve }
      this.waiting.set(id, [...(this.waiting.get(id) ?? []), entry])
      withdraw = () => {
        signal.removeEventListener('abort', withdraw)
        const left = (this.waiting.get(id) ?? []).filter(w => w !== entry)
        if (left.length > 0) this.waiting.set(id, left)
        else this.waiting.delete(id)
        resolve({ kind: 'reject', sessionId, code: 'internal', reason: 'the coordinator stopped waiting' })
      }
      signal.addEventListener('abort', withdraw, { once: true })
    })
    return { answer, withdraw }
  }

  private step (event: SignerEvent<SchemeKey, SchemeSecret>): void {
    const { state, effects } = this.machine.step(this.state, event)
    this.state = state
    for (const e of effects) this.carryOut(e)
  }

  private carryOut (e: SignerEffect): void {
    switch (e.kind) {
      case 'send': return this.send(e.to, e.msg)
      case 'persist': return this.persist(e.key, e.value as LedgerEntry | undefined, e.sync, e.token)
      case 'set-timer': this.timers.set(e.timer, e.atMs); return
      case 'cancel-timer': this.timers.cancel(e.timer); return
      case 'take-rate-token':
        this.init.rate.tryTake(e.keyId, e.ratePerMinute, e.nowMs)
        return
      case 'log':
        this.init.log[e.level](e.fields, e.msg)
    }
  }

  /** Round messages go to the other members; answers back on the stream of the new_party or recover that asked. */
  private send (to: string, msg: SignMachineMessage): void {
    if (msg.kind === 'answer') {
      const id = `${to}|${msg.answer.sessionId}`
      const [first, ...rest] = this.waiting.get(id) ?? []
      if (rest.length > 0) this.waiting.set(id, rest)
      else this.waiting.delete(id)
      if (first === undefined) return
      first.resolve(toWire(msg.answer))
      return
    }
    if (msg.kind !== 'round') return
    // FROST's round 1 keeps its own wire form; any other protocol's round goes as a `round` message.
    const frostCommitment = msg.round === 1 ? CommitmentWireSchema.safeParse(msg.payload) : undefined
    const wire: RoundOne | RoundMessageWire = frostCommitment?.success === true
      ? { kind: 'round1', sessionId: msg.sessionId, commitment: frostCommitment.data }
      : { kind: 'round', sessionId: msg.sessionId, round: msg.round, payload: msg.payload } as RoundMessageWire
    // No answer wanted: the receiver's ack or refusal changed nothing here (a missing message shows as a round timeout).
    notifyJson(this.init.libp2p, to, PROTOCOL_SIGN, wire, { signal: deadline(ROUND_MESSAGE_TIMEOUT_MS) }).catch((err: Error) => {
      this.init.log.debug({ to, sessionId: msg.sessionId, err: err.message }, 'round-1 commitment not delivered')
    })
  }

  private persist (key: string, entry: LedgerEntry | undefined, sync: boolean, token: string): void {
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1)
    this.writes.set(token, key)
    const done = (): void => {
      this.writes.delete(token)
      const left = (this.inFlight.get(key) ?? 1) - 1
      if (left > 0) this.inFlight.set(key, left)
      else this.inFlight.delete(key)
      this.step({ kind: 'persisted', token, nowMs: this.now() })
      if (left === 0) this.step({ kind: 'forget', key, nowMs: this.now() })
    }
    this.init.ledger.writeEntry(key, entry, sync).then(done, (err: Error) => {
      // The write failed: the machine never hears it completed, so a share waiting on it never leaves.
      this.writes.delete(token)
      this.init.log.error({ err: err.message, key }, 'ledger write failed; the session it was for sends nothing')
    })
  }
}

/** The peers a pair setup failed with, when its error names them; undefined: all. */
function failedPeers (err: unknown): string[] | undefined {
  return err instanceof PairSetupFailedError ? [err.peer, ...err.alsoFailed] : undefined
}

/** The machine's answer as today's wire has it: a FROST share answer spreads its contribution's fields; a DKLs23 one is a dkls23-share. */
function toWire (answer: SignerAnswer): PartyAnswer {
  if (answer.kind !== 'share') return answer as PartyAnswer
  if (isDkls23Contribution(answer.contribution)) {
    return { kind: 'dkls23-share', sessionId: answer.sessionId, contribution: answer.contribution as EcdsaContributionWire }
  }
  const c = answer.contribution as FrostContribution
  return { kind: 'share', sessionId: answer.sessionId, commitment: c.commitment, commitments: c.commitments, share: c.share, ...(c.statement !== undefined ? { statement: c.statement } : {}) }
}
