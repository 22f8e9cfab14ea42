// The store's write counter kept outside LevelDB (`<store>.counter`): the
// highest counter n that a synced batch of the store carried, so an older copy
// of the store is caught at open (write-counter.ts). Two fixed slots, each an
// envelope sealed under the store's key, written alternately: a torn write
// spoils only the slot being written, and the newest slot that opens wins.
import { constants } from 'node:fs'
import { open as openFile, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { writeFileAtomically } from './durable-file.js'
import { SealOpenError, WriteCounterFileError } from './errors.js'
import { NONCE_BYTES, open, seal, TAG_BYTES, type SecretKey } from './sealing.js'

/** Each slot in its own 4 KiB page, so a torn write of one never reaches the other. */
export const SLOT_STRIDE_BYTES = 4096
const SLOT_COUNT = 2
export const WRITE_COUNTER_FILE_BYTES = SLOT_STRIDE_BYTES * SLOT_COUNT
const COUNTER_BYTES = 8
const SLOT_ENVELOPE_BYTES = 1 + NONCE_BYTES + COUNTER_BYTES + TAG_BYTES
const WRITE_COUNTER_FILE_MODE = 0o600

/** Binds a slot to its purpose and place: no other envelope of this key opens as one. */
function slotAad (slot: number): Uint8Array {
  return utf8ToBytes(`shardsig/v1/store-write-counter/slot-${slot}`)
}

/** Next to the store's folder, not in it: restoring an older copy of the folder leaves it in place. */
export function writeCounterPath (storePath: string): string {
  return join(dirname(storePath), `${basename(storePath)}.counter`)
}

export function encodeCounter (n: number): Uint8Array {
  const bytes = new Uint8Array(COUNTER_BYTES)
  new DataView(bytes.buffer).setBigUint64(0, BigInt(n))
  return bytes
}

/** undefined unless exactly 8 bytes holding a safe integer. */
export function decodeCounter (bytes: Uint8Array): number | undefined {
  if (bytes.length !== COUNTER_BYTES) return undefined
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0)
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined
}

function sealSlot (key: SecretKey, slot: number, n: number): Uint8Array {
  return seal(key, slotAad(slot), encodeCounter(n))
}

/** The counter a slot holds, or undefined if it is torn, garbled, or sealed under another key. */
function openSlot (key: SecretKey, slot: number, file: Uint8Array): number | undefined {
  const start = slot * SLOT_STRIDE_BYTES
  const envelope = file.subarray(start, start + SLOT_ENVELOPE_BYTES)
  try {
    return decodeCounter(open(key, slotAad(slot), envelope))
  } catch (err) {
    if (err instanceof SealOpenError) return undefined
    throw err
  }
}

/**
 * The open counter file. `advance(n)` resolves once the file holds n or more;
 * calls that arrive while a write is in flight are served by one next write of
 * the highest n asked for, so concurrent synced batches share one fdatasync.
 */
export class WriteCounterFile {
  readonly #handle: FileHandle
  readonly #key: SecretKey
  /** The counter the newest valid slot holds. */
  #durable: number
  #newestSlot: number
  #wanted: number
  #waiters: Array<{ n: number, resolve: () => void, reject: (err: unknown) => void }> = []
  #flushing = false
  #failed: unknown

  private constructor (handle: FileHandle, key: SecretKey, readonly storePath: string, readonly path: string, n: number, newestSlot: number) {
    this.#handle = handle
    this.#key = key
    this.#durable = n
    this.#wanted = n
    this.#newestSlot = newestSlot
  }

  get value (): number { return this.#durable }

  /** Creates the file holding n in both slots, atomically: it exists whole or not at all. */
  static async create (storePath: string, key: SecretKey, n: number): Promise<WriteCounterFile> {
    const path = writeCounterPath(storePath)
    const body = new Uint8Array(WRITE_COUNTER_FILE_BYTES)
    for (let slot = 0; slot < SLOT_COUNT; slot++) body.set(sealSlot(key, slot, n), slot * SLOT_STRIDE_BYTES)
    await writeFileAtomically(path, body, WRITE_COUNTER_FILE_MODE)
    return await WriteCounterFile.open(storePath, key) as WriteCounterFile
  }

  /** undefined if there is no file; throws WriteCounterFileError if no slot opens. */
  static async open (storePath: string, key: SecretKey): Promise<WriteCounterFile | undefined> {
    const path = writeCounterPath(storePath)
    let handle: FileHandle
    try {
      handle = await openFile(path, constants.O_RDWR)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new WriteCounterFileError(storePath, path, `cannot be opened: ${(err as Error).message}`, { cause: err })
    }
    try {
      const body = new Uint8Array(WRITE_COUNTER_FILE_BYTES)
      const { bytesRead } = await handle.read(body, 0, body.length, 0)
      const file = body.subarray(0, bytesRead)
      let newest: { slot: number, n: number } | undefined
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        const n = openSlot(key, slot, file)
        if (n !== undefined && (newest === undefined || n > newest.n)) newest = { slot, n }
      }
      if (newest === undefined) {
        throw new WriteCounterFileError(storePath, path, 'holds no slot that opens under the store\'s key: it was altered, or it belongs to another store')
      }
      return new WriteCounterFile(handle, key, storePath, path, newest.n, newest.slot)
    } catch (err) {
      await handle.close()
      throw err
    }
  }

  /** Resolves once the file holds n or more (synced); rejects for good after a failed write. */
  async advance (n: number): Promise<void> {
    if (this.#failed !== undefined) throw this.#failed
    if (n <= this.#durable) return
    this.#wanted = Math.max(this.#wanted, n)
    const done = new Promise<void>((resolve, reject) => { this.#waiters.push({ n, resolve, reject }) })
    if (!this.#flushing) void this.#flush()
    await done
  }

  async close (): Promise<void> {
    await this.#handle.close()
  }

  async #flush (): Promise<void> {
    this.#flushing = true
    try {
      while (this.#wanted > this.#durable) {
        const n = this.#wanted
        // Always the slot not holding the newest value: if this write tears, that one still opens.
        const slot = (this.#newestSlot + 1) % SLOT_COUNT
        const envelope = sealSlot(this.#key, slot, n)
        try {
          await this.#handle.write(envelope, 0, envelope.length, slot * SLOT_STRIDE_BYTES)
          await this.#handle.datasync()
        } catch (err) {
          // After a failed fdatasync the page cache may claim data that never reached
          // the disk (Linux marks the pages clean), so no later write is trusted either.
          this.#failed = new WriteCounterFileError(this.storePath, this.path, `could not be written: ${(err as Error).message}`, { cause: err })
          for (const w of this.#waiters.splice(0)) w.reject(this.#failed)
          return
        }
        this.#durable = n
        this.#newestSlot = slot
        const covered = this.#waiters.filter(w => w.n <= n)
        this.#waiters = this.#waiters.filter(w => w.n > n)
        for (const w of covered) w.resolve()
      }
    } finally {
      this.#flushing = false
    }
  }
}
