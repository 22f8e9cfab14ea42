// A signer's part of the sign flow (DESIGN 5, sign steps 4–5): check the
// request and the party on its own, run FROST round 1, exchange round-1
// commitments with the other party members over /shardsig/sign/1.0.0, then
// compute the round-2 share and hand it to the coordinating CM. Nonces live
// only in memory for one session and are consumed by round 2.
import { hexToBytes } from '@noble/hashes/utils.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { provesSessionDead, signAbandonment } from '../../../protocols/sign/dead-session.js'
import { signShareStatement } from '../../../protocols/sign/share-statement.js'
import { ownerSigningKey } from '../../../protocols/crypto/owner-auth.js'
import type { KeyObject } from 'node:crypto'
import { CLAIM_LEASE_MS, EPOCH_SWITCH_RETRY_MS, PROTOCOL_SIGN, ROUND_ONE_TIMEOUT_MS } from '../../../protocols/constants.js'
import {
  encodeCommitments, encodeSignatureShare, signerTag, type Frost, type Round1, type SignerKey, type SigningCommitments, type SigningSession
} from '../../../protocols/frost/index.js'
import { checkParty, checkSignRequest, requestIdentity, SignRejection } from '../../../protocols/sign/check-request.js'
import { scalarFromHex, SecretScalar, curveFor, type Scheme } from '../../../protocols/sharing/index.js'
import { type Contribution, type NewParty, type PartyAnswer, type PartyMember, type Presign, type Recover, type RoundOne } from '../../../protocols/wire/sign.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { notifyJson } from '../../p2p/direct.js'
import type { ShareStore } from '../new-user/share-store.js'
import type { KeyMaterial, KeyMaterials } from './key-material.js'
import { partyMap } from './key-material.js'
import type { SignLedger } from './ledger.js'
import type { RateLimiter } from './rate-limiter.js'
import type { PresignNonces } from './presign-nonces.js'
import { holderSlot } from '../lifecycle/key-state.js'
import { deadline } from '../../deadline.js'

/** Test-only faults, set through createNode options by the scenario harness; never from config. */
export interface SignerFaults {
  /** Send a signature share that is off by one: the CM must name this signer. */
  corruptShare?: boolean
  /** Record the share, then never answer (a lost answer): the CM must fetch it with recover. */
  withholdAnswer?: boolean
}

interface Session {
  /** The coordinator that started it. */
  owner: string
  party: readonly PartyMember[]
  frost: SigningSession
  commitments: Map<string, SigningCommitments>
  wake: () => void
}

/** Round-1 messages that arrive before our own new_party; kept briefly. */
interface Early { at: number, from: string, msg: RoundOne }
const MAX_EARLY_MESSAGES = 1_000
/** One peer cannot fill the buffer and push out other peers' commitments. */
const MAX_EARLY_MESSAGES_PER_PEER = 64

export interface SignerInit {
  libp2p: ShardsigLibp2p
  frost: Frost
  selfPeerId: string
  /** Seed of this node's libp2p key: it signs its abandonment of a session (dead-session.ts). */
  peerSeed: Uint8Array
  keys: KeyMaterials
  shares: ShareStore
  ledger: SignLedger
  rate: RateLimiter
  /** Presignatures this signer made for managers (nonces in memory only). */
  presigns: PresignNonces
  log: Logger
  faults?: SignerFaults
  /** Whether a peer is a node of the active epoch: a session naming one that left can never finish. */
  isMember: (peerId: string) => boolean
  now?: () => number
}

/** How long a recover waits for this signer's own run of the session to end (round 1 plus the share). */
const RECOVER_WAIT_MS = ROUND_ONE_TIMEOUT_MS + 1_000

export class Signer {
  private readonly sessions = new Map<string, Session>()
  /** new_party handlings in progress, by session id. */
  private readonly running = new Map<string, Promise<PartyAnswer>>()
  private readonly early: Early[] = []
  private readonly now: () => number
  /** The libp2p key as an OpenSSL key object: a share statement costs ~0.05 ms with it (owner-auth.ts). */
  private readonly peerKey: KeyObject

  constructor (private readonly init: SignerInit) {
    this.now = init.now ?? Date.now
    this.peerKey = ownerSigningKey(init.peerSeed)
  }

  /** new_party from `coordinator`: answers with our share, completed-before, or a reject naming why. */
  async onNewParty (np: NewParty, coordinator: string, signal: AbortSignal): Promise<PartyAnswer> {
    // A recover for this session waits until we are done with it (see onRecover).
    if (this.running.has(np.sessionId)) return await this.handleNewParty(np, coordinator, signal)
    const handled = this.handleNewParty(np, coordinator, signal)
    this.running.set(np.sessionId, handled)
    try {
      return await handled
    } finally {
      this.running.delete(np.sessionId)
    }
  }

  private async handleNewParty (np: NewParty, coordinator: string, signal: AbortSignal): Promise<PartyAnswer> {
    const { request, sessionId, party } = np
    // Every line of this session carries the request id, as on the CM (devnet logs --request).
    const log = this.init.log.child({ requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId })
    // Where a signer's time goes (ms per step, in the 'signature share sent' line; bench/sign-logs.ts).
    const steps = new StepTimer()
    try {
      const material = this.init.keys.get(request.keyId)
      const { record, state } = material
      checkSignRequest(request, record, this.now())
      const leavingFor = this.init.keys.leavingFor
      if (leavingFor !== undefined) {
        // This node activated the next epoch and restarts on it: its shares of this epoch are erased.
        log.info({ coordinator, cmEpoch: np.epoch, epoch: state.epoch, leavingFor }, 'new_party while this node switches epochs; asked to wait')
        return { kind: 'reject', sessionId, code: 'wrong-epoch', reason: `this signer is switching from the key's epoch ${state.epoch} to epoch ${leavingFor}`, retryAfterMs: EPOCH_SWITCH_RETRY_MS }
      }
      if (np.epoch !== undefined && np.epoch !== state.epoch) {
        // update_node_set's switch in progress: the CM or this node has not moved yet. No share, no claim; the CM asks again.
        log.info({ coordinator, cmEpoch: np.epoch, epoch: state.epoch }, 'new_party for another epoch of the key; asked to wait')
        return { kind: 'reject', sessionId, code: 'wrong-epoch', reason: `the party is from the key's epoch ${np.epoch}; this signer holds it at epoch ${state.epoch}`, retryAfterMs: EPOCH_SWITCH_RETRY_MS }
      }
      checkParty(party, state)
      const me = party.find(p => p.peerId === this.init.selfPeerId)
      if (me === undefined) throw new SignRejection('invalid-party', `this node (${this.init.selfPeerId}) is not in the party`)
      const key = await this.usableKey(material, me)
      // Presignatures: this member's nonces were made ahead for this CM; taken (and so spent) now, before anything else.
      const presigned = np.presigned === undefined ? undefined : this.takePresigned(np, coordinator, me, record.scheme, record.keyId, state.epoch)
      steps.lap('checks')

      // Sessions of this request shown dead (a member's signed abandonment): a share of ours in one no longer binds us to its CM.
      for (const proof of np.released ?? []) {
        const released = await this.init.ledger.releaseDeadSession(record.keyId, request.requestId, c => provesSessionDead(proof, c, record.keyId, request.requestId))
        if (released === 'released') log.info({ coordinator, deadSession: proof.sessionId, abandonedBy: proof.peerId }, 'share in a dead session released; free to sign for this coordinator')
      }
      // A share in a session whose party names a node that left the network (update_node_set removed it after the
      // session began): that node erased its shares and stopped, so the session can never finish; the share no
      // longer binds us (docs/protocols/sign.md, sessions across an epoch change).
      const departed = await this.init.ledger.releaseDeadSession(record.keyId, request.requestId, c => c.party.some(p => !this.init.isMember(p.peerId)))
      if (departed === 'released') log.info({ coordinator }, 'share in a session with a member that left the network released; free to sign for this coordinator')
      const now = this.now()
      const claim = await this.init.ledger.claim({
        requestId: request.requestId, keyId: record.keyId, requestDigest: requestIdentity(request), coordinator,
        leaseUntil: now + CLAIM_LEASE_MS, expiresAt: request.expiresAt, message: request.message
      }, now)
      if (claim.kind === 'conflict') throw new SignRejection('conflict', `request id ${request.requestId} was used for another message with key ${record.keyId}`)
      if (claim.kind === 'completed') return { kind: 'completed-before', sessionId, signature: claim.signature }
      if (claim.kind === 'held') {
        // Our share went to another CM's session: hand it over so this CM can finish that session (it may have died).
        if (claim.contribution !== undefined) return { kind: 'contributed', sessionId, contribution: claim.contribution }
        throw new SignRejection('claimed-by-other-coordinator', `this signer already sent a share for request ${request.requestId} to ${claim.by}`)
      }
      if (claim.kind === 'leased') return { kind: 'reject', sessionId, code: 'leased-by-other-coordinator', reason: `request ${request.requestId} is leased to ${claim.by}`, retryAfterMs: Math.max(0, claim.until - now) }
      // One token per request, not per session: a retry of the same request does not count again.
      if (claim.first && !this.init.rate.tryTake(record.keyId, record.policy.ratePerMinute, now)) {
        await this.init.ledger.release(claim.entry)
        throw new SignRejection('rate-limited', `key ${record.keyId} is over its limit of ${record.policy.ratePerMinute} signatures per minute`)
      }
      if (this.sessions.has(sessionId)) throw new SignRejection('conflict', `session ${sessionId} is already running here`)
      steps.lap('claim')

      const frost = this.init.frost.createSession(material.params, material.nested.groupPublicKey, partyMap(party))
      const round1 = presigned?.round1 ?? this.init.frost.commit(key)
      steps.lap('commit')
      const commitments = presigned?.commitments ?? await this.exchange(sessionId, coordinator, party, frost, me, round1.commitments, signal, log)

      steps.lap('round1')
      const message = hexToBytes(request.message)
      let share = this.init.frost.signShare(frost, key, round1.nonces, [...commitments.values()], message)
      if (this.init.faults?.corruptShare === true) share = corrupt(record.scheme, share)
      const contribution: Contribution = {
        sessionId, coordinator, party: [...party], commitments: [...commitments.values()].map(encodeCommitments), share: encodeSignatureShare(share)
      }
      steps.lap('signShare')
      // Recorded (synced) before the share leaves: from now on we serve only this coordinator for this request.
      const recorded = await this.init.ledger.recordContribution(claim.entry, contribution)
      if (recorded === 'abandoned') throw new SignRejection('session-abandoned', `session ${sessionId} was declared unfinishable by a recover before this signer's share was ready`)
      if (recorded === 'lost') {
        throw new SignRejection('claimed-by-other-coordinator', `request ${request.requestId} was taken over by another coordinator while this session ran`)
      }
      if (this.init.faults?.withholdAnswer === true) {
        // As if the answer were lost on the way: done here, nothing reaches the CM.
        this.running.delete(sessionId)
        await new Promise(resolve => { signal.addEventListener('abort', resolve, { once: true }) })
        throw new SignRejection('internal', 'withheld (test fault)')
      }
      steps.lap('record')
      log.info({ coordinator, committee: me.committee, member: me.member, presigned: presigned !== undefined, steps: steps.laps }, 'signature share sent')
      return {
        kind: 'share',
        sessionId,
        commitment: encodeCommitments(round1.commitments),
        commitments: contribution.commitments,
        share: contribution.share,
        // Signed: a share that does not verify is then evidence anyone can check (sign.md#blame-evidence).
        statement: signShareStatement({
          keyId: record.keyId, requestId: request.requestId, sessionId, peerId: this.init.selfPeerId, share: contribution.share, commitments: contribution.commitments
        }, this.peerKey)
      }
    } catch (err) {
      if (err instanceof RoundOneTimeout) {
        log.info({ code: 'round1-timeout', missing: err.missing.map(m => ({ committee: m.committee, member: m.member, peerId: m.peerId })) }, 'round-1 commitments missing; share not sent')
        return { kind: 'reject', sessionId, code: 'round1-timeout', reason: err.message, missing: err.missing }
      }
      if (err instanceof SignRejection) {
        log.info({ coordinator, code: err.code, reason: err.message }, 'sign request rejected')
        return { kind: 'reject', sessionId, code: err.code, reason: err.message }
      }
      log.error({ err }, 'signing failed inside this node')
      return { kind: 'reject', sessionId, code: 'internal', reason: 'the signer failed; see its log' }
    } finally {
      // Only the session this call created: a refused duplicate must not end someone else's.
      if (this.sessions.get(sessionId)?.owner === coordinator) this.sessions.delete(sessionId)
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
      const material = this.init.keys.get(req.keyId)
      const { record, state } = material
      if (this.init.keys.leavingFor !== undefined || req.epoch !== state.epoch) {
        return { kind: 'reject', sessionId: '', code: 'wrong-epoch', reason: `this signer holds key ${req.keyId} at epoch ${state.epoch}${this.init.keys.leavingFor !== undefined ? ` and is switching to epoch ${this.init.keys.leavingFor}` : ''}`, retryAfterMs: EPOCH_SWITCH_RETRY_MS }
      }
      const key = await this.usableKey(material, holderSlot(state.holders, this.init.selfPeerId))
      const made = this.init.presigns.make(manager, record.keyId, state.epoch, key, req.count)
      log.debug({ manager, count: made.length, held: this.init.presigns.count(manager) }, 'presignatures made')
      return { kind: 'presigned', keyId: record.keyId, epoch: state.epoch, presigned: made.map(p => ({ id: p.id, commitment: encodeCommitments(p.commitments) })) }
    } catch (err) {
      if (err instanceof SignRejection) return { kind: 'reject', sessionId: '', code: err.code, reason: err.message }
      log.error({ err }, 'presign failed inside this node')
      return { kind: 'reject', sessionId: '', code: 'internal', reason: 'the signer failed; see its log' }
    }
  }

  /**
   * This node's signing key of the key at its state's epoch, as `slot` (committee, member) of it:
   * `no-share` unless it holds that slot and an active share of that very record there.
   */
  private async usableKey (material: KeyMaterial, slot: { committee: number, member: number } | undefined): Promise<SignerKey> {
    const { record, state } = material
    const stored = slot === undefined ? undefined : await this.init.shares.get(record.keyId, state.epoch)
    if (slot === undefined || stored === undefined || stored.state !== 'active' || stored.recordDigest !== state.digest) {
      throw new SignRejection('no-share', `this node holds no usable share of key ${record.keyId} at epoch ${state.epoch}`)
    }
    return { scheme: record.scheme, committee: slot.committee, member: slot.member, share: new SecretScalar(scalarFromHex(record.scheme, stored.share)) }
  }

  /**
   * The presignatures of a new_party: one per party member, each naming its member; ours is taken
   * from the store (spent, whatever follows). Anything amiss is `presign-unknown`: the CM then
   * signs with a round-1 exchange, and nobody is blamed.
   */
  private takePresigned (np: NewParty, coordinator: string, me: PartyMember, scheme: Scheme, keyId: string, epoch: number): { round1: Round1, commitments: Map<string, SigningCommitments> } {
    const list = np.presigned ?? []
    const tags = new Set(list.map(p => signerTag(p.commitment)))
    const mine = list.find(p => signerTag(p.commitment) === signerTag(me))
    if (list.length !== np.party.length || tags.size !== list.length || np.party.some(m => !tags.has(signerTag(m))) || mine === undefined) {
      throw new SignRejection('presign-unknown', 'the presignatures do not name every party member once')
    }
    const round1 = this.init.presigns.take(coordinator, mine.id, keyId, epoch, mine.commitment)
    if (round1 === undefined) throw new SignRejection('presign-unknown', `presignature ${mine.id} is not one this signer holds for ${coordinator} (restarted, expired or used)`)
    const commitments = new Map<string, SigningCommitments>()
    for (const p of list) {
      try {
        const c = p === mine ? round1.commitments : this.init.frost.decodeCommitments(scheme, p.commitment)
        commitments.set(signerTag(c), c)
      } catch (err) {
        throw new SignRejection('presign-unknown', `presignature of committee ${p.commitment.committee} member ${p.commitment.member}: ${(err as Error).message}`)
      }
    }
    return { round1, commitments }
  }

  /**
   * Another CM finishes session `sessionId` of a request whose CM died (session
   * recovery): our part of it, if we sent one. Only for a request the owner
   * signed and that is still valid; the share is no secret once sent.
   */
  async onRecover (req: Recover): Promise<PartyAnswer> {
    const { request, sessionId } = req
    try {
      // Still in round 1 of that session (its CM died, the others' commitments still coming): let it finish first.
      const running = this.running.get(sessionId)
      if (running !== undefined) await Promise.race([running, sleep(RECOVER_WAIT_MS)])
      const { record } = this.init.keys.get(request.keyId)
      checkSignRequest(request, record, this.now())
      const found = await this.init.ledger.recoverOrAbandon({
        requestId: request.requestId, keyId: record.keyId, requestDigest: requestIdentity(request), expiresAt: request.expiresAt, message: request.message
      }, sessionId)
      if (found.kind === 'conflict') throw new SignRejection('conflict', `request id ${request.requestId} was used for another message with key ${record.keyId}`)
      if (found.kind === 'completed') return { kind: 'completed-before', sessionId, signature: found.signature }
      if (found.kind === 'abandoned') {
        const reason = `this signer sent no share to session ${sessionId}, and now never will`
        this.init.log.info({ requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId, code: 'no-contribution' }, 'recover refused; session abandoned here')
        return {
          kind: 'reject', sessionId, code: 'no-contribution', reason,
          abandoned: signAbandonment({ keyId: record.keyId, requestId: request.requestId, sessionId, peerId: this.init.selfPeerId }, this.init.peerSeed)
        }
      }
      this.init.log.info({ requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId }, 'recover answered with the share already sent')
      return { kind: 'contributed', sessionId, contribution: found.contribution }
    } catch (err) {
      if (err instanceof SignRejection) {
        this.init.log.info({ requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId, code: err.code, reason: err.message }, 'recover refused')
        return { kind: 'reject', sessionId, code: err.code, reason: err.message }
      }
      throw err
    }
  }

  /** The CM reports the finished signature; we keep it only if it verifies. */
  async onCompleted (keyId: string, requestId: string, signatureHex: string): Promise<void> {
    const entry = await this.init.ledger.get(keyId, requestId)
    if (entry === undefined || entry.signature !== undefined) return
    const { record, nested } = this.init.keys.get(entry.keyId)
    if (!this.init.frost.verifySignature(record.scheme, nested.groupPublicKey, hexToBytes(entry.message), hexToBytes(signatureHex))) {
      this.init.log.warn({ requestId, keyId, flow: 'sign' }, 'ignored a completion notice whose signature does not verify')
      return
    }
    await this.init.ledger.recordCompletion(keyId, requestId, signatureHex)
  }

  /** A round-1 commitment from another party member (authenticated by the stream's peer id). */
  onRoundOne (msg: RoundOne, from: string): { kind: 'ack' } | { kind: 'reject', reason: string } {
    const session = this.sessions.get(msg.sessionId)
    if (session === undefined) {
      // Our new_party may still be on its way; keep the message for a moment, a few per sender at most.
      while (this.early[0] !== undefined && this.now() - this.early[0].at > ROUND_ONE_TIMEOUT_MS) this.early.shift()
      if (this.early.filter(e => e.from === from).length >= MAX_EARLY_MESSAGES_PER_PEER) return { kind: 'reject', reason: 'too many round-1 messages for sessions this signer does not know' }
      this.early.push({ at: this.now(), from, msg })
      while (this.early.length > MAX_EARLY_MESSAGES) this.early.shift()
      return { kind: 'ack' }
    }
    return this.accept(session, msg, from)
  }

  private accept (session: Session, msg: RoundOne, from: string): { kind: 'ack' } | { kind: 'reject', reason: string } {
    const sender = session.party.find(p => p.peerId === from)
    if (sender === undefined || sender.committee !== msg.commitment.committee || sender.member !== msg.commitment.member) {
      return { kind: 'reject', reason: `${from} is not committee ${msg.commitment.committee} member ${msg.commitment.member} of this party` }
    }
    try {
      const c = this.init.frost.decodeCommitments(session.frost.scheme, msg.commitment)
      const tag = signerTag(c)
      // The first commitment a member sends counts; a second, different one changes nothing.
      if (!session.commitments.has(tag)) session.commitments.set(tag, c)
      session.wake()
      return { kind: 'ack' }
    } catch (err) {
      return { kind: 'reject', reason: (err as Error).message }
    }
  }

  /** Sends our commitment to every other member and waits for theirs. */
  private async exchange (sessionId: string, owner: string, party: readonly PartyMember[], frost: SigningSession, me: PartyMember, own: SigningCommitments, signal: AbortSignal, log: Logger): Promise<Map<string, SigningCommitments>> {
    let wake = (): void => {}
    const session: Session = { owner, party, frost, commitments: new Map([[signerTag(own), own]]), wake: () => { wake() } }
    this.sessions.set(sessionId, session)
    for (const e of this.early.filter(e => e.msg.sessionId === sessionId)) this.accept(session, e.msg, e.from)
    this.early.splice(0, this.early.length, ...this.early.filter(e => e.msg.sessionId !== sessionId))

    const roundOneBy = deadline(ROUND_ONE_TIMEOUT_MS, signal)
    const msg: RoundOne = { kind: 'round1', sessionId, commitment: encodeCommitments(own) }
    for (const p of party) {
      if (p.peerId === me.peerId) continue
      // No answer wanted: the receiver's ack or refusal changed nothing here (a missing commitment shows as round1-timeout).
      notifyJson(this.init.libp2p, p.peerId, PROTOCOL_SIGN, msg, { signal: roundOneBy }).catch((err: Error) => {
        log.debug({ to: p.peerId, err: err.message }, 'round-1 commitment not delivered')
      })
    }
    while (session.commitments.size < party.length && !roundOneBy.aborted) {
      await new Promise<void>(resolve => {
        wake = resolve
        roundOneBy.addEventListener('abort', () => { resolve() }, { once: true })
      })
    }
    if (session.commitments.size < party.length) {
      const missing = party.filter(p => !session.commitments.has(signerTag(p)))
      throw new RoundOneTimeout(sessionId, missing)
    }
    return session.commitments
  }
}

/** Milliseconds between laps, rounded to 0.1. */
class StepTimer {
  readonly laps: Record<string, number> = {}
  private last = performance.now()

  lap (name: string): void {
    const now = performance.now()
    this.laps[name] = Math.round((now - this.last) * 10) / 10
    this.last = now
  }
}

class RoundOneTimeout extends Error {
  constructor (sessionId: string, readonly missing: PartyMember[]) {
    super(`session ${sessionId}: no round-1 commitment from ${missing.map(m => `committee ${m.committee} member ${m.member} (${m.peerId})`).join(', ')} within ${ROUND_ONE_TIMEOUT_MS} ms`)
    this.name = 'RoundOneTimeout'
  }
}

function corrupt<T extends { share: Uint8Array }> (scheme: 'ed25519' | 'secp256k1', share: T): T {
  const curve = curveFor(scheme)
  return { ...share, share: curve.encodeScalar(curve.Fn.add(curve.decodeScalar(share.share), 1n)) }
}
