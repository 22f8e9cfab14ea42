// The store's write counter (issue 17): every synced batch carries a reserved
// record holding the next counter n, and once that batch has synced the counter
// file next to the store is brought to n (write-counter-file.ts) before the write
// resolves. At open the store's counter must not be below the file's: if it is,
// the store is an older copy, or LevelDB lost its last synced writes.
import { stat } from 'node:fs/promises'
import { RESERVED_PREFIX, type Db } from './header.js'
import { StoreCorruptError, StoreRolledBackError, WriteCounterFileError } from './errors.js'
import { openRecord, sealRecord } from './record-seal.js'
import type { SecretKey } from './sealing.js'
import { decodeCounter, encodeCounter, WriteCounterFile, writeCounterPath } from './write-counter-file.js'

export const WRITE_COUNTER_KEY = `${RESERVED_PREFIX}write-counter`

export function sealCounterRecord (key: SecretKey, n: number): Uint8Array {
  return sealRecord(key, WRITE_COUNTER_KEY, encodeCounter(n))
}

/** The counter the store holds, or undefined for a store that has none (new, or made before the counter). */
export function readCounterRecord (db: Db, path: string, key: SecretKey): number | undefined {
  const envelope = db.getSync(WRITE_COUNTER_KEY)
  if (envelope === undefined) return undefined
  const n = decodeCounter(openRecord(key, path, WRITE_COUNTER_KEY, envelope))
  if (n === undefined) throw new StoreCorruptError(path, WRITE_COUNTER_KEY, 'authenticates but does not hold an 8-byte counter')
  return n
}

/**
 * An empty database with a counter file beside it is a store that was deleted
 * or replaced by an empty one: the most complete rollback. Call before a new
 * store's header is written (the file would not open under the new key anyway).
 */
export async function refuseCounterFileOfEmptyStore (path: string): Promise<void> {
  const counterPath = writeCounterPath(path)
  const exists = await stat(counterPath).then(() => true, (err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return false
    throw err
  })
  if (exists) {
    throw new WriteCounterFileError(path, counterPath, 'exists but the store is empty: the store was deleted or replaced. To start this node on a fresh store on purpose, delete the counter file too (docs/runbook.md)')
  }
}

export interface OpenedWriteCounter { file: WriteCounterFile, n: number }

/**
 * Checks the store's counter against its file and returns both. A store that has
 * neither gets both, the file first: a crash between the two leaves a file at 0
 * and no record, which opens.
 */
export async function openWriteCounter (db: Db, path: string, key: SecretKey): Promise<OpenedWriteCounter> {
  const stored = readCounterRecord(db, path, key)
  let file = await WriteCounterFile.open(path, key)
  try {
    if (stored === undefined) {
      if (file !== undefined && file.value > 0) throw new StoreRolledBackError(path, 0, file.value, file.path)
      file ??= await WriteCounterFile.create(path, key, 0)
      await db.put(WRITE_COUNTER_KEY, sealCounterRecord(key, 0), { sync: true })
      return { file, n: 0 }
    }
    if (file === undefined) {
      throw new WriteCounterFileError(path, writeCounterPath(path), `is missing while the store's write counter is ${stored}: it was deleted, or not restored together with the store`)
    }
    // Above the file is fine: a crash between the batch's sync and the file's leaves the store ahead.
    if (stored < file.value) throw new StoreRolledBackError(path, stored, file.value, file.path)
    return { file, n: stored }
  } catch (err) {
    await file?.close()
    throw err
  }
}
