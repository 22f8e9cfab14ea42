// FROST bound to one crypto backend: `createFrost(backend)` returns the round functions that need
// the group (and the caches of checked points that go with it). The node makes one at start from
// the backend it chose (node/crypto-backend.ts) and passes it; tests and benches make their own.
// Functions that need no group (wire encoding, signerTag, commitmentListDigest, errors) stay free.
import type { CommitteePublic, Party, Point, RandomBytes, CurveName, SharingParams } from '../sharing/index.js'
import { aggregate } from './aggregate.js'
import { frostBackend, type FrostBackend } from './backend.js'
import { commit, type Round1 } from './commit.js'
import { createContext } from './context.js'
import { backendInfo, type CryptoBackend, type CryptoBackendInfo } from './group/select.js'
import type { SigningNonces } from './nonces.js'
import { createSession, type SigningSession } from './session.js'
import { signShare } from './sign-share.js'
import type { SignatureShare, SignerKey, SigningCommitments } from './types.js'
import { verifyShare } from './verify-share.js'
import { verifySignature } from './verify-signature.js'
import { verifyingShares, type SignerVerifyingShare } from './verifying-shares.js'
import { decodeCommitments } from './wire.js'

/** FROST over one backend; see docs/protocols/frost.md for each step. */
export interface Frost {
  readonly backend: CryptoBackend
  /** Which library does the group operations: what a node logs and shows in /health. */
  readonly info: CryptoBackendInfo
  /** Builds the session of `party` for a key (flat identifiers, each signer's κ). */
  createSession (params: SharingParams, groupPublicKey: Point, party: Party): SigningSession
  /** Round 1 (§5.1): fresh nonces and their commitments; `randomBytes` defaults to the system CSPRNG. */
  commit (key: SignerKey, randomBytes?: RandomBytes): Round1
  /** Round 2 (§5.2): consumes the nonces; see sign-share.ts for the order of checks. */
  signShare (session: SigningSession, key: SignerKey, nonces: SigningNonces, commitments: readonly SigningCommitments[], message: Uint8Array): SignatureShare
  /** Each signer's Y_{c,m} for the session, from the key's registry data. */
  verifyingShares (session: SigningSession, committees: readonly CommitteePublic[]): SignerVerifyingShare[]
  /** §5.4 for one share. */
  verifyShare (session: SigningSession, verifyingShares: readonly SignerVerifyingShare[], commitments: readonly SigningCommitments[],
    message: Uint8Array, share: SignatureShare): boolean
  /** §5.3 with identifiable abort; the result is verified before it is returned. */
  aggregate (session: SigningSession, verifyingShares: readonly SignerVerifyingShare[] | undefined, commitments: readonly SigningCommitments[],
    message: Uint8Array, shares: readonly SignatureShare[]): Uint8Array
  /** The scheme's ordinary verifier (RFC 8032 / BIP340) on a final signature. */
  verifySignature (scheme: CurveName, groupPublicKey: Point, message: Uint8Array, signature: Uint8Array): boolean
  /** Wire commitments, parsed and their points checked (once: the rounds reuse the elements). */
  decodeCommitments (scheme: CurveName, value: unknown): SigningCommitments
  /** Low level, flat identifiers and RFC Lagrange coefficients: for the published test vectors. */
  flat (scheme: CurveName): FrostBackend
}

export function createFrost (backend: CryptoBackend): Frost {
  const ctx = createContext(backend)
  return Object.freeze({
    backend,
    info: Object.freeze(backendInfo(backend)),
    createSession: (params, groupPublicKey, party) => createSession(ctx, params, groupPublicKey, party),
    commit: (key, randomBytes) => commit(ctx, key, randomBytes),
    signShare: (session, key, nonces, commitments, message) => signShare(ctx, session, key, nonces, commitments, message),
    verifyingShares: (session, committees) => verifyingShares(ctx, session, committees),
    verifyShare: (session, shares, commitments, message, share) => verifyShare(ctx, session, shares, commitments, message, share),
    aggregate: (session, shares, commitments, message, signatureShares) => aggregate(ctx, session, shares, commitments, message, signatureShares),
    verifySignature: (scheme, groupPublicKey, message, signature) => verifySignature(ctx, scheme, groupPublicKey, message, signature),
    decodeCommitments: (scheme, value) => decodeCommitments(ctx, scheme, value),
    flat: scheme => frostBackend(ctx, scheme)
  } satisfies Frost)
}
