// Opening the database behind a store, in order: LevelDB (its lock), LevelDB's
// recovery report, the passphrase, and the write counter. Shared by openStore
// and auditStore; whatever fails closes what was opened.
import { ClassicLevel } from 'classic-level'
import { StoreLockedError, StoreOpenError } from './errors.js'
import { unlockStore, type Db } from './header.js'
import { checkLevelDbRecovery } from './leveldb-recovery-log.js'
import type { ScryptParams, SecretKey } from './sealing.js'
import { openWriteCounter, refuseCounterFileOfEmptyStore } from './write-counter.js'
import type { WriteCounterFile } from './write-counter-file.js'

export interface OpenStoreInit {
  path: string
  passphrase: string
  /** Used only when the store is created; an existing store keeps the params in its header. */
  scrypt?: Partial<ScryptParams>
  /** Refuse to create a store (for checking one): a missing or empty database is a StoreOpenError. */
  mustExist?: boolean
}

export interface OpenedLevel {
  db: Db
  key: SecretKey
  counterFile: WriteCounterFile
  /** The store's write counter: the last one a synced batch carried. */
  counter: number
}

export async function openLevel ({ path, passphrase, scrypt, mustExist = false }: OpenStoreInit): Promise<OpenedLevel> {
  const db: Db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: !mustExist })
  try {
    await db.open()
  } catch (err) {
    throw openFailure(path, err)
  }
  let key: SecretKey | undefined
  try {
    await checkLevelDbRecovery(path)
    if (await isEmpty(db)) {
      if (mustExist) throw new StoreOpenError(path, 'the database is empty: no store was ever written there')
      await refuseCounterFileOfEmptyStore(path)
    }
    key = await unlockStore(db, path, passphrase, scrypt)
    const { file, n } = await openWriteCounter(db, path, key)
    return { db, key, counterFile: file, counter: n }
  } catch (err) {
    key?.wipe()
    await db.close()
    throw err
  }
}

async function isEmpty (db: Db): Promise<boolean> {
  for await (const _ of db.keys({ limit: 1 })) return false
  return true
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
