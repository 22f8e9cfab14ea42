// A map that keeps its newest `max` entries: what a verifier owns to skip decoding the same key
// again. Owned by the object that uses it (a Frost, a verifier), never module-level.
export class RecentCache<K, V> {
  readonly #entries = new Map<K, V>()
  readonly #max: number

  constructor (max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`a cache holds at least 1 entry, got ${max}`)
    this.#max = max
  }

  get size (): number { return this.#entries.size }

  get (key: K): V | undefined { return this.#entries.get(key) }

  /** Stores `value` (evicting the oldest entry when full) and returns it. */
  set (key: K, value: V): V {
    if (!this.#entries.has(key) && this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as K)
    this.#entries.set(key, value)
    return value
  }
}
