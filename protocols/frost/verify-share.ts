// RFC 9591 §5.4 verify_signature_share, for one signer of a nested party:
// z·G must equal its commitment share plus c·κ·Y_{c,m}. The coordinator runs it to find a culprit.
import type { FrostContext } from './context.js'
import { SigningSetError } from './errors.js'
import { prepare, verifyShareRound, type Prepared } from './rfc9591.js'
import { sessionSigner, type SessionSigner, type SigningSession } from './session.js'
import { elementCommitmentList } from './signing-set.js'
import { suiteFor } from './suite.js'
import { signerTag, type SignatureShare, type SigningCommitments } from './types.js'
import { verifyingShareElement, verifyingSharesBySigner, type SignerVerifyingShare } from './verifying-shares.js'

/**
 * Whether `share` is a valid signature share of its signer in this session. Throws
 * `SigningSetError` when the commitments are not exactly the party or the share's signer is not
 * in it; any other fault of the share itself (not a canonical scalar, …) is `false`.
 */
export function verifyShare (
  ctx: FrostContext, session: SigningSession, verifyingShares: readonly SignerVerifyingShare[], commitments: readonly SigningCommitments[],
  message: Uint8Array, share: SignatureShare
): boolean {
  const list = elementCommitmentList(ctx, session, commitments)
  const signer = sessionSigner(session, share)
  if (signer === undefined) throw new SigningSetError('signature shares', [], [{ committee: share.committee, member: share.member }], [])
  const vs = verifyingSharesBySigner(session, verifyingShares)
  const prep = prepare(ctx.group(session.scheme), suiteFor(session.scheme), session.groupKeyBytes, list, message)
  return verifyPrepared(ctx, session, prep, vs, signer, share.share)
}

/** The check proper, on a prepared commitment list (aggregate calls it once per signer). */
export function verifyPrepared (
  ctx: FrostContext, session: SigningSession, prep: Prepared, vs: ReadonlyMap<string, SignerVerifyingShare>, signer: SessionSigner, share: Uint8Array
): boolean {
  const v = vs.get(signerTag(signer))
  if (v === undefined || !(share instanceof Uint8Array)) return false
  try {
    return verifyShareRound(prep, signer.flatIds, share, verifyingShareElement(ctx, session, v), signer.kappa)
  } catch {
    return false
  }
}
