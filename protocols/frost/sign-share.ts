// Round 2 (RFC 9591 §5.2 sign): the signer scales its sub-share by κ/λ_flat for this party and
// signs with the library's round function, consuming its round-1 nonces.
import { equalBytes } from '@noble/curves/utils.js'
import { curveFor } from '../sharing/index.js'
import { frostBackend } from './backend.js'
import { OwnCommitmentMismatchError, SigningSetError } from './errors.js'
import { takeNonces, type SigningNonces } from './nonces.js'
import { sessionSigner, type SigningSession } from './session.js'
import { flatCommitmentList } from './signing-set.js'
import type { SignatureShare, SignerKey, SigningCommitments } from './types.js'

/**
 * Signer `key` answers round 2 for `message`. Order matters and is part of the contract:
 * 1. the nonces are taken first (a second call throws `NonceReuseError`, whatever happened before);
 * 2. the commitments must be exactly the party's signers (`SigningSetError`) and must carry this
 *    signer's own commitments unchanged (`OwnCommitmentMismatchError`);
 * 3. the share `κ/λ_flat · s_{c,m}` is signed under each of the signer's flat identifiers.
 * Call it only after checking the request itself (owner signature, policy, party validity).
 */
export function signShare (
  session: SigningSession, key: SignerKey, nonces: SigningNonces, commitments: readonly SigningCommitments[], message: Uint8Array
): SignatureShare {
  if (key.scheme !== session.scheme || nonces.scheme !== session.scheme) {
    throw new RangeError(`key (${key.scheme}) and nonces (${nonces.scheme}) must be for the session's scheme ${session.scheme}`)
  }
  if (nonces.signer.committee !== key.committee || nonces.signer.member !== key.member) {
    throw new RangeError('these nonces belong to another signer')
  }
  const raw = takeNonces(nonces)
  let effective: Uint8Array | undefined
  try {
    const me = sessionSigner(session, key)
    if (me === undefined) throw new SigningSetError('signers', [], [{ committee: key.committee, member: key.member }], [])
    const list = flatCommitmentList(session, commitments)
    const mine = list.find(c => c.identifier === me.identifiers[0])
    if (mine === undefined || !equalBytes(mine.hiding, nonces.commitments.hiding) || !equalBytes(mine.binding, nonces.commitments.binding)) {
      throw new OwnCommitmentMismatchError(key)
    }

    const curve = curveFor(session.scheme)
    const backend = frostBackend(session.scheme)
    effective = curve.encodeScalar(curve.Fn.mul(me.factor, key.share.expose()))
    let z = 0n
    for (const identifier of me.identifiers) {
      // noble zeroes the nonce bytes it is given; a lone signer signs twice, so each call gets a copy.
      const copy = { hiding: raw.hiding.slice(), binding: raw.binding.slice() }
      const share = backend.signShare(identifier, effective, session.groupKeyBytes, copy, list, message)
      z = curve.Fn.add(z, curve.decodeScalar(share))
    }
    return { committee: key.committee, member: key.member, share: curve.encodeScalar(z) }
  } finally {
    effective?.fill(0)
    raw.hiding.fill(0)
    raw.binding.fill(0)
  }
}
