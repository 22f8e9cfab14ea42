// An index of store records by the time (ms) from which a retention rule may
// delete them, so that a pruner reads only what is due instead of every record:
// one empty record `<prefix><time, 15 digits>/<record key>` per indexed record,
// which LevelDB keeps in time order. Its writer puts and deletes index records
// in the same batch as the records themselves, so the two never disagree.
import type { BatchOp, KeyStore } from '../store/index.js'

/** Enough for every ms timestamp until the year 33658; zero-padded, so key order is time order. */
const TIME_DIGITS = 15
const MAX_TIME = 10 ** TIME_DIGITS - 1
const EMPTY = new Uint8Array(0)

/** One index record: the indexed record's key and the time it is filed under. */
export interface Indexed { at: number, recordKey: string }

export class ExpiryIndex {
  constructor (private readonly store: KeyStore, readonly prefix: string) {}

  /** The time an index record is filed under (whole ms, clamped to what the key can hold). */
  static clamp (at: number): number {
    return Number.isFinite(at) ? Math.min(MAX_TIME, Math.max(0, Math.floor(at))) : MAX_TIME
  }

  private key (at: number, recordKey: string): string {
    return `${this.prefix}${ExpiryIndex.clamp(at).toString().padStart(TIME_DIGITS, '0')}/${recordKey}`
  }

  put (at: number, recordKey: string): BatchOp {
    return { type: 'put', key: this.key(at, recordKey), value: EMPTY }
  }

  del (at: number, recordKey: string): BatchOp {
    return { type: 'del', key: this.key(at, recordKey) }
  }

  /** Up to `limit` records filed at or before `cutoff`, the earliest first. */
  async due (cutoff: number, limit: number): Promise<Indexed[]> {
    const found: Indexed[] = []
    for await (const indexed of this.all()) {
      if (indexed.at > cutoff || found.length >= limit) break
      found.push(indexed)
    }
    return found
  }

  /** Every index record, the earliest first. */
  async * all (): AsyncIterable<Indexed> {
    for await (const [key] of this.store.iterate(this.prefix)) {
      const rest = key.slice(this.prefix.length)
      yield { at: Number(rest.slice(0, TIME_DIGITS)), recordKey: rest.slice(TIME_DIGITS + 1) }
    }
  }

  async count (): Promise<number> {
    let n = 0
    for await (const _ of this.all()) n++
    return n
  }
}
