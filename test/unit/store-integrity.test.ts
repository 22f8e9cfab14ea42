// Issue 17, store integrity, on real LevelDB in a temporary folder: corruption
// LevelDB's recovery skipped, a store rolled back to an older copy, a counter
// file deleted, torn or swapped, concurrent synced writes sharing one counter
// write, a store made before the counter, and the offline audit.
import { cp, mkdtemp, open as openFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ClassicLevel } from 'classic-level'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  auditStore, openStore, RECOVERY_REFUSED_FILE, SecretKey, StoreOpenError, StoreRecoveryDroppedDataError,
  StoreRolledBackError, WriteCounterFileError, writeCounterPath, type KeyStore
} from '../../node/store/index.js'
import { unlockStore, type Db } from '../../node/store/header.js'
import { droppedDataLines } from '../../node/store/leveldb-recovery-log.js'
import { sealRecord } from '../../node/store/record-seal.js'
import { SLOT_STRIDE_BYTES, WriteCounterFile } from '../../node/store/write-counter-file.js'

const SMALL = { N: 2 ** 10 }
const PASS = 'integrity passphrase'
const bytes = (text: string): Uint8Array => utf8ToBytes(text)
const text = (value: Uint8Array | undefined): string | undefined => value === undefined ? undefined : new TextDecoder().decode(value)

let dir: string
let dbPath: string
let counterPath: string
const opened: KeyStore[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-store-integrity-'))
  dbPath = join(dir, 'store')
  counterPath = writeCounterPath(dbPath)
})

afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(opened.splice(0).map(async s => await s.close()))
  await rm(dir, { recursive: true, force: true })
})

async function openTestStore (path = dbPath): Promise<KeyStore> {
  const store = await openStore({ path, passphrase: PASS, scrypt: SMALL })
  opened.push(store)
  return store
}

async function closeStore (store: KeyStore): Promise<void> {
  await store.close()
  opened.splice(opened.indexOf(store), 1)
}

/** Writes `count` synced records of about 100 bytes each, then closes the store. */
async function fillAndClose (count: number, prefix = 'ledger/'): Promise<void> {
  const store = await openTestStore()
  for (let i = 0; i < count; i++) await store.put(`${prefix}${i}`, bytes(`entry ${i} `.padEnd(100, '.')), { sync: true })
  await closeStore(store)
}

/** Flips 8 bytes in the middle of the store's largest write-ahead log, as issue 17's reproduction does. */
async function flipMiddleOfLog (path: string): Promise<void> {
  const logs = (await readdir(path)).filter(f => f.endsWith('.log'))
  const sizes = await Promise.all(logs.map(async f => ({ f, size: (await stat(join(path, f))).size })))
  const largest = sizes.sort((a, b) => b.size - a.size)[0]
  if (largest === undefined || largest.size < 64) throw new Error(`no write-ahead log with data in ${path}: ${JSON.stringify(sizes)}`)
  const file = join(path, largest.f)
  const raw = await readFile(file)
  const middle = Math.floor(raw.length / 2) - 4
  for (let i = middle; i < middle + 8; i++) raw[i] = (raw[i] as number) ^ 0xff
  await writeFile(file, raw)
}

async function refusal (open: () => Promise<unknown>): Promise<Error> {
  const err = await open().then(() => undefined, (e: unknown) => e)
  if (!(err instanceof Error)) throw new Error('expected the open to be refused')
  return err
}

/** The prototype of Node's FileHandle, whose datasync the counter file calls once per write. */
async function fileHandlePrototype (): Promise<{ datasync: () => Promise<void> }> {
  const probe = await openFile(join(dir, 'probe'), 'w')
  await probe.close()
  return Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }
}

describe('LevelDB recovery that dropped data', () => {
  it('refuses the store, quoting LevelDB\'s LOG lines, and keeps refusing at later opens', async () => {
    await fillAndClose(60)
    await flipMiddleOfLog(dbPath)

    const err = await refusal(openTestStore)
    expect(err).toBeInstanceOf(StoreRecoveryDroppedDataError)
    expect(err.message).toContain(`store at ${dbPath} is refused`)
    expect(err.message).toMatch(/dropping \d+ bytes; Corruption: /)
    expect((err as StoreRecoveryDroppedDataError).logLines.length).toBeGreaterThan(0)
    // LevelDB's own info log stays for the operator.
    expect(await readFile(join(dbPath, 'LOG'), 'utf8')).toMatch(/dropping \d+ bytes/)

    // LevelDB deleted the damaged log and rotates LOG at each open: only our record keeps the refusal.
    for (let again = 0; again < 3; again++) {
      const next = await refusal(openTestStore)
      expect(next).toBeInstanceOf(StoreRecoveryDroppedDataError)
      expect(next.message).toContain(join(dbPath, RECOVERY_REFUSED_FILE))
      expect(next.message).toMatch(/dropping \d+ bytes/)
    }
  })

  it('picks out the recovery lines LevelDB 1.20 writes, and nothing of a clean open', () => {
    // From a real LOG after the flip above (thread id and times as LevelDB prints them).
    const lines = [
      '2026/12/07-09:34:06.773099 7fd5f77bf6c0 Recovering log #3',
      '2026/12/07-09:34:06.773193 7fd5f77bf6c0 (ignoring error) /tmp/repro/db/000003.log: dropping 13638 bytes; Corruption: checksum mismatch',
      '2026/12/07-09:34:06.773199 7fd5f77bf6c0 (ignoring error) /tmp/repro/db/000003.log: dropping 36 bytes; Corruption: missing start of fragmented record(2)',
      '2026/12/07-09:34:06.773225 7fd5f77bf6c0 Level-0 table #5: started',
      '2026/12/07-09:34:06.775882 7fd5f77bf6c0 Level-0 table #5: 3097 bytes OK',
      '2026/12/07-09:34:06.776877 7fd5f77bf6c0 Delete type=3 #2',
      '2026/12/07-09:34:06.776970 7fd5f77bf6c0 Delete type=0 #3',
      '2026/12/07-09:34:07.000000 7fd5f77bf6c0 Ignoring error IO error: /tmp/repro/db/000007.log: No such file or directory',
      '2026/12/07-09:34:08.000000 7fd5f77bf6c0 Compaction error: Corruption: block checksum mismatch'
    ]
    expect(droppedDataLines(lines.join('\n') + '\n')).toEqual([lines[1], lines[2], lines[7], lines[8]])
  })
})

describe('write counter: rollback', () => {
  it('refuses an older copy of the store folder put back over a newer one, naming both counters', async () => {
    await fillAndClose(3)
    await cp(dbPath, join(dir, 'older'), { recursive: true })
    await fillAndClose(2, 'later/')
    await rm(dbPath, { recursive: true })
    await cp(join(dir, 'older'), dbPath, { recursive: true })

    const err = await refusal(openTestStore)
    expect(err).toBeInstanceOf(StoreRolledBackError)
    const { storeCounter, fileCounter } = err as StoreRolledBackError
    expect(storeCounter).toBeLessThan(fileCounter)
    expect(err.message).toContain(`store at ${dbPath} is refused: it was rolled back: its write counter is ${storeCounter} but its counter file ${counterPath} holds ${fileCounter}`)
  })

  it('opens a store that is ahead of its counter file (a crash between the two syncs)', async () => {
    await fillAndClose(2)
    const olderFile = await readFile(counterPath)
    await fillAndClose(2, 'later/')
    await writeFile(counterPath, olderFile)
    const store = await openTestStore()
    expect(text(await store.get('later/1'))?.startsWith('entry 1')).toBe(true)
  })

  it('refuses a store whose counter file was deleted', async () => {
    await fillAndClose(2)
    await rm(counterPath)
    const err = await refusal(openTestStore)
    expect(err).toBeInstanceOf(WriteCounterFileError)
    expect(err.message).toMatch(new RegExp(`^store at ${dbPath} is refused: its write counter file ${counterPath} is missing while the store's write counter is \\d+`))
  })

  it('refuses an empty store next to a counter file (the store was deleted) without creating one', async () => {
    await fillAndClose(2)
    await rm(dbPath, { recursive: true })
    const err = await refusal(openTestStore)
    expect(err).toBeInstanceOf(WriteCounterFileError)
    expect(err.message).toContain('exists but the store is empty')
    // Nothing was written: with the counter file gone too, a fresh store opens.
    await rm(counterPath)
    await openTestStore()
  })

  it('refuses a counter file swapped in from another store', async () => {
    await fillAndClose(1)
    const other = join(dir, 'other')
    await (await openTestStore(other)).close()
    await cp(writeCounterPath(other), counterPath)
    const err = await refusal(openTestStore)
    expect(err).toBeInstanceOf(WriteCounterFileError)
    expect(err.message).toContain('holds no slot that opens under the store\'s key')
  })

  it('upgrades a store made before the counter: it opens, gets both, and a later rollback is caught', async () => {
    // What the previous build wrote: header, verifier and sealed records, nothing else.
    const db: Db = new ClassicLevel<string, Uint8Array>(dbPath, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const key = await unlockStore(db, dbPath, PASS, SMALL)
    await db.put('share/k/1', sealRecord(key, 'share/k/1', bytes('old share')), { sync: true })
    key.wipe()
    await db.close()
    await expect(stat(counterPath)).rejects.toMatchObject({ code: 'ENOENT' })

    const store = await openTestStore()
    expect(text(await store.get('share/k/1'))).toBe('old share')
    await closeStore(store)
    expect((await stat(counterPath)).size).toBe(2 * SLOT_STRIDE_BYTES)
    const audit = await auditStore({ path: dbPath, passphrase: PASS })
    expect(audit).toMatchObject({ storeCounter: 0, fileCounter: 0, failures: [] })

    await cp(dbPath, join(dir, 'upgraded'), { recursive: true })
    await fillAndClose(1, 'later/')
    await rm(dbPath, { recursive: true })
    await cp(join(dir, 'upgraded'), dbPath, { recursive: true })
    await expect(openTestStore()).rejects.toThrow(StoreRolledBackError)
  })
})

describe('write counter: synced writes', () => {
  it('32 concurrent synced puts take two LevelDB batches and two counter file syncs', async () => {
    await fillAndClose(1)
    const before = await counters()
    const store = await openTestStore()
    const datasync = vi.spyOn(await fileHandlePrototype(), 'datasync')
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch')

    await Promise.all(Array.from({ length: 32 }, async (_, i) => { await store.put(`c/${i}`, bytes(String(i)), { sync: true }) }))

    // The first put goes alone; the 31 queued while it synced go in the next group.
    expect(batch.mock.calls.map(call => ((call as unknown[])[1] as { sync?: boolean }).sync)).toEqual([true, true])
    expect(datasync).toHaveBeenCalledTimes(2)
    batch.mockRestore()
    datasync.mockRestore()
    await closeStore(store)
    expect(await counters()).toEqual({ storeCounter: before.storeCounter + 2, fileCounter: before.storeCounter + 2 })
    expect((await collectKeys('c/')).length).toBe(32)
  })

  it('leaves unsynced writes out of the counter', async () => {
    await fillAndClose(1)
    const before = await counters()
    const store = await openTestStore()
    await store.put('u/1', bytes('1'))
    await store.batch([{ type: 'put', key: 'u/2', value: bytes('2') }])
    await closeStore(store)
    expect(await counters()).toEqual(before)
  })

  async function counters (): Promise<{ storeCounter: number, fileCounter: number }> {
    const { storeCounter, fileCounter } = await auditStore({ path: dbPath, passphrase: PASS })
    return { storeCounter, fileCounter }
  }

  async function collectKeys (prefix: string): Promise<string[]> {
    const store = await openTestStore()
    const keys: string[] = []
    for await (const [k] of store.iterate(prefix)) keys.push(k)
    await closeStore(store)
    return keys
  }
})

describe('write counter file', () => {
  const key = new SecretKey(randomBytes(32))

  it('coalesces: advances asked for while a write is in flight share the next write, of the highest', async () => {
    const file = await WriteCounterFile.create(dbPath, key, 0)
    const datasync = vi.spyOn(await fileHandlePrototype(), 'datasync')
    try {
      await Promise.all([file.advance(1), file.advance(2), file.advance(3), file.advance(2)])
      expect(datasync).toHaveBeenCalledTimes(2) // 1, then 3 for the three that waited
      await file.advance(3) // already covered: no write
      expect(datasync).toHaveBeenCalledTimes(2)
    } finally {
      await file.close()
    }
    const again = await WriteCounterFile.open(dbPath, key)
    expect(again?.value).toBe(3)
    await again?.close()
  })

  it('falls back to the other slot when the newest is torn, and refuses when neither opens', async () => {
    const file = await WriteCounterFile.create(dbPath, key, 0)
    await file.advance(1)
    await file.advance(2)
    await file.close()
    const raw = await readFile(counterPath)
    // Slots alternate from a fresh file: 1 went to slot 1, 2 to slot 0. Tear slot 0 mid-envelope.
    const torn = Uint8Array.from(raw)
    torn.fill(0xaa, 20, 40)
    await writeFile(counterPath, torn)
    const fallback = await WriteCounterFile.open(dbPath, key)
    expect(fallback?.value).toBe(1)
    await fallback?.close()

    torn.fill(0, SLOT_STRIDE_BYTES, SLOT_STRIDE_BYTES + 60)
    await writeFile(counterPath, torn)
    await expect(WriteCounterFile.open(dbPath, key)).rejects.toThrow(WriteCounterFileError)
    // A truncated file is the same as torn slots.
    await writeFile(counterPath, raw.subarray(0, SLOT_STRIDE_BYTES))
    const half = await WriteCounterFile.open(dbPath, key)
    expect(half?.value).toBe(2)
    await half?.close()
  })

  it('a store whose newest counter slot is torn still opens from the older slot', async () => {
    await fillAndClose(3)
    const raw = await readFile(counterPath)
    for (let slot = 0; slot < 2; slot++) {
      const torn = Uint8Array.from(raw)
      torn.fill(0, slot * SLOT_STRIDE_BYTES, slot * SLOT_STRIDE_BYTES + 49)
      await writeFile(counterPath, torn)
      await closeStore(await openTestStore())
      await writeFile(counterPath, raw)
    }
  })
})

describe('auditStore', () => {
  it('counts records per prefix and names each record that does not open, never its value', async () => {
    const store = await openTestStore()
    await store.batch([
      { type: 'put', key: 'share/a/1', value: bytes('secret a') },
      { type: 'put', key: 'share/b/1', value: bytes('secret b') },
      { type: 'put', key: 'blame/1', value: bytes('x') },
      { type: 'put', key: 'meta', value: bytes('y') }
    ], { sync: true })
    await closeStore(store)
    const db = new ClassicLevel<string, Uint8Array>(dbPath, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const moved = await db.get('share/a/1')
    await db.put('share/b/1', moved as Uint8Array)
    await db.close()

    const audit = await auditStore({ path: dbPath, passphrase: PASS })
    expect(audit.prefixes).toEqual([
      { prefix: '\x00', records: 3, failed: 0 },
      { prefix: 'blame/', records: 1, failed: 0 },
      { prefix: 'meta', records: 1, failed: 0 },
      { prefix: 'share/', records: 2, failed: 1 }
    ])
    expect(audit.records).toBe(7)
    expect(audit.failures).toEqual([{ key: 'share/b/1', reason: expect.stringContaining('record "share/b/1" does not authenticate') }])
    expect(JSON.stringify(audit)).not.toContain('secret')
    expect(audit.storeCounter).toBe(audit.fileCounter)
    expect(audit.counterPath).toBe(counterPath)
  })

  it('never creates a store', async () => {
    await expect(auditStore({ path: dbPath, passphrase: PASS })).rejects.toThrow(StoreOpenError)
    await expect(stat(counterPath)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
