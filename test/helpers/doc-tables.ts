// Reading what the docs say about the code (test/unit/docs-match-code.test.ts):
// markdown tables, and every constant a page quotes with a value, in the forms
// the pages use (`NAME` = 5 s, `NAME` (128), | `NAME` | 300,000 |, 5 s (`NAME`)),
// and the code's value of a constant by its name.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface DocTable { file: string, line: number, header: string[], rows: Array<{ line: number, cells: string[] }> }

/** Cells of a table line, split on unescaped `|`. */
export function cellsOf (line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map(c => c.trim())
}

/** Every table of a markdown text: a header line, a `|---|` line, and its rows. */
export function tablesOf (file: string, text: string): DocTable[] {
  const lines = text.split('\n')
  const tables: DocTable[] = []
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || !/^\|[\s:|-]+\|$/.test(lines[i + 1]!.trim())) continue
    const table: DocTable = { file, line: i + 1, header: cellsOf(lines[i]!), rows: [] }
    let j = i + 2
    for (; j < lines.length && lines[j]!.startsWith('|'); j++) table.rows.push({ line: j + 1, cells: cellsOf(lines[j]!) })
    tables.push(table)
    i = j - 1
  }
  return tables
}

const TIME_MS: Record<string, number> = { ms: 1, s: 1_000, min: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 }
const SIZE_BYTES: Record<string, number> = { bytes: 1, KiB: 1_024, MiB: 1_048_576 }
const VALUE = /^(\d(?:[\d,]*\d)?(?:\.\d+)?)(?:\/(\d+))?(?:\s?(ms|s|min|minutes?|h|hours?|days?|KiB|MiB|bytes))?(?![\w.,]*\d)(?!\s*[×*+/-]\s)/

/** A quoted value in the constant's own unit (ms for `_MS`, seconds for `_S`, bytes for `_BYTES`). */
export function readValue (name: string, text: string): { value: number, raw: string } | undefined {
  // An expression first (`A + B` = 8,000; 2 × `L` = 6 s): the value is what follows its `=`.
  const expr = /^(?:[\d\s×*+/-]|`[^`]*`)*?`[^`]*`(?:[\d\s×*+/-]|`[^`]*`)*?=\s*/.exec(text)
  const rest = expr !== null ? text.slice(expr[0].length) : text
  const m = VALUE.exec(rest)
  if (m === null) return undefined
  let value = Number(m[1]!.replaceAll(',', '')) / (m[2] !== undefined ? Number(m[2]) : 1)
  const unit = m[3]
  if (unit !== undefined && unit in TIME_MS) value = name.endsWith('_S') ? value * TIME_MS[unit]! / 1_000 : value * TIME_MS[unit]!
  if (unit !== undefined && unit in SIZE_BYTES) value *= SIZE_BYTES[unit]!
  return { value, raw: m[0] }
}

export interface Quote { file: string, line: number, name: string, value: number, raw: string }

const lineAt = (text: string, index: number): number => text.slice(0, index).split('\n').length

/** Constants quoted with a value in running text (a table cell is running text too). */
function proseQuotes (file: string, text: string, lineOffset: number): Quote[] {
  const quotes: Quote[] = []
  const line = (i: number): number => lineOffset + lineAt(text, i) - 1
  // Not a name inside an expression (2 × `LIVENESS_WINDOW_MS` = 6 s is the other name's value).
  for (const m of text.matchAll(/(?<![×*+/-]\s*)`([A-Z][A-Z0-9_]{2,})`(?:\s*\(`[^`]+`\))?\s*(?:=|\()\s*/g)) {
    const v = readValue(m[1]!, text.slice(m.index + m[0].length))
    if (v !== undefined) quotes.push({ file, line: line(m.index), name: m[1]!, ...v })
  }
  // The value first: 5 s (`SIGN_CLOCK_SKEW_MS`), `Retry-After: 2` (`CM_BUSY_RETRY_AFTER_S`).
  for (const m of text.matchAll(/(?<![\w.,-])(\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:ms|s|min|minutes?|h|hours?|days?|KiB|MiB|bytes))?)`?\s*\(`([A-Z][A-Z0-9_]{2,})`[,;)]/g)) {
    const v = readValue(m[2]!, m[1]!)
    if (v !== undefined) quotes.push({ file, line: line(m.index), name: m[2]!, ...v })
  }
  return quotes
}

/** Every constant a markdown page quotes with a value. */
export function quotesOf (file: string, text: string): Quote[] {
  const quotes: Quote[] = []
  const lines = text.split('\n')
  // Running text outside tables, with table lines blanked (their cells are read below).
  quotes.push(...proseQuotes(file, lines.map(l => l.startsWith('|') ? '' : l).join('\n'), 1))
  for (const table of tablesOf(file, text)) {
    for (const row of table.rows) {
      for (const cell of row.cells) quotes.push(...proseQuotes(file, cell, row.line))
      // | `A` / `B` | 16 / 4 |: a value per name, in order.
      const names = [...(row.cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map(m => m[1]!)
      const values = (row.cells[1] ?? '').split(' / ')
      if (names.length === 0 || (names.length > 1 && values.length < names.length)) continue
      names.forEach((name, i) => {
        const v = readValue(name, names.length === 1 ? row.cells[1]! : values[i]!)
        if (v !== undefined) quotes.push({ file, line: row.line, name, ...v })
      })
    }
  }
  return quotes
}

export function docsOf (dir: string): Array<{ file: string, text: string }> {
  return readdirSync(dir).filter(f => f.endsWith('.md')).sort().map(f => ({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }))
}

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [])
}

/**
 * The code's value of a constant: an exported number of the given modules, else
 * the `const NAME = <arithmetic>` that defines it anywhere in the source folders,
 * its names resolved the same way. Undefined: no such number.
 */
export function constantResolver (exported: Record<string, unknown>, sourceDirs: string[]): (name: string) => number | undefined {
  const sources = sourceDirs.flatMap(sourceFiles).map(f => readFileSync(f, 'utf8'))
  const resolve = (name: string, depth: number): number | undefined => {
    const known = exported[name]
    if (typeof known === 'number') return known
    // A quota (QuotaRate) is quoted by its rate: `PARTY_REQUESTS_PER_PEER` | 1,000 / … a second.
    if (typeof known === 'object' && known !== null && 'ratePerS' in known) return Number(known.ratePerS)
    if (known !== undefined || depth > 8) return undefined
    const defs = sources.flatMap(s => [...s.matchAll(new RegExp(`^\\s*(?:export )?const ${name}(?:: number)? = ([^\\n]+)$`, 'gm'))].map(m => m[1]!.trim()))
    // Defined in several places (a module being moved): one value only if they all agree.
    const values = new Set(defs.map(def => evaluate(def, depth)))
    return values.size === 1 ? [...values][0] : undefined
  }
  const evaluate = (def: string, depth: number): number | undefined => {
    let expr = def.replace(/\s*\/\/.*$/, '').replace(/(\d)_(?=\d)/g, '$1')
    for (const ref of new Set(expr.match(/\b[A-Z][A-Z0-9_]{2,}\b/g) ?? [])) {
      const v = resolve(ref, depth + 1)
      if (v === undefined) return undefined
      expr = expr.replaceAll(new RegExp(`\\b${ref}\\b`, 'g'), String(v))
    }
    // eslint-disable-next-line @typescript-eslint/no-implied-eval, no-new-func
    return /^[\d\s+\-*/().]+$/.test(expr) ? Number(new Function(`return (${expr})`)()) : undefined
  }
  return name => resolve(name, 0)
}
