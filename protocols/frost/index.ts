// FROST threshold signing (RFC 9591) over nested shares; see docs/protocols/frost.md. Every FROST
// call of the project goes through here. Pure: no I/O, no process-wide state; randomness is
// injectable. The round functions are methods of a Frost made for one crypto backend.
export { createFrost } from './frost.js'
export type { Frost } from './frost.js'
export type { Round1 } from './commit.js'
export { SIGNATURE_BYTES } from './verify-signature.js'
export { sessionSigner } from './session.js'
export type { SigningSession, SessionSigner } from './session.js'
export { commitmentListDigest } from './signing-set.js'
export type { SignerVerifyingShare } from './verifying-shares.js'
// A type only: nonces come from commit(), never from a constructor call.
export type { SigningNonces } from './nonces.js'
export { discardNonces } from './nonces.js'
export { signerTag } from './types.js'
export type { SignerId, SignerKey, SigningCommitments, SignatureShare } from './types.js'
export {
  FrostError, NonceReuseError, SigningSetError, OwnCommitmentMismatchError, InvalidShareError, AggregationError,
  InvalidWireError
} from './errors.js'
export {
  commitmentsWireSchema, signatureShareWireSchema, SignatureWireSchema, encodeCommitments,
  encodeSignatureShare, decodeSignatureShare
} from './wire.js'
export type { SigningCommitmentsWire, SignatureShareWire } from './wire.js'
// Low level (Frost.flat): flat identifiers and RFC Lagrange coefficients, for the published test vectors.
export type { FrostBackend, FlatCommitment, RawNonces } from './backend.js'
// Which library does the group operations: selected from a preference the caller passes (decisions/0005).
export { backendInfo, selectBackend } from './group/select.js'
export { parsePreference, BACKEND_PREFERENCES } from '../crypto/native-addons.js'
export type { BackendPreference, CryptoBackend, CryptoBackendInfo } from './group/select.js'
