// The protocol pages quote the code, and must keep agreeing with it (issue #18
// item 7): every constant a page of docs/protocols/ quotes with a value is the
// code's value (protocols/constants.ts first), and http.md's route, problem,
// refusal-code and quota tables (and the problem tables of the other pages)
// say what the route table (protocols/wire/http-api.ts), the problem schemas
// and the quotas say. A value that drifts in either place fails here.
import { describe, expect, it } from 'vitest'
import * as C from '../../protocols/constants.js'
import { HTTP_API, problemsOf, routeLabel, type HttpRoute } from '../../protocols/wire/http-api.js'
import * as P from '../../protocols/wire/problems.js'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { constantResolver, docsOf, quotesOf, tablesOf, type DocTable } from '../helpers/doc-tables.js'
import { CONSTANTS_PAGE, constantsPage, constantsSources, REGENERATE } from '../helpers/constants-page.js'

const DOCS = docsOf('docs/protocols')
const HTTP_MD = DOCS.find(d => d.file.endsWith('/http.md'))!
const ROUTES = Object.values(HTTP_API) as HttpRoute[]
const resolve = constantResolver({ ...C }, ['protocols', 'node', 'cli', 'devnet'])
const at = (t: DocTable, line: number): string => `${t.file}:${line}`
const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map(m => m[1]!)
const statusesIn = (cell: string): number[] => [...cell.matchAll(/`(\d{3})\b[^`]*`|(?<![\w`])(\d{3})(?![\w`])/g)].map(m => Number(m[1] ?? m[2]))
const column = (t: DocTable, test: RegExp): number => t.header.findIndex(h => test.test(h))
const num = (s: string): number => Number(s.replaceAll(',', ''))

/** Every problem type a node answers: name (after PROBLEM_BASE), the statuses it comes with, its title. */
function problemCatalogue (): Map<string, { statuses: Set<number>, title: string }> {
  const catalogue = new Map<string, { statuses: Set<number>, title: string }>()
  for (const [name, schema] of Object.entries(P)) {
    if (!name.endsWith('ProblemSchema')) continue
    const shape = (schema as unknown as { shape: Record<string, { def: { type: string }, value?: unknown }> }).shape
    if (shape.type?.def.type !== 'literal') continue
    const type = String(shape.type.value).slice(P.PROBLEM_BASE.length)
    const entry = catalogue.get(type) ?? { statuses: new Set<number>(), title: String(shape.title!.value) }
    entry.statuses.add(Number(shape.status!.value))
    catalogue.set(type, entry)
  }
  // The two families whose type carries the refusal's code.
  catalogue.set('sign-<code>', { statuses: new Set([400, ...Object.values(P.SIGN_REJECTION_STATUS)]), title: 'Sign Request Refused' })
  catalogue.set('delete-<code>', { statuses: new Set([400, 403]), title: 'Delete Refused' })
  return catalogue
}

/** The catalogue entry a type name in a doc stands for: itself, or its family (`sign-expired` → `sign-<code>`, status of that code). */
function lookUp (catalogue: ReturnType<typeof problemCatalogue>, type: string): { statuses: Set<number>, title: string } | undefined {
  const own = catalogue.get(type)
  if (own !== undefined) return own
  const sign = /^sign-([a-z0-9-]+)$/.exec(type)
  if (sign !== null) return { statuses: new Set([P.SIGN_REJECTION_STATUS[sign[1]!] ?? 400]), title: 'Sign Request Refused' }
  const del = /^delete-([a-z0-9-]+)$/.exec(type)
  if (del !== null) return { statuses: new Set([del[1] === 'bad-owner-signature' ? 403 : 400]), title: 'Delete Refused' }
  return undefined
}

describe('constants quoted with a value', () => {
  it('docs/protocols/constants.md is made from protocols/constants.ts as it is now', () => {
    const page = constantsPage(constantsSources().map(f => readFileSync(f, 'utf8')), { ...C })
    if (process.env.UPDATE_DOCS === '1') writeFileSync(CONSTANTS_PAGE, page)
    expect(readFileSync(CONSTANTS_PAGE, 'utf8') === page, `${CONSTANTS_PAGE} is not current: run ${REGENERATE}`).toBe(true)
  })

  it('the page has a row for every export of protocols/constants.ts, and every file of protocols/constants/ is re-exported there', () => {
    const page = readFileSync(CONSTANTS_PAGE, 'utf8')
    expect(Object.keys(C).filter(name => !page.includes(`| \`${name}\` |`))).toEqual([])
    expect(constantsSources().sort()).toEqual(readdirSync('protocols/constants').map(f => `protocols/constants/${f}`).sort())
  })

  it('every constant a protocol page quotes with a value has that value in the code', () => {
    const quotes = DOCS.flatMap(d => quotesOf(d.file, d.text))
    expect(quotes.length).toBeGreaterThan(100)
    const wrong = quotes.filter(q => resolve(q.name) !== q.value)
      .map(q => `${q.file}:${q.line} quotes ${q.name} as ${JSON.stringify(q.raw)}, the code has ${resolve(q.name) ?? 'no number of that name'}`)
    expect(wrong).toEqual([])
  })

  it('reads the forms the pages use, and a drifted value is a drift', () => {
    const page = [
      'waits `ROUND_ONE_TIMEOUT_MS` = 4 s, then `CLAIM_LEASE_MS` = `PARTY_TIMEOUT_MS + ROUND_ONE_TIMEOUT_MS` = 9 s;',
      '`NO_PARTY_GRACE_MS` = 2 × `LIVENESS_WINDOW_MS` = 7 s, `MAX_SIGN_ATTEMPTS` (5), a skew of 6 s (`SIGN_CLOCK_SKEW_MS`),',
      'a body of `MAX_HTTP_BODY_BYTES` = 128 KiB and `Retry-After: 3` (`CM_BUSY_RETRY_AFTER_S`).',
      '',
      '| name | value |',
      '|---|---|',
      '| `PRESIGN_BATCH` / `PRESIGN_LOW_WATER` | 16 / 5 |',
      '| `PRESIGN_TTL_MS` | 600,001 |'
    ].join('\n')
    const drifted = quotesOf('page.md', page).filter(q => resolve(q.name) !== q.value).map(q => q.name)
    expect(drifted.sort()).toEqual(['CLAIM_LEASE_MS', 'CM_BUSY_RETRY_AFTER_S', 'MAX_HTTP_BODY_BYTES', 'MAX_SIGN_ATTEMPTS', 'NO_PARTY_GRACE_MS', 'PRESIGN_LOW_WATER', 'PRESIGN_TTL_MS', 'ROUND_ONE_TIMEOUT_MS', 'SIGN_CLOCK_SKEW_MS'])
    // The other name of an expression, and a table's first value, are read as right.
    expect(quotesOf('page.md', page).filter(q => resolve(q.name) === q.value).map(q => q.name)).toEqual(['PRESIGN_BATCH'])
  })
})

describe('http.md agrees with the route table', () => {
  const tables = tablesOf(HTTP_MD.file, HTTP_MD.text)

  it('the routes table lists exactly the routes the node serves, HEAD with every GET, and the statuses each answers', () => {
    const table = tables.find(t => t.header[0] === 'method' && t.header[1] === 'path')!
    const listed = new Map<string, { line: number, cell: string }>()
    for (const row of table.rows) {
      const path = ticked(row.cells[1]!)[0]!.replace(/\[.*\]$/, '')
      for (const method of ticked(row.cells[0]!)) listed.set(`${method} ${path}`, { line: row.line, cell: row.cells[3]! })
    }
    const served = ROUTES.flatMap(r => r.method === 'GET' ? [routeLabel(r), `HEAD ${r.path}`] : [routeLabel(r)])
    expect([...listed.keys()].sort()).toEqual(served.sort())
    for (const route of ROUTES) {
      const { line, cell } = listed.get(routeLabel(route))!
      const answers = new Set([...Object.keys(route.responses), ...Object.keys(problemsOf(route))].map(Number))
      const said = statusesIn(cell)
      expect(said.filter(s => !answers.has(s)), `${at(table, line)}: statuses ${routeLabel(route)} never answers`).toEqual([])
      expect(Object.keys(route.responses).map(Number).filter(s => !said.includes(s)), `${at(table, line)}: success statuses missing`).toEqual([])
    }
  })

  it('the problem tables name each problem type with its status and title, and http.md lists every one', () => {
    const catalogue = problemCatalogue()
    const seen = new Map<string, Set<number>>()
    for (const doc of DOCS) {
      for (const table of tablesOf(doc.file, doc.text)) {
        const [s, t, title] = [column(table, /^status$/), column(table, /^`type` name$/), column(table, /^`title`$/)]
        if (s < 0 || t < 0 || title < 0) continue
        for (const row of table.rows) {
          const type = ticked(row.cells[t]!)[0]
          if (type === undefined) continue
          const entry = lookUp(catalogue, type)
          expect(entry, `${at(table, row.line)}: no problem type ${type}`).toBeDefined()
          const statuses = statusesIn(row.cells[s]!)
          expect(statuses.filter(x => !entry!.statuses.has(x)), `${at(table, row.line)}: ${type} never comes with these statuses`).toEqual([])
          expect(row.cells[title]!.replaceAll('`', ''), `${at(table, row.line)}: title of ${type}`).toBe(entry!.title)
          if (doc === HTTP_MD) seen.set(type, new Set([...(seen.get(type) ?? []), ...statuses]))
        }
      }
    }
    for (const [type, { statuses }] of catalogue) {
      expect([...seen.get(type) ?? []].sort(), `http.md's problem table: ${type}`).toEqual([...statuses].sort())
    }
  })

  it('every table of sign refusal codes gives each code the status the node answers it with', () => {
    const tables = DOCS.flatMap(d => tablesOf(d.file, d.text)).filter(t => t.header[0] === '`code`' && t.header[1] === 'status')
    expect(tables.map(t => t.file).some(f => f.endsWith('/http.md'))).toBe(true)
    for (const table of tables) {
      const listed = new Map<string, number>()
      for (const row of table.rows) for (const code of ticked(row.cells[0]!)) listed.set(code, num(row.cells[1]!))
      for (const [code, status] of listed) expect(status, `${table.file}:${table.line}: ${code}`).toBe(P.SIGN_REJECTION_STATUS[code] ?? 400)
      for (const code of Object.keys(P.SIGN_REJECTION_STATUS)) expect(listed.has(code), `${table.file}:${table.line} lacks ${code}`).toBe(true)
    }
  })

  it('the quota tables give each class its routes and rates, and each direct protocol its per-peer rate', () => {
    const classes = tables.find(t => t.header[0] === 'class' && t.header[1] === 'routes')!
    const listed = new Set<string>()
    for (const row of classes.rows) {
      const cls = ticked(row.cells[0]!)[0] as keyof typeof C.HTTP_CLIENT_QUOTAS
      const rate = /([\d,]+) a second, burst ([\d,]+)/.exec(row.cells[2]!)
      expect(rate === null ? undefined : { ratePerS: num(rate[1]!), burst: num(rate[2]!) }, `${at(classes, row.line)}: ${cls}`).toEqual(C.HTTP_CLIENT_QUOTAS[cls])
      let method = ''
      const routes = new Set<string>()
      for (const token of ticked(row.cells[1]!)) {
        const m = /^(GET|POST|HEAD)(?: (\/\S*))?$/.exec(token)
        if (m !== null && m[2] === undefined && method === '') method = m[1]!
        if (m?.[2] !== undefined) routes.add(`${m[1]} ${m[2]}`)
        if (token.startsWith('/')) routes.add(`${method} ${token}`)
      }
      expect([...routes].sort(), `${at(classes, row.line)}: routes of ${cls}`).toEqual(ROUTES.filter(r => r.quota?.client === cls).map(routeLabel).sort())
      listed.add(cls)
    }
    expect([...listed].sort()).toEqual(Object.keys(C.HTTP_CLIENT_QUOTAS).sort())

    for (const [cls, quota] of Object.entries(C.HTTP_OWNER_QUOTAS)) {
      const m = new RegExp(`\`${cls}\` ([\\d,]+) a second, burst ([\\d,]+)`).exec(HTTP_MD.text)
      expect(m === null ? undefined : { ratePerS: num(m[1]!), burst: num(m[2]!) }, `http.md's owner quota ${cls}`).toEqual(quota)
    }

    const peers = tables.find(t => t.header[0] === 'protocol' && /per peer/.test(t.header[1]!))!
    const protocols = (Object.values(C) as unknown[]).filter((v): v is string => typeof v === 'string' && C.peerQuotaOf(v) !== undefined)
    expect(peers.rows.map(r => ticked(r.cells[0]!)[0]).sort()).toEqual(protocols.sort())
    for (const row of peers.rows) {
      const m = /^([\d,]+) \(([\d,]+)\)/.exec(row.cells[1]!)
      expect(m === null ? undefined : { ratePerS: num(m[1]!), burst: num(m[2]!) }, at(peers, row.line)).toEqual(C.peerQuotaOf(ticked(row.cells[0]!)[0]!))
    }
  })
})
