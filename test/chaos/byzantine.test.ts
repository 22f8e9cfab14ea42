// Chaos with real node processes (issue #6, scenario 8): a Byzantine signer
// (corrupted signature shares) and a Byzantine committee leader (two records
// for one key). Node k runs in this test process, from its own devnet config,
// store and identity, with a test-only fault; the other eight are processes.
// Detected, blamed, excluded: every request completes without it, members
// refuse the equivocation and blame it, and after it is replaced by an honest
// process every key signs.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callJson, callRoute } from '../../cli/client/http.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { managerOrder, newRequestId } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import { loadNodeConfig } from '../../node/config/index.js'
import { createNode, type ShardsigNode } from '../../node/node.js'
import { requestJson } from '../../node/p2p/direct.js'
import { PROTOCOL_NEW_USER } from '../../protocols/constants.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { WhoCmSchema } from '../../protocols/wire/http.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { DeliverResponseSchema } from '../../protocols/wire/new-user.js'
import { useE2eDevnet } from '../helpers/e2e-devnet.js'
import { deal, newOwner, resign } from '../helpers/owner.js'
import { ChaosClient, keysOfEveryScheme, type SignOutcome } from './harness/client.js'
import { FaultLog } from './harness/faults.js'
import { createRng, scaled, scenarioRng, type Rng } from './harness/rng.js'
import { conclude } from './harness/scenario.js'
import { corruptShares } from '../helpers/byzantine.js'

const net = useE2eDevnet('chaos-byzantine', { basePortFrom: 28500 })
const keys: KeyFile[] = []
const SCENARIO_TIMEOUT_MS = scaled(180_000, 900_000)
const JOIN_TIMEOUT_MS = 60_000

let rng: Rng
let byzantine: ShardsigNode | undefined
let byzantineIndex = 0
const faults = new FaultLog()
const outcomes: SignOutcome[] = []

beforeAll(async () => {
  const devnet = net.devnet()
  rng = scenarioRng('8-byzantine')
  const setup = new ChaosClient(devnet, createRng(rng.seed + 1))
  keys.push(...await keysOfEveryScheme(setup))
  // A node that is no manager, so the managers stay where they are.
  const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
  byzantineIndex = rng.pick(devnet.nodes().filter(n => !managers.some(m => m.peerId === n.peerId)).map(n => n.index))
  await devnet.stop(byzantineIndex)
  const { config } = await loadNodeConfig(['--config', devnet.node(byzantineIndex).paths.config], {})
  const log = pino({ level: 'info' }, pino.destination({ dest: join(net.dir(), `byzantine-node-${byzantineIndex}.log`), sync: false }))
  byzantine = await createNode(config!, { log, protocols: corruptShares() })
  faults.add(`node ${byzantineIndex} replaced by a Byzantine copy (corrupts its signature shares)`)
  // The devnet sees node k's process down; wait until every process and the copy see each other live.
  const deadline = Date.now() + JOIN_TIMEOUT_MS
  const peerId = devnet.node(byzantineIndex).peerId
  for (;;) {
    // A node too busy to answer in time counts as not there yet.
    const views = await Promise.all(devnet.running().map(async i => await devnet.peers(i).then(v => v.peers.find(p => p.peerId === peerId)?.live === true, () => false)))
    if (views.every(Boolean) && byzantine.view.liveSet().size === devnet.size) break
    if (Date.now() > deadline) throw new Error(`the Byzantine copy of node ${byzantineIndex} did not join within ${JOIN_TIMEOUT_MS} ms`)
    await sleep(250)
  }
}, 120_000)

afterAll(async () => { await byzantine?.stop() })

describe('chaos: Byzantine nodes', () => {
  it('8a: a Byzantine signer is identified by its invalid shares, blamed, and every request completes without it', async () => {
    const devnet = net.devnet()
    const client = new ChaosClient(devnet, createRng(rng.seed + 2))
    const byzantinePeer = devnet.node(byzantineIndex).peerId
    const holders = Array.from({ length: devnet.params.committees }, (_, c) => devnet.nodes().filter(n => n.committee === c + 1).map(n => n.peerId))
    const everyone = new Set(devnet.nodes().map(n => n.peerId))
    const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
    // Every request's first party holds the Byzantine signer: each must be caught, never completed with it.
    for (let i = 0; i < scaled(6, 30); i++) {
      let requestId = newRequestId()
      for (;;) {
        const sel = selectParty({ requestId, tc: devnet.params.tc, tm: devnet.params.tm, holders, live: everyone, load: new Map(), excluded: new Set() })
        if (sel.ok && sel.party.some(p => p.peerId === byzantinePeer)) break
        requestId = newRequestId()
      }
      const outcome = await client.sign(keys[i % keys.length]!, { requestId })
      outcomes.push(outcome)
      expect(outcome.status, outcome.reason).toBe('completed')
      expect(outcome.signers?.map(s => s.peerId)).not.toContain(byzantinePeer)
    }
    const cms = new Set(outcomes.map(o => managerOrder(managers, o.requestId)[0]!.http))
    for (const cm of cms) {
      const { blame } = await callRoute(cm, HTTP_API.health)
      expect(blame.some(b => b.culprit === byzantinePeer && b.reason === 'invalid-share'), `${cm} blames node ${byzantineIndex} for invalid shares`).toBe(true)
    }
  }, SCENARIO_TIMEOUT_MS)

  it('8b: a Byzantine committee leader shows two records for one key: both members refuse, blame it and store nothing usable', async () => {
    const devnet = net.devnet()
    const cl = byzantine!
    const membership = membershipOf(cl.genesis)
    const committee = devnet.node(byzantineIndex).committee
    const owner = newOwner()
    const dealt = await deal(membership, owner)
    const bundleA = dealt.bundles[committee - 1]!
    const bundleB = resign(bundleA, owner, { ...dealt.record, policy: { ...dealt.record.policy, maxMessageBytes: 32 } })
    const others = devnet.nodes().filter(n => n.committee === committee && n.index !== byzantineIndex)
    faults.add(`node ${byzantineIndex} sends two records for key ${dealt.record.keyId} to nodes ${others.map(n => n.index).join(', ')}`)
    const answers = await Promise.all(others.map(async (n, i) => await requestJson(cl.libp2p, n.peerId, PROTOCOL_NEW_USER, { kind: 'deliver', bundle: i === 0 ? bundleA : bundleB }, DeliverResponseSchema, { signal: AbortSignal.timeout(20_000) })))
    for (const a of answers) expect(a).toMatchObject({ kind: 'reject', code: 'equivocation' })
    for (const n of others) {
      const { blame } = await callRoute(n.http, HTTP_API.health)
      expect(blame.some(b => b.culprit === cl.identity.peerId && b.reason === 'equivocation' && b.keyId === dealt.record.keyId)).toBe(true)
      expect((await fetch(`${n.http}/keys/${dealt.record.keyId}`)).status).toBe(404)
    }
  }, SCENARIO_TIMEOUT_MS)

  it('8c: with the Byzantine node replaced by an honest process, every key signs', async () => {
    await byzantine?.stop()
    byzantine = undefined
    faults.add(`Byzantine node ${byzantineIndex} stopped; its honest process starts`)
    const devnet = net.devnet()
    await conclude({ scenario: '8-byzantine', rng, devnet, client: new ChaosClient(devnet, createRng(rng.seed + 3)), outcomes, keys, faults })
  }, SCENARIO_TIMEOUT_MS)
})
