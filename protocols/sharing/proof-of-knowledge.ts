// Schnorr proof of knowledge of a dealt scalar (DESIGN 9, DKG; as in FROST's
// DKG, RFC 9591 appendix C / Komlo–Goldberg): a dealer shows it knows `z` for
// its constant commitment `Z = z·G`, bound to a context (the DKG session and
// the dealer's identity), so nobody can submit a commitment derived from
// someone else's (the rogue-key attack on `X = Σ Z_i`).
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { curveFor, type Point, type RandomBytes, type CurveName } from './curves.js'
import type { SecretScalar } from './secret.js'

export interface KnowledgeProof {
  /** `R = k·G` for the prover's random nonce k. */
  commitment: Point
  /** `μ = k + c·z` with `c = H(context, Z, R)`. */
  response: bigint
}

const DOMAIN = utf8ToBytes('shardsig/v1/dkg-pok\n')

function challenge (scheme: CurveName, context: Uint8Array, publicValue: Point, commitment: Point): bigint {
  const curve = curveFor(scheme)
  const length = new Uint8Array(4)
  new DataView(length.buffer).setUint32(0, context.length)
  // 64 bytes reduced mod the order: bias below 2^-250 for both groups.
  const digest = sha512(concatBytes(DOMAIN, utf8ToBytes(scheme), length, context, curve.encodePoint(publicValue), curve.encodePoint(commitment)))
  return curve.Fn.create(bytesToNumberBE(digest))
}

/** Proves knowledge of `secret` for `publicValue = secret·G` under `context`. */
export function proveKnowledge (scheme: CurveName, secret: SecretScalar, publicValue: Point, context: Uint8Array, randomBytes: RandomBytes): KnowledgeProof {
  const curve = curveFor(scheme)
  const k = curve.randomScalar(randomBytes)
  const commitment = curve.mulBase(k)
  const c = challenge(scheme, context, publicValue, commitment)
  return { commitment, response: curve.Fn.add(k, curve.Fn.mul(c, secret.expose())) }
}

/** `μ·G == R + c·Z`; false for any proof made for another value, context or scheme. */
export function verifyKnowledge (scheme: CurveName, publicValue: Point, context: Uint8Array, proof: KnowledgeProof): boolean {
  const curve = curveFor(scheme)
  if (!curve.isPoint(proof.commitment) || !curve.isPoint(publicValue)) return false
  const c = challenge(scheme, context, publicValue, proof.commitment)
  return curve.pointEquals(curve.mulBase(proof.response), curve.addPoints(proof.commitment, curve.mulPublic(publicValue, c)))
}
