// What the key registry retains (docs/protocols/delete_user.md#how-long-a-tombstone-stays,
// docs/operations.md#retained-state): every entry and every tombstone, for
// good, counted in shardsig_retained_records; past MAX_REGISTRY_KEYS the node
// says so and drops nothing. A real KeyRegistry on libp2p and LevelDB.
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { entryCopies, registryNetwork, startRegistryNode, validEntry, type RegistryNode } from '../../bench/registry-fixtures.js'
import { createNodeMetrics, type NodeMetrics } from '../../node/metrics/index.js'
import type { Tombstone } from '../../protocols/wire/delete-user.js'
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js'

const started: RegistryNode[] = []
const metricSets: NodeMetrics[] = []
afterEach(async () => {
  for (const n of started.splice(0)) await n.stop()
  for (const m of metricSets.splice(0)) m.stop()
})

describe('registry retention', () => {
  it('counts registered and deleted keys; past its cap it warns and keeps every entry and tombstone', async () => {
    const net = await registryNetwork()
    const [live, deleted] = [entryCopies(await validEntry(net), 6), entryCopies(await validEntry(net), 4)]
    // Tombstones as a node stores them: the key's record, the owner's delete, the receipts so far.
    const tombstones = deleted.map(e => ({ record: e.record, request: { v: 1, keyId: e.record.keyId, requestId: 'delete-0001', expiresAt: 0, signature: '00' }, receipts: [] }) as unknown as Tombstone)
    const metrics = createNodeMetrics({ version: 'test', nodeId: 'node-1', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
    metricSets.push(metrics)
    const warnings: string[] = []
    // The deleted keys' entries are still in the store too (a crash between the two writes): the tombstones win.
    const node = await startRegistryNode(net, [...live, ...deleted], { tombstones, metrics, maxKeys: 8, log: pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } }) })
    started.push(node)
    const scrape = parsePrometheusText(await metrics.registry.metrics())
    expect(valueOf(scrape, 'shardsig_retained_records', { kind: 'registry_keys' })).toBe(10)
    expect(valueOf(scrape, 'shardsig_retained_records', { kind: 'tombstones' })).toBe(4)
    expect(valueOf(scrape, 'shardsig_retained_records_cap', { kind: 'registry_keys' })).toBe(8)
    expect(warnings.join('\n')).toMatch(/more keys \(registered and deleted\) than its cap; it keeps them all/)
    expect(node.registry.size()).toBe(6)
    expect(node.registry.allTombstones()).toHaveLength(4)
  }, 30_000)
})
