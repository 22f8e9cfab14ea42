// Checking a blame record's evidence (docs/protocols/sign.md#blame-evidence):
// any node, and `shardsig blame verify` through a node of the user's choice,
// redoes the check the blamer made, from signed messages and the key's public
// material, and trusts no word of the blamer's. Pure.
import { hexToBytes } from '@noble/hashes/utils.js'
import { verifyBody } from '../crypto/owner-auth.js'
import { decodeSignatureShare, SigningSetError, type Frost } from '../frost/index.js'
import { frostCurveOf, signingProtocolOf } from '../keys/key-scheme.js'
import { partyOfSlots, type NestedPublic, type SharingParams } from '../sharing/index.js'
import type { InvalidShareEvidence } from '../wire/blame-evidence.js'
import type { BlameRecord } from '../wire/http.js'
import type { KeyRecord } from '../wire/key-record.js'
import { SIGN_REQUEST_KIND } from '../wire/sign.js'
import { checkShareStatement } from './share-statement.js'

/** The public material of the key a blame is about, as the checking node holds it at its active epoch. */
export interface EvidenceKey {
  record: KeyRecord
  nested: NestedPublic
  params: SharingParams
  /** The epoch `nested` is of (the record's, or the key's last reshare). */
  epoch: number
}

export type EvidenceVerdict =
  /** The evidence shows the culprit did what the record says. */
  | { verdict: 'proven', detail: string }
  /** The evidence does not show it (forged, incomplete, or the culprit did nothing wrong). */
  | { verdict: 'not-proven', detail: string }
  /** No signed message can show this kind of blame: it stands on the blamer's word. */
  | { verdict: 'unprovable', detail: string }

/** What the record's evidence shows; `key` is undefined when the checker does not know the key. */
export function checkBlameEvidence (frost: Frost, blame: BlameRecord, key: EvidenceKey | undefined): EvidenceVerdict {
  const evidence = blame.evidence
  if (evidence === undefined) return { verdict: 'unprovable', detail: 'the record carries no evidence (written by a build before evidence, or of a kind no signed message can show)' }
  if (evidence.kind === 'unprovable') return { verdict: 'unprovable', detail: evidence.why }
  if (blame.reason !== 'invalid-share') return { verdict: 'not-proven', detail: `invalid-share evidence does not support a '${blame.reason}' blame` }
  return checkInvalidShare(frost, blame, evidence, key)
}

function checkInvalidShare (frost: Frost, blame: BlameRecord, e: InvalidShareEvidence, key: EvidenceKey | undefined): EvidenceVerdict {
  const no = (detail: string): EvidenceVerdict => ({ verdict: 'not-proven', detail })
  const { request } = e
  if (blame.keyId !== undefined && blame.keyId !== request.keyId) return no(`the record names key ${blame.keyId}, the evidence's request key ${request.keyId}`)
  if (key === undefined || key.record.keyId !== request.keyId) return no(`key ${request.keyId} is not known to this checker`)
  if (!verifyBody(SIGN_REQUEST_KIND, request, key.record.ownerAuthKey)) return no('the request is not signed by the key\'s owner')
  const culprit = e.party.find(m => m.peerId === blame.culprit)
  if (culprit === undefined || culprit.committee !== e.share.committee || culprit.member !== e.share.member) {
    return no(`the share is not ${blame.culprit}'s slot in the party`)
  }
  const at = { keyId: request.keyId, requestId: request.requestId, sessionId: e.sessionId, peerId: blame.culprit, share: e.share, commitments: e.commitments }
  if (!checkShareStatement(at, e.statement)) return no(`the statement is not signed by ${blame.culprit} over this share, session and commitments`)
  // Only a FROST share can be this evidence; a key another protocol signs has none.
  if (signingProtocolOf(key.record.scheme) !== 'frost') return no(`key ${request.keyId} is a ${key.record.scheme} key, which FROST does not sign`)
  const scheme = frostCurveOf(key.record.scheme)
  let valid: boolean
  try {
    const session = frost.createSession(key.params, key.nested.groupPublicKey, partyOfSlots(e.party))
    const commitments = e.commitments.map(c => frost.decodeCommitments(scheme, c))
    valid = frost.verifyShare(session, frost.verifyingShares(session, key.nested.committees), commitments, hexToBytes(request.message), decodeSignatureShare(scheme, e.share))
  } catch (err) {
    // The culprit signed a share that does not even decode, or over commitments that are not the party: its own doing.
    if (err instanceof SigningSetError) return { verdict: 'proven', detail: `${blame.culprit} signed a share over commitments that are not exactly the party's: ${err.message}` }
    return { verdict: 'proven', detail: `${blame.culprit} signed a share that does not decode: ${(err as Error).message}` }
  }
  return valid
    ? no(`the share verifies against ${blame.culprit}'s public share at epoch ${key.epoch}: the blame is false, or the key was reshared since the session`)
    : { verdict: 'proven', detail: `${blame.culprit} signed a share that does not verify against its public share (committee ${culprit.committee} member ${culprit.member}, epoch ${key.epoch})` }
}

/** Why a blame of this reason carries no evidence: what no signed message can show. */
export function unprovableWhy (reason: string): string {
  switch (reason) {
    case 'silent':
      return 'silence leaves no signed message: only the blamer saw that no answer came in time'
    case 'false-report':
    case 'equivocated-commitments':
    case 'misreported-commitments':
      return 'round-1 commitments and reports travel unsigned between signers: the judgement rests on the party\'s majority as the blamer heard it'
    case 'false-rejection':
    case 'malformed-answer':
    case 'no-share':
      return 'the answer came over an authenticated connection but is not signed: only the blamer can vouch for what it said'
    case 'invalid-share':
      return 'the share came without a signed statement (a build before share statements)'
    case 'equivocation':
      return 'the two records are owner-signed, but which committee leader relayed which is not signed: it rests on the members\' word'
    default:
      return `a '${reason}' blame carries no signed message`
  }
}
