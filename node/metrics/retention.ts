// Gauges of the state a node retains (docs/operations.md#retained-state): how
// many records of each kind it holds now, the cap each kind has, and how many
// its retention rules deleted. The parts that hold the state report their own
// counts (read at scrape time), so nothing here knows how they keep it.
import { Counter, Gauge, type Registry } from 'prom-client'

/**
 * Every kind of retained state: in a signer's store (ledger_entries), a CM's
 * store and memory (sign_results, sign_results_cached), the blame records,
 * the key registry (registry_keys: entries and tombstones; tombstones alone),
 * a member's presignature nonces (presign_nonces, presign_managers) and a CM's
 * presignature stock (presign_stock, presign_stock_keys), the signer's ledger
 * cache (ledger_cached) and the per-key rate windows (rate_limited_keys).
 */
export const RETAINED_KINDS = [
  'ledger_entries', 'ledger_cached', 'sign_results', 'sign_results_cached', 'blame_records', 'registry_keys', 'tombstones',
  'presign_nonces', 'presign_managers', 'presign_stock', 'presign_stock_keys', 'rate_limited_keys'
] as const
export type RetainedKind = typeof RETAINED_KINDS[number]

/** What a part holding state tells the metrics (node/engine/). */
export interface RetentionMetrics {
  /** `count` is read at every scrape as shardsig_retained_records{kind}; `cap` goes to shardsig_retained_records_cap. A later call for a kind replaces the earlier. */
  retained: (kind: RetainedKind, count: () => number, cap?: number) => void
  /** Records of `kind` its retention rule deleted. */
  pruned: (kind: RetainedKind, records: number) => void
}

export function retentionMetrics (registry: Registry): RetentionMetrics {
  const registers = [registry]
  const counts = new Map<RetainedKind, () => number>()
  new Gauge({
    name: 'shardsig_retained_records',
    help: 'Records of state this node retains now, by kind (docs/operations.md#retained-state); 0 for a kind no part of this node holds.',
    labelNames: ['kind'] as const,
    registers,
    collect () {
      for (const kind of RETAINED_KINDS) this.set({ kind }, counts.get(kind)?.() ?? 0)
    }
  })
  const caps = new Gauge({
    name: 'shardsig_retained_records_cap',
    help: 'The cap of each kind of retained state; above it for ledger_entries, sign_results and registry_keys means records the rules may not delete yet (nothing is dropped; see docs/operations.md#retained-state).',
    labelNames: ['kind'] as const,
    registers
  })
  const pruned = new Counter({
    name: 'shardsig_retained_records_pruned_total',
    help: 'Records of retained state deleted by their retention rule or cap, by kind.',
    labelNames: ['kind'] as const,
    registers
  })
  for (const kind of RETAINED_KINDS) pruned.inc({ kind }, 0)
  return {
    retained: (kind, count, cap) => {
      counts.set(kind, count)
      if (cap !== undefined) caps.set({ kind }, cap)
    },
    pruned: (kind, records) => { if (records > 0) pruned.inc({ kind }, records) }
  }
}
