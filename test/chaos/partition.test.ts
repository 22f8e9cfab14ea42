// Scenario 7 of issue #6: a network partition. Nine node processes, each in its
// own Linux network namespace (test/helpers/netns.ts), and two sign clients,
// one in a namespace on each side, so a cut isolates a client exactly as it
// isolates the nodes next to it. Links are cut with routes, not by killing
// anything: open TCP connections across the cut stall.
//
// Two variants, chosen from a seeded PRNG (CHAOS_SEED replays a run):
//   1. one whole committee is cut off (it holds one committee's shares only);
//   2. four nodes spanning committees are cut off, holding tm members of at
//      most one committee: they reach members of two or three committees, but
//      never a valid party (tm live members in each of tc committees).
// A side may produce a signature only if it holds a valid party. During the
// cut both clients send requests to nodes on their own side. Checked: the
// majority completes every request and each signature verifies with an
// independent verifier; the minority completes none (failed with a reason, or
// unserved), and no node on its side holds a completed result; no request id
// ever completes with two different signatures, on any node; after the heal
// every node agrees on the roles again and every key signs via both sides.
// Each cut gets fresh client processes, and a client that reaches no manager
// at all asks for the managers again (test/helpers/netns-client/worker.ts);
// docs/threat-model.md (Partitions) says why and what a run shows.
import { ed25519 } from '@noble/curves/ed25519.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { randomInt } from 'node:crypto'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { callJson, ProblemError } from '../../cli/client/http.js'
import { newUser } from '../../cli/client/new-user.js'
import { keyFileOf, type KeyFile } from '../../cli/key-file.js'
import { Devnet } from '../../devnet/api.js'
import { SignResultSchema } from '../../protocols/wire/sign.js'
import { seeded, subsets } from '../helpers/deterministic.js'
import { canUseNetns, createLab, type Lab } from '../helpers/netns.js'
import { verifiesIndependently } from '../helpers/verify.js'
import { bundleSignClient, SignClientProcess, type WorkerAnswer } from '../helpers/netns-client/index.js'

const support = await canUseNetns()
if (!support.ok) console.warn(`chaos partition test skipped: ${support.reason}`)

const SEED = process.env.CHAOS_SEED !== undefined && process.env.CHAOS_SEED !== '' ? Number(process.env.CHAOS_SEED) : randomInt(2 ** 31)
const NODES = 9
/** Ports live inside the namespaces, so the default range collides with nothing on this machine. */
const BASE_PORT = 7100
/** Requests per side during one cut, sent at seeded moments within DRIVE_MS of the cut. */
const REQUESTS_PER_SIDE = 12
const DRIVE_MS = 10_000
/** Long enough for a majority request to outlive a few failed attempts across the cut; bounds every wait below. */
const REQUEST_LIFETIME_MS = 30_000
/** Deadlines of waits that are expected to end much sooner (they fail the test, with the state, if not). */
const SPLIT_DEADLINE_MS = 30_000
const HEAL_DEADLINE_MS = 60_000
const UP_TIMEOUT_MS = 45_000
/** CHAOS_VERBOSE=1 prints every request of a cut; CHAOS_KEEP_LOGS=1 keeps the node logs of a passing run too. */
const VERBOSE = process.env.CHAOS_VERBOSE === '1'
const KEEP_LOGS = process.env.CHAOS_KEEP_LOGS === '1'
const ARTIFACTS_DIR = join(import.meta.dirname, '..', 'artifacts', 'chaos-partition')

type Side = 'minority' | 'majority'

/** A replayable stream of choices: SHA-256 blocks of the seed (test/helpers/deterministic.ts). */
class Choices {
  private readonly bytes = seeded(`partition/${SEED}`)
  int (n: number): number { return Buffer.from(this.bytes(4)).readUInt32BE(0) % n }
  pick<T> (xs: readonly T[]): T { return xs[this.int(xs.length)] as T }
  hex (n: number): string { return Buffer.from(this.bytes(n)).toString('hex') }
}

interface Sent {
  side: Side
  key: KeyFile
  entry: number
  message: string
  requestId: string
  answer: WorkerAnswer
}


function outcomeOf (a: WorkerAnswer): 'completed' | 'failed' | 'unserved' {
  if (a.result?.status === 'completed') return 'completed'
  return a.result?.status === 'pending' ? 'unserved' : 'failed'
}

/** A failure reason without the parts that differ per request (peer ids, URLs, numbers), for counting. */
function reasonClass (a: WorkerAnswer): string {
  const text = (a.result?.reason ?? a.error ?? '(none)').replace(/https?:\/\/[^\s/]+(\/\S*)?/g, 'URL').replace(/12D3Koo\w+/g, 'PEER')
  return text.split(';')[0]!.replace(/\d+/g, 'N').trim().slice(0, 90)
}

function percentile (values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

const fmtMs = (ms: number | undefined): string => ms === undefined ? '-' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`

describe.skipIf(!support.ok)('chaos: network partition, 9 node processes in network namespaces', () => {
  const choices = new Choices()
  let dir = ''
  let lab: Lab | undefined
  let devnet: Devnet | undefined
  const clients: Partial<Record<Side, SignClientProcess>> = {}
  const keys: KeyFile[] = []
  const sent: Sent[] = []
  let failed = false
  let clientScript = ''

  const host = (i: number): string => `n${i}`
  const committeeOf = (i: number): number => devnet!.node(i).committee

  /** tm members of at least tc committees: the nodes can form a party between them. */
  function holdsValidParty (nodes: readonly number[]): boolean {
    const { tc, tm } = devnet!.params
    const perCommittee = new Map<number, number>()
    for (const i of nodes) perCommittee.set(committeeOf(i), (perCommittee.get(committeeOf(i)) ?? 0) + 1)
    return [...perCommittee.values()].filter(n => n >= tm).length >= tc
  }

  beforeAll(async () => {
    console.info(`chaos partition: seed ${SEED} (replay: CHAOS_SEED=${SEED} npx vitest run test/chaos/partition.test.ts)`)
    dir = await mkdtemp(join(tmpdir(), 'shardsig-partition-'))
    lab = await createLab({ hosts: [...Array.from({ length: NODES }, (_, k) => host(k + 1)), 'client-a', 'client-b'] })
    devnet = await Devnet.up({
      dir: join(dir, 'net'),
      nodes: NODES,
      basePort: BASE_PORT,
      hosts: Array.from({ length: NODES }, (_, k) => lab!.address(host(k + 1))),
      wrapCommand: i => lab!.wrap(host(i)),
      timeoutMs: UP_TIMEOUT_MS
    })
    clientScript = await bundleSignClient(dir)
    for (const scheme of ['ed25519', 'secp256k1'] as const) {
      const owner = ed25519.utils.randomSecretKey()
      const made = await newUser({ node: devnet.node(1).http, scheme, ownerSecretKey: owner })
      keys.push(keyFileOf(made.record, devnet.node(1).http, owner))
    }
  }, UP_TIMEOUT_MS + 60_000)

  beforeEach(ctx => { ctx.onTestFailed(() => { failed = true }) })

  afterAll(async () => {
    await Promise.all(Object.values(clients).map(async c => { await c.close() }))
    await devnet?.down()
    const leftovers = await lab?.destroy() ?? []
    if (leftovers.length > 0) console.warn(`chaos partition: killed ${leftovers.length} processes left in the lab's namespaces`)
    if ((failed || KEEP_LOGS) && dir !== '') {
      await rm(ARTIFACTS_DIR, { recursive: true, force: true })
      await cp(join(dir, 'net'), ARTIFACTS_DIR, { recursive: true }).catch(() => {})
      console.error(`chaos partition ${failed ? 'failed' : 'done'} (seed ${SEED}): node logs copied to ${ARTIFACTS_DIR}`)
    }
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  }, 60_000)

  /** One sign request through a side's client, at a node of that side; recorded in `sent`. */
  async function send (side: Side, entry: number, key: KeyFile, requestId: string, message: string): Promise<Sent> {
    const answer = await clients[side]!.sign({ node: devnet!.node(entry).http, key, message, requestId, lifetimeMs: REQUEST_LIFETIME_MS })
    const s = { side, key, entry, message, requestId, answer }
    sent.push(s)
    return s
  }

  /** Polls until every node on each side sees every node on the other side as not live; resolves with the time it took. */
  async function waitForSplit (sides: Record<Side, number[]>, since: number): Promise<number> {
    const deadline = since + SPLIT_DEADLINE_MS
    for (;;) {
      const views = await Promise.all(devnet!.indices().map(async i => ({ i, peers: await devnet!.peers(i).catch(() => undefined) })))
      const split = views.every(({ i, peers }) => {
        const other = sides.minority.includes(i) ? sides.majority : sides.minority
        const otherPeers = new Set(other.map(j => devnet!.node(j).peerId))
        return peers !== undefined && peers.peers.filter(p => otherPeers.has(p.peerId)).every(p => !p.live)
      })
      if (split) return performance.now() - since
      if (performance.now() > deadline) throw new Error(`the sides did not stop seeing each other as live within ${SPLIT_DEADLINE_MS} ms`)
      await sleep(250)
    }
  }

  /** Pairs (node, peer across the cut) whose libp2p connection the node still reports open, of all such pairs. */
  async function crossCutConnections (sides: Record<Side, number[]>): Promise<{ open: number, of: number }> {
    let open = 0
    let of = 0
    await Promise.all(devnet!.indices().map(async i => {
      const other = new Set((sides.minority.includes(i) ? sides.majority : sides.minority).map(j => devnet!.node(j).peerId))
      const peers = await devnet!.peers(i).catch(() => undefined)
      for (const p of peers?.peers ?? []) {
        if (!other.has(p.peerId)) continue
        of++
        if (p.connected) open++
      }
    }))
    return { open, of }
  }

  /** Every completed result any of `nodes` holds for a request id, as `keyId/requestId → signatures`. */
  async function completedOn (nodes: readonly number[], requests: readonly Sent[]): Promise<Map<string, Set<string>>> {
    const found = new Map<string, Set<string>>()
    await Promise.all(nodes.map(async i => {
      for (const r of requests) {
        try {
          const result = await callJson('GET', `${devnet!.node(i).http}/sign_request/${r.requestId}?keyId=${r.key.keyId}`, SignResultSchema)
          if (result.status !== 'completed' || result.signature === undefined) continue
          const id = `${r.key.keyId}/${r.requestId}`
          found.set(id, (found.get(id) ?? new Set()).add(result.signature))
        } catch (err) {
          // 404: this node did not coordinate the request.
          if (!(err instanceof ProblemError && err.status === 404)) throw err
        }
      }
    }))
    return found
  }

  async function cut (label: string, variant: number, minority: number[]): Promise<void> {
    const d = devnet!
    const majority = d.indices().filter(i => !minority.includes(i))
    const sides: Record<Side, number[]> = { minority, majority }
    const describeSide = (nodes: number[]): string => nodes.map(i => `${i}(c${committeeOf(i)})`).join(' ')
    console.info(`chaos partition [${label}]: minority ${describeSide(minority)} | majority ${describeSide(majority)}`)
    // The claim is meaningful only if the minority lacks a valid party and the majority has one.
    expect(holdsValidParty(minority), 'the minority must not hold a valid party').toBe(false)
    expect(holdsValidParty(majority), 'the majority must hold a valid party').toBe(true)

    // The plan comes from the PRNG before anything runs, so a seed replays the same requests.
    const plan = (['minority', 'majority'] as const).flatMap(side => Array.from({ length: REQUESTS_PER_SIDE }, () => ({
      side, at: choices.int(DRIVE_MS), entry: choices.pick(sides[side]), key: choices.pick(keys), requestId: `p${variant}-${side.slice(0, 3)}-${choices.hex(8)}`, message: choices.hex(8 + choices.int(56))
    }))).sort((a, b) => a.at - b.at)

    // Fresh clients for every cut. A client that kept a pooled HTTP connection to
    // a node now across the cut would send its next POST into a stalled socket
    // and fail over only after its 45 s deadline: a client matter, not what this
    // test measures (docs/threat-model.md, Partitions).
    await Promise.all(Object.values(clients).map(async c => { await c.close() }))
    clients.minority = await SignClientProcess.start('client-a', clientScript, lab!.wrap('client-a'))
    clients.majority = await SignClientProcess.start('client-b', clientScript, lab!.wrap('client-b'))
    await lab!.partition([...minority.map(host), 'client-a'], [...majority.map(host), 'client-b'])
    const cutAt = performance.now()
    const splitMs = waitForSplit(sides, cutAt)
    const results = await Promise.all(plan.map(async p => {
      await sleep(p.at)
      return await send(p.side, p.entry, p.key, p.requestId, p.message)
    }))
    const split = await splitMs

    // While still cut off: the minority's own nodes hold no completed signature for any request of this cut.
    const minorityCompleted = await completedOn(minority, results)
    const stalled = await crossCutConnections(sides)
    const cutMs = performance.now() - cutAt
    const bySide = (side: Side): Sent[] => results.filter(r => r.side === side)

    await lab!.heal()
    const healAt = performance.now()
    await d.waitForAgreement({ nodes: d.indices(), timeoutMs: HEAL_DEADLINE_MS, pollIntervalMs: 200 })
    const agreedMs = performance.now() - healAt
    // Every key signs via every side again (each client at a node of its own side).
    const afterPlan = (['minority', 'majority'] as const).flatMap(side => keys.map(key => ({
      side, entry: choices.pick(sides[side]), key, requestId: `h${variant}-${side.slice(0, 3)}-${choices.hex(8)}`, message: choices.hex(16)
    })))
    const after = await Promise.all(afterPlan.map(async p => await send(p.side, p.entry, p.key, p.requestId, p.message)))
    const recoveredMs = performance.now() - healAt

    if (VERBOSE) {
      for (const r of results) {
        console.info(`    ${r.requestId} ${r.side} via node ${r.entry}: ${outcomeOf(r.answer)} in ${fmtMs(r.answer.ms)}, attempts ${r.answer.result?.attempts ?? '-'}, rediscoveries ${r.answer.rediscoveries}` +
          `${r.answer.failovers.length > 0 ? `, failovers: ${r.answer.failovers.join(' | ')}` : ''}${outcomeOf(r.answer) === 'failed' ? `: ${r.answer.result?.reason ?? r.answer.error ?? ''}` : ''}`)
      }
    }
    for (const side of ['majority', 'minority'] as const) {
      const rs = bySide(side)
      const count = (o: string): number => rs.filter(r => outcomeOf(r.answer) === o).length
      const reasons = new Map<string, number>()
      for (const r of rs.filter(r => outcomeOf(r.answer) === 'failed')) reasons.set(reasonClass(r.answer), (reasons.get(reasonClass(r.answer)) ?? 0) + 1)
      const done = rs.filter(r => outcomeOf(r.answer) === 'completed').map(r => r.answer.ms)
      const all = rs.map(r => r.answer.ms)
      console.info(`  ${side.padEnd(8)} sent ${rs.length}, completed ${count('completed')}, failed ${count('failed')}, unserved ${count('unserved')}; ` +
        `latency p50 ${fmtMs(percentile(all, 50))}, p99 ${fmtMs(percentile(all, 99))}` +
        (done.length > 0 ? ` (completed: p50 ${fmtMs(percentile(done, 50))}, p99 ${fmtMs(percentile(done, 99))})` : '') +
        `; failovers ${rs.reduce((n, r) => n + r.answer.failovers.length, 0)}, no manager reachable ${rs.filter(r => r.answer.rediscoveries > 0).length}×`)
      for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.info(`    failed ${n}× ${reason}`)
    }
    console.info(`  views split ${fmtMs(split)} after the cut; ${fmtMs(cutMs)} after the cut ${stalled.open} of ${stalled.of} connections across it were still open; after the heal: roles agreed in ${fmtMs(agreedMs)}, every key signed via both sides in ${fmtMs(recoveredMs)}`)

    for (const r of bySide('majority')) {
      expect(r.answer.result?.status, `majority request ${r.requestId}: ${r.answer.result?.reason ?? r.answer.error ?? ''}`).toBe('completed')
      expect(verifiesIndependently(r.key, hexToBytes(r.message), r.answer.result!.signature!), `majority request ${r.requestId} verifies`).toBe(true)
    }
    for (const r of bySide('minority')) {
      expect(r.answer.result?.status, `minority request ${r.requestId} must not complete`).not.toBe('completed')
      expect(r.answer.result?.signature, `minority request ${r.requestId} carries no signature`).toBeUndefined()
      if (outcomeOf(r.answer) === 'failed') expect(reasonClass(r.answer), `minority request ${r.requestId} failed with a reason`).not.toBe('(none)')
    }
    expect([...minorityCompleted.keys()], 'requests completed by nodes on the minority side while cut off').toEqual([])
    for (const r of after) {
      expect(r.answer.result?.status, `after the heal, ${r.key.scheme} via the ${r.side} (node ${r.entry}): ${r.answer.result?.reason ?? r.answer.error ?? ''}`).toBe('completed')
      expect(verifiesIndependently(r.key, hexToBytes(r.message), r.answer.result!.signature!)).toBe(true)
    }
  }

  it('cut off one whole committee: the majority keeps signing, the committee alone signs nothing', async () => {
    const committee = 1 + choices.int(devnet!.params.committees)
    await cut(`committee ${committee} cut off`, 1, devnet!.indices().filter(i => committeeOf(i) === committee))
  }, 150_000)

  it('cut off four nodes spanning committees (tm in at most one): no signature there, the majority keeps signing', async () => {
    const d = devnet!
    const { tm } = d.params
    const candidates = subsets(d.indices(), 4).filter(s => {
      const committees = new Set(s.map(committeeOf))
      const full = [...committees].filter(c => s.filter(i => committeeOf(i) === c).length >= tm).length
      return committees.size >= 2 && full <= 1 && !holdsValidParty(s) && holdsValidParty(d.indices().filter(i => !s.includes(i)))
    })
    await cut('four nodes across committees cut off', 2, choices.pick(candidates))
  }, 150_000)

  it('no request id completed with two different signatures, on any node, and clients got what the nodes hold', async () => {
    expect(sent.length).toBeGreaterThan(0)
    const everywhere = await completedOn(devnet!.indices(), sent)
    for (const [id, signatures] of everywhere) expect(signatures.size, `${id} completed with ${signatures.size} signatures`).toBe(1)
    for (const s of sent.filter(s => s.answer.result?.status === 'completed')) {
      expect([...everywhere.get(`${s.key.keyId}/${s.requestId}`) ?? []]).toEqual([s.answer.result!.signature])
    }
    const lateMinority = sent.filter(s => s.side === 'minority' && s.requestId.startsWith('p') && everywhere.has(`${s.key.keyId}/${s.requestId}`))
    console.info(`chaos partition: ${sent.length} requests, ${everywhere.size} completed on some node; minority requests completed later by anyone: ${lateMinority.length}`)
  }, 60_000)
})
