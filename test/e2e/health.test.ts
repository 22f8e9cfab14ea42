// /health tells the truth with real node processes (issue 17): a node whose
// share record no longer authenticates (its sealed bytes altered on disk while
// it was stopped) answers 503 `degraded` with reason `shares` naming the key,
// from its start on; `shardsig status`, `devnet status` and its metrics say so
// too, while the other nodes stay ok.
import { ClassicLevel } from 'classic-level'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { SHARE_PREFIX } from '../../node/engine/new-user/share-store.js'
import { HealthSchema, type Health } from '../../protocols/wire/http.js'
import { runCli, runDevnetCli, useE2eDevnet } from '../helpers/e2e-devnet.js'
import { scrape, valueOf } from '../helpers/prometheus.js'

/** Deadline of each wait for a node to show something (a wait, not an assertion on time). */
const WAIT_MS = 30_000

const net = useE2eDevnet('health-e2e', { nodes: 3, basePortFrom: 31100 })

async function healthOf (http: string): Promise<Health & { httpStatus: number }> {
  const res = await fetch(`${http}/health`)
  return { ...HealthSchema.parse(await res.json()), httpStatus: res.status }
}

describe('a share record that does not authenticate (3 node processes)', () => {
  it('makes its node degraded with reason shares, naming the key id, in /health, shardsig status, devnet status and /metrics', async () => {
    const devnet = net.devnet()
    const made = await runCli(['new-user', '--node', devnet.node(1).http, '--out', join(net.dir(), 'dora.key.json'), '--json'])
    expect(made.code, made.stderr).toBe(0)
    const keyId = (JSON.parse(made.stdout) as { keyId: string }).keyId
    for (const i of devnet.indices()) expect(await healthOf(devnet.node(i).http), `node ${i}`).toMatchObject({ httpStatus: 200, status: 'ok', reasons: [] })

    // Stopped (LevelDB allows one process), one byte of its share's sealed envelope flipped, as a failing disk would.
    const victim = 2
    await devnet.stop(victim)
    const db = new ClassicLevel<string, Uint8Array>(join(devnet.node(victim).paths.data, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    try {
      const records: string[] = []
      for await (const key of db.keys({ gte: `${SHARE_PREFIX}${keyId}/`, lt: `${SHARE_PREFIX}${keyId}0` })) records.push(key)
      expect(records).toEqual([`${SHARE_PREFIX}${keyId}/0`])
      const envelope = Uint8Array.from((await db.get(records[0]!)) ?? [])
      envelope[envelope.length - 20] = envelope[envelope.length - 20]! ^ 0x04
      await db.put(records[0]!, envelope)
    } finally {
      await db.close()
    }
    await devnet.start(victim)

    // From its first answer it knows (the audit ran before HTTP); peers may take a moment to be heard.
    const http = devnet.node(victim).http
    let health = await healthOf(http)
    expect(health.httpStatus).toBe(503)
    expect(health.reasons?.map(r => r.code)).toContain('shares')
    const deadline = Date.now() + WAIT_MS
    while (health.reasons?.some(r => r.code === 'peers') === true && Date.now() < deadline) {
      await sleep(200)
      health = await healthOf(http)
    }
    expect(health.status).toBe('degraded')
    expect(health.reasons).toEqual([expect.objectContaining({ code: 'shares', keys: 1, keyIds: [keyId] })])
    expect(health.reasons![0]!.detail).toContain(keyId)
    for (const i of devnet.indices().filter(i => i !== victim)) expect((await healthOf(devnet.node(i).http)).httpStatus, `node ${i}`).toBe(200)

    const metrics = await scrape(http)
    expect(['peers', 'store', 'shares'].map(reason => valueOf(metrics, 'shardsig_health_degraded', { reason }))).toEqual([0, 0, 1])

    // `shardsig status`, asked from another node: the victim's row and the reason's sentence.
    const table = await runCli(['status', '--node', devnet.node(1).http])
    expect(table.code, table.stderr).toBe(0)
    const nodeId = devnet.node(victim).nodeId
    expect(table.stdout.split('\n').find(l => l.startsWith(`${nodeId} `))).toMatch(/DEGRADED \(shares\)/)
    expect(table.stdout).toContain(`${nodeId} degraded: shares: 1 share record of 1 key does not authenticate (${keyId})`)
    const json = JSON.parse((await runCli(['status', '--node', devnet.node(1).http, '--json'])).stdout) as { nodes: Array<{ nodeId: string, health?: string, reasons?: Array<{ code: string, keyIds?: string[] }> }> }
    expect(json.nodes.find(n => n.nodeId === nodeId)).toMatchObject({ health: 'degraded', reasons: [{ code: 'shares', keyIds: [keyId] }] })
    expect(json.nodes.filter(n => n.nodeId !== nodeId).map(n => n.health)).toEqual(['ok', 'ok'])

    // `devnet status`: the row's state and the sentence under the table.
    const status = await runDevnetCli(['status', '--dir', devnet.dir])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/1 degraded/)
    expect(status.stdout.split('\n').find(l => l.startsWith(`${victim} `))).toMatch(/degraded \(shares\)/)
    expect(status.stdout).toContain(`node ${victim} degraded: shares: `)
    expect(status.stdout).toContain(keyId)
    const rows = JSON.parse((await runDevnetCli(['status', '--dir', devnet.dir, '--json'])).stdout) as Array<{ index: number, state: string, reasons: Array<{ code: string }> }>
    expect(rows.map(r => [r.index, r.state, r.reasons.map(x => x.code)])).toEqual([[1, 'healthy', []], [2, 'degraded', ['shares']], [3, 'healthy', []]])
  })
})
