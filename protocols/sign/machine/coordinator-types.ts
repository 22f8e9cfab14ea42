// The sign coordinator machine's events, effects and states (coordinator-machine.ts;
// docs/decisions/0016-sign-machines.md): one machine per sign request a
// communication manager took. The shell feeds it the request, views of the
// network, session slots, presignatures, peers' answers and timers, and carries
// out what it asks: messages, writes, the client's answer, blame, logs.
import type { CoreEffect, CoreEvent, EpochMs } from '../../machine/types.js'
import type { BlameRecord } from '../../wire/http.js'
import type { KeyRecord } from '../../wire/key-record.js'
import type { PartyMember, PresignedCommitment, SessionAbandoned, SignRequest, SignResult } from '../../wire/sign.js'
import type { Culprit } from '../judge.js'
import type { LedgerContribution, SignMachineMessage, SignerAnswer } from './messages.js'

/** Why this CM no longer coordinates a request it took, and another manager must (503). */
export type SentOnReason = 'restarted' | 'role-lost'

/** What the machine needs to know of the network at a decision: the shell's snapshot when asked (`need-view`). */
export interface CoordinatorView {
  /** Peers whose heartbeats are fresh: party selection picks only these. */
  live: ReadonlySet<string>
  /** Sessions each signer is in now at this CM (the shell counts session-started / session-ended). */
  load: ReadonlyMap<string, number>
  /** Nodes of the active epoch: a member of an earlier epoch's session may have left the network. */
  members: ReadonlySet<string>
  /** Whether this node counts itself a communication manager now. */
  manager: boolean
}

/** The key as the CM holds it when it takes the request: public, fixed for the request's life. */
export interface CoordinatorKey<Pub> {
  record: KeyRecord
  /** The threshold protocol's public material of the key (FROST: FrostKey). */
  key: Pub
  /** The epoch of the key's state the parties are chosen from. */
  epoch: number
  tc: number
  tm: number
  /** holders[c-1][m-1] = peer id of member m of committee c. */
  holders: ReadonlyArray<readonly string[]>
  /** Holders that confirmed the key (select-party.ts); absent: all did. */
  confirmed?: ReadonlySet<string>
}

export type CoordinatorEvent<Pub> =
  | CoreEvent<SignMachineMessage>
  /** The request the CM accepted (owner signature, rate, bounds: the shell's intake checks passed). */
  | { kind: 'start', nowMs: EpochMs, self: string, request: SignRequest, key: CoordinatorKey<Pub>, view: CoordinatorView }
  /** The answer to `need-view` (or a fresher one at any time). */
  | { kind: 'view', nowMs: EpochMs, view: CoordinatorView }
  /** One of the CM's session slots is this request's now (the answer to `acquire-slot`). */
  | { kind: 'slot', nowMs: EpochMs }
  /** The answer to `take-presigns`: one presignature per party member in party order, or none. */
  | { kind: 'presigns', nowMs: EpochMs, presigned?: readonly PresignedCommitment[] }
  /** The node shuts down: the request stays pending, nobody is blamed. */
  | { kind: 'stop', nowMs: EpochMs }
  /** The shell could not get `from`'s answer to the session's new_party at all (dial failed, stream reset): it counts as silence now, not at the session's deadline. */
  | { kind: 'no-answer', nowMs: EpochMs, from: string, sessionId: string, error: string }

export type CoordinatorEffect =
  | CoreEffect<SignMachineMessage>
  /** Step with a `view` event soon. */
  | { kind: 'need-view' }
  /**
   * Step with `slot` once one of the CM's session slots is this request's. The shell keeps at most one
   * per machine (none, asked or held) and sends no `slot` after a `release-slot`.
   */
  | { kind: 'acquire-slot' }
  /** Gives the slot back, or withdraws the ask if it was not granted yet (nothing when neither). */
  | { kind: 'release-slot' }
  /** Step with `presigns`: take one presignature of each member out of the pool (or none at all). */
  | { kind: 'take-presigns', keyId: string, epoch: number, party: PartyMember[] }
  /** These members no longer hold the presignatures the pool has of them (presign-unknown): drop them. */
  | { kind: 'drop-presigns', keyId: string, epoch: number, peerIds: string[] }
  /** The request is decided: what a waiting client gets. Emitted once per request at most. */
  | { kind: 'answer', result: SignResult & { status: 'completed' | 'failed' } }
  | { kind: 'blame', record: BlameRecord }
  /** Tell the signers the request is done (the `completed` notice), the CM's own signer directly. */
  | { kind: 'notify-completed', party: PartyMember[], keyId: string, requestId: string, signature: string }
  /** This CM gives the request up to another manager: pending here, answered 503 from now on. */
  | { kind: 'sent-on', reason: SentOnReason, detail: string }
  /** A session began: the signers' load goes up; logs and metrics; the shell refills its presignatures of the party. */
  | { kind: 'session-started', sessionId: string, attempt: number, presigned: boolean, party: PartyMember[], keyId: string, epoch: number, scheme: string }
  /** A session ended (its slot is released): the signers' load goes down. */
  | { kind: 'session-ended', sessionId: string, outcome: string, ms: number, party: PartyMember[] }
  /** An info line the shell logs under the request's id. */
  | { kind: 'note', what: string, detail: Record<string, unknown> }

/** How a session of the CM's own ended, before the request-level decisions. */
export type SessionOutcome =
  | { kind: 'completed', signature: string, signers: PartyMember[] }
  | { kind: 'retry', culprits: Culprit[] }
  | { kind: 'fatal', reason: string }
  /** Some signer is leased to another CM, or at another epoch: try again after `ms`. */
  | { kind: 'wait', ms: number, epochSwitch: boolean }
  /** Signers already sent shares to another CM's session (peer id → what they sent): finish that one. */
  | { kind: 'recover', contributions: ReadonlyMap<string, LedgerContribution> }
  /** Members that do not hold the presignatures offered: sign again with an exchange, not counted. */
  | { kind: 'no-presign', members: PartyMember[] }
  /** Only silence: ask the silent members for their share before another session. */
  | { kind: 'ask-silent', culprits: Culprit[] }
  /** A bug or a protocol that threw: the request fails, the shell logs `detail`. */
  | { kind: 'error', detail: string }

/** One session of the CM's own, from new_party to its outcome. */
export interface Session {
  sessionId: string
  party: PartyMember[]
  presigned?: readonly PresignedCommitment[]
  startedAtMs: EpochMs
  timer: string
  /** The first answer of each member, by peer id. */
  answers: ReadonlyMap<string, SignerAnswer>
  /** Members whose answer the transport could not get, with why (silent, judged with the rest). */
  failed?: ReadonlyMap<string, string>
}

/**
 * Asking the members of one session (ours or another CM's) for what they contributed
 * (`recover`), under one deadline; `known` is what is in hand, by peer id.
 */
export interface Gather {
  sessionId: string
  party: PartyMember[]
  known: ReadonlyMap<string, LedgerContribution>
  asked: ReadonlySet<string>
  /** Asked members that answered (anything). */
  answered: ReadonlySet<string>
  completedBefore?: string
  /** Members that answered no-contribution, and their signed word when it checks. */
  refused: ReadonlySet<string>
  abandonments: readonly SessionAbandoned[]
  /** Members whose share went to another session, with it. */
  elsewhere: ReadonlyMap<string, LedgerContribution>
  /** Members that refused for another reason (code: reason). */
  otherAnswers: ReadonlyMap<string, string>
  notManagerFor: ReadonlySet<string>
  timer: string
}

/** One round of finishing other CMs' sessions: each reported session in turn (recover.ts's recoverSession). */
export interface RecoveryRound {
  all: ReadonlyMap<string, LedgerContribution>
  sessions: readonly string[]
  index: number
  reasons: readonly string[]
  retryable: boolean
  departed: boolean
  notManager: boolean
  dead: readonly SessionAbandoned[]
}

/** Finishing another CM's session, round after round while its missing members may still answer. */
export interface Recovery {
  /** The contributions the session that met them brought: every round starts from these. */
  contributions: ReadonlyMap<string, LedgerContribution>
  /** Since when members refuse this CM as no manager (roleLost in coordinator-recovery.ts). */
  refusedSince?: EpochMs
  round: RecoveryRound
  stage:
  | { at: 'view', then: 'round' | 'decide' }
  | { at: 'gather', gather: Gather }
  | { at: 'pause', timer: string }
}

/** Where a running request is in today's coordinate() loop. */
export type Stage =
  | { at: 'view' }
  /** No valid party yet: looking again after NO_PARTY_POLL_MS. */
  | { at: 'poll', timer: string }
  | { at: 'slot', party: PartyMember[], timer: string }
  | { at: 'presigns', party: PartyMember[] }
  | { at: 'session', session: Session }
  /** The session's only culprits were silent: asking them before the next session (slot still held). */
  | { at: 'ask-silent', session: Session, culprits: Culprit[], gather: Gather }
  /** Leased to another CM or at another epoch: waiting before the same attempt again. */
  | { at: 'wait', timer: string }
  | { at: 'recovery', recovery: Recovery }

/** The request-level facts and counters of coordinate(). */
export interface Run<Pub> {
  self: string
  request: SignRequest
  message: Uint8Array
  key: CoordinatorKey<Pub>
  requestDigest: string
  result: SignResult
  view: CoordinatorView
  /** The number the next counted session gets. */
  attempt: number
  excluded: ReadonlySet<string>
  blamed: readonly string[]
  leaseWaits: number
  epochWaits: number
  /** Sessions of this request shown dead, with the proof the next parties carry. */
  released: ReadonlyMap<string, SessionAbandoned>
  noPartySince?: EpochMs
  /** Until a member answers presign-unknown: then this request signs with an exchange. */
  usePresigns: boolean
  /** Names timers and write tokens uniquely over the request's life. */
  seq: number
}

export type CoordinatorState<Pub> =
  /** Nothing persisted and no request yet. */
  | { phase: 'idle' }
  | { phase: 'running', run: Run<Pub>, stage: Stage }
  /** Decided and answered; `durable` once the synced write of the result came back. */
  | { phase: 'finished', result: SignResult, durable: boolean, token?: string }
  /** Pending here, another manager's now (restarted, or lost the role while finishing another's session). */
  | { phase: 'sent-on', result: SignResult, reason: SentOnReason }
  /** The node shut down while the request ran: pending, unblamed. */
  | { phase: 'stopped', result?: SignResult }

/** What the store holds of a request at its CM (node/engine/sign/result-store.ts's StoredResult). */
export interface StoredResult {
  requestDigest: string
  result: SignResult
  expiresAt: number
}

/** The result's key in the CM's store: the one the shell's result store uses. */
export const resultKey = (keyId: string, requestId: string): string => `cm-request/${requestId}/${keyId}`
export const RESULT_KEY_PREFIX = 'cm-request/'

/** A name for a timer or a write no other of this request's has had: the run with its counter moved on, and the name. */
export function named<Pub> (run: Run<Pub>, purpose: string): [Run<Pub>, string] {
  return [{ ...run, seq: run.seq + 1 }, `${purpose}#${run.seq}`]
}
