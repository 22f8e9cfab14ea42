// The registry's anti-entropy summary as a two-level digest tree
// (docs/protocols/new_user.md#anti-entropy): every key id falls in one of
// REGISTRY_BUCKETS buckets by its first byte; a bucket's digest covers what a
// node holds for each key in it (the record digest and receipt count, or a
// tombstone and its erasure-receipt count), and the root covers the buckets.
// Two nodes compare roots, then bucket digests, and exchange summaries only of
// the buckets that differ: an in-sync pair sends one digest each way, whatever
// the number of keys. Pure: no I/O, no clock.
import { createHash } from 'node:crypto'

/** Buckets by a key id's first byte (its first two hex digits). */
export const REGISTRY_BUCKETS = 256

/** What a node holds for one key: its entry (record digest, receipts) or its tombstone (erasure receipts). */
export type HeldItem =
  | { kind: 'entry', recordDigest: string, receipts: number }
  | { kind: 'tombstone', receipts: number }

export function bucketOf (keyId: string): number {
  const bucket = Number.parseInt(keyId.slice(0, 2), 16)
  if (!Number.isInteger(bucket) || bucket < 0 || bucket >= REGISTRY_BUCKETS) throw new RangeError(`key id ${JSON.stringify(keyId)} does not start with a hex byte`)
  return bucket
}

/** The line a key contributes to its bucket's digest. */
function lineOf (keyId: string, item: HeldItem): string {
  return item.kind === 'entry' ? `e ${keyId} ${item.recordDigest} ${item.receipts}\n` : `t ${keyId} ${item.receipts}\n`
}

const EMPTY_BUCKET = createHash('sha256').update('shardsig/v1/registry-bucket\n').digest('hex')

/**
 * Kept up to date as the registry changes: a change marks its bucket dirty,
 * and a digest is computed again only when asked for (a bucket of n keys costs
 * a sort and n short hash updates).
 */
export class RegistryDigestTree {
  readonly #buckets: Array<Map<string, HeldItem>> = Array.from({ length: REGISTRY_BUCKETS }, () => new Map())
  readonly #digests: Array<string | undefined> = new Array(REGISTRY_BUCKETS).fill(undefined)
  #root: string | undefined

  set (keyId: string, item: HeldItem | undefined): void {
    const b = bucketOf(keyId)
    if (item === undefined) this.#buckets[b]!.delete(keyId)
    else this.#buckets[b]!.set(keyId, item)
    this.#digests[b] = undefined
    this.#root = undefined
  }

  /** The key ids of `bucket` with what is held for each. */
  itemsOf (bucket: number): ReadonlyMap<string, HeldItem> {
    return this.#buckets[bucket]!
  }

  bucketDigest (bucket: number): string {
    let digest = this.#digests[bucket]
    if (digest === undefined) {
      const items = this.#buckets[bucket]!
      if (items.size === 0) {
        digest = EMPTY_BUCKET
      } else {
        const h = createHash('sha256').update('shardsig/v1/registry-bucket\n')
        for (const keyId of [...items.keys()].sort()) h.update(lineOf(keyId, items.get(keyId)!))
        digest = h.digest('hex')
      }
      this.#digests[bucket] = digest
    }
    return digest
  }

  bucketDigests (): string[] {
    return Array.from({ length: REGISTRY_BUCKETS }, (_, b) => this.bucketDigest(b))
  }

  root (): string {
    this.#root ??= createHash('sha256').update('shardsig/v1/registry-root\n').update(this.bucketDigests().join('\n')).digest('hex')
    return this.#root
  }
}

/** The buckets whose digests differ between ours and a peer's (both REGISTRY_BUCKETS long). */
export function differingBuckets (ours: readonly string[], theirs: readonly string[]): number[] {
  if (ours.length !== REGISTRY_BUCKETS || theirs.length !== REGISTRY_BUCKETS) throw new RangeError(`bucket digests must be ${REGISTRY_BUCKETS} long`)
  return ours.flatMap((d, b) => d === theirs[b] ? [] : [b])
}
