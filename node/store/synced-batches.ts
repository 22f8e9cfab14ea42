// Synced batches, in groups: one LevelDB batch at a time carries every synced
// batch queued since the last one plus the next write counter, so the counters
// reach LevelDB in increasing order (concurrent LevelDB batches could be applied
// in any order, leaving a lower counter last). While a group syncs, the next one
// gathers; once a group has synced, the counter file is brought to its counter.
import type { Db } from './header.js'
import type { SecretKey } from './sealing.js'
import { sealCounterRecord, WRITE_COUNTER_KEY } from './write-counter.js'
import type { WriteCounterFile } from './write-counter-file.js'

export type SealedOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

interface Queued {
  ops: SealedOp[]
  resolve: (n: number) => void
  reject: (err: unknown) => void
}

export class SyncedBatches {
  readonly #db: Db
  readonly #key: SecretKey
  readonly #counterFile: WriteCounterFile
  /** The last counter given to a group. */
  #counter: number
  #queued: Queued[] = []
  #writing = false

  constructor (db: Db, key: SecretKey, counterFile: WriteCounterFile, counter: number) {
    this.#db = db
    this.#key = key
    this.#counterFile = counterFile
    this.#counter = counter
  }

  /** Resolves once `ops` are synced in LevelDB and the counter file covers them. All or nothing. */
  async write (ops: SealedOp[]): Promise<void> {
    const n = await new Promise<number>((resolve, reject) => {
      this.#queued.push({ ops, resolve, reject })
      this.#next()
    })
    await this.#counterFile.advance(n)
  }

  #next (): void {
    if (this.#writing || this.#queued.length === 0) return
    const group = this.#queued.splice(0)
    this.#writing = true
    const settle = (outcome: { n: number } | { err: unknown }): void => {
      this.#writing = false
      for (const q of group) 'n' in outcome ? q.resolve(outcome.n) : q.reject(outcome.err)
      this.#next()
    }
    try {
      // A failed batch still uses up its number: it may have reached the log, and a gap is harmless.
      const n = ++this.#counter
      const ops = [...group.flatMap(q => q.ops), { type: 'put' as const, key: WRITE_COUNTER_KEY, value: sealCounterRecord(this.#key, n) }]
      this.#db.batch(ops, { sync: true }).then(() => { settle({ n }) }, (err: unknown) => { settle({ err }) })
    } catch (err) {
      settle({ err })
    }
  }
}
