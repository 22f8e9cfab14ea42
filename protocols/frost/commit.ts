// Round 1 (RFC 9591 §5.1 commit): fresh nonces (d, e) hedged with the signer's sub-share, and
// their commitments D = d·G, E = e·G. Independent of the party and the message.
import { getRandomValues } from 'node:crypto'
import type { RandomBytes } from '../sharing/index.js'
import type { FrostContext } from './context.js'
import { rememberCommitments } from './elements.js'
import { SigningNonces } from './nonces.js'
import { commitRound } from './rfc9591.js'
import { suiteFor } from './suite.js'
import type { SignerKey, SigningCommitments } from './types.js'

export interface Round1 {
  /** Secret: keep in memory for round 2 only; never serialise or send. */
  nonces: SigningNonces
  /** Public: send to the other signers and the coordinator. */
  commitments: SigningCommitments
}

// The system CSPRNG straight into a fresh array (not Node's shared Buffer pool).
const systemRandomBytes: RandomBytes = n => getRandomValues(new Uint8Array(n))

/**
 * Signer `key` starts a signing session. `randomBytes` defaults to the system CSPRNG; tests inject
 * a seeded one (it is called twice with 32: hiding, then binding, as in the RFC's vectors).
 * The hedge is the raw sub-share s_{c,m}: nonces never depend on the party.
 */
export function commit (ctx: FrostContext, key: SignerKey, randomBytes: RandomBytes = systemRandomBytes): Round1 {
  const group = ctx.group(key.scheme)
  const suite = suiteFor(key.scheme)
  const share = suite.serializeScalar(key.share.expose())
  try {
    const { nonces, hiding, binding } = commitRound(group, suite, share, randomBytes)
    const commitments: SigningCommitments = {
      committee: key.committee, member: key.member, hiding: group.encode(hiding).slice(), binding: group.encode(binding).slice()
    }
    rememberCommitments(ctx, key.scheme, commitments, hiding, binding)
    return { nonces: new SigningNonces(key.scheme, commitments, nonces), commitments }
  } finally {
    share.fill(0)
  }
}
