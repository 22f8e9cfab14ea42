// The node's key-value store (DESIGN section 6): classic-level, every value
// sealed with the record's key as associated data, so moved values are caught.
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { InvalidStoreKeyError, StoreClosedError, StoreCorruptError } from './errors.js'
import { RESERVED_PREFIX, type Db } from './header.js'
import { openLevel, type OpenStoreInit } from './open-level.js'
import { openRecord, sealRecord } from './record-seal.js'
import type { SecretKey } from './sealing.js'
import { SyncedBatches, type SealedOp } from './synced-batches.js'
import type { WriteCounterFile } from './write-counter-file.js'

export type { OpenStoreInit }

export interface WriteOptions {
  /**
   * fsync before resolving. Needed before acking a share (DESIGN section 6). A
   * synced write also advances the store's write counter (write-counter.ts).
   */
  sync?: boolean
}

export type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

export interface KeyStore {
  get (key: string): Promise<Uint8Array | undefined>
  put (key: string, value: Uint8Array, opts?: WriteOptions): Promise<void>
  delete (key: string, opts?: WriteOptions): Promise<void>
  /** Parses without checking the shape: validate the result (zod) where the type matters. */
  getJson<T> (key: string): Promise<T | undefined>
  putJson (key: string, value: unknown, opts?: WriteOptions): Promise<void>
  /** All or nothing. Every key is checked before anything is written. */
  batch (ops: BatchOp[], opts?: WriteOptions): Promise<void>
  /** Records whose key starts with `prefix`, in LevelDB order (bytewise over UTF-8), opened. */
  iterate (prefix: string): AsyncIterable<[string, Uint8Array]>
  /** Waits for operations in flight, closes the database and wipes the key. Idempotent. */
  close (): Promise<void>
  readonly path: string
}

export async function openStore (init: OpenStoreInit): Promise<KeyStore> {
  const { db, key, counterFile, counter } = await openLevel(init)
  return new LevelKeyStore(db, init.path, key, counterFile, new SyncedBatches(db, key, counterFile, counter))
}

/** Throws InvalidStoreKeyError for keys the store refuses; exported so callers can check early. */
export function checkUserKey (key: string, what: 'key' | 'prefix' = 'key'): void {
  if (typeof key !== 'string') throw new InvalidStoreKeyError(String(key), `${what} must be a string`)
  if (what === 'key' && key.length === 0) throw new InvalidStoreKeyError(key, 'keys must not be empty')
  if (key.startsWith(RESERVED_PREFIX)) throw new InvalidStoreKeyError(key, `a ${what} starting with \\x00 is reserved for the store`)
  // A lone surrogate becomes U+FFFD in UTF-8, so two different keys would share one record.
  if (/\p{Surrogate}/u.test(key)) throw new InvalidStoreKeyError(key, `${what} holds a lone surrogate, which UTF-8 cannot encode`)
}

class LevelKeyStore implements KeyStore {
  readonly #db: Db
  readonly #key: SecretKey
  readonly #counterFile: WriteCounterFile
  readonly #synced: SyncedBatches
  readonly #inFlight = new Set<Promise<unknown>>()
  #closed = false

  constructor (db: Db, readonly path: string, key: SecretKey, counterFile: WriteCounterFile, synced: SyncedBatches) {
    this.#db = db
    this.#key = key
    this.#counterFile = counterFile
    this.#synced = synced
  }

  async get (key: string): Promise<Uint8Array | undefined> {
    checkUserKey(key)
    if (this.#closed) throw new StoreClosedError(this.path)
    // Read synchronously: a LevelDB read of a small record is served from memory (memtable,
    // block cache or the OS page cache) in microseconds, while the asynchronous read costs a
    // thread-pool round trip, several ms on a busy node (docs/performance.md). Nothing is in
    // flight afterwards, so close() has nothing to wait for.
    const envelope = this.#db.getSync(key)
    return envelope === undefined ? undefined : this.#open(key, envelope)
  }

  async put (key: string, value: Uint8Array, opts?: WriteOptions): Promise<void> {
    await this.batch([{ type: 'put', key, value }], opts)
  }

  async delete (key: string, opts?: WriteOptions): Promise<void> {
    await this.batch([{ type: 'del', key }], opts)
  }

  async getJson<T> (key: string): Promise<T | undefined> {
    const bytes = await this.get(key)
    if (bytes === undefined) return undefined
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as T
    } catch (err) {
      throw new StoreCorruptError(this.path, key, 'opens but is not UTF-8 JSON', { cause: err })
    }
  }

  async putJson (key: string, value: unknown, opts?: WriteOptions): Promise<void> {
    const text = JSON.stringify(value) as string | undefined
    if (text === undefined) throw new TypeError(`putJson(${JSON.stringify(key)}): value has no JSON form`)
    await this.put(key, utf8ToBytes(text), opts)
  }

  async batch (ops: BatchOp[], opts?: WriteOptions): Promise<void> {
    // Check everything before sealing anything, so a bad op writes nothing.
    for (const op of ops) {
      checkUserKey(op.key)
      if (op.type === 'put' && !(op.value instanceof Uint8Array)) {
        throw new TypeError(`value for ${JSON.stringify(op.key)} must be a Uint8Array`)
      }
    }
    await this.#track(async () => {
      const sealed = ops.map((op): SealedOp => op.type === 'put'
        ? { type: 'put', key: op.key, value: sealRecord(this.#key, op.key, op.value) }
        : { type: 'del', key: op.key })
      if (opts?.sync === true) await this.#synced.write(sealed)
      else await this.#db.batch(sealed, { sync: false })
    })
  }

  async * iterate (prefix: string): AsyncIterable<[string, Uint8Array]> {
    checkUserKey(prefix, 'prefix')
    if (this.#closed) throw new StoreClosedError(this.path)
    // Keys sharing a prefix are contiguous in byte order, so stop at the first
    // that does not match. '\x01' skips the reserved records for an empty prefix.
    for await (const [key, envelope] of this.#db.iterator({ gte: prefix === '' ? '\x01' : prefix })) {
      if (!key.startsWith(prefix)) return
      if (this.#closed) throw new StoreClosedError(this.path)
      yield [key, this.#open(key, envelope)]
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.allSettled([...this.#inFlight])
    try {
      await this.#db.close()
    } finally {
      this.#key.wipe()
      await this.#counterFile.close()
    }
  }

  #open (recordKey: string, envelope: Uint8Array): Uint8Array {
    return openRecord(this.#key, this.path, recordKey, envelope)
  }

  // close() waits for these, so the key is never wiped under a running operation.
  async #track<T> (run: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreClosedError(this.path)
    const promise = run()
    this.#inFlight.add(promise)
    try {
      return await promise
    } finally {
      this.#inFlight.delete(promise)
    }
  }
}
