// What the signing machines send each other (docs/decisions/0016-sign-machines.md).
// Protocol-neutral: a round message and a contribution carry the threshold
// protocol's own payload. The shell's codec maps these to today's wire messages
// (protocols/wire/sign.ts) for FROST — `round` with round 1 is a `round1` message,
// a `share` answer spreads the FROST contribution's fields — so the network sees
// the same bytes as before the machines.
import type { z } from 'zod'
import type { CompletedSchema, Contribution, NewParty, PartyMember, Recover, SessionAbandoned } from '../../wire/sign.js'

export type Completed = z.infer<typeof CompletedSchema>

/** A signer's message of one round to another party member. */
export interface RoundMessage {
  kind: 'round'
  sessionId: string
  round: number
  payload: unknown
}

/** A signer's answer to new_party (or recover), to the coordinator that asked. */
export type SignerAnswer =
  | { kind: 'share', sessionId: string, contribution: unknown }
  | { kind: 'completed-before', sessionId: string, signature: string }
  /** Its share already went to another coordinator's session of the request: here it is, to finish that session. */
  | { kind: 'contributed', sessionId: string, contribution: Contribution }
  | {
    kind: 'reject'
    sessionId: string
    code: string
    reason: string
    /** round1-timeout (round 1) or round-timeout (a later round): the members whose round message never came. */
    missing?: PartyMember[]
    /** no-contribution (to recover): the signer's signed word that it never contributes to that session. */
    abandoned?: SessionAbandoned
    /** leased-by-other-coordinator, wrong-epoch: when to ask again. */
    retryAfterMs?: number
  }

/**
 * What a signer keeps in its ledger of the share it sent, and hands another coordinator on recover:
 * session, coordinator and party, and the protocol's `keep` of its contribution (FROST: the
 * commitment list and the share, the ledger's Contribution record of protocols/wire/sign.ts).
 */
export type LedgerContribution = Contribution

/** Every message between signing machines. */
export type SignMachineMessage =
  | NewParty
  | Recover
  | Completed
  | RoundMessage
  | { kind: 'answer', answer: SignerAnswer }
