// protocols/ holds no process-wide state (issue #18 item 6, docs/architecture.md#layers): it reads
// no environment, has no module-level `let`, and keeps no module-level Map/Set/WeakMap/WeakSet
// that code could fill (a cache belongs to an object a caller made and passes, such as a Frost).
// Scans every .ts file under protocols/, new ones included.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const PROTOCOLS = join(ROOT, 'protocols')

/**
 * Module-level collections that are not caches, each with why. Anything else found is a failure;
 * adding an entry here is a decision a reviewer sees.
 */
const ALLOWED: ReadonlyArray<{ file: string, name: string, why: string }> = [
  {
    file: 'protocols/frost/nonces.ts',
    name: 'store',
    why: 'the private state of each SigningNonces object (a WeakMap rather than a field, so that no method hands the nonces out); an entry lives and dies with its object, no caller sees another\'s'
  }
]

export interface Finding { file: string, line: number, what: string, text: string }

/** Code without comments, line numbers kept: block comments become blank lines, line comments are cut. */
function stripComments (source: string): string[] {
  const noBlocks = source.replace(/\/\*[\s\S]*?\*\//g, block => block.replace(/[^\n]/g, ' '))
  // A `//` inside a string ('https://…') cuts the rest of that line: only ever hides code, never invents it.
  return noBlocks.split('\n').map(line => line.replace(/(^|[^:'"`])\/\/.*$/, '$1'))
}

const COLLECTION = /^(?:export\s+)?const\s+([A-Za-z_$][\w$]*)\s*(?::\s*([^=]+?))?\s*=\s*new\s+(Map|Set|WeakMap|WeakSet)\b/

/** What in `source` (the text of `file`) is process-wide state. */
export function findGlobalState (file: string, source: string): Finding[] {
  const found: Finding[] = []
  stripComments(source).forEach((text, i) => {
    const at = (what: string): void => { found.push({ file, line: i + 1, what, text: text.trim() }) }
    if (/\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*['"]env['"]\s*\]/.test(text)) at('reads process.env')
    if (/^(?:export\s+)?(?:let|var)\s/.test(text)) at('module-level let/var')
    const c = COLLECTION.exec(text)
    if (c === null) return
    const [, name, type, kind] = c
    // A lookup table typed read-only (ReadonlySet, ReadonlyMap) cannot be filled: a constant, not state.
    if ((kind === 'Set' || kind === 'Map') && type !== undefined && /^Readonly(Set|Map)</.test(type.trim())) return
    if (ALLOWED.some(a => a.file === file && a.name === name)) return
    at(`module-level mutable ${kind ?? 'collection'} '${name ?? '?'}'`)
  })
  return found
}

function tsFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return tsFiles(path)
    return e.isFile() && e.name.endsWith('.ts') ? [path] : []
  })
}

describe('protocols/ without global state', () => {
  const files = tsFiles(PROTOCOLS).map(path => ({ file: relative(ROOT, path).split('\\').join('/'), source: readFileSync(path, 'utf8') }))

  it('reads no process.env, has no module-level let and no module-level mutable Map/Set cache', () => {
    expect(files.length).toBeGreaterThan(50)
    const findings = files.flatMap(f => findGlobalState(f.file, f.source))
    expect(findings.map(f => `${f.file}:${f.line}: ${f.what}: ${f.text}`)).toEqual([])
  })

  it('every allowed exception still exists (a stale entry would allow the next one silently)', () => {
    for (const a of ALLOWED) {
      const source = files.find(f => f.file === a.file)?.source ?? ''
      expect(stripComments(source).some(line => COLLECTION.exec(line)?.[1] === a.name), `${a.file} ${a.name}`).toBe(true)
    }
  })

  it('finds each kind of global state it forbids, and nothing in comments or indented code', () => {
    const sample = [
      '// process.env.X in a comment is fine',
      '/* let x = 1 */',
      "const mode = process.env.SHARDSIG_CRYPTO_BACKEND",
      "const other = process['env']",
      'let active: Backend | undefined',
      'export let counter = 0',
      'var old = 1',
      'const cache = new Map<string, number>()',
      'export const seen = new Set()',
      'const byKey = new WeakMap<object, number>()',
      'const CODES: ReadonlySet<string> = new Set([\'a\'])',
      'const TABLE: ReadonlyMap<string, number> = new Map([[\'a\', 1]])',
      'function f () {',
      '  let local = 0',
      '  const m = new Map()',
      '}'
    ].join('\n')
    expect(findGlobalState('protocols/sample.ts', sample).map(f => [f.line, f.what])).toEqual([
      [3, 'reads process.env'],
      [4, 'reads process.env'],
      [5, 'module-level let/var'],
      [6, 'module-level let/var'],
      [7, 'module-level let/var'],
      [8, "module-level mutable Map 'cache'"],
      [9, "module-level mutable Set 'seen'"],
      [10, "module-level mutable WeakMap 'byKey'"]
    ])
  })
})
