// docs/protocols/constants.md, made from the files protocols/constants.ts
// re-exports (protocols/constants/*.ts, in its order): each export with its
// value and the first sentence of its doc comment, under the files' own
// `// --- section ---` headings. test/unit/docs-match-code.test.ts checks the
// page is current and, with UPDATE_DOCS=1, writes it.
import { readFileSync } from 'node:fs'

export const CONSTANTS_SURFACE = 'protocols/constants.ts'
export const CONSTANTS_PAGE = 'docs/protocols/constants.md'
export const REGENERATE = 'UPDATE_DOCS=1 npx vitest run test/unit/docs-match-code.test.ts'

const TIME_UNITS: Array<[string, number]> = [['day', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]]

/** 300000 for a `_MS` name: `300,000 (5 min)`. */
function shown (name: string, value: unknown): string {
  if (typeof value === 'string') return `\`${value}\``
  if (typeof value === 'number') {
    const plain = value.toLocaleString('en-US')
    if (name.endsWith('_MS') && value >= 1_000) {
      const [unit, ms] = TIME_UNITS.find(([, ms]) => value % ms === 0 && value >= ms) ?? ['s', 1_000]
      const count = value / ms
      return `${plain} (${count.toLocaleString('en-US')} ${unit === 'day' && count !== 1 ? 'days' : unit})`
    }
    if (name.endsWith('_BYTES') && value >= 1_024 && value % 1_024 === 0) {
      return value % 1_048_576 === 0 ? `${plain} (${value / 1_048_576} MiB)` : `${plain} (${value / 1_024} KiB)`
    }
    return plain
  }
  if (typeof value === 'object' && value !== null) {
    const rate = (r: unknown): string | undefined => {
      if (typeof r !== 'object' || r === null || !('ratePerS' in r) || !('burst' in r)) return undefined
      return `${Number(r.ratePerS).toLocaleString('en-US')} a second, burst ${Number(r.burst).toLocaleString('en-US')}`
    }
    return rate(value) ?? Object.entries(value).map(([k, v]) => `\`${k}\` ${rate(v) ?? String(v)}`).join('; ')
  }
  return String(value)
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replace(/\s+/g, ' ').trim()

/** The first sentence of a doc comment (its text up to the first `. ` or the end). */
function firstSentence (comment: string): string {
  const text = comment.replace(/\s+/g, ' ').trim()
  const end = text.search(/\.(\s+[A-Z(`]|$)/)
  return end < 0 ? text : text.slice(0, end + 1)
}

/** The files that define what protocols/constants.ts exports: those its `export * from './constants/….js'` lines name, in their order. */
export function constantsSources (): string[] {
  const surface = readFileSync(CONSTANTS_SURFACE, 'utf8')
  return [...surface.matchAll(/^export \* from '\.\/(constants\/[\w-]+)\.js'$/gm)].map(m => `protocols/${m[1]!}.ts`)
}

export function constantsPage (sources: readonly string[], values: Record<string, unknown>): string {
  const out = [
    '# Constants',
    '',
    'Every protocol id, topic, timeout and limit of `protocols/constants.ts` (each group a file of',
    '`protocols/constants/`), with its value and what it bounds (the first sentence of its comment there).',
    `**Generated**: do not edit; after changing a constant run \`${REGENERATE}\`, which fails while this page is not current.`,
    'The protocol pages name these constants; the same test checks every value they quote.'
  ]
  // One file after another: a comment never runs into the next file.
  for (const source of sources) out.push(...rowsOf(source, values))
  return out.join('\n') + '\n'
}

/** The sections and rows of one file (rows before its first heading open a table of their own). */
function rowsOf (source: string, values: Record<string, unknown>): string[] {
  const out: string[] = []
  let comment: string | undefined
  let table = false
  const lines = source.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const section = /^\/\/ --- (.+) ---$/.exec(line)
    if (section !== null) {
      out.push('', `## ${section[1]}`)
      table = false
      comment = undefined
      continue
    }
    if (line.trim() === '') { comment = undefined; continue }
    if (line.startsWith('/**')) {
      const body: string[] = []
      for (; i < lines.length; i++) {
        body.push(lines[i]!.replace(/^\s*\/?\*+\/?/, '').replace(/\*\/\s*$/, ''))
        if (lines[i]!.includes('*/')) break
      }
      comment = firstSentence(body.join(' '))
      continue
    }
    const m = /^export (?:const|function) ([A-Za-z_][A-Za-z0-9_]*)/.exec(line)
    if (m === null) continue
    if (!table) out.push('', '| name | value | what |', '|---|---|---|')
    table = true
    const name = m[1]!
    // A comment says what the export right after it is; the next ones may be something else.
    const what = comment ?? ''
    comment = undefined
    const signature = /^export function (\w+ \([^)]*\): [^{]+?) \{/.exec(line)?.[1]
    out.push(`| \`${name}\` | ${signature !== undefined ? `\`${cell(signature)}\`` : cell(shown(name, values[name]))} | ${cell(what)} |`)
  }
  return out
}
