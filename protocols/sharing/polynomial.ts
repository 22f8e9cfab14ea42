// Shamir polynomials with Feldman commitments, and Lagrange coefficients at 0
// (DESIGN section 2). Coefficients are listed constant term first: a_0 + a_1 x + ...
import type { Curve, Point, RandomBytes } from './curves.js'

/** A random polynomial of degree `degree` with constant term `constant`. */
export function randomPolynomial (curve: Curve, constant: bigint, degree: number, randomBytes: RandomBytes): bigint[] {
  const coefficients = [curve.Fn.create(constant)]
  for (let k = 1; k <= degree; k++) coefficients.push(curve.randomScalar(randomBytes))
  return coefficients
}

/** `f(x) = Σ a_k x^k mod order`, by Horner's rule. */
export function evaluatePolynomial (curve: Curve, coefficients: readonly bigint[], x: number | bigint): bigint {
  const { Fn } = curve
  const at = Fn.create(BigInt(x))
  let acc = 0n
  for (let k = coefficients.length - 1; k >= 0; k--) acc = Fn.add(Fn.mul(acc, at), coefficients[k] ?? 0n)
  return acc
}

/** Feldman commitments `C_k = a_k·G`. */
export function commitPolynomial (curve: Curve, coefficients: readonly bigint[]): Point[] {
  return coefficients.map(a => curve.mulBase(a))
}

/** `Σ C_k x^k`: the commitment to `f(x)`, i.e. `f(x)·G` when the commitments are honest. */
export function evaluateCommitments (curve: Curve, commitments: readonly Point[], x: number | bigint): Point {
  if (commitments.length === 0) throw new RangeError('no commitments to evaluate')
  const at = curve.Fn.create(BigInt(x))
  let acc = curve.identity
  let power = 1n
  for (const c of commitments) {
    acc = curve.addPoints(acc, curve.mulPublic(c, power))
    power = curve.Fn.mul(power, at)
  }
  return acc
}

/**
 * Lagrange coefficient at 0 for index `i` over `set`: `Π_{j≠i} j / (j − i)`.
 * Indices are distinct integers >= 1 (0 is where the secret sits); checked here because a
 * repeated index would divide by zero.
 */
export function lagrangeAtZero (curve: Curve, set: readonly number[], i: number): bigint {
  const { Fn } = curve
  if (!set.every(j => Number.isSafeInteger(j) && j >= 1)) throw new RangeError(`indices must be integers >= 1, got ${set.join(',')}`)
  if (!set.includes(i)) throw new RangeError(`index ${i} is not in the set ${set.join(',')}`)
  if (new Set(set).size !== set.length) throw new RangeError(`set ${set.join(',')} repeats an index`)
  let num = 1n
  let den = 1n
  for (const j of set) {
    if (j === i) continue
    num = Fn.mul(num, Fn.create(BigInt(j)))
    den = Fn.mul(den, Fn.sub(Fn.create(BigInt(j)), Fn.create(BigInt(i))))
  }
  return Fn.mul(num, Fn.inv(den))
}
