// Round 1 (RFC 9591 §5.1 commit): fresh nonces (d, e) hedged with the signer's sub-share, and
// their commitments D = d·G, E = e·G. Independent of the party and the message.
import { randomBytes as systemRandomBytes } from '@noble/hashes/utils.js'
import { curveFor, type RandomBytes } from '../sharing/index.js'
import { frostBackend } from './backend.js'
import { SigningNonces } from './nonces.js'
import type { SignerKey, SigningCommitments } from './types.js'

export interface Round1 {
  /** Secret: keep in memory for round 2 only; never serialise or send. */
  nonces: SigningNonces
  /** Public: send to the other signers and the coordinator. */
  commitments: SigningCommitments
}

/**
 * Signer `key` starts a signing session. `randomBytes` defaults to the system CSPRNG; tests inject
 * a seeded one (it is called twice with 32: hiding, then binding, as in the RFC's vectors).
 * The hedge is the raw sub-share s_{c,m}: nonces never depend on the party.
 */
export function commit (key: SignerKey, randomBytes: RandomBytes = systemRandomBytes): Round1 {
  const curve = curveFor(key.scheme)
  const { nonces, hiding, binding } = frostBackend(key.scheme).commit(curve.encodeScalar(key.share.expose()), randomBytes)
  const commitments: SigningCommitments = { committee: key.committee, member: key.member, hiding, binding }
  return { nonces: new SigningNonces(key.scheme, commitments, nonces), commitments }
}
