// RFC 9591 §5.4 verify_signature_share, for one signer of a nested party: z·G must equal its
// commitment share plus c·λ_flat·(κ/λ_flat)·Y_{c,m}. The coordinator runs it to find a culprit.
import { curveFor } from '../sharing/index.js'
import { frostBackend, type FlatCommitment } from './backend.js'
import { SigningSetError } from './errors.js'
import { sessionSigner, type SessionSigner, type SigningSession } from './session.js'
import { flatCommitmentList } from './signing-set.js'
import type { SignatureShare, SigningCommitments } from './types.js'
import { verifyingShareBytes, type SignerVerifyingShare } from './verifying-shares.js'

/**
 * Whether `share` is a valid signature share of its signer in this session. Throws
 * `SigningSetError` when the commitments are not exactly the party or the share's signer is not
 * in it; any other fault of the share itself (not a canonical scalar, …) is `false`.
 */
export function verifyShare (
  session: SigningSession, verifyingShares: readonly SignerVerifyingShare[], commitments: readonly SigningCommitments[],
  message: Uint8Array, share: SignatureShare
): boolean {
  const list = flatCommitmentList(session, commitments)
  const signer = sessionSigner(session, share)
  if (signer === undefined) throw new SigningSetError('signature shares', [], [{ committee: share.committee, member: share.member }], [])
  return verifyFlat(session, verifyingShareBytes(session, verifyingShares), list, message, signer, share.share)
}

/** The check proper, on prepared inputs (aggregate calls it once per signer). */
export function verifyFlat (
  session: SigningSession, vs: Readonly<Record<string, Uint8Array>>, list: readonly FlatCommitment[],
  message: Uint8Array, signer: SessionSigner, share: Uint8Array
): boolean {
  const backend = frostBackend(session.scheme)
  try {
    const [first, second] = signer.identifiers
    if (first === undefined) return false
    if (second === undefined) return backend.verifyShare(first, vs[first] ?? new Uint8Array(), session.groupKeyBytes, list, message, share)
    // A lone signer's share is z_1 + z_2 under one nonce pair; only the sum is known, and it is
    // the whole signature's z: check it by aggregating it alone (the other slot contributes 0).
    const zero = curveFor(session.scheme).encodeScalar(0n)
    backend.aggregate(session.groupKeyBytes, vs, list, message, { [first]: share, [second]: zero })
    return true
  } catch {
    return false
  }
}
