// RFC 9591 §5.3 aggregate with identifiable abort (§5.4): aggregate and verify first; only when
// the signature fails, verify each share and name the culprits as (committee, member).
import { curveFor } from '../sharing/index.js'
import { frostBackend } from './backend.js'
import { AggregationError, InvalidShareError } from './errors.js'
import type { SigningSession } from './session.js'
import { bySigner, flatCommitmentList } from './signing-set.js'
import { signerTag, type SignatureShare, type SignerId, type SigningCommitments } from './types.js'
import { verifyFlat } from './verify-share.js'
import { verifySignature } from './verify-signature.js'
import { verifyingShareBytes, type SignerVerifyingShare } from './verifying-shares.js'

/**
 * The coordinator combines the party's shares into the final 64-byte signature.
 * Throws `SigningSetError` when the commitments or shares are not exactly the party (nobody's share
 * is judged then), `InvalidShareError` naming every signer whose share fails, and
 * `AggregationError` when the signature fails although every share verifies (the verifying
 * shares do not add up to the group key: wrong party, κ or registry data).
 * The result is checked with the scheme's ordinary verifier, not only the backend's.
 */
export function aggregate (
  session: SigningSession, verifyingShares: readonly SignerVerifyingShare[], commitments: readonly SigningCommitments[],
  message: Uint8Array, shares: readonly SignatureShare[]
): Uint8Array {
  const list = flatCommitmentList(session, commitments)
  const byTag = bySigner(session, shares, 'signature shares')
  const vs = verifyingShareBytes(session, verifyingShares)
  const curve = curveFor(session.scheme)
  const zero = curve.encodeScalar(0n)
  const flatShares: Record<string, Uint8Array> = {}
  for (const s of session.signers) {
    // A lone signer's share already sums both of its slots (see session.ts); its second slot adds 0.
    s.identifiers.forEach((identifier, i) => { flatShares[identifier] = i === 0 ? shareOf(byTag, s) : zero })
  }

  let signature: Uint8Array | undefined
  try {
    signature = frostBackend(session.scheme).aggregate(session.groupKeyBytes, vs, list, message, flatShares)
  } catch {
    signature = undefined
  }
  if (signature !== undefined && verifySignature(session.scheme, session.groupPublicKey, message, signature)) return signature

  const culprits = session.signers
    .filter(s => !verifyFlat(session, vs, list, message, s, shareOf(byTag, s)))
    .map(s => ({ committee: s.committee, member: s.member }))
  if (culprits.length > 0) throw new InvalidShareError(culprits)
  throw new AggregationError('every signature share verifies but the signature does not: ' +
    'the verifying shares (party, κ or registry data) do not add up to the group key')
}

function shareOf (byTag: ReadonlyMap<string, SignatureShare>, s: SignerId): Uint8Array {
  const share = byTag.get(signerTag(s))?.share
  if (share === undefined) throw new Error('unreachable: bySigner checked every signer')
  return share
}
