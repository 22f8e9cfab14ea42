// The only file that calls a FROST implementation: RFC 9591 round functions over flat identifiers
// (§5.1 commit, §5.2 sign, §5.3 aggregate, §5.4 verify_signature_share). Today @noble/curves.
import { ed25519_FROST } from '@noble/curves/ed25519.js'
import { schnorr_FROST } from '@noble/curves/secp256k1.js'
import type { FROST, FrostPublic } from '@noble/curves/abstract/frost.js'
import type { RandomBytes, Scheme } from '../sharing/index.js'

/** One flat participant's round-1 commitments, as the RFC's commitment_list holds them. */
export interface FlatCommitment { identifier: string, hiding: Uint8Array, binding: Uint8Array }

/** Secret nonces (d, e) as serialised scalars. */
export interface RawNonces { hiding: Uint8Array, binding: Uint8Array }

/**
 * RFC 9591 signing over flat identifiers, byte-compatible with the suite's test vectors. A faster
 * implementation replaces `nobleBackend` by implementing exactly this (docs/protocols/frost.md).
 * Identifiers are the suite's serialised scalars as lowercase hex (`identifier(n)`).
 */
export interface FrostBackend {
  readonly scheme: Scheme
  /** The RFC contextString of the suite. */
  readonly suite: string
  identifier (n: number): string
  /** §5.1: nonce = H3(randomBytes(32) ‖ SerializeScalar(signingShare)), hiding first, then binding. */
  commit (signingShare: Uint8Array, randomBytes: RandomBytes): { nonces: RawNonces, hiding: Uint8Array, binding: Uint8Array }
  /** §5.2 with λ computed over the identifiers of `commitmentList`. Zeroes `nonces` on success. */
  signShare (identifier: string, signingShare: Uint8Array, groupPublicKey: Uint8Array, nonces: RawNonces,
    commitmentList: readonly FlatCommitment[], message: Uint8Array): Uint8Array
  /** §5.4; false for a share that does not verify. */
  verifyShare (identifier: string, verifyingShare: Uint8Array, groupPublicKey: Uint8Array,
    commitmentList: readonly FlatCommitment[], message: Uint8Array, share: Uint8Array): boolean
  /** §5.3; throws unless the result verifies under `groupPublicKey`. */
  aggregate (groupPublicKey: Uint8Array, verifyingShares: Readonly<Record<string, Uint8Array>>,
    commitmentList: readonly FlatCommitment[], message: Uint8Array, shares: Readonly<Record<string, Uint8Array>>): Uint8Array
}

/**
 * noble's FROST wants a whole key package; only `commitments[0]` (the group key) and the
 * verifying shares are read. `signers` is set to the list length, which noble checks against.
 */
function publicPackage (groupPublicKey: Uint8Array, participants: number, verifyingShares: Readonly<Record<string, Uint8Array>>): FrostPublic {
  const shares = Object.fromEntries(Object.entries(verifyingShares).map(([id, bytes]) => [id, owned(bytes)]))
  return { signers: { min: participants, max: participants }, commitments: [owned(groupPublicKey)], verifyingShares: shares }
}

/** noble's package types want ArrayBuffer-backed arrays; a copy is one (and the caller's stays untouched). */
function owned (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}

function nobleBackend (scheme: Scheme, suite: string, frost: FROST): FrostBackend {
  const list = (l: readonly FlatCommitment[]) => l.map(c => ({ identifier: c.identifier, hiding: c.hiding, binding: c.binding }))
  return Object.freeze({
    scheme,
    suite,
    identifier: (n: number) => frost.Identifier.fromNumber(n),
    commit (signingShare: Uint8Array, randomBytes: RandomBytes) {
      // noble copies the identifier into its output and reads nothing else from it; ours carries none.
      const { nonces, commitments } = frost.commit({ identifier: frost.Identifier.fromNumber(1), signingShare },
        (n?: number) => owned(randomBytes(n ?? 32)))
      return { nonces, hiding: commitments.hiding, binding: commitments.binding }
    },
    signShare (identifier, signingShare, groupPublicKey, nonces, commitmentList, message) {
      // Never validateSecret here: it checks the share against a dealer's flat commitments, which
      // nested (κ-adjusted) shares do not have.
      return frost.signShare({ identifier, signingShare }, publicPackage(groupPublicKey, commitmentList.length, {}),
        nonces, list(commitmentList), message)
    },
    verifyShare (identifier, verifyingShare, groupPublicKey, commitmentList, message, share) {
      const pub = publicPackage(groupPublicKey, commitmentList.length, { [identifier]: verifyingShare })
      return frost.verifyShare(pub, list(commitmentList), message, identifier, share)
    },
    aggregate (groupPublicKey, verifyingShares, commitmentList, message, shares) {
      const pub = publicPackage(groupPublicKey, commitmentList.length, verifyingShares)
      return frost.aggregate(pub, list(commitmentList), message, { ...shares })
    }
  } satisfies FrostBackend)
}

const BACKENDS: Record<Scheme, FrostBackend> = {
  // FROST(Ed25519, SHA-512): the output is an RFC 8032 signature.
  ed25519: nobleBackend('ed25519', 'FROST-ED25519-SHA512-v1', ed25519_FROST),
  // FROST(secp256k1, SHA-256) with BIP340 output (frost-secp256k1-tr compatible, no Taproot tweak).
  secp256k1: nobleBackend('secp256k1', 'FROST-secp256k1-SHA256-TR-v1', schnorr_FROST)
}

export function frostBackend (scheme: Scheme): FrostBackend {
  if (typeof scheme !== 'string' || !Object.hasOwn(BACKENDS, scheme)) throw new RangeError(`unknown scheme ${String(scheme)}`)
  return BACKENDS[scheme]
}
