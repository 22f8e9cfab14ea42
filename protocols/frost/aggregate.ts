// RFC 9591 §5.3 aggregate with identifiable abort (§5.4): aggregate and verify first; only when
// the signature fails, verify each share and name the culprits as (committee, member).
import type { FrostContext } from './context.js'
import { AggregationError, InvalidShareError } from './errors.js'
import { aggregateRound, prepare } from './rfc9591.js'
import type { SigningSession } from './session.js'
import { bySigner, elementCommitmentList } from './signing-set.js'
import { suiteFor } from './suite.js'
import { signerTag, type SignatureShare, type SigningCommitments } from './types.js'
import { verifyPrepared } from './verify-share.js'
import { verifyEncoded } from './verify-signature.js'
import { verifyingSharesBySigner, type SignerVerifyingShare } from './verifying-shares.js'

/**
 * The coordinator combines the party's shares into the final 64-byte signature.
 * Throws `SigningSetError` when the commitments or shares are not exactly the party (nobody's share
 * is judged then), `InvalidShareError` naming every signer whose share fails, and
 * `AggregationError` when the signature fails although every share verifies (the verifying
 * shares do not add up to the group key: wrong party, κ or registry data).
 * The result is checked with the scheme's ordinary verifier before it is returned.
 *
 * `verifyingShares` undefined: the caller does not know them (a session of another epoch's sharing,
 * finished by session recovery). A signature that verifies is returned as ever; one that does not
 * throws `AggregationError`, naming nobody, since no share can be judged.
 */
export function aggregate (
  ctx: FrostContext, session: SigningSession, verifyingShares: readonly SignerVerifyingShare[] | undefined, commitments: readonly SigningCommitments[],
  message: Uint8Array, shares: readonly SignatureShare[]
): Uint8Array {
  const list = elementCommitmentList(ctx, session, commitments)
  const byTag = bySigner(session, shares, 'signature shares')
  const vs = verifyingShares === undefined ? undefined : verifyingSharesBySigner(session, verifyingShares)
  const prep = prepare(ctx.group(session.scheme), suiteFor(session.scheme), session.groupKeyBytes, list, message)
  const shareOf = (tag: string): Uint8Array => {
    const share = byTag.get(tag)?.share
    if (share === undefined) throw new Error('unreachable: bySigner checked every signer')
    return share
  }

  let signature: Uint8Array | undefined
  try {
    signature = aggregateRound(prep, session.signers.map(s => shareOf(signerTag(s))))
  } catch {
    signature = undefined // a share that is not a canonical scalar: found below
  }
  if (signature !== undefined && verifyEncoded(ctx, session.scheme, session.groupKeyBytes, message, signature)) return signature
  if (vs === undefined) {
    throw new AggregationError('the signature does not verify, and the verifying shares of this party are unknown here: no share can be judged')
  }

  const culprits = session.signers
    .filter(s => !verifyPrepared(ctx, session, prep, vs, s, shareOf(signerTag(s))))
    .map(s => ({ committee: s.committee, member: s.member }))
  if (culprits.length > 0) throw new InvalidShareError(culprits)
  throw new AggregationError('every signature share verifies but the signature does not: ' +
    'the verifying shares (party, κ or registry data) do not add up to the group key')
}
