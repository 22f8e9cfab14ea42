// RFC 9591 round functions over flat identifiers (§5.1 commit, §5.2 sign, §5.3 aggregate, §5.4
// verify_signature_share) with the RFC's own Lagrange coefficients: the form the published test
// vectors use. The nested rounds use the same code (rfc9591.ts) with κ instead of λ.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { curveFor, type RandomBytes, type CurveName } from '../sharing/index.js'
import type { FrostContext } from './context.js'
import type { Element, GroupBackend } from './group/types.js'
import { aggregateRound, commitRound, prepare, signRound, verifyShareRound, type ElementCommitment, type Prepared, type RawNonces } from './rfc9591.js'
import { suiteFor, type Suite } from './suite.js'
import { verifyEncoded } from './verify-signature.js'

export type { RawNonces } from './rfc9591.js'

/** One flat participant's round-1 commitments, as the RFC's commitment_list holds them. */
export interface FlatCommitment { identifier: string, hiding: Uint8Array, binding: Uint8Array }

/**
 * RFC 9591 signing over flat identifiers, byte-compatible with the suite's test vectors.
 * Identifiers are the suite's serialised scalars as lowercase hex (`identifier(n)`).
 */
export interface FrostBackend {
  readonly scheme: CurveName
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

/** A canonical non-zero identifier from its hex form. */
function parseIdentifier (suite: Suite, hex: string): bigint {
  const id = suite.scalarValue(hexToBytes(hex))
  if (id === 0n || id >= suite.order || bytesToHex(suite.serializeScalar(id)) !== hex) throw new RangeError(`invalid identifier ${hex}`)
  return id
}

/** §4.2 derive_interpolating_value: λ_i = Π_{j≠i} j/(j−i) over the list's identifiers. */
function lagrange (scheme: CurveName, ids: readonly bigint[], i: bigint): bigint {
  const { Fn } = curveFor(scheme)
  let num = 1n
  let den = 1n
  for (const j of ids) {
    if (j === i) continue
    num = Fn.mul(num, j)
    den = Fn.mul(den, Fn.sub(j, i))
  }
  return Fn.mul(num, Fn.inv(den))
}

function prepared (group: GroupBackend, suite: Suite, groupKey: Uint8Array, list: readonly FlatCommitment[], message: Uint8Array): { prep: Prepared, ids: bigint[] } {
  const elements: ElementCommitment[] = list.map(c => ({ identifier: parseIdentifier(suite, c.identifier), hiding: group.decode(c.hiding), binding: group.decode(c.binding) }))
  const ids = elements.map(e => e.identifier)
  if (new Set(ids).size !== ids.length) throw new RangeError('the commitment list repeats an identifier')
  group.decode(groupKey)
  return { prep: prepare(group, suite, groupKey, elements, message), ids }
}

export function frostBackend (ctx: FrostContext, scheme: CurveName): FrostBackend {
  const group = ctx.group(scheme)
  const suite = suiteFor(scheme)
  return Object.freeze({
    scheme,
    suite: suite.contextString,
    identifier (n: number): string {
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`an identifier is an integer >= 1, got ${n}`)
      return bytesToHex(suite.serializeScalar(BigInt(n)))
    },
    commit (signingShare: Uint8Array, randomBytes: RandomBytes) {
      const { nonces, hiding, binding } = commitRound(group, suite, signingShare, randomBytes)
      return { nonces, hiding: group.encode(hiding).slice(), binding: group.encode(binding).slice() }
    },
    signShare (identifier, signingShare, groupPublicKey, nonces, commitmentList, message) {
      if (nonces.hiding.every(b => b === 0) || nonces.binding.every(b => b === 0)) throw new Error('signing nonces already used')
      const own = commitmentList.find(c => c.identifier === identifier)
      const expect = (k: Uint8Array) => group.encode(group.mulBase(k))
      if (own === undefined || Buffer.compare(own.hiding, expect(nonces.hiding)) !== 0 || Buffer.compare(own.binding, expect(nonces.binding)) !== 0) {
        throw new Error('the commitment list lacks this signer or carries other commitments for it')
      }
      const { prep, ids } = prepared(group, suite, groupPublicKey, commitmentList, message)
      const id = parseIdentifier(suite, identifier)
      return signRound(prep, nonces, [id], signingShare, lagrange(scheme, ids, id))
    },
    verifyShare (identifier, verifyingShare, groupPublicKey, commitmentList, message, share) {
      try {
        const { prep, ids } = prepared(group, suite, groupPublicKey, commitmentList, message)
        const id = parseIdentifier(suite, identifier)
        const y: Element = group.decode(verifyingShare)
        return verifyShareRound(prep, [id], share, y, lagrange(scheme, ids, id))
      } catch {
        return false
      }
    },
    aggregate (groupPublicKey, verifyingShares, commitmentList, message, shares) {
      const { prep } = prepared(group, suite, groupPublicKey, commitmentList, message)
      if (Object.keys(shares).length !== commitmentList.length) throw new Error('aggregation failed: one share per commitment expected')
      for (const c of commitmentList) group.decode(verifyingShares[c.identifier] ?? new Uint8Array())
      const signature = aggregateRound(prep, commitmentList.map(c => {
        const s = shares[c.identifier]
        if (s === undefined) throw new Error(`aggregation failed: no share for ${c.identifier}`)
        return s
      }))
      if (!verifyEncoded(ctx, scheme, groupPublicKey, message, signature)) throw new Error('aggregation failed: the signature does not verify')
      return signature
    }
  } satisfies FrostBackend)
}
