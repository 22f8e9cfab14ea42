// Where validated group elements come from, so that each point is checked once: commitments
// decoded at the edge (wire.ts) or made by commit() are remembered with their elements; verifying
// shares Y_{c,m} are computed once per key record and member. Round functions take elements.
// The memory of what was checked is the Frost's (context.ts), not the module's.
import { encodePoint, type Point, type CurveName } from '../sharing/index.js'
import type { FrostContext } from './context.js'
import { InvalidWireError } from './errors.js'
import type { Element } from './group/types.js'
import { signerTag, type SigningCommitments } from './types.js'

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** Records that `c` carries these (already validated) elements. */
export function rememberCommitments (ctx: FrostContext, scheme: CurveName, c: SigningCommitments, hiding: Element, binding: Element): void {
  ctx.checkedCommitments.set(c, { scheme, hidingBytes: c.hiding.slice(), bindingBytes: c.binding.slice(), hiding, binding })
}

/**
 * The validated elements of `c`. Commitments from `decodeCommitments` or `commit` were checked
 * already; anything else (built by hand, or changed since) is decoded strictly now, once.
 * Throws `InvalidWireError` naming the signer when a point does not decode.
 */
export function commitmentElements (ctx: FrostContext, scheme: CurveName, c: SigningCommitments): { hiding: Element, binding: Element } {
  const group = ctx.group(scheme)
  const known = ctx.checkedCommitments.get(c)
  if (known !== undefined && known.scheme === scheme && sameBytes(known.hidingBytes, c.hiding) && sameBytes(known.bindingBytes, c.binding)) return known
  let hiding: Element
  let binding: Element
  try {
    hiding = group.decode(c.hiding)
    binding = group.decode(c.binding)
  } catch (err) {
    throw new InvalidWireError(`${scheme} commitments of ${signerTag(c)}: ${(err as Error).message}`)
  }
  rememberCommitments(ctx, scheme, c, hiding, binding)
  return { hiding, binding }
}

/** Canonical encoding of a point that lives long (group keys, registry commitments), computed once. */
export function encodeOnce (ctx: FrostContext, scheme: CurveName, p: Point): Uint8Array {
  let bytes = ctx.encodings.get(p)
  if (bytes === undefined) {
    bytes = encodePoint(scheme, p)
    ctx.encodings.set(p, bytes)
  }
  return bytes
}

/**
 * Y_{c,m} = Σ_k G_{c,k}·m^k as an element, from a committee's inner commitments (registry data,
 * checked when the record was admitted). Cached per commitment array and member while the array
 * holds the same point objects.
 */
export function publicShareElement (ctx: FrostContext, scheme: CurveName, inner: readonly Point[], member: number): Element {
  const group = ctx.group(scheme)
  let entry = ctx.inners.get(inner)
  if (entry === undefined || entry.points.length !== inner.length || entry.points.some((p, i) => p !== inner[i])) {
    entry = { points: [...inner], elements: inner.map(p => group.decode(encodeOnce(ctx, scheme, p))), byMember: new Map() }
    ctx.inners.set(inner, entry)
  }
  let y = entry.byMember.get(member)
  if (y === undefined) {
    if (!Number.isSafeInteger(member) || member < 1) throw new RangeError(`member must be an integer >= 1, got ${member}`)
    const m = BigInt(member) % group.order
    let power = 1n
    const terms: Element[] = []
    for (const g of entry.elements) {
      terms.push(power === 1n ? g : group.mul(g, power))
      power = power * m % group.order
    }
    y = group.sum(terms)
    entry.byMember.set(member, y)
  }
  return y
}
