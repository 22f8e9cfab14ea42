// KeyMaterials' `confirmed`, the holders a CM picks parties from
// (docs/protocols/sign.md#party-selection): for a key made in the active epoch,
// the holders with a receipt in its registry entry, refreshed when receipts
// merged in later; for a key reshared to the active epoch, the holders with a
// receipt in that epoch's entry — never the record's holders as such.
import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { KeyStates } from '../../node/engine/lifecycle/key-state.js'
import type { KeyRegistry } from '../../node/engine/registry.js'
import { KeyMaterials } from '../../node/engine/sign/key-material.js'
import type { KeyStore } from '../../node/store/index.js'
import type { RegistryEntry } from '../../protocols/new-user/registry-entry.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import type { EpochEntry } from '../../protocols/wire/lifecycle.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import type { Receipt } from '../../protocols/wire/new-user.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'

function genesisAt (epoch: number): Genesis {
  const genesis = { ...fakeGenesis(9, 3, { tm: 2 }), epoch }
  for (const n of genesis.nodes) n.encryptionPublicKey = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex')
  return genesis
}

/** Receipts of these (committee, member) slots, as far as KeyMaterials reads them (the registry checked the signatures). */
function receipts (record: KeyRecord, slots: Array<[number, number]>): Receipt[] {
  return slots.map(([committee, member]) => ({ committee, member, peerId: record.holders[committee - 1]![member - 1]! }) as Receipt)
}

/** KeyMaterials over one registry entry the test changes, and the active epoch's kept epoch entries. */
function materials (genesis: Genesis, entry: () => RegistryEntry, epochEntries: EpochEntry[] = []): { keys: KeyMaterials, states: KeyStates } {
  const registry = { tombstone: () => undefined, get: () => entry(), keyIds: () => [entry().record.keyId] }
  const store = {
    iterate: async function * () { for (const e of epochEntries) yield [`epoch-entry/${genesis.epoch}/${e.record.keyId}`, new TextEncoder().encode(JSON.stringify(e))] }
  } as unknown as KeyStore
  const states = new KeyStates({ store, active: genesis, registry })
  return { keys: new KeyMaterials(registry as unknown as KeyRegistry, { membershipAt: () => membershipOf(genesis) }, states), states }
}

describe('KeyMaterials: the confirmed holders of a key', () => {
  it('a key made in the active epoch: the holders with a receipt, and more as receipts merge in', async () => {
    const genesis = genesisAt(0)
    const { record } = await deal(membershipOf(genesis), newOwner())
    // Member 1 of committee 1 refused its sub-share; committee 3's receipts have not arrived yet.
    let entry: RegistryEntry = { record, receipts: receipts(record, [[1, 2], [1, 3], [2, 1], [2, 2], [2, 3]]) }
    const { keys } = materials(genesis, () => entry)
    const first = keys.get(record.keyId)
    expect([...first.confirmed].sort()).toEqual([record.holders[0]![1]!, record.holders[0]![2]!, ...record.holders[1]!].sort())

    entry = { record, receipts: [...entry.receipts, ...receipts(record, [[3, 1], [3, 2], [3, 3]])] }
    const later = keys.get(record.keyId)
    expect(later.confirmed.has(record.holders[0]![0]!)).toBe(false)
    expect(later.confirmed.size).toBe(8)
    // Only `confirmed` is made again; the checked commitments stay cached.
    expect(later.nested).toBe(first.nested)
  })

  it('a key reshared to the active epoch: the holders with a receipt in that epoch\'s entry, not the owner\'s record\'s', async () => {
    const genesis = genesisAt(1)
    const { record } = await deal(membershipOf(genesisAt(0)), newOwner())
    const holders = genesis.nodes.reduce<string[][]>((h, n) => { (h[n.committee - 1] ??= []).push(n.peerId); return h }, [])
    const epochRecord = { v: 1, keyId: record.keyId, scheme: record.scheme, epoch: 1, genesisDigest: '00'.repeat(32), groupPublicKey: record.groupPublicKey, commitments: record.commitments, holders, previousDigest: '00'.repeat(32), quorum: [] }
    const reshareReceipts = [[1, 1], [1, 2], [2, 1], [2, 3], [3, 2], [3, 3]].map(([committee, member]) => ({ committee, member, peerId: holders[committee! - 1]![member! - 1]! }))
    const entry: RegistryEntry = { record, receipts: receipts(record, [[1, 1], [1, 2], [1, 3], [2, 1], [2, 2], [2, 3], [3, 1], [3, 2], [3, 3]]) }
    const { keys, states } = materials(genesis, () => entry, [{ record: epochRecord, receipts: reshareReceipts } as unknown as EpochEntry])
    await states.load()
    const material = keys.get(record.keyId)
    expect(material.state.epoch).toBe(1)
    expect([...material.confirmed].sort()).toEqual(reshareReceipts.map(r => r.peerId).sort())
  })
})
