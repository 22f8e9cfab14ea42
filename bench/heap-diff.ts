// What grew between two V8 heap snapshots of one process (docs/performance.md#memory-npm-run-benchmemory-issue-17):
// every object's own size, grouped by its kind and the chain of its first
// retainers (`object:WeakRef .[]<-object:Set .<symbol kDependantSignals><-object:EventTarget`),
// then the second snapshot minus the first, the largest growth first.
//
//   node dist/bench/heap-diff.js before.heapsnapshot after.heapsnapshot [depth=3] [rows=40]
//
// Snapshots come from `npm run bench:memory` with SHARDSIG_BENCH_HEAP_SNAPSHOTS=DIR.
// Code objects are left out (the JIT's growth is not the program's), and so are
// weak edges (they retain nothing). A snapshot of a ~40 MiB heap takes ~1 GiB here.
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[]], edge_fields: string[], edge_types: [string[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Own size and count per (kind, retainer chain). */
function groups (file: string, depth: number): Map<string, { count: number, bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const { meta } = snap.snapshot
  const nf = meta.node_fields.length
  const ef = meta.edge_fields.length
  const nodeTypes = meta.node_types[0]
  const edgeTypes = meta.edge_types[0]
  const [iType, iName, iEdges, iSize] = ['type', 'name', 'edge_count', 'self_size'].map(f => meta.node_fields.indexOf(f)) as [number, number, number, number]
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map(f => meta.edge_fields.indexOf(f)) as [number, number, number]
  const { nodes, edges, strings } = snap
  const n = nodes.length / nf
  const typeOf = (i: number): string => nodeTypes[nodes[i * nf + iType]!]!
  // The first strong retainer of each node, and the edge's name.
  const retainer = new Int32Array(n).fill(-1)
  const via: string[] = new Array<string>(n)
  let e = 0
  for (let i = 0; i < n; i++) {
    const count = nodes[i * nf + iEdges]!
    for (let k = 0; k < count; k++, e += ef) {
      const type = edgeTypes[edges[e + eType]!]!
      if (type === 'weak' || type === 'shortcut' || typeOf(i) === 'synthetic') continue
      const to = edges[e + eTo]! / nf
      if (retainer[to] !== -1) continue
      retainer[to] = i
      via[to] = type === 'element' || type === 'hidden' ? '[]' : String(strings[edges[e + eName]!]).slice(0, 30)
    }
  }
  const label = (i: number): string => {
    const type = typeOf(i)
    if (type.includes('string')) return 'string'
    if (type === 'number') return 'number'
    return `${type}:${String(strings[nodes[i * nf + iName]!]).slice(0, 40)}`
  }
  const out = new Map<string, { count: number, bytes: number }>()
  for (let i = 0; i < n; i++) {
    const type = typeOf(i)
    if (type === 'code' || type === 'synthetic') continue
    const chain = [label(i)]
    for (let cur = i, d = 0; d < depth && retainer[cur] !== -1; d++) {
      chain.push(`.${via[cur]}<-${label(retainer[cur]!)}`)
      cur = retainer[cur]!
    }
    const key = chain.join(' ')
    const g = out.get(key) ?? { count: 0, bytes: 0 }
    g.count++
    g.bytes += nodes[i * nf + iSize]!
    out.set(key, g)
  }
  return out
}

function main (): void {
  const [before, after, depthArg, rowsArg] = process.argv.slice(2)
  if (before === undefined || after === undefined) throw new Error('usage: heap-diff BEFORE.heapsnapshot AFTER.heapsnapshot [depth] [rows]')
  const depth = Number(depthArg ?? 3)
  const a = groups(before, depth)
  const b = groups(after, depth)
  const rows: Array<[string, number, number]> = []
  for (const [key, g] of b) rows.push([key, g.count - (a.get(key)?.count ?? 0), g.bytes - (a.get(key)?.bytes ?? 0)])
  for (const [key, g] of a) if (!b.has(key)) rows.push([key, -g.count, -g.bytes])
  rows.sort((x, y) => y[2] - x[2])
  const total = (m: Map<string, { bytes: number }>): number => [...m.values()].reduce((s, g) => s + g.bytes, 0)
  console.log(`heap without code: ${(total(a) / 2 ** 20).toFixed(1)} → ${(total(b) / 2 ** 20).toFixed(1)} MiB\n    bytes  objects  kind and retainers`)
  for (const [key, count, bytes] of rows.slice(0, Number(rowsArg ?? 40))) console.log(`${String(bytes).padStart(9)} ${String(count).padStart(8)}  ${key}`)
}

main()
