// An offline check of a whole store (`shardsig-node check`): it opens as the
// node would (LevelDB's recovery report, passphrase, write counter), then every
// record is opened. Reports keys and counts, never a value.
import { HEADER_KEY, RESERVED_PREFIX, VERIFIER_KEY } from './header.js'
import { StoreCorruptError } from './errors.js'
import { openLevel } from './open-level.js'
import { openRecord } from './record-seal.js'
import { writeCounterPath } from './write-counter-file.js'

export interface StoreAudit {
  path: string
  counterPath: string
  /** The store's write counter and the counter file's (the file may lag by one crash). */
  storeCounter: number
  fileCounter: number
  /** Per key prefix (up to its first '/'; the store's own records under '\x00'), in key order. */
  prefixes: Array<{ prefix: string, records: number, failed: number }>
  /** Every record that did not open, by key. */
  failures: Array<{ key: string, reason: string }>
  records: number
}

/** The store's own records grouped under one prefix; user keys up to and including their first '/'. */
export function keyPrefix (key: string): string {
  if (key.startsWith(RESERVED_PREFIX)) return RESERVED_PREFIX
  const slash = key.indexOf('/')
  return slash === -1 ? key : key.slice(0, slash + 1)
}

/** Opens an existing store (never creates one) and every record in it. Throws what openStore would. */
export async function auditStore ({ path, passphrase }: { path: string, passphrase: string }): Promise<StoreAudit> {
  const { db, key, counterFile, counter } = await openLevel({ path, passphrase, mustExist: true })
  const prefixes = new Map<string, { records: number, failed: number }>()
  const failures: StoreAudit['failures'] = []
  let records = 0
  try {
    for await (const [recordKey, envelope] of db.iterator()) {
      records++
      const prefix = keyPrefix(recordKey)
      const counts = prefixes.get(prefix) ?? { records: 0, failed: 0 }
      prefixes.set(prefix, counts)
      counts.records++
      // The header is not sealed; it and the verifier were checked together when the store unlocked.
      if (recordKey === HEADER_KEY || recordKey === VERIFIER_KEY) continue
      try {
        openRecord(key, path, recordKey, envelope)
      } catch (err) {
        if (!(err instanceof StoreCorruptError)) throw err
        counts.failed++
        failures.push({ key: recordKey, reason: err.message })
      }
    }
    return {
      path,
      counterPath: writeCounterPath(path),
      storeCounter: counter,
      fileCounter: counterFile.value,
      prefixes: [...prefixes].map(([prefix, c]) => ({ prefix, ...c })),
      failures,
      records
    }
  } finally {
    key.wipe()
    await counterFile.close()
    await db.close()
  }
}
