// The sealed store and sealed files on a real classic-level database in a
// temporary folder: persistence, passphrase checks, and tampering on disk.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ClassicLevel } from 'classic-level'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  InvalidStoreKeyError, MalformedSealedFileError, SealedFileNotFoundError, StoreClosedError, StoreCorruptError,
  StoreLockedError, WrongPassphraseError, openStore, readSealedFile, writeSealedFile, type KeyStore
} from '../../node/store/index.js'

const SMALL = { N: 2 ** 10 }
const PASS = 'test passphrase'
const bytes = (text: string): Uint8Array => utf8ToBytes(text)
const text = (value: Uint8Array | undefined): string | undefined => value === undefined ? undefined : new TextDecoder().decode(value)

let dir: string
let dbPath: string
const opened: KeyStore[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-store-'))
  dbPath = join(dir, 'db')
})

afterEach(async () => {
  await Promise.all(opened.splice(0).map(async s => await s.close()))
  await rm(dir, { recursive: true, force: true })
})

async function openTestStore (passphrase = PASS): Promise<KeyStore> {
  const store = await openStore({ path: dbPath, passphrase, scrypt: SMALL })
  opened.push(store)
  return store
}

/** Edits the raw (sealed) records with a second handle while the store is closed, as an attacker with disk access would. */
async function editRaw (edit: (db: ClassicLevel<string, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(dbPath, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  try {
    await edit(db)
  } finally {
    await db.close()
  }
}

async function collect (store: KeyStore, prefix: string): Promise<Array<[string, string | undefined]>> {
  const out: Array<[string, string | undefined]> = []
  for await (const [key, value] of store.iterate(prefix)) out.push([key, text(value)])
  return out
}

describe('openStore', () => {
  it('round-trips values and JSON across close and reopen', async () => {
    const store = await openTestStore()
    await store.put('share/1', bytes('one'), { sync: true })
    await store.putJson('meta', { epoch: 3, ids: ['a', 'b'] })
    await store.close()

    const again = await openTestStore()
    expect(text(await again.get('share/1'))).toBe('one')
    expect(await again.getJson('meta')).toEqual({ epoch: 3, ids: ['a', 'b'] })
    expect(await again.get('missing')).toBeUndefined()
    expect(await again.getJson('missing')).toBeUndefined()
  })

  it('works with the default scrypt params', async () => {
    const store = await openStore({ path: dbPath, passphrase: PASS })
    await store.put('k', bytes('v'))
    await store.close()
    const again = await openStore({ path: dbPath, passphrase: PASS })
    expect(text(await again.get('k'))).toBe('v')
    await again.close()
  })

  it('refuses a wrong passphrase at open with a message naming the store', async () => {
    await (await openTestStore()).close()
    const err = await openStore({ path: dbPath, passphrase: 'not it', scrypt: SMALL }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WrongPassphraseError)
    expect((err as Error).message).toBe(`wrong passphrase for store at ${dbPath}`)
    expect((err as Error).message).not.toContain('not it')
    // The failed open released the lock: the right passphrase still works.
    await openTestStore()
  })

  it('keeps the scrypt params of an existing store whatever the caller passes', async () => {
    await (await openTestStore()).close()
    const store = await openStore({ path: dbPath, passphrase: PASS, scrypt: { N: 2 ** 12 } })
    await store.close()
    await editRaw(async db => {
      expect(JSON.parse(text(await db.get('\x00header')) ?? '')).toMatchObject({ envelopeVersion: 1, kdf: { name: 'scrypt', N: 2 ** 10 } })
    })
  })

  it('refuses a store locked by another process, naming the path', async () => {
    await (await openTestStore()).close()
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      import { ClassicLevel } from 'classic-level'
      const db = new ClassicLevel(${JSON.stringify(dbPath)})
      await db.open()
      process.stdout.write('locked\\n')
      process.stdin.on('end', () => db.close())
      process.stdin.resume()
    `], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve())
        holder.once('exit', code => reject(new Error(`lock holder exited with ${code}`)))
      })
      const err = await openStore({ path: dbPath, passphrase: PASS, scrypt: SMALL }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StoreLockedError)
      expect((err as Error).message).toContain(dbPath)
    } finally {
      holder.stdin.end()
      await new Promise(resolve => holder.once('exit', resolve))
    }
  })

  it('refuses a second handle on a store this process already holds', async () => {
    await openTestStore()
    await expect(openStore({ path: dbPath, passphrase: PASS, scrypt: SMALL })).rejects.toThrow(StoreLockedError)
  })

  it('refuses a store whose header was removed while records remain', async () => {
    const store = await openTestStore()
    await store.put('k', bytes('v'))
    await store.close()
    await editRaw(async db => { await db.del('\x00header') })
    await expect(openTestStore()).rejects.toMatchObject({ name: 'StoreCorruptError', recordKey: '\x00header' })
  })

  it('refuses a header asking for unbounded scrypt memory instead of trying it', async () => {
    await (await openTestStore()).close()
    await editRaw(async db => {
      const header = JSON.parse(text(await db.get('\x00header')) ?? '')
      header.kdf.N = 2 ** 40
      await db.put('\x00header', bytes(JSON.stringify(header)))
    })
    const err = await openTestStore().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreCorruptError)
    expect((err as Error).message).toMatch(/"\\u0000header" is invalid: kdf: .*needs more than/)
  })
})

describe('tampering on disk', () => {
  it('rejects a flipped ciphertext byte, naming the record', async () => {
    const store = await openTestStore()
    await store.put('share/7', bytes('secret share'))
    await store.close()
    await editRaw(async db => {
      const raw = Uint8Array.from((await db.get('share/7')) ?? [])
      raw[30] = (raw[30] as number) ^ 0x80
      await db.put('share/7', raw)
    })
    const again = await openTestStore()
    const err = await again.get('share/7').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreCorruptError)
    expect((err as StoreCorruptError).recordKey).toBe('share/7')
    expect((err as Error).message).toContain('"share/7"')
    await expect(collect(again, 'share/')).rejects.toMatchObject({ recordKey: 'share/7' })
  })

  it('rejects a value moved to another record key, naming each record', async () => {
    const store = await openTestStore()
    await store.put('a', bytes('alpha'))
    await store.put('b', bytes('beta'))
    await store.close()
    await editRaw(async db => {
      const [a, b] = await db.getMany(['a', 'b'])
      await db.batch([{ type: 'put', key: 'a', value: b as Uint8Array }, { type: 'put', key: 'b', value: a as Uint8Array }])
    })
    const again = await openTestStore()
    await expect(again.get('a')).rejects.toMatchObject({ name: 'StoreCorruptError', recordKey: 'a' })
    await expect(again.get('b')).rejects.toMatchObject({ name: 'StoreCorruptError', recordKey: 'b' })
  })

  it('does not mistake a tampered record for a wrong passphrase: the store still opens', async () => {
    const store = await openTestStore()
    await store.put('a', bytes('alpha'))
    await store.put('ok', bytes('fine'))
    await store.close()
    await editRaw(async db => { await db.put('a', new Uint8Array([1, 2, 3])) })
    const again = await openTestStore()
    expect(text(await again.get('ok'))).toBe('fine')
    await expect(again.get('a')).rejects.toThrow(/record "a" does not authenticate/)
  })
})

describe('KeyStore operations', () => {
  it('keeps every write of 50 concurrent batches of 20 puts across reopen', async () => {
    const store = await openTestStore()
    await Promise.all(Array.from({ length: 50 }, async (_, b) => {
      await store.batch(Array.from({ length: 20 }, (_, i) => ({ type: 'put' as const, key: `b/${b}/${i}`, value: bytes(`${b}:${i}`) })))
    }))
    await store.close()
    const again = await openTestStore()
    const all = await collect(again, 'b/')
    expect(all).toHaveLength(1000)
    expect(new Set(all.map(([k]) => k)).size).toBe(1000)
    expect(text(await again.get('b/49/19'))).toBe('49:19')
  })

  it('iterates only the given prefix, in key order', async () => {
    const store = await openTestStore()
    for (const key of ['share/2', 'replay/x', 'share/10', 'shard', 'share/1', 'sharex', 'z']) await store.put(key, bytes(key))
    expect(await collect(store, 'share/')).toEqual([['share/1', 'share/1'], ['share/10', 'share/10'], ['share/2', 'share/2']])
    expect(await collect(store, 'nothing/')).toEqual([])
    // An empty prefix lists every user record and none of the store's own.
    expect((await collect(store, '')).map(([k]) => k)).toEqual(['replay/x', 'shard', 'share/1', 'share/10', 'share/2', 'sharex', 'z'])
  })

  it('deletes a record', async () => {
    const store = await openTestStore()
    await store.put('k', bytes('v'))
    await store.delete('k', { sync: true })
    expect(await store.get('k')).toBeUndefined()
    await store.close()
    expect(await (await openTestStore()).get('k')).toBeUndefined()
  })

  it('applies a batch of puts and deletes together', async () => {
    const store = await openTestStore()
    await store.put('old', bytes('x'))
    await store.batch([{ type: 'del', key: 'old' }, { type: 'put', key: 'new', value: bytes('y') }])
    expect(await store.get('old')).toBeUndefined()
    expect(text(await store.get('new'))).toBe('y')
  })

  it('writes nothing from a batch that holds a reserved key', async () => {
    const store = await openTestStore()
    const err = await store.batch([
      { type: 'put', key: 'good/1', value: bytes('1') },
      { type: 'put', key: '\x00header', value: bytes('evil') }
    ]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidStoreKeyError)
    expect(await store.get('good/1')).toBeUndefined()
    await store.close()
    await openTestStore() // the header is intact
  })

  it('rejects reserved, empty and ill-formed keys on every entry point', async () => {
    const store = await openTestStore()
    await expect(store.get('\x00verifier')).rejects.toThrow(/reserved for the store/)
    await expect(store.put('\x00x', bytes('v'))).rejects.toThrow(InvalidStoreKeyError)
    await expect(store.delete('\x00header')).rejects.toThrow(InvalidStoreKeyError)
    await expect(store.put('', bytes('v'))).rejects.toThrow(/must not be empty/)
    await expect(store.put('a\ud800', bytes('v'))).rejects.toThrow(/lone surrogate/)
    await expect(collect(store, '\x00')).rejects.toThrow(InvalidStoreKeyError)
  })

  it('passes sync: true through to classic-level and defaults to false', async () => {
    const store = await openTestStore()
    const spy = vi.spyOn(ClassicLevel.prototype, 'batch')
    try {
      await store.put('a', bytes('1'), { sync: true })
      await store.delete('a', { sync: true })
      await store.batch([{ type: 'put', key: 'b', value: bytes('2') }], { sync: true })
      await store.putJson('c', 1, { sync: true })
      await store.put('d', bytes('3'))
      expect(spy.mock.calls.map(call => ((call as unknown[])[1] as { sync?: boolean } | undefined)?.sync)).toEqual([true, true, true, true, false])
    } finally {
      spy.mockRestore()
    }
  })

  it('finishes reads and writes already in flight when closed, then refuses new ones', async () => {
    const store = await openTestStore()
    await store.put('r', bytes('read me'))
    const writes = Array.from({ length: 100 }, async (_, i) => await store.put(`w/${i}`, bytes(String(i))))
    const reads = Array.from({ length: 100 }, async () => text(await store.get('r')))
    await store.close()
    await Promise.all(writes)
    // Each read opens its value after the database returns it: the key must not be wiped before then.
    expect(new Set(await Promise.all(reads))).toEqual(new Set(['read me']))
    await expect(store.get('w/0')).rejects.toThrow(StoreClosedError)
    await store.close() // idempotent
    expect(await collect(await openTestStore(), 'w/')).toHaveLength(100)
  })

  it('refuses a value with no JSON form', async () => {
    const store = await openTestStore()
    await expect(store.putJson('j', undefined)).rejects.toThrow(/no JSON form/)
  })
})

describe('sealed file', () => {
  it('round-trips with mode 0600 and the documented JSON layout', async () => {
    const file = join(dir, 'node.key')
    const secret = new Uint8Array(32).map((_, i) => i)
    await writeSealedFile(file, PASS, secret, SMALL)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const json = JSON.parse(await readFile(file, 'utf8'))
    expect(json).toMatchObject({ version: 1, kdf: { name: 'scrypt', N: 2 ** 10, r: 8, p: 1 } })
    expect(json.kdf.salt).toMatch(/^[0-9a-f]{32}$/)
    expect(json.envelope).toMatch(/^01[0-9a-f]+$/)
    expect(await readSealedFile(file, PASS)).toEqual(secret)
  })

  it('replaces an existing file atomically and keeps mode 0600', async () => {
    const file = join(dir, 'node.key')
    await writeFile(file, 'old', { mode: 0o644 })
    await writeSealedFile(file, PASS, bytes('new'), SMALL)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(text(await readSealedFile(file, PASS))).toBe('new')
  })

  it('refuses a wrong passphrase, naming the file', async () => {
    const file = join(dir, 'node.key')
    await writeSealedFile(file, PASS, bytes('s'), SMALL)
    const err = await readSealedFile(file, 'wrong').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(WrongPassphraseError)
    expect((err as Error).message).toBe(`wrong passphrase for sealed file ${file}`)
  })

  it('refuses malformed JSON and a bad layout, naming the file', async () => {
    const file = join(dir, 'node.key')
    await writeFile(file, '{not json')
    await expect(readSealedFile(file, PASS)).rejects.toThrow(MalformedSealedFileError)
    await expect(readSealedFile(file, PASS)).rejects.toThrow(file)
    await writeFile(file, JSON.stringify({ version: 1, kdf: { name: 'scrypt', N: 1000, r: 8, p: 1, salt: '00' }, envelope: 'zz' }))
    await expect(readSealedFile(file, PASS)).rejects.toThrow(/kdf\.salt: .*; kdf: scrypt N must be a power of two.*; envelope: expected lowercase hex/)
  })

  it('refuses a missing file, naming it', async () => {
    const file = join(dir, 'absent.key')
    await expect(readSealedFile(file, PASS)).rejects.toThrow(SealedFileNotFoundError)
    await expect(readSealedFile(file, PASS)).rejects.toThrow(file)
  })
})
