// Dead sessions (docs/protocols/sign.md#dead-sessions): a signer that answers a
// recover with no-contribution has marked the session abandoned in its ledger
// (synced) and never gives it a share. FROST needs every party member's share,
// so that session can never produce a signature, and the members whose share
// went to it may safely work for another CM — on the word of that member,
// signed with its libp2p key. Pure.
import { PROTOCOL_VERSION } from '../constants.js'
import { signAsPeer, verifyPeerSignature } from '../crypto/peer-signature.js'
import { SESSION_ABANDONED_KIND, type Contribution, type SessionAbandoned } from '../wire/sign.js'

export function signAbandonment (at: { keyId: string, requestId: string, sessionId: string, peerId: string }, seed: Uint8Array): SessionAbandoned {
  return signAsPeer(SESSION_ABANDONED_KIND, { v: PROTOCOL_VERSION, keyId: at.keyId, requestId: at.requestId, sessionId: at.sessionId, peerId: at.peerId }, seed) as SessionAbandoned
}

/** The statement is about this request, signed by the peer it names. */
export function isAbandonmentOf (proof: SessionAbandoned, keyId: string, requestId: string): boolean {
  return proof.keyId === keyId && proof.requestId === requestId && verifyPeerSignature(SESSION_ABANDONED_KIND, proof, proof.peerId)
}

/**
 * Whether `proof` shows that the session `contribution` went to can never
 * finish: it is that session, and the one who abandoned it is a member of that
 * session's party as the contribution recorded it (not as anyone claims now).
 */
export function provesSessionDead (proof: SessionAbandoned, contribution: Contribution, keyId: string, requestId: string): boolean {
  return proof.sessionId === contribution.sessionId && contribution.party.some(m => m.peerId === proof.peerId) && isAbandonmentOf(proof, keyId, requestId)
}
