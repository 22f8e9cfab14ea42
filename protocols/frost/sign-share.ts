// Round 2 (RFC 9591 §5.2 sign): the signer answers with z = d + e·ρ + κ·s·c for this party,
// consuming its round-1 nonces. κ is the nested coefficient (no flat Lagrange coefficient).
import type { FrostContext } from './context.js'
import { OwnCommitmentMismatchError, SigningSetError } from './errors.js'
import { takeNonces, type SigningNonces } from './nonces.js'
import { prepare, signRound } from './rfc9591.js'
import { sessionSigner, type SigningSession } from './session.js'
import { bySigner, elementCommitmentList } from './signing-set.js'
import { suiteFor } from './suite.js'
import { signerTag, type SignatureShare, type SignerKey, type SigningCommitments } from './types.js'

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/**
 * Signer `key` answers round 2 for `message`. Order matters and is part of the contract:
 * 1. the nonces are taken first (a second call throws `NonceReuseError`, whatever happened before);
 * 2. the commitments must be exactly the party's signers (`SigningSetError`) and must carry this
 *    signer's own commitments unchanged (`OwnCommitmentMismatchError`); every other point was
 *    checked when it was decoded (`InvalidWireError` for one built by hand that does not decode);
 * 3. the share κ·s_{c,m} is signed under the signer's flat identifier(s).
 * Call it only after checking the request itself (owner signature, policy, party validity).
 */
export function signShare (
  ctx: FrostContext, session: SigningSession, key: SignerKey, nonces: SigningNonces, commitments: readonly SigningCommitments[], message: Uint8Array
): SignatureShare {
  if (key.scheme !== session.scheme || nonces.scheme !== session.scheme) {
    throw new RangeError(`key (${key.scheme}) and nonces (${nonces.scheme}) must be for the session's scheme ${session.scheme}`)
  }
  if (nonces.signer.committee !== key.committee || nonces.signer.member !== key.member) {
    throw new RangeError('these nonces belong to another signer')
  }
  const raw = takeNonces(nonces)
  let share: Uint8Array | undefined
  try {
    const me = sessionSigner(session, key)
    if (me === undefined) throw new SigningSetError('signers', [], [{ committee: key.committee, member: key.member }], [])
    const mine = bySigner(session, commitments, 'commitments').get(signerTag(key))
    if (mine === undefined || !sameBytes(mine.hiding, nonces.commitments.hiding) || !sameBytes(mine.binding, nonces.commitments.binding)) {
      throw new OwnCommitmentMismatchError(key)
    }
    const list = elementCommitmentList(ctx, session, commitments)
    const suite = suiteFor(session.scheme)
    const prep = prepare(ctx.group(session.scheme), suite, session.groupKeyBytes, list, message)
    share = suite.serializeScalar(key.share.expose())
    const z = signRound(prep, raw, me.flatIds, share, me.kappa)
    return { committee: key.committee, member: key.member, share: z }
  } finally {
    share?.fill(0)
    raw.hiding.fill(0)
    raw.binding.fill(0)
  }
}
