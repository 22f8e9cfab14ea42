// A signer's signed word on the signature share it sends (docs/protocols/sign.md#blame-evidence):
// the share, the session and the round-1 commitment list it signed over, signed
// with its libp2p key. With the session's public data (the owner-signed request,
// the party, the key's commitments) anyone can then check the share, so a CM's
// `invalid-share` blame is evidence rather than its word. Pure.
import { createHash, type KeyObject } from 'node:crypto'
import { PROTOCOL_VERSION } from '../constants.js'
import { signBody } from '../crypto/owner-auth.js'
import { verifyPeerSignature } from '../crypto/peer-signature.js'
import { canonicalJson } from '../wire/canonical.js'
import type { CommitmentWire, ShareWire } from '../wire/sign.js'

export const SHARE_STATEMENT_KIND = 'sign_share'

export interface ShareStatementAt {
  keyId: string
  requestId: string
  sessionId: string
  /** The signer: its libp2p peer id. */
  peerId: string
  share: ShareWire
  /** The round-1 commitment list the share was computed over (every party member's). */
  commitments: readonly CommitmentWire[]
}

/** SHA-256 of the canonical JSON of the commitment list in (committee, member) order, lowercase hex. */
export function commitmentsDigest (commitments: readonly CommitmentWire[]): string {
  const sorted = [...commitments].sort((a, b) => a.committee - b.committee || a.member - b.member)
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex')
}

function statementBody (at: ShareStatementAt): Record<string, unknown> {
  return {
    v: PROTOCOL_VERSION,
    keyId: at.keyId,
    requestId: at.requestId,
    sessionId: at.sessionId,
    peerId: at.peerId,
    committee: at.share.committee,
    member: at.share.member,
    share: at.share.share,
    commitmentsDigest: commitmentsDigest(at.commitments)
  }
}

/** The signature (hex) over the statement, by the signer's libp2p key (its 32-byte seed or an OpenSSL key object of it). */
export function signShareStatement (at: ShareStatementAt, key: Uint8Array | KeyObject): string {
  return signBody(SHARE_STATEMENT_KIND, statementBody(at), key).signature
}

/** Whether `signature` is `at.peerId`'s over exactly this share, session and commitment list. */
export function checkShareStatement (at: ShareStatementAt, signature: string): boolean {
  return verifyPeerSignature(SHARE_STATEMENT_KIND, { ...statementBody(at), signature }, at.peerId)
}
