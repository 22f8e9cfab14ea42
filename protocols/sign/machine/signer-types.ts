// The signer machine's events, effects and state (docs/decisions/0016-sign-machines.md).
// One machine per node: every signing session the node is a member of, the round
// messages that came before their session, and the ledger entries it is using.
import type { CoreEffect, CoreEvent, EpochMs, Random } from '../../machine/types.js'
import type { KeyState } from '../../lifecycle/reshare.js'
import type { KeyRecord } from '../../wire/key-record.js'
import type { NewParty, PartyMember, Recover, SessionAbandoned } from '../../wire/sign.js'
import type { SignRejectionCode } from '../check-request.js'
import type { LedgerEntry } from '../ledger-rules.js'
import type { Completed, RoundMessage, SignMachineMessage } from './messages.js'
import type { SessionFacts, ThresholdProtocol } from './threshold-protocol.js'

/** A request's key as the shell found it: refused (unknown, deleted, not confirmed yet), or its material and this node's part. */
export type KeyLookup<Pub, Secret> =
  | { kind: 'refused', code: SignRejectionCode, reason: string }
  | {
    kind: 'found'
    record: KeyRecord
    /** Holders, epoch and digest at the active epoch. */
    state: KeyState
    pub: Pub
    /** This node's usable share of that state (undefined: none, the signer answers no-share). */
    secret: Secret | undefined
    /** The epoch this node is switching to (activation begun, restart not yet done), if any. */
    leavingFor?: number
  }

/** What a presigned new_party found in this signer's presignature stock (taken, so spent, whatever follows). */
export type PresignLookup<Pre> = { kind: 'taken', pre: Pre } | { kind: 'unknown', reason: string }

export interface NewPartyEvent<Pub, Secret> {
  kind: 'new-party'
  /** The coordinator (authenticated by its stream). */
  from: string
  np: NewParty
  key: KeyLookup<Pub, Secret>
  /** The ledger entry of the request as the store has it (the machine's own copy, when it has one, is newer). */
  stored: LedgerEntry | undefined
  /** The nodes of the active epoch: a session naming another can never finish. */
  members: ReadonlySet<string>
  /** Whether the key's rate limit has a token now (the machine takes it with `take-rate-token`). */
  rateAvailable: boolean
  /** With np.presigned: this member's presignature. */
  presign?: PresignLookup<unknown>
  nowMs: EpochMs
}

export interface RecoverEvent<Pub, Secret> {
  kind: 'recover'
  from: string
  req: Recover
  key: KeyLookup<Pub, Secret>
  stored: LedgerEntry | undefined
  nowMs: EpochMs
}

export interface CompletedEvent<Pub, Secret> {
  kind: 'completed'
  from: string
  msg: Completed
  key: KeyLookup<Pub, Secret>
  stored: LedgerEntry | undefined
  nowMs: EpochMs
}

export type SignerEvent<Pub, Secret> =
  | CoreEvent<SignMachineMessage>
  /** The store has ledger entry `key` as last written and no lookup of it is on its way: the machine may let go of its copy. */
  | { kind: 'forget', key: string, nowMs: EpochMs }
  | NewPartyEvent<Pub, Secret>
  | RecoverEvent<Pub, Secret>
  | CompletedEvent<Pub, Secret>

export type SignerEffect =
  | CoreEffect<SignMachineMessage>
  /** Spend one token of the key's rate limit (the first claim of a request). */
  | { kind: 'take-rate-token', keyId: string, ratePerMinute: number, nowMs: EpochMs }
  /** A line for the node's log: what the signer did and why (every line carries the request id). */
  | { kind: 'log', level: 'debug' | 'info' | 'warn', msg: string, fields: Record<string, unknown> }

/** What the machine needs of its node: fixed at start. */
export interface SignerEnv<Pub, Secret, S, Pre> {
  /** This node's peer id. */
  self: string
  protocol: ThresholdProtocol<Pub, Secret, S, Pre>
  random: Random
  /** Signs this node's word that it never contributes to a session (dead-session.ts), with its libp2p key. */
  signAbandonment: (at: { keyId: string, requestId: string, sessionId: string, peerId: string }) => SessionAbandoned
}

/** One session this signer runs. */
export interface RunningSession<S> {
  sessionId: string
  coordinator: string
  facts: SessionFacts<unknown>
  me: PartyMember
  round: number
  protocolState: S
  /** The claim this session runs under. */
  claim: LedgerEntry
  /** When the current round gives up on missing messages. */
  roundDeadline: EpochMs
  /** Recovers of this session that wait until it ends. */
  recovers: Array<RecoverEvent<unknown, unknown>>
}

/** A contribution whose synced write is on its way: the answer leaves once it is durable. */
export interface HeldAnswer {
  to: string
  sessionId: string
  contribution: unknown
  /** Recovers of the session that waited for it. */
  recovers: Array<RecoverEvent<unknown, unknown>>
  /** The fields of the 'signature share sent' line. */
  log: Record<string, unknown>
}

export interface SignerState<S> {
  /** Names this process run's leases (ledger-rules.ts, leasedIn). */
  instance: string
  /**
   * Ledger entries (by store key) this machine wrote (null: deleted): newer than any `stored` an
   * event brings. An entry is forgotten when the shell says the store has it and no lookup of it is
   * on its way (`forget`), unless a write of it is still pending or a session of its request runs.
   */
  ledger: Map<string, LedgerEntry | null>
  /** Store key of each write on its way, by persist token. */
  writes: Map<string, string>
  sessions: Map<string, RunningSession<S>>
  /** Round messages for sessions not started here yet; kept briefly, a few per sender. */
  early: Array<{ at: EpochMs, from: string, msg: RoundMessage }>
  /** Answers waiting for their synced write, by persist token. */
  held: Map<string, HeldAnswer>
  nextToken: number
}
