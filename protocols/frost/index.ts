// FROST threshold signing (RFC 9591) over nested shares; see docs/protocols/frost.md. Every FROST
// call of the project goes through here. Pure: no I/O; randomness is injectable.
export { commit } from './commit.js'
export type { Round1 } from './commit.js'
export { signShare } from './sign-share.js'
export { verifyShare } from './verify-share.js'
export { aggregate } from './aggregate.js'
export { verifySignature, SIGNATURE_BYTES } from './verify-signature.js'
export { createSession, sessionSigner } from './session.js'
export type { SigningSession, SessionSigner } from './session.js'
export { verifyingShares } from './verifying-shares.js'
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
  commitmentsWireSchema, signatureShareWireSchema, SignatureWireSchema, encodeCommitments, decodeCommitments,
  encodeSignatureShare, decodeSignatureShare
} from './wire.js'
export type { SigningCommitmentsWire, SignatureShareWire } from './wire.js'
// Low level, flat identifiers and RFC Lagrange coefficients: for the published test vectors, not for callers.
export { frostBackend } from './backend.js'
export type { FrostBackend, FlatCommitment, RawNonces } from './backend.js'
// Which library does the group operations (chosen once; SHARDSIG_CRYPTO_BACKEND overrides).
export { cryptoBackend, cryptoBackendInfo, selectBackend, setCryptoBackend, CRYPTO_BACKEND_ENV } from './group/select.js'
export type { BackendPreference, CryptoBackend } from './group/select.js'
