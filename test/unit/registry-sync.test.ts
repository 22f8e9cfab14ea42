// Registry anti-entropy by digest tree (issue #17; protocols/registry/digest-tree.ts,
// node/engine/registry.ts): two real KeyRegistry instances, each on its own
// libp2p node on 127.0.0.1 and its own sealed LevelDB store in a temp folder.
// The full summary a node used to send passed the 4 MiB message limit at
// about 30,000 keys, and sync then failed; now an in-sync pair exchanges one
// digest each way, and a pair that differs summarises only the buckets that do.
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { entryCopies, registryNetwork, startRegistryNode, validEntry, type RegistryNetwork, type RegistryNode } from '../../bench/registry-fixtures.js'
import type { RegistryEntry } from '../../protocols/new-user/registry-entry.js'
import { bucketOf, differingBuckets, RegistryDigestTree, REGISTRY_BUCKETS } from '../../protocols/registry/digest-tree.js'

/** Over what one full summary could carry (~140 bytes a key against a 4 MiB message). */
const MANY_KEYS = 32_000

const started: RegistryNode[] = []
afterEach(async () => { for (const n of started.splice(0)) await n.stop() })

async function startNode (net: RegistryNetwork, stored: RegistryEntry[]): Promise<RegistryNode> {
  const node = await startRegistryNode(net, stored)
  started.push(node)
  return node
}

async function connect (a: RegistryNode, b: RegistryNode): Promise<void> {
  await a.libp2p.dial(b.libp2p.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
}

describe('registry anti-entropy by digest tree', () => {
  it(`two nodes holding the same ${MANY_KEYS.toLocaleString('en')} keys sync on one digest exchange (the full summary was over the 4 MiB message limit)`, async () => {
    const net = await registryNetwork()
    const keys = entryCopies(await validEntry(net), MANY_KEYS)
    const a = await startNode(net, keys)
    const b = await startNode(net, keys)
    await connect(b, a)
    expect(await b.registry.syncWith(a.libp2p.peerId.toString())).toBe(0)
    expect(b.registry.synced).toBe(true)
    expect(b.registry.size()).toBe(MANY_KEYS)
  }, 120_000)

  it('a node that lacks keys in a few buckets pulls exactly those, each checked, and the two trees then agree', async () => {
    const net = await registryNetwork()
    const shared = entryCopies(await validEntry(net), 2_000)
    const missing = await Promise.all([0, 1, 2].map(async () => await validEntry(net)))
    const a = await startNode(net, [...shared, ...missing])
    const b = await startNode(net, shared)
    await connect(b, a)
    expect(await b.registry.syncWith(a.libp2p.peerId.toString())).toBe(missing.length)
    for (const e of missing) expect(b.registry.get(e.record.keyId)?.receipts).toHaveLength(3)
    // In sync now: the next round pulls nothing.
    expect(await b.registry.syncWith(a.libp2p.peerId.toString())).toBe(0)
  }, 60_000)
})

describe('RegistryDigestTree', () => {
  const item = (receipts: number) => ({ kind: 'entry' as const, recordDigest: 'ab'.repeat(32), receipts })
  const keyIds = Array.from({ length: 500 }, () => randomBytes(16).toString('hex'))

  it('the same holdings give the same root whatever the order they came in', () => {
    const x = new RegistryDigestTree()
    const y = new RegistryDigestTree()
    for (const k of keyIds) x.set(k, item(2))
    for (const k of [...keyIds].reverse()) y.set(k, item(2))
    expect(x.root()).toBe(y.root())
    expect(differingBuckets(x.bucketDigests(), y.bucketDigests())).toEqual([])
  })

  it('one more receipt, a tombstone or a missing key changes exactly that key\'s bucket', () => {
    const x = new RegistryDigestTree()
    const y = new RegistryDigestTree()
    for (const k of keyIds) { x.set(k, item(2)); y.set(k, item(2)) }
    y.set(keyIds[0]!, item(3))
    expect(differingBuckets(x.bucketDigests(), y.bucketDigests())).toEqual([bucketOf(keyIds[0]!)])
    y.set(keyIds[0]!, item(2))
    y.set(keyIds[1]!, { kind: 'tombstone', receipts: 0 })
    expect(differingBuckets(x.bucketDigests(), y.bucketDigests())).toEqual([bucketOf(keyIds[1]!)])
    y.set(keyIds[1]!, undefined)
    expect(differingBuckets(x.bucketDigests(), y.bucketDigests())).toEqual([bucketOf(keyIds[1]!)])
    expect(x.root()).not.toBe(y.root())
  })

  it('buckets by the key id\'s first byte, and refuses what is not hex', () => {
    expect(bucketOf('00'.repeat(16))).toBe(0)
    expect(bucketOf('ff'.repeat(16))).toBe(REGISTRY_BUCKETS - 1)
    expect(() => bucketOf('zz')).toThrow(RangeError)
  })
})
