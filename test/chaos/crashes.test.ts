// Chaos with real node processes (issue #6, scenarios 1, 3, 4 and 6): nodes
// killed at random under a stream of sign and new_user requests, the CM that
// handles requests killed mid-flight, a whole committee down, every node
// restarted at once. Invariants after each: no invalid signature, no request
// undecided past its deadline, every failure with a reason, no request id
// completed twice with different signatures, every key still signs.
// `npm test` runs the short version; `npm run chaos` (CHAOS_LONG=1) the long one.
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { managerOrder, newRequestId } from '../../cli/client/sign.js'
import { callJson } from '../../cli/client/http.js'
import type { KeyFile } from '../../cli/key-file.js'
import { WhoCmSchema } from '../../protocols/wire/http.js'
import { useE2eDevnet } from '../helpers/e2e-devnet.js'
import { ChaosClient, keysOfEveryScheme, type NewUserOutcome, type SignOutcome } from './harness/client.js'
import { FaultLog, killRandomNodes, longestStallMs, RESTART_TIMEOUT_MS } from './harness/faults.js'
import { signStream } from './harness/load.js'
import { createRng, scaled, scenarioRng } from './harness/rng.js'
import { conclude } from './harness/scenario.js'

const net = useE2eDevnet('chaos-crashes', { basePortFrom: 28100 })
const keys: KeyFile[] = []
/** Long enough for several kills at ~3 signatures/s. */
const SCENARIO_TIMEOUT_MS = scaled(240_000, 900_000)

beforeAll(async () => {
  keys.push(...await keysOfEveryScheme(new ChaosClient(net.devnet(), createRng(1))))
}, 60_000)

const completedAt = (outcomes: readonly SignOutcome[]): number[] => outcomes.filter(o => o.status === 'completed').map(o => o.startedAt + o.latencyMs)

describe('chaos: crashes', () => {
  it('1: kill -9 of a random node every few seconds during a stream of sign and new_user requests', async () => {
    const devnet = net.devnet()
    const rng = scenarioRng('1-kill-random')
    const client = new ChaosClient(devnet, createRng(rng.seed + 1))
    const users = new ChaosClient(devnet, createRng(rng.seed + 2))
    const faults = new FaultLog()
    const stop = new AbortController()
    const chaos = killRandomNodes(devnet, rng, faults, { gapMs: [1_000, 3_000], downMs: [1_000, 3_000], signal: stop.signal })
    const newUsers: NewUserOutcome[] = []
    const userStream = (async () => {
      while (!stop.signal.aborted) {
        await sleep(rng.int(2_000, 5_000), undefined, { signal: stop.signal }).catch(() => {})
        if (!stop.signal.aborted) newUsers.push(await users.newUser(newUsers.length % 2 === 0 ? 'ed25519' : 'secp256k1'))
      }
    })()
    const started = Date.now()
    const outcomes = await signStream(client, keys, { count: scaled(60, 240), concurrency: 4, label: '1-kill-random' })
    stop.abort()
    await Promise.all([chaos, userStream])
    const made = newUsers.flatMap(u => u.key !== undefined ? [u.key] : [])
    console.info(`chaos 1-kill-random: new_user during the run: ${made.length} usable, ${newUsers.length - made.length} failed${newUsers.filter(u => u.reason !== undefined).map(u => `; ${u.reason!.slice(0, 160)}`).join('')}`)
    const report = await conclude({
      scenario: '1-kill-random', rng, devnet, client, outcomes, keys: [...keys, ...made], faults,
      extra: { recoverMs: longestStallMs(completedAt(outcomes), started, Date.now()), extra: { newUsers: newUsers.length, newUsersUsable: made.length } }
    })
    expect(report.completedPercent, JSON.stringify(report.failedByReason)).toBeGreaterThanOrEqual(99.5)
    // Keys made under fire must survive the later scenarios too (a committee down, every node restarted).
    keys.push(...made)
  }, SCENARIO_TIMEOUT_MS)

  it('3: the CM handling requests is killed mid-flight: clients fail over with the same request ids', async () => {
    const devnet = net.devnet()
    const rng = scenarioRng('3-cm-killed')
    const client = new ChaosClient(devnet, createRng(rng.seed + 1))
    const faults = new FaultLog()
    const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
    const victim = rng.pick(managers)
    const victimIndex = devnet.indexOfPeer(victim.peerId)!
    // Request ids this manager is asked first for.
    const ids: string[] = []
    while (ids.length < scaled(8, 32)) {
      const id = newRequestId()
      if (managerOrder(managers, id)[0]!.peerId === victim.peerId) ids.push(id)
    }
    const started = Date.now()
    const inFlight = Promise.all(ids.map(async (requestId, i) => await client.sign(keys[i % keys.length]!, { requestId })))
    await sleep(rng.int(50, 400))
    const killedAt = faults.add(`kill -9 node ${victimIndex}, the manager the requests went to`)
    await devnet.kill(victimIndex)
    const outcomes = await inFlight
    await devnet.start(victimIndex, { timeoutMs: RESTART_TIMEOUT_MS })
    faults.add(`node ${victimIndex} restarted`)
    const failedOver = outcomes.filter(o => o.failovers + o.entryRetries > 0).length
    console.info(`chaos 3-cm-killed: ${failedOver} of ${outcomes.length} requests failed over to another manager`)
    const firstAfter = Math.min(...completedAt(outcomes).filter(t => t >= killedAt))
    const report = await conclude({
      scenario: '3-cm-killed', rng, devnet, client, outcomes, keys, faults,
      extra: { recoverMs: Number.isFinite(firstAfter) ? firstAfter - killedAt : undefined, extra: { failedOver, startedBeforeKillMs: killedAt - started } }
    })
    expect(report.completed).toBe(report.sent)
  }, SCENARIO_TIMEOUT_MS)

  it('4: a whole committee down: signing goes on with the other committees', async () => {
    const devnet = net.devnet()
    const rng = scenarioRng('4-committee-down')
    const client = new ChaosClient(devnet, createRng(rng.seed + 1))
    const faults = new FaultLog()
    const committee = rng.int(1, devnet.params.committees)
    const members = devnet.nodes().filter(n => n.committee === committee).map(n => n.index)
    const killedAt = faults.add(`kill -9 committee ${committee}: nodes ${members.join(', ')}`)
    await Promise.all(members.map(async i => { await devnet.kill(i) }))
    const outcomes = await signStream(client, keys, { count: scaled(20, 80), concurrency: 4, label: '4-committee-down' })
    const firstAfter = Math.min(...completedAt(outcomes))
    // The committee comes back as a whole: every key must sign afterwards too (conclude checks).
    const report = await conclude({
      scenario: '4-committee-down', rng, devnet, client, outcomes, keys, faults,
      extra: { recoverMs: Number.isFinite(firstAfter) ? firstAfter - killedAt : undefined, extra: { committee } }
    })
    expect(report.completed).toBe(report.sent)
  }, SCENARIO_TIMEOUT_MS)

  it('6: every node restarted at once: all keys sign afterwards', async () => {
    const devnet = net.devnet()
    const rng = scenarioRng('6-restart-all')
    const client = new ChaosClient(devnet, createRng(rng.seed + 1))
    const faults = new FaultLog()
    const killedAt = faults.add('kill -9 every node')
    await Promise.all(devnet.indices().map(async i => { await devnet.kill(i) }))
    await Promise.all(devnet.indices().map(async i => { await devnet.start(i, { timeoutMs: RESTART_TIMEOUT_MS }) }))
    faults.add('every node started')
    const outcomes = await signStream(client, keys, { count: scaled(10, 40), concurrency: 2, label: '6-restart-all' })
    const firstAfter = Math.min(...completedAt(outcomes))
    const report = await conclude({
      scenario: '6-restart-all', rng, devnet, client, outcomes, keys, faults,
      extra: { recoverMs: Number.isFinite(firstAfter) ? firstAfter - killedAt : undefined }
    })
    expect(report.completed).toBe(report.sent)
  }, SCENARIO_TIMEOUT_MS)
})
