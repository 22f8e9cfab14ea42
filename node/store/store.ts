// The node's key-value store (DESIGN section 6): classic-level, every value
// sealed with the record's key as associated data, so moved values are caught.
import { ClassicLevel } from 'classic-level'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  InvalidStoreKeyError, SealOpenError, StoreClosedError, StoreCorruptError, StoreLockedError, StoreOpenError,
  UnsupportedEnvelopeVersionError
} from './errors.js'
import { RESERVED_PREFIX, unlockStore, type Db } from './header.js'
import { open, seal, type ScryptParams, type SecretKey } from './sealing.js'

export interface WriteOptions {
  /** fsync before resolving. Needed before acking a share (DESIGN section 6). */
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

export interface OpenStoreInit {
  path: string
  passphrase: string
  /** Used only when the store is created; an existing store keeps the params in its header. */
  scrypt?: Partial<ScryptParams>
}

export async function openStore ({ path, passphrase, scrypt }: OpenStoreInit): Promise<KeyStore> {
  const db: Db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    throw openFailure(path, err)
  }
  try {
    return new LevelKeyStore(db, path, await unlockStore(db, path, passphrase, scrypt))
  } catch (err) {
    await db.close()
    throw err
  }
}

// classic-level reports a held lock as LEVEL_DATABASE_NOT_OPEN whose cause is LEVEL_LOCKED.
function openFailure (path: string, err: unknown): Error {
  const codeOf = (e: unknown): unknown => (e as { code?: unknown } | undefined)?.code
  if (codeOf(err) === 'LEVEL_LOCKED' || codeOf((err as { cause?: unknown } | undefined)?.cause) === 'LEVEL_LOCKED') {
    return new StoreLockedError(path, { cause: err })
  }
  const cause = (err as { cause?: unknown }).cause
  const reason = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err)
  return new StoreOpenError(path, reason, { cause: err })
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
  readonly #inFlight = new Set<Promise<unknown>>()
  #closed = false

  constructor (db: Db, readonly path: string, key: SecretKey) {
    this.#db = db
    this.#key = key
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
      const sealed = ops.map(op => op.type === 'put'
        ? { type: 'put' as const, key: op.key, value: seal(this.#key, utf8ToBytes(op.key), op.value) }
        : { type: 'del' as const, key: op.key })
      await this.#db.batch(sealed, { sync: opts?.sync === true })
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
    }
  }

  #open (recordKey: string, envelope: Uint8Array): Uint8Array {
    try {
      return open(this.#key, utf8ToBytes(recordKey), envelope)
    } catch (err) {
      if (!(err instanceof SealOpenError)) throw err
      const reason = err instanceof UnsupportedEnvelopeVersionError ? err.message : 'does not authenticate: its value was altered or moved from another key'
      throw new StoreCorruptError(this.path, recordKey, reason, { cause: err })
    }
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
