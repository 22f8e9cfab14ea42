// Public data types of a FROST signing session. Signers are always named by (committee, member);
// flat library identifiers stay inside protocols/frost.
import type { SecretScalar, CurveName } from '../sharing/index.js'

/** A signer: member `member` (1-based position) of committee `committee` (1-based). */
export interface SignerId { committee: number, member: number }

/** What a signer holds for one key: its sub-share s_{c,m} (DESIGN section 2). */
export interface SignerKey extends SignerId {
  scheme: CurveName
  share: SecretScalar
}

/**
 * Round-1 output that everybody may see (RFC 9591 §5.1): the commitments D = d·G (hiding)
 * and E = e·G (binding), canonical point encodings (32 bytes ed25519, 33 bytes secp256k1).
 */
export interface SigningCommitments extends SignerId {
  hiding: Uint8Array
  binding: Uint8Array
}

/** Round-2 output (RFC 9591 §5.2): the signature share z, a 32-byte canonical scalar. */
export interface SignatureShare extends SignerId {
  share: Uint8Array
}

/** Map key of a signer, "c/m". */
export function signerTag (s: SignerId): string {
  return `${s.committee}/${s.member}`
}
