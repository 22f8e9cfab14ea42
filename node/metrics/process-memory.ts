// The node process's memory, read at scrape time under the names prom-client's
// collectDefaultMetrics uses (dashboards know them); not that collector itself,
// for the reason eventLoopGauges gives (node/metrics/metrics.ts). In a test
// process that runs several nodes every node reports the same process.
import { Gauge, type Registry } from 'prom-client'

export function registerProcessMemoryGauges (registry: Registry): void {
  const registers = [registry]
  const gauges: Array<[string, string, (m: NodeJS.MemoryUsage) => number]> = [
    ['process_resident_memory_bytes', 'Resident memory size in bytes.', m => m.rss],
    ['nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', m => m.heapTotal],
    ['nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', m => m.heapUsed],
    ['nodejs_external_memory_bytes', 'Node.js external memory size in bytes (outside the V8 heap: Buffers, native modules).', m => m.external],
    ['nodejs_array_buffers_bytes', 'Memory of ArrayBuffers and SharedArrayBuffers in bytes, part of the external memory.', m => m.arrayBuffers]
  ]
  for (const [name, help, value] of gauges) {
    new Gauge({ name, help, registers, collect () { this.set(value(process.memoryUsage())) } })
  }
}
