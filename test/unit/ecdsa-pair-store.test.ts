// The node's DKLs23 pair store (node/engine/ecdsa/pair-store.ts) on a real classic-level
// database in a temporary folder: pair keys survive a reopen sealed (the same id, and they
// still multiply with the other end's), another membership's states are erased at open, a
// record moved to another peer's key does not open, and discard only drops the state named.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { selectBackend } from '../../protocols/frost/index.js'
import { pairContextOf } from '../../protocols/wire/ecdsa-pair.js'
import { openStore, StoreCorruptError, type KeyStore } from '../../node/store/index.js'
import { pairRecordKey, PairStore, PAIR_PREFIX } from '../../node/engine/ecdsa/pair-store.js'
import { seeded } from '../helpers/deterministic.js'
import { setUpPairs } from '../helpers/ecdsa-party.js'
import { pairMultiplies } from '../helpers/ecdsa-pairs.js'

const group = selectBackend('auto').secp256k1
const EPOCH_0 = pairContextOf('store-net', 0)
const EPOCH_1 = pairContextOf('store-net', 1)
const pairs0 = setUpPairs(group, ['me', 'peer-b', 'peer-c'], seeded('pair-store/0'), EPOCH_0)
const pairs1 = setUpPairs(group, ['me', 'peer-b'], seeded('pair-store/1'), EPOCH_1)

let dir: string
const opened: KeyStore[] = []
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'shardsig-pair-store-')) })
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async s => { await s.close() }))
  await rm(dir, { recursive: true, force: true })
})

async function open (): Promise<KeyStore> {
  const store = await openStore({ path: join(dir, 'db'), passphrase: 'pair store test', scrypt: { N: 2 ** 10 } })
  opened.push(store)
  return store
}
async function close (store: KeyStore): Promise<void> {
  opened.splice(opened.indexOf(store), 1)
  await store.close()
}

describe('PairStore', () => {
  it('keeps pair keys sealed across a reopen: same id, and they multiply with the other end', async () => {
    const store = await open()
    const pairs = new PairStore(store, EPOCH_0, 'me')
    expect(await pairs.open()).toEqual({ loaded: 0, dropped: 0 })
    await pairs.put('peer-b', pairs0.get('me')!.get('peer-b')!)
    await pairs.put('peer-c', pairs0.get('me')!.get('peer-c')!)
    await close(store)

    const again = new PairStore(await open(), EPOCH_0, 'me')
    expect(await again.open()).toEqual({ loaded: 2, dropped: 0 })
    expect(again.peers().sort()).toEqual(['peer-b', 'peer-c'])
    const b = again.get('peer-b')!
    expect(b.id).toEqual(pairs0.get('me')!.get('peer-b')!.id)
    expect(pairMultiplies(b, pairs0.get('peer-b')!.get('me')!)).toBe(true)
  })

  it('stores nothing a reader could use: the raw records hold no seed of the keys', async () => {
    const store = await open()
    const pairs = new PairStore(store, EPOCH_0, 'me')
    await pairs.open()
    const keys = pairs0.get('me')!.get('peer-b')!
    await pairs.put('peer-b', keys)
    await close(store)
    const db = new ClassicLevel<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const raw = await db.get(pairRecordKey(EPOCH_0, 'peer-b'))
    await db.close()
    const hay = Buffer.from(raw!)
    expect(hay.length).toBeGreaterThan(20_000)
    expect(hay.includes(Buffer.from(keys.zeroSeed))).toBe(false)
    expect(hay.includes(Buffer.from(keys.bob.ote.expose().seeds0[0]!))).toBe(false)
  })

  it('erases the states of another membership at open (a reshare changed the members)', async () => {
    const store = await open()
    const old = new PairStore(store, EPOCH_0, 'me')
    await old.open()
    await old.put('peer-b', pairs0.get('me')!.get('peer-b')!)
    await old.put('peer-c', pairs0.get('me')!.get('peer-c')!)
    const current = new PairStore(store, EPOCH_1, 'me')
    expect(await current.open()).toEqual({ loaded: 0, dropped: 2 })
    await current.put('peer-b', pairs1.get('me')!.get('peer-b')!)
    const keys: string[] = []
    for await (const [key] of store.iterate(PAIR_PREFIX)) keys.push(key)
    expect(keys).toEqual([pairRecordKey(EPOCH_1, 'peer-b')])
    const reread = new PairStore(store, EPOCH_1, 'me')
    expect(await reread.open()).toEqual({ loaded: 1, dropped: 0 })
    expect(reread.get('peer-b')!.id).toEqual(pairs1.get('me')!.get('peer-b')!.id)
  })

  it('a state copied to another peer\'s record does not open', async () => {
    const store = await open()
    const pairs = new PairStore(store, EPOCH_0, 'me')
    await pairs.open()
    await pairs.put('peer-b', pairs0.get('me')!.get('peer-b')!)
    await close(store)
    const db = new ClassicLevel<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    await db.put(pairRecordKey(EPOCH_0, 'peer-c'), (await db.get(pairRecordKey(EPOCH_0, 'peer-b')))!)
    await db.close()
    await expect(new PairStore(await open(), EPOCH_0, 'me').open()).rejects.toThrow(StoreCorruptError)
  })

  it('discard drops a state from memory and disk, and with `only` leaves a newer one', async () => {
    const store = await open()
    const pairs = new PairStore(store, EPOCH_0, 'me')
    await pairs.open()
    const first = pairs0.get('me')!.get('peer-b')!
    const second = setUpPairs(group, ['me', 'peer-b'], seeded('pair-store/again'), EPOCH_0).get('me')!.get('peer-b')!
    await pairs.put('peer-b', first)
    // A setup that finished while a caller was dropping the burnt first state: the newer one stays.
    await Promise.all([pairs.put('peer-b', second), pairs.discard('peer-b', first)])
    expect(pairs.get('peer-b')).toBe(second)
    expect((await store.get(pairRecordKey(EPOCH_0, 'peer-b')))).toBeDefined()
    await pairs.discard('peer-b')
    expect(pairs.get('peer-b')).toBeUndefined()
    expect(await store.get(pairRecordKey(EPOCH_0, 'peer-b'))).toBeUndefined()
  })
})
