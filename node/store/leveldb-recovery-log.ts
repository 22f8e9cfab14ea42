// LevelDB's recovery report, read after every open. classic-level cannot set
// paranoid_checks, so LevelDB skips a damaged stretch of its write-ahead log,
// says so only in its info log (`<store>/LOG`), and then deletes that log: the
// store opens with acknowledged writes gone. This turns those lines into an
// error and keeps them in a file of ours, so every later open is refused too.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StoreOpenError, StoreRecoveryDroppedDataError } from './errors.js'
import { writeFileAtomically } from './durable-file.js'

/** In the store's folder; LevelDB deletes only names it parses (filename.cc), never this one. */
export const RECOVERY_REFUSED_FILE = 'SHARDSIG-RECOVERY-REFUSED'
const RECOVERY_REFUSED_FILE_MODE = 0o600
const MAX_QUOTED_LOG_LINES = 3

/**
 * LevelDB rotates LOG to LOG.old when a handle is constructed, before it takes
 * the lock, so a second process failing to open the store right after this one
 * opened it moves this open's lines to LOG.old. Both are read; LOG.old otherwise
 * holds the previous session's lines, and a corruption reported there is real too.
 */
const INFO_LOG_FILES = ['LOG', 'LOG.old'] as const

/**
 * LevelDB 1.20 (classic-level 3's deps/leveldb): db_impl.cc RecoverLogFile's
 * reporter writes "(ignoring error) <file>.log: dropping N bytes; Corruption:
 * checksum mismatch" (also "bad record length", "missing start of fragmented
 * record", "partial record without end", "log record too small"), MaybeIgnoreError
 * "Ignoring error <status>", and a compaction of a damaged table "Compaction
 * error: Corruption: …". Every Status::Corruption prints as "Corruption: …".
 */
const DROPPED_DATA_PATTERNS: readonly RegExp[] = [/: dropping \d+ bytes; /, /\bignoring error\b/i, /\bCorruption: /]

/** The lines of an info log that report corruption or dropped bytes. */
export function droppedDataLines (infoLog: string): string[] {
  return infoLog.split('\n').map(l => l.trimEnd()).filter(l => DROPPED_DATA_PATTERNS.some(p => p.test(l)))
}

/**
 * Throws StoreRecoveryDroppedDataError if this store was refused before, or if
 * LevelDB's info log reports corruption; call it right after the database opened.
 */
export async function checkLevelDbRecovery (path: string): Promise<void> {
  const refusedFile = join(path, RECOVERY_REFUSED_FILE)
  const saved = await readIfExists(refusedFile)
  if (saved !== undefined) {
    throw new StoreRecoveryDroppedDataError(path, saved.split('\n').filter(l => l !== ''), refusedFile, MAX_QUOTED_LOG_LINES)
  }
  const lines: string[] = []
  for (const name of INFO_LOG_FILES) {
    const text = await readIfExists(join(path, name))
    if (text === undefined) {
      if (name === 'LOG') throw new StoreOpenError(path, 'LevelDB wrote no info log (LOG), so whether its recovery dropped data cannot be told')
      continue
    }
    lines.push(...droppedDataLines(text).map(line => `${name}: ${line}`))
  }
  if (lines.length === 0) return
  // Before throwing: the next open would find a clean LOG, LevelDB having deleted the damaged log.
  await writeFileAtomically(refusedFile, lines.join('\n') + '\n', RECOVERY_REFUSED_FILE_MODE)
  throw new StoreRecoveryDroppedDataError(path, lines, refusedFile, MAX_QUOTED_LOG_LINES)
}

async function readIfExists (path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
