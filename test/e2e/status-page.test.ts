// The status page in a real browser: a 9-process devnet, node pages opened in
// headless Debian Chromium driven by playwright-core. The page must show the
// roles the node reports, a fresh signature among the requests of the manager
// that coordinated it, a kill -9'd node as down (with the blame its death
// earned), keep working without EventSource (polling), and log no error or CSP
// violation. A screenshot goes to test/artifacts/status-page.png.
import { access, constants, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callJson } from '../../cli/client/http.js'
import { managerOrder, newRequestId, sign, signStatus } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { WhoClSchema, WhoCmSchema, type WhoCm } from '../../protocols/wire/http.js'
import { useE2eDevnet } from '../helpers/e2e-devnet.js'
import { makeKey } from '../helpers/keys.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** The flags that work on this machine (.library/env/machines/node.md); the profile is a fresh folder. */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** Deadline of each wait for the page to show something (a wait, not an assertion on time). */
const PAGE_WAIT_MS = 20_000
const SCREENSHOT = join(import.meta.dirname, '..', 'artifacts', 'status-page.png')

let context: BrowserContext | undefined
let profile = ''
/** Console errors and warnings, uncaught page errors (CSP violations are console errors). */
const problems: string[] = []

// Before the devnet comes up: without Chromium there is nothing to test, and the error says why.
beforeAll(async () => {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(`the status page test needs Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does so) or set CHROMIUM_PATH`)
  })
  profile = await mkdtemp(join(tmpdir(), 'shardsig-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 }
  })
}, 30_000)
afterAll(async () => {
  await context?.close()
  if (profile !== '') await rm(profile, { recursive: true, force: true })
})

const net = useE2eDevnet('status-page-e2e', { basePortFrom: 29300 })

async function openStatusPage (http: string, opts: { withoutEventSource?: boolean } = {}): Promise<Page> {
  const page = await context!.newPage()
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${http} console ${m.type()}: ${m.text()}`) })
  page.on('pageerror', e => { problems.push(`${http} page error: ${e.message}`) })
  // An init script runs before the page's own (and is not subject to its CSP): a browser without EventSource.
  if (opts.withoutEventSource === true) await page.addInitScript({ content: 'delete window.EventSource' })
  await page.goto(`${http}/`)
  await page.locator(`#conn[data-mode="${opts.withoutEventSource === true ? 'polling' : 'stream'}"]`).waitFor({ timeout: PAGE_WAIT_MS })
  return page
}

/** The client's deadline, not the devnet's short one: this runs beside other work on 2 cores. */
async function whoCmOf (http: string): Promise<WhoCm> {
  return await callJson('GET', `${http}/who_cm`, WhoCmSchema)
}

async function texts (page: Page, selector: string): Promise<string[]> {
  return (await page.locator(selector).allTextContents()).map(t => t.trim())
}

/** What the page shows as roles: committee → [leader, backup], and the managers. */
async function rolesOnPage (page: Page): Promise<{ committees: Array<[string, string]>, managers: string[] }> {
  const leaders = await texts(page, 'tr[data-committee] td[data-role="leader"]')
  const backups = await texts(page, 'tr[data-committee] td[data-role="backup"]')
  const managers = (await texts(page, '[data-manager]')).map(m => m.replace(/^, /, ''))
  return { committees: leaders.map((l, i) => [l, backups[i] ?? '']), managers: managers.sort() }
}

describe('status page in headless Chromium (9 node processes)', () => {
  let key: KeyFile | undefined
  /** The manager whose page follows the requests, and that page. */
  let cm = { peerId: '', http: '' }
  let cmPage: Page | undefined

  it('shows every node live, and the leaders, backups and managers the node reports', async () => {
    const devnet = net.devnet()
    const page = await openStatusPage(devnet.node(1).http)
    await expect.poll(async () => await page.locator('tr[data-node-id][data-live="true"]').count(), { timeout: PAGE_WAIT_MS }).toBe(9)
    expect(await page.locator('#network').textContent()).toBe('devnet')
    expect(await page.locator('#epoch').textContent()).toBe('0')
    expect(await page.locator('#self').textContent()).toContain(devnet.node(1).nodeId)
    const nodeIdOf = (peerId: string | undefined): string => devnet.nodes().find(n => n.peerId === peerId)?.nodeId ?? 'none'
    const whoCl = await callJson('GET', `${devnet.node(1).http}/who_cl`, WhoClSchema)
    const whoCm = await whoCmOf(devnet.node(1).http)
    const expected = {
      committees: whoCl.committees.map((c): [string, string] => [nodeIdOf(c.leader?.peerId), nodeIdOf(c.backup?.peerId)]),
      managers: whoCm.managers.map(m => nodeIdOf(m.peerId)).sort()
    }
    expect(expected.committees).toHaveLength(3)
    expect(expected.managers).toHaveLength(devnet.params.managers)
    await expect.poll(async () => await rolesOnPage(page), { timeout: PAGE_WAIT_MS }).toEqual(expected)
    // The nodes table agrees: a committee's leader has the role in its row.
    for (const [leader] of expected.committees) {
      expect(await page.locator(`tr[data-node-id="${leader}"] td.roles`).textContent()).toContain('leader')
    }
    await page.close()
  })

  it('shows a fresh signature among the requests of the manager that coordinated it', async () => {
    const devnet = net.devnet()
    key = await makeKey(devnet.node(2).http, 'ed25519')
    const { managers } = await whoCmOf(devnet.node(1).http)
    // Every manager's page is open before the request: the client may fail over to another one.
    const pages = new Map<string, Page>()
    for (const m of managers) pages.set(m.peerId, await openStatusPage(m.http))
    const requestId = newRequestId()
    for (const page of pages.values()) expect(await page.locator('tr[data-request-id]').count()).toBe(0)
    const result = await sign({ node: devnet.node(1).http, key, message: new TextEncoder().encode('on the status page'), requestId })
    expect(result.status, result.reason).toBe('completed')
    // The manager that finished it: normally the client's first choice, whose page is kept for the next test.
    const finished = await Promise.all(managers.map(async m => await signStatus(m.http, requestId, undefined, key!.keyId).then(r => r.status === 'completed', () => false)))
    const order = managerOrder(managers, requestId)
    cm = order.find(m => finished[managers.indexOf(m)] === true) ?? order[0]!
    cmPage = pages.get(cm.peerId)!
    for (const [peerId, page] of pages) if (peerId !== cm.peerId) await page.close()

    const row = cmPage.locator(`tr[data-request-id="${requestId}"]`)
    await row.waitFor({ timeout: PAGE_WAIT_MS })
    expect(await row.getAttribute('data-status')).toBe('completed')
    const cells = (await row.locator('td').allTextContents()).map(t => t.trim())
    expect(cells[1]).toBe(requestId)
    expect(cells[3]).toBe('ed25519')
    expect(cells[4]).toBe('completed')
    expect(cells[5]).toMatch(/^\d+(\.\d)? (ms|s)$/)
    expect(cells[6]).toBe(String(result.attempts))
    expect(await row.locator('td.signers').getAttribute('data-signers')).toBe(String(result.signers!.length))
    for (const s of result.signers!) expect(cells[7]).toContain(devnet.nodes().find(n => n.peerId === s.peerId)!.nodeId)
  })

  it('marks a kill -9\'d party member down, names it in no role, and lists the blame and the retried request', async () => {
    const devnet = net.devnet()
    const page = cmPage!
    // A request the same manager coordinates whose first party has a member that is no manager: that one dies
    // (a dead manager's page is not open, so the browser has no failed connection to report).
    const { managers } = await whoCmOf(cm.http)
    const managerIds = new Set(managers.map(m => m.peerId))
    const holders = [1, 2, 3].map(c => devnet.nodes().filter(n => n.committee === c).map(n => n.peerId))
    const live = new Set(devnet.nodes().map(n => n.peerId))
    let requestId = ''
    let victim = ''
    for (let tries = 0; victim === ''; tries++) {
      if (tries > 10_000) throw new Error(`no request id found whose first manager is ${cm.peerId} and whose party has another member`)
      requestId = newRequestId()
      if (managerOrder(managers, requestId)[0]!.peerId !== cm.peerId) continue
      const sel = selectParty({ requestId, tc: devnet.params.tc, tm: devnet.params.tm, holders, live, load: new Map(), excluded: new Set() })
      const member = sel.ok ? sel.party.find(p => !managerIds.has(p.peerId)) : undefined
      if (member !== undefined) victim = member.peerId
    }
    const victimIndex = devnet.indexOfPeer(victim)!
    const victimId = devnet.node(victimIndex).nodeId
    await devnet.kill(victimIndex)
    const result = await sign({ node: cm.http, key: key!, message: new TextEncoder().encode('a signer died'), requestId })
    expect(result.status, result.reason).toBe('completed')
    expect(result.attempts).toBeGreaterThanOrEqual(2)

    const victimRow = page.locator(`tr[data-node-id="${victimId}"]`)
    await page.locator(`tr[data-node-id="${victimId}"][data-live="false"]`).waitFor({ timeout: PAGE_WAIT_MS })
    expect(await victimRow.locator('.badge').textContent()).toBe('down')
    expect(await victimRow.getAttribute('class')).toBe('down')
    // In the snapshot that shows it down, it holds no role (liveness is read before the election).
    const roles = await rolesOnPage(page)
    expect(roles.committees.flat()).not.toContain(victimId)
    expect(roles.managers).not.toContain(victimId)
    expect(await victimRow.locator('td.roles').textContent()).toBe('–')
    expect(await page.locator(`span.member.down:text-is("${victimId}")`).count()).toBe(1)

    await page.locator(`tr[data-culprit="${victimId}"]`).first().waitFor({ timeout: PAGE_WAIT_MS })
    expect((await page.locator(`tr[data-culprit="${victimId}"]`).first().locator('td').allTextContents())[2]).toBe('sign')
    const retried = page.locator(`tr[data-request-id="${requestId}"]`)
    await retried.waitFor({ timeout: PAGE_WAIT_MS })
    expect((await retried.locator('td').allTextContents())[6]).toBe(String(result.attempts))
    expect(await page.locator('tr[data-request-id]').count()).toBeGreaterThanOrEqual(2)
    expect(await page.locator('#conn').getAttribute('data-mode')).toBe('stream')

    await mkdir(join(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    console.info(`status page e2e: ${victimId} shown down and blamed on ${cm.http}/; screenshot ${SCREENSHOT}`)
  })

  it('falls back to polling GET /status in a browser without EventSource', async () => {
    const devnet = net.devnet()
    const page = await openStatusPage(cm.http, { withoutEventSource: true })
    expect(await page.locator('#conn').textContent()).toMatch(/polling/)
    expect(await page.locator('tr[data-node-id]').count()).toBe(devnet.size)
    expect(await page.locator('tr[data-node-id][data-live="false"]').count()).toBe(1)
    expect(await page.locator('tr[data-request-id]').count()).toBeGreaterThanOrEqual(2)
    await page.close()
  })

  it('logged no console error, CSP violation or page error on any page', () => {
    expect(problems).toEqual([])
  })
})
