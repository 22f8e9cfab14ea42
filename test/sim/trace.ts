// What happened in a run, for a person reading a failure and for the determinism test:
// the last `keep` entries (all of them when `keep` is Infinity), formatted only when read,
// so a passing property run pays for a ring buffer of references and nothing more.

export interface TraceEntry {
  atMs: number
  /** The node the entry is about, or 'net' / 'sim' for the network and the schedule. */
  where: string
  /** What happened: 'step', 'effect', 'drop', 'crash', … */
  what: string
  detail?: unknown
}

/** Last entries printed with a failure unless a run asks for more. */
export const DEFAULT_TRACE_LINES = 200

export class Trace {
  readonly #ring: TraceEntry[] = []
  #next = 0
  #total = 0

  /** `originMs`: printed times are relative to it (the run's start). */
  constructor (readonly keep: number = DEFAULT_TRACE_LINES, readonly originMs = 0) {}

  add (entry: TraceEntry): void {
    this.#total++
    if (this.keep === Infinity || this.#ring.length < this.keep) {
      this.#ring.push(entry)
      return
    }
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.keep
  }

  get total (): number {
    return this.#total
  }

  entries (): TraceEntry[] {
    return this.keep === Infinity || this.#ring.length < this.keep
      ? [...this.#ring]
      : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)]
  }

  lines (): string[] {
    return this.entries().map(e => formatEntry(e, this.originMs))
  }
}

export function formatEntry (e: TraceEntry, originMs = 0): string {
  const detail = e.detail === undefined ? '' : ' ' + stableJson(e.detail)
  return `${String(e.atMs - originMs).padStart(7)} ms  ${e.where.padEnd(8)} ${e.what}${detail}`
}

/** JSON with bytes as hex, bigints as decimal strings, maps and sets as arrays, functions left out. */
export function stableJson (value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`
    if (typeof v === 'bigint') return `${v}n`
    if (v instanceof Map) return [...v.entries()]
    if (v instanceof Set) return [...v.values()]
    if (typeof v === 'function') return undefined
    return v
  }) ?? 'undefined'
}
