// The zero-knowledge proofs of the base OT (./base-ot.ts) on secp256k1: a Schnorr proof of
// knowledge of a discrete log (Schnorr, J. Cryptology 1991) and its OR composition, "I know the
// log of X0 or of X1" (Cramer, Damgård, Schoenmakers, "Proofs of partial knowledge", CRYPTO 1994,
// on two Schnorr Σ-protocols: the challenge splits as c = c0 + c1), both made non-interactive by
// Fiat–Shamir with the challenge bound to caller-given context bytes (a session id, an OT index).
//
// DKLs23 (ePrint 2023/765, p. 30) instantiates its base OT with the endemic OT of Zhou et al.
// (ePrint 2022/1525, §3). That paper, and the 0xCarbon reference after it (dkls23-core,
// utilities/proofs.rs, citing Zhou et al.'s Figs. 23 and 27), prove the sender's log with the
// randomized Fischlin transform: its extractor reads the witness straight-line, without rewinding,
// which their UC proof needs. Fiat–Shamir is sound in the random-oracle model with a rewinding
// extractor (Pointcheval–Stern forking lemma): enough for stand-alone security, not for the UC
// composition argument of those papers. A known difference, taken for simplicity (one hash and
// 65 bytes per proof instead of Fischlin's repeated proof-of-work search); switching the DLog
// proof to Fischlin later changes only `proveDlog`/`verifyDlog` and the wire size.
//
// Scalar arithmetic is on bigints (./scalar.ts: not constant time, as that file says); points
// times secret scalars go through `GroupBackend.mulBase`, the library's constant-time base
// multiplication.
import type { Element, GroupBackend } from '../frost/group/types.js'
import type { Random } from '../machine/types.js'
import { hashToScalar } from './hash.js'
import { add, decodeScalar, encodeScalar, mul, neg, randomScalar, SCALAR_BYTES, sub } from './scalar.js'

/** Compressed SEC1 point. */
export const POINT_BYTES = 33
/** K ‖ s. */
export const DLOG_PROOF_BYTES = POINT_BYTES + SCALAR_BYTES
/** c0 ‖ c1 ‖ s0 ‖ s1. */
export const OR_DLOG_PROOF_BYTES = 4 * SCALAR_BYTES

const TAG_DLOG = 'proof/dlog'
const TAG_OR_DLOG = 'proof/or-dlog'

/** A proof's bytes do not parse (wrong length, a scalar not below n, not a point). */
export class ProofEncodingError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProofEncodingError'
  }
}

/**
 * Schnorr proof of knowledge of x with X = x·G: the commitment K = k·G and the response
 * s = k + c·x, where c = H(context, X, K). The verifier checks s·G = K + c·X.
 */
export interface DlogProof {
  readonly commitment: Element
  readonly response: bigint
}

/**
 * CDS OR-proof of knowledge of x with X0 = x·G or X1 = x·G. The challenges split the
 * Fiat–Shamir challenge, c0 + c1 = H(context, X0, X1, K0, K1) with K_j = s_j·G − c_j·X_j: the
 * prover answers one honestly and simulates the other (it picked that c_j before hashing).
 */
export interface OrDlogProof {
  readonly c0: bigint
  readonly c1: bigint
  readonly s0: bigint
  readonly s1: bigint
}

/** The Fiat–Shamir challenge of a DLog proof (exported so tests can check the relation as written). */
export function dlogChallenge (group: GroupBackend, statement: Element, commitment: Element, context: Uint8Array): bigint {
  return hashToScalar(TAG_DLOG, [context, group.encode(statement), group.encode(commitment)])
}

/** Proves knowledge of `witness` = log X, for X = `statement` (the caller's witness·G). */
export function proveDlog (group: GroupBackend, witness: bigint, statement: Element, context: Uint8Array, random: Random): DlogProof {
  for (;;) {
    const k = randomScalar(random)
    const commitment = group.mulBase(encodeScalar(k))
    const c = dlogChallenge(group, statement, commitment, context)
    // The verifier refuses c = 0 (it would prove nothing); drawing it has probability 2^-256.
    if (c !== 0n) return { commitment, response: add(k, mul(c, witness)) }
  }
}

/** s·G = K + c·X with c recomputed from `context`; false on any mismatch. */
export function verifyDlog (group: GroupBackend, statement: Element, proof: DlogProof, context: Uint8Array): boolean {
  const c = dlogChallenge(group, statement, proof.commitment, context)
  if (c === 0n || proof.response === 0n) return false
  try {
    const lhs = group.mulBase(encodeScalar(proof.response))
    const rhs = group.sum([proof.commitment, group.mul(statement, c)])
    return group.equals(lhs, rhs)
  } catch {
    return false // K + c·X is the identity: s·G never is
  }
}

function orChallenge (group: GroupBackend, statements: readonly [Element, Element], k0: Element, k1: Element, context: Uint8Array): bigint {
  return hashToScalar(TAG_OR_DLOG, [context, group.encode(statements[0]), group.encode(statements[1]), group.encode(k0), group.encode(k1)])
}

/** K = s·G − c·X for public s and c ≠ 0; throws when it is the identity. */
function simulatedCommitment (group: GroupBackend, statement: Element, c: bigint, s: bigint): Element {
  return group.addBase(group.mul(statement, neg(c)), s)
}

/**
 * Proves knowledge of `witness` = log X_known (X_known = statements[known]) without saying which.
 * The honest branch and the simulated one are computed in the same order whatever `known` is, so
 * the sequence of group operations does not depend on the secret choice (their operands do).
 */
export function proveOrDlog (
  group: GroupBackend, statements: readonly [Element, Element], known: 0 | 1, witness: bigint, context: Uint8Array, random: Random
): OrDlogProof {
  const other = statements[known === 0 ? 1 : 0]
  for (;;) {
    const k = randomScalar(random)
    const kReal = group.mulBase(encodeScalar(k))
    const cFake = randomScalar(random)
    const sFake = randomScalar(random)
    let kFake: Element
    try {
      kFake = simulatedCommitment(group, other, cFake, sFake)
    } catch {
      continue // s·G = c·X: probability 2^-256, draw again
    }
    const [k0, k1] = known === 0 ? [kReal, kFake] : [kFake, kReal]
    const cReal = sub(orChallenge(group, statements, k0, k1, context), cFake)
    if (cReal === 0n) continue // refused by the verifier; probability 2^-256
    const sReal = add(k, mul(cReal, witness))
    return known === 0
      ? { c0: cReal, c1: cFake, s0: sReal, s1: sFake }
      : { c0: cFake, c1: cReal, s0: sFake, s1: sReal }
  }
}

/** Recomputes K0, K1 from the responses and checks c0 + c1 against the Fiat–Shamir hash. */
export function verifyOrDlog (group: GroupBackend, statements: readonly [Element, Element], proof: OrDlogProof, context: Uint8Array): boolean {
  // A zero challenge would let that branch be answered without the witness (s = k).
  if (proof.c0 === 0n || proof.c1 === 0n) return false
  let k0: Element, k1: Element
  try {
    k0 = simulatedCommitment(group, statements[0], proof.c0, proof.s0)
    k1 = simulatedCommitment(group, statements[1], proof.c1, proof.s1)
  } catch {
    return false // a commitment at the identity: an honest prover's never is
  }
  return add(proof.c0, proof.c1) === orChallenge(group, statements, k0, k1, context)
}

function scalarAt (bytes: Uint8Array, at: number, what: string): bigint {
  try {
    return decodeScalar(bytes.subarray(at, at + SCALAR_BYTES))
  } catch (cause) {
    throw new ProofEncodingError(`${what} is not a canonical scalar`, { cause })
  }
}

export function encodeDlogProof (group: GroupBackend, proof: DlogProof): Uint8Array {
  const out = new Uint8Array(DLOG_PROOF_BYTES)
  out.set(group.encode(proof.commitment), 0)
  out.set(encodeScalar(proof.response), POINT_BYTES)
  return out
}

/** Strict: exactly DLOG_PROOF_BYTES, K a valid non-identity point, s canonical. */
export function decodeDlogProof (group: GroupBackend, bytes: Uint8Array): DlogProof {
  if (bytes.length !== DLOG_PROOF_BYTES) throw new ProofEncodingError(`a DLog proof is ${DLOG_PROOF_BYTES} bytes, not ${bytes.length}`)
  let commitment: Element
  try {
    commitment = group.decode(bytes.subarray(0, POINT_BYTES))
  } catch (cause) {
    throw new ProofEncodingError('the DLog proof commitment is not a point', { cause })
  }
  return { commitment, response: scalarAt(bytes, POINT_BYTES, 'the DLog proof response') }
}

export function encodeOrDlogProof (proof: OrDlogProof): Uint8Array {
  const out = new Uint8Array(OR_DLOG_PROOF_BYTES)
  const parts = [proof.c0, proof.c1, proof.s0, proof.s1]
  parts.forEach((k, i) => { out.set(encodeScalar(k), i * SCALAR_BYTES) })
  return out
}

/** Strict: exactly OR_DLOG_PROOF_BYTES of four canonical scalars. */
export function decodeOrDlogProof (bytes: Uint8Array): OrDlogProof {
  if (bytes.length !== OR_DLOG_PROOF_BYTES) throw new ProofEncodingError(`an OR-proof is ${OR_DLOG_PROOF_BYTES} bytes, not ${bytes.length}`)
  return {
    c0: scalarAt(bytes, 0, 'c0'),
    c1: scalarAt(bytes, SCALAR_BYTES, 'c1'),
    s0: scalarAt(bytes, 2 * SCALAR_BYTES, 's0'),
    s1: scalarAt(bytes, 3 * SCALAR_BYTES, 's1')
  }
}
