// GET /, /status and /status/stream through the real app: the shapes, the
// page's self-contained CSP, and bad input (wrong methods, odd queries,
// more stream clients than the cap, clients that vanish) — never a crash.
import { createHash } from 'node:crypto'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { createApp, type ApiDeps } from '../../node/api/app.js'
import { serveHttp } from '../../node/api/serve.js'
import { LivenessTracker } from '../../node/engine/liveness.js'
import { NetworkView } from '../../node/engine/network-view.js'
import { MAX_STATUS_STREAM_CLIENTS } from '../../protocols/constants.js'
import type { LocalFindings } from '../../protocols/health/assess.js'
import { ProblemSchema } from '../../protocols/wire/http.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { StatusSchema, type RecentSignRequest } from '../../protocols/wire/status.js'
import { fakeGenesis } from '../helpers/genesis.js'

const NOW = Date.now()
const RECENT: RecentSignRequest[] = [{
  requestId: 'req-0000001', keyId: 'ab'.repeat(16), scheme: 'ed25519', status: 'completed', attempts: 2, latencyMs: 812, finishedAt: NOW - 1_000,
  signers: [{ committee: 1, member: 1, peerId: 'peer-1' }, { committee: 1, member: 2, peerId: 'peer-4' }, { committee: 2, member: 1, peerId: 'peer-2' }, { committee: 2, member: 2, peerId: 'peer-5' }]
}]

function setup (opts: { maxStatusStreams?: number, statusStreamIntervalMs?: number, healthFindings?: LocalFindings } = {}) {
  const genesis = fakeGenesis(9, 3)
  const self = genesis.nodes[0]!
  const liveness = new LivenessTracker(self.peerId)
  // peer-3 was heard once, long ago; peer-9 never.
  for (const n of genesis.nodes.slice(1, 8)) liveness.heard(n.peerId, n.peerId === 'peer-3' ? NOW - 60_000 : NOW)
  const blame = [{ at: NOW - 2_000, culprit: 'peer-3', reason: 'round1-timeout', flow: 'sign' as const, keyId: 'ab'.repeat(16), committee: 3, detail: '<img src=x onerror=alert(1)>' }]
  const { healthFindings, ...appOpts } = opts
  const view = new NetworkView({
    genesis, self, liveness, connectedPeers: () => new Set(['peer-2']), keyCount: () => 4, recentBlame: () => blame, startedAtMs: NOW - 60_000,
    ...(healthFindings !== undefined ? { findings: () => healthFindings } : {})
  })
  // Only the status routes are under test; the others need their dependencies only when called.
  const notUnderTest = async (): Promise<never> => { throw new Error('not under test here') }
  const deps = {
    view, membership: membershipOf(genesis), genesis, log: pino({ level: 'silent' }),
    registry: { get: () => undefined },
    newUser: { handle: notUnderTest },
    sign: { submit: notUnderTest, get: async () => [] },
    deletion: { request: notUnderTest },
    recentSignRequests: () => RECENT,
    ...appOpts
  }
  return { app: createApp(deps as unknown as ApiDeps), genesis }
}

/** Reads the first `n` SSE events of a stream body, then lets go of it (cancel). */
async function readEvents (body: ReadableStream<Uint8Array>, n: number): Promise<Array<{ event?: string, data: string, retry?: string }>> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const events: Array<{ event?: string, data: string, retry?: string }> = []
  while (events.length < n) {
    const { done, value } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    let end: number
    while ((end = text.indexOf('\n\n')) >= 0) {
      const fields = Object.fromEntries(text.slice(0, end).split('\n').map(l => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
      events.push(fields as { event?: string, data: string, retry?: string })
      text = text.slice(end + 2)
    }
  }
  await reader.cancel()
  return events
}

function sha256Base64 (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64')
}

describe('status page and status data', () => {
  it('GET / is one self-contained HTML page whose CSP allows only its own inline style and script', async () => {
    const { app } = setup()
    const res = await app.request('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await res.text()
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/)
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1]
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1]
    expect(script).toBeDefined()
    expect(style).toBeDefined()
    expect(csp).toContain(`script-src 'sha256-${sha256Base64(script!)}'`)
    expect(csp).toContain(`style-src 'sha256-${sha256Base64(style!)}'`)
    // Nothing loaded from elsewhere: no script src, no link, no absolute URL; the script talks to the node only.
    expect(html.replace(script!, '')).not.toMatch(/<script[^>]+src=|<link|https?:\/\//)
    expect(script).not.toMatch(/(fetch|EventSource)\(\s*['"](https?:|\/\/)/)
    expect(script).toMatch(/fetch\('status'/)
    expect(script).toMatch(/EventSource\('status\/stream'\)/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('cache-control')).toBe('no-store')
    // The icon browsers ask for by themselves: empty, so neither a 404 nor a CSP exception for it.
    const icon = await app.request('/favicon.ico')
    expect(icon.status).toBe(204)
    expect(await icon.text()).toBe('')
  })

  it('GET /status: every node with liveness and roles, leaders and managers, recent requests and blame', async () => {
    const { app, genesis } = setup()
    const res = await app.request('/status')
    expect(res.status).toBe(200)
    const status = StatusSchema.parse(await res.json())
    expect(status.nodes.map(n => n.nodeId)).toEqual(genesis.nodes.map(n => n.nodeId))
    expect(status.self).toMatchObject({ nodeId: 'node-1', committee: 1, keys: 4 })
    expect(status.nodes.find(n => n.self)?.nodeId).toBe('node-1')
    expect(status.nodes.find(n => n.nodeId === 'node-2')).toMatchObject({ live: true, connected: true })
    expect(status.nodes.find(n => n.nodeId === 'node-3')).toMatchObject({ live: false, connected: false, roles: [] })
    expect(status.nodes.find(n => n.nodeId === 'node-9')).toMatchObject({ live: false, lastHeartbeatAgoMs: null, roles: [] })
    expect(status.nodes.find(n => n.nodeId === 'node-3')!.lastHeartbeatAgoMs).toBeGreaterThanOrEqual(60_000)
    // Committee 3 is nodes 3, 6, 9: only node 6 is live, so it leads and there is no backup.
    expect(status.committees[2]).toEqual({ committee: 3, leader: { nodeId: 'node-6', peerId: 'peer-6' }, backup: null })
    expect(status.managers).toHaveLength(genesis.params.managers)
    for (const c of status.committees) {
      expect(status.nodes.find(n => n.peerId === c.leader?.peerId)?.roles).toContain('leader')
    }
    expect(status.recentSignRequests).toEqual(RECENT)
    expect(status.blame.map(b => b.culprit)).toEqual(['peer-3'])
    // Its own health, as /health says it: tm = 1, and committees 1, 2 and 3 each have a live member.
    expect(status.health).toEqual({ status: 'ok', reasons: [] })
  })

  it('GET /status and the page show the node\'s own health when it is degraded, with each reason', async () => {
    const { app } = setup({ healthFindings: { store: null, unreadableShares: [{ keyId: 'ab'.repeat(16), epoch: 0 }] } })
    const status = StatusSchema.parse(await (await app.request('/status')).json())
    expect(status.health.status).toBe('degraded')
    expect(status.health.reasons).toEqual([expect.objectContaining({ code: 'shares', keyIds: ['ab'.repeat(16)] })])
    const html = await (await app.request('/')).text()
    expect(html).toContain('id="health"')
    expect(html).toContain('id="health-reasons"')
  })

  it('GET /status/stream sends a snapshot at once and then one per interval', async () => {
    const { app } = setup({ statusStreamIntervalMs: 5 })
    const res = await app.request('/status/stream')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const events = await readEvents(res.body!, 2)
    expect(events).toHaveLength(2)
    expect(events.map(e => e.event)).toEqual(['status', 'status'])
    expect(events[0]!.retry).toBe('10')
    expect(StatusSchema.parse(JSON.parse(events[1]!.data)).nodes).toHaveLength(9)
  })
})

describe('status routes: bad input', () => {
  it('answers a wrong method with 405 problem details naming GET and HEAD', async () => {
    const { app } = setup()
    for (const path of ['/', '/favicon.ico', '/status', '/status/stream']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const res = await app.request(path, { method, body: method === 'OPTIONS' ? undefined : '{not json', headers: { 'content-type': 'application/json' } })
        expect(res.status, `${method} ${path}`).toBe(405)
        expect(res.headers.get('content-type')).toBe('application/problem+json')
        expect(res.headers.get('allow')).toBe('GET, HEAD')
        expect(ProblemSchema.parse(await res.json()).status).toBe(405)
      }
    }
  })

  it('ignores odd queries and headers, and reflects none of them', async () => {
    const { app } = setup({ statusStreamIntervalMs: 5 })
    const plain = await (await app.request('/')).text()
    for (const query of ['?x=<script>alert(1)</script>', '?%zz&&=&a[]=1&a[]=2', `?${'q'.repeat(4000)}=1`]) {
      const page = await app.request(`/${query}`)
      expect(page.status).toBe(200)
      expect(await page.text()).toBe(plain)
      const status = await app.request(`/status${query}`, { headers: { accept: 'text/html', 'last-event-id': '-1' } })
      expect(status.status).toBe(200)
      StatusSchema.parse(await status.json())
      const stream = await app.request(`/status/stream${query}`, { headers: { 'last-event-id': 'not-a-number', accept: 'application/json' } })
      expect(stream.status).toBe(200)
      expect(await readEvents(stream.body!, 1)).toHaveLength(1)
    }
  })

  it(`holds at most ${MAX_STATUS_STREAM_CLIENTS} streams: the next is 503 with Retry-After; a slot comes back when a client leaves`, async () => {
    const { app } = setup()
    const answers = await Promise.all(Array.from({ length: MAX_STATUS_STREAM_CLIENTS + 20 }, async () => await app.request('/status/stream')))
    const open = answers.filter(r => r.status === 200)
    const refused = answers.filter(r => r.status !== 200)
    expect(open).toHaveLength(MAX_STATUS_STREAM_CLIENTS)
    expect(refused).toHaveLength(20)
    for (const r of refused) {
      expect(r.status).toBe(503)
      expect(r.headers.get('content-type')).toBe('application/problem+json')
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await r.json()).toMatchObject({ status: 503, code: 'status-streams-full' })
    }
    // GET /status still answers while the streams are full: the page's fallback.
    expect((await app.request('/status')).status).toBe(200)
    // HEAD takes no slot (hono drops a GET body unread for HEAD: a stream there would never be released).
    expect((await app.request('/status/stream', { method: 'HEAD' })).status).toBe(200)
    await open[0]!.body!.cancel()
    const again = await app.request('/status/stream')
    expect(again.status).toBe(200)
    expect((await app.request('/status/stream')).status).toBe(503)
    for (const r of [...open.slice(1), again]) await r.body!.cancel()
    // Every slot is back.
    const reopened = await Promise.all(Array.from({ length: MAX_STATUS_STREAM_CLIENTS }, async () => await app.request('/status/stream')))
    expect(reopened.map(r => r.status)).toEqual(Array(MAX_STATUS_STREAM_CLIENTS).fill(200))
    for (const r of reopened) await r.body!.cancel()
  })

  it('over a real socket, a client that disconnects gives its slot back', async () => {
    const { app } = setup({ maxStatusStreams: 2 })
    const http = await serveHttp(app, '127.0.0.1', 0)
    const aborts = [new AbortController(), new AbortController()]
    try {
      const streams = await Promise.all(aborts.map(async a => await fetch(`${http.url}/status/stream`, { signal: a.signal })))
      expect(streams.map(r => r.status)).toEqual([200, 200])
      const refused = await fetch(`${http.url}/status/stream`)
      expect(refused.status).toBe(503)
      await refused.body?.cancel()
      for (const a of aborts) a.abort()
      // The server notices the closed sockets on its own schedule: wait for the slots, not for a time.
      let status = 0
      while (status !== 200) {
        const r = await fetch(`${http.url}/status/stream`)
        status = r.status
        await r.body?.cancel()
        if (status !== 200) await new Promise(resolve => setTimeout(resolve, 20))
      }
      expect(status).toBe(200)
      // The node still answers everything else.
      expect((await fetch(`${http.url}/status`)).status).toBe(200)
    } finally {
      await http.close()
    }
  })
})
