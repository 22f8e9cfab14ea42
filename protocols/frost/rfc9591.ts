// RFC 9591 two-round signing over validated group elements, with the signer's Lagrange
// coefficient given by the caller (κ for nested parties, λ for the flat form): §4.1 nonce_generate
// and §5.1 commit, §4.3–4.6 binding factors, group commitment and challenge, §5.2 sign, §5.3
// aggregate, §5.4 verify_signature_share. BIP340 rules (frost-secp256k1-tr): the group key has
// even Y, nonces count negated when the group commitment has odd Y, the signature is x(R) ‖ z.
import type { RandomBytes } from '../sharing/index.js'
import type { Element, GroupBackend } from './group/types.js'
import type { Suite } from './suite.js'
import { concatBytes } from './bytes.js'

/** One flat participant's validated round-1 commitments (commitment_list entry). */
export interface ElementCommitment { identifier: bigint, hiding: Element, binding: Element }

/** Secret nonces (d, e) as serialised scalars; zeroed once round 2 has used them. */
export interface RawNonces { hiding: Uint8Array, binding: Uint8Array }

/** Everything round 2, aggregation and share verification derive from the commitment list. */
export interface Prepared {
  readonly suite: Suite
  readonly group: GroupBackend
  readonly groupKey: Uint8Array
  readonly byIdentifier: ReadonlyMap<bigint, { commitment: ElementCommitment, rho: bigint, bindingTerm: Element }>
  /** Group commitment R and its encoding. */
  readonly R: Element
  readonly encodedR: Uint8Array
  readonly challenge: bigint
  /** BIP340: R has odd Y, so the signature uses −R and every nonce counts negated. */
  readonly negateNonces: boolean
}

const RANDOM_BYTES = 32


/** §5.1: hiding then binding nonce = H3(random(32) ‖ SerializeScalar(share)), and their commitments. */
export function commitRound (group: GroupBackend, suite: Suite, share: Uint8Array, randomBytes: RandomBytes): { nonces: RawNonces, hiding: Element, binding: Element } {
  const nonce = (): Uint8Array => {
    const random = randomBytes(RANDOM_BYTES)
    if (!(random instanceof Uint8Array) || random.length !== RANDOM_BYTES) throw new RangeError(`randomBytes(${RANDOM_BYTES}) returned ${random?.length} bytes`)
    const input = concatBytes([random, share])
    const k = group.nonce(suite.nonceHash(input))
    input.fill(0)
    return k
  }
  const hiding = nonce()
  const binding = nonce()
  return { nonces: { hiding, binding }, hiding: group.mulBase(hiding), binding: group.mulBase(binding) }
}

/**
 * §4.3 encode_group_commitment_list, §4.4 binding factors, §4.5 group commitment, §4.6 challenge.
 * Identifiers must be distinct and non-zero (the callers check the signing set first).
 */
export function prepare (group: GroupBackend, suite: Suite, groupKey: Uint8Array, list: readonly ElementCommitment[], message: Uint8Array): Prepared {
  const sorted = [...list].sort((a, b) => a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0)
  const encodedList = concatBytes(sorted.flatMap(c => [suite.serializeScalar(c.identifier), group.encode(c.hiding), group.encode(c.binding)]))
  const prefix = concatBytes([groupKey, suite.H4(message), suite.H5(encodedList)])
  const rhos = suite.bindingFactors(prefix, sorted.map(c => c.identifier))
  const byIdentifier = new Map<bigint, { commitment: ElementCommitment, rho: bigint, bindingTerm: Element }>()
  sorted.forEach((commitment, i) => {
    const rho = rhos[i]!
    byIdentifier.set(commitment.identifier, { commitment, rho, bindingTerm: group.mul(commitment.binding, rho) })
  })
  const entries = [...byIdentifier.values()]
  const R = group.sum([...entries.map(e => e.commitment.hiding), ...entries.map(e => e.bindingTerm)])
  const encodedR = group.encode(R)
  return {
    suite,
    group,
    groupKey,
    byIdentifier,
    R,
    encodedR,
    challenge: suite.challenge(encodedR, groupKey, message),
    negateNonces: suite.scheme === 'secp256k1' && encodedR[0] === 0x03
  }
}

function entriesOf (prep: Prepared, identifiers: readonly bigint[]) {
  return identifiers.map(id => {
    const e = prep.byIdentifier.get(id)
    if (e === undefined) throw new RangeError('identifier is not in the commitment list')
    return e
  })
}

/**
 * §5.2: z = d·|ids| + e·Σρ (negated for BIP340 when R has odd Y) + coefficient·c·s. A signer plays
 * one identifier, or two with one nonce pair (a party of one signer). Zeroes the nonces.
 */
export function signRound (prep: Prepared, nonces: RawNonces, identifiers: readonly bigint[], share: Uint8Array, coefficient: bigint): Uint8Array {
  try {
    const { group, challenge } = prep
    const rhoSum = entriesOf(prep, identifiers).reduce((acc, e) => acc + e.rho, 0n)
    return group.response({
      hiding: nonces.hiding,
      binding: nonces.binding,
      slots: identifiers.length,
      rhoSum,
      negateNonces: prep.negateNonces,
      share,
      weight: (coefficient % group.order) * challenge % group.order
    })
  } finally {
    nonces.hiding.fill(0)
    nonces.binding.fill(0)
  }
}

/** §5.4: z·G == (±)Σ(D + ρ·E) + (coefficient·c)·Y. False for any fault of the share. */
export function verifyShareRound (prep: Prepared, identifiers: readonly bigint[], share: Uint8Array, verifyingShare: Element, coefficient: bigint): boolean {
  const { group, suite, challenge } = prep
  try {
    const z = suite.scalarValue(share)
    if (share.length !== 32 || z >= group.order || z === 0n) return false
    const entries = entriesOf(prep, identifiers)
    let commitmentShare = group.sum(entries.flatMap(e => [e.commitment.hiding, e.bindingTerm]))
    if (prep.negateNonces) commitmentShare = group.negate(commitmentShare)
    const w = (coefficient % group.order) * challenge % group.order
    const expected = w === 0n ? commitmentShare : group.sum([commitmentShare, group.mul(verifyingShare, w)])
    return group.equals(group.mulBase(share), expected)
  } catch {
    // An identity on either side (probability ~2^-250 for honest data): refuse rather than guess.
    return false
  }
}

/** §5.3: z = Σ z_i and the encoded signature (ed25519: R ‖ z; BIP340: x(R) ‖ z). Throws for a share ≥ order. */
export function aggregateRound (prep: Prepared, shares: readonly Uint8Array[]): Uint8Array {
  const { suite } = prep
  let z = 0n
  for (const s of shares) {
    const v = suite.scalarValue(s)
    if (s.length !== 32 || v >= suite.order) throw new RangeError('a signature share is not a canonical scalar')
    z = (z + v) % suite.order
  }
  const R = suite.scheme === 'secp256k1' ? prep.encodedR.subarray(1) : prep.encodedR
  return concatBytes([R, suite.serializeScalar(z)])
}
