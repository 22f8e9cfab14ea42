// Chaum–Pedersen proof of equal discrete logs over several bases ("Wallet databases with
// observers", CRYPTO 1992), Fiat–Shamir: P_l = x·B_l for l = 1..k with one secret x. The
// identifiable final shares (final-share-evidence.ts) use it to show that a member's points
// φ·G, φ·R_i, φ·pk_i share one φ, without revealing it.
//
// Proof (c, s): A_l = t·B_l, c = H(context, B, P, A), s = t + c·x. The verifier recomputes
// A_l = s·B_l − c·P_l and the challenge. Scalars on bigints (scalar.ts); the secret t and x
// multiply points only through the group backend.
import type { Element, GroupBackend } from '../frost/group/types.js'
import type { Random } from '../machine/types.js'
import { hashToScalar } from './hash.js'
import { add, encodeScalar, mul, randomScalar, SCALAR_BYTES } from './scalar.js'

export const DLEQ_PROOF_BYTES = 2 * SCALAR_BYTES

export interface DleqProof {
  c: bigint
  s: bigint
}

const challenge = (group: GroupBackend, context: Uint8Array, bases: readonly Element[], points: readonly Element[], commitments: readonly Element[]): bigint =>
  hashToScalar('proof/dleq', [context, ...[...bases, ...points, ...commitments].map(p => group.encode(p))])

/** Proves P_l = x·B_l for every l; `points` must be exactly those. */
export function proveDleq (
  group: GroupBackend, x: bigint, bases: readonly Element[], points: readonly Element[], context: Uint8Array, random: Random
): DleqProof {
  if (bases.length === 0 || bases.length !== points.length) throw new RangeError('a DLEQ proof needs as many points as bases, at least one')
  const t = randomScalar(random)
  const commitments = bases.map(b => group.mul(b, t))
  const c = challenge(group, context, bases, points, commitments)
  return { c, s: add(t, mul(c, x)) }
}

/** Whether `proof` shows one x with P_l = x·B_l for every l. */
export function verifyDleq (group: GroupBackend, bases: readonly Element[], points: readonly Element[], proof: DleqProof, context: Uint8Array): boolean {
  if (bases.length === 0 || bases.length !== points.length) return false
  if (proof.s === 0n || proof.c === 0n) return false
  try {
    const commitments = bases.map((b, l) => group.sum([group.mul(b, proof.s), group.negate(group.mul(points[l]!, proof.c))]))
    return challenge(group, context, bases, points, commitments) === proof.c
  } catch {
    return false // a commitment at the identity: no honest proof has one (probability 2^-256)
  }
}

/** c ‖ s, 64 bytes. */
export function encodeDleq (p: DleqProof): Uint8Array {
  const out = new Uint8Array(DLEQ_PROOF_BYTES)
  out.set(encodeScalar(p.c), 0)
  out.set(encodeScalar(p.s), SCALAR_BYTES)
  return out
}

