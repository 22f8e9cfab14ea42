// The genesis chain a node runs on (node/engine/lifecycle/epoch-chain.ts): the
// config's genesis plus every activated update in a real store, checked link by
// link; a link that does not check stops the node instead of being skipped.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { activatedUpdateKey, loadEpochChain } from '../../node/engine/lifecycle/epoch-chain.js'
import { openStore, type KeyStore } from '../../node/store/index.js'
import { LifecycleRejection } from '../../protocols/lifecycle/errors.js'
import { signMembershipUpdate } from '../../protocols/lifecycle/membership-update.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import { fakeGenesis } from '../helpers/genesis.js'

const operator = ed25519.utils.randomSecretKey()
const operatorKey = bytesToHex(ed25519.getPublicKey(operator))
const g0: Genesis = { ...fakeGenesis(9, 3, { tm: 2 }), operators: [operatorKey] }
const g1: Genesis = { ...g0, epoch: 1, nodes: g0.nodes.slice(0, 7) }
const g2: Genesis = { ...g1, epoch: 2, params: { ...g1.params, tm: 1 } }

let dir = ''
let store: KeyStore

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-epoch-chain-'))
  store = await openStore({ path: join(dir, 'store'), passphrase: 'epoch chain test', scrypt: { N: 2 ** 10 } })
})
afterEach(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

describe('loadEpochChain', () => {
  it('is the config genesis alone when nothing was activated', async () => {
    const chain = await loadEpochChain(store, g0)
    expect(chain.active).toEqual(g0)
    expect(chain.lastUpdate).toBeUndefined()
    expect(chain.membershipAt(0)?.epoch).toBe(0)
    expect(chain.membershipAt(1)).toBeUndefined()
  })

  it('follows every activated link; every epoch\'s membership stays known', async () => {
    const u1 = signMembershipUpdate(g0, g1, operator, operatorKey)
    const u2 = signMembershipUpdate(g1, g2, operator, operatorKey)
    await store.putJson(activatedUpdateKey(1), u1)
    await store.putJson(activatedUpdateKey(2), u2)
    const chain = await loadEpochChain(store, g0)
    expect(chain.active).toEqual(g2)
    expect(chain.lastUpdate).toEqual(u2)
    expect(chain.membershipAt(0)!.committees.flat()).toHaveLength(9)
    expect(chain.membershipAt(1)!.committees.flat()).toHaveLength(7)
    expect(chain.membershipAt(2)!.params.tm).toBe(1)
    expect(chain.activeMembership.epoch).toBe(2)
  })

  it('refuses a stored link that does not check (forged signature, or a gap in the chain)', async () => {
    const stranger = ed25519.utils.randomSecretKey()
    await store.putJson(activatedUpdateKey(1), signMembershipUpdate(g0, g1, stranger, bytesToHex(ed25519.getPublicKey(stranger))))
    await expect(loadEpochChain(store, g0)).rejects.toBeInstanceOf(LifecycleRejection)
    // A link for epoch 2 stored under epoch 1: it does not move epoch 0.
    await store.put(activatedUpdateKey(1), utf8ToBytes(JSON.stringify(signMembershipUpdate(g1, g2, operator, operatorKey))))
    await expect(loadEpochChain(store, g0)).rejects.toThrow(/wrong-epoch|epoch/)
  })
})
