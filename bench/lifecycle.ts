// Key lifecycle benchmark (`npm run bench:lifecycle`, issue #9): on a fresh
// 9-node devnet, per scheme, the latency of a DKG (POST /new_user/dkg: the
// coordinator, one dealer per committee, commit then reveal, the transcript
// checks) and of a whole `new-user --dkg` (DKG, client checks, record, one
// bundle per committee through the CLs, members' checks, game, receipts).
// Then resharing (update_node_set): RESHARE_KEYS keys, an operator update that
// removes two nodes (one a committee leader), the time until every node that
// stays confirmed every key (or activated the new epoch), per key and in all,
// and sign latency at concurrency 1 during the reshare against before it. Prints tables and writes bench/results/lifecycle.json.
// `--reshare-only`: only the reshare part (for a profile: SHARDSIG_NODE_CPU_PROF_DIR=DIR, then
// `node dist/bench/profile-summary.js --window FROM TO DIR` with the window it prints); writes nothing.
import '../node/polyfills.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { callRoute } from '../cli/client/http.js'
import { newUserDkg } from '../cli/client/new-user-dkg.js'
import { newUser } from '../cli/client/new-user.js'
import { sign } from '../cli/client/sign.js'
import { keyFileOf } from '../cli/key-file.js'
import { OPERATOR_KEY_FILE } from '../devnet/layout.js'
import { signMembershipUpdate } from '../protocols/lifecycle/membership-update.js'
import { Devnet } from '../devnet/api.js'
import { findRepoRoot } from '../devnet/entry.js'
import { findFreeBasePort } from '../devnet/ports.js'
import { PROTOCOL_VERSION } from '../protocols/constants.js'
import { ownerPublicKey, signBody } from '../protocols/crypto/owner-auth.js'
import { DKG_REQUEST_KIND, type DkgRequest } from '../protocols/wire/dkg.js'
import { HTTP_API } from '../protocols/wire/http-api.js'
import type { KeyScheme } from '../protocols/wire/key-record.js'
import { membershipOf } from '../protocols/wire/membership.js'
import { monotonicUs, summary } from './stats.js'

const NODES = 9
const BENCH_BASE_PORT = 18700
/** Sequential runs per scheme and measure, after WARMUP_RUNS unmeasured ones. */
const RUNS = 30
const WARMUP_RUNS = 3
const SCHEMES: KeyScheme[] = ['ed25519', 'secp256k1']
/** The target for the DKG's median latency. */
const TARGET_DKG_P50_MS = 300

async function main (): Promise<void> {
  const reshareOnly = process.argv.includes('--reshare-only')
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-lifecycle-'))
  let devnet: Devnet | undefined
  const loadAtStart = loadavg()
  try {
    process.stderr.write('starting a 9-node devnet ...\n')
    devnet = await Devnet.up({ dir: join(dir, 'net'), nodes: NODES, basePort: await findFreeBasePort(BENCH_BASE_PORT, NODES), timeoutMs: 60_000 })
    const entry = devnet.node(1).http
    const membership = membershipOf(await callRoute(entry, HTTP_API.genesis))
    const results: Record<string, unknown> = {}
    const rows: string[][] = []
    if (reshareOnly) {
      const reshare = await benchReshare(devnet)
      console.log(`reshare: ${reshare.totalMs} ms for ${reshare.keys} keys; sign p50 before ${reshare.signBefore.p50} ms, during ${reshare.signDuring.p50} ms; profile window (CLOCK_MONOTONIC µs): ${reshare.monotonicUs.join(' ')}`)
      return
    }
    for (const scheme of SCHEMES) {
      // The DKG alone: what POST /new_user/dkg costs (dealers' commit and reveal, the coordinator's checks).
      const dkgOnce = async (): Promise<number> => {
        const owner = ed25519.utils.randomSecretKey()
        const request = signBody<Omit<DkgRequest, 'signature'>>(DKG_REQUEST_KIND, {
          v: PROTOCOL_VERSION, session: bytesToHex(randomBytes(16)), scheme, ownerAuthKey: ownerPublicKey(owner),
          network: membership.network, genesisDigest: membership.genesisDigest, epoch: membership.epoch, expiresAt: Date.now() + 30_000
        }, owner)
        const t = performance.now()
        await callRoute(entry, HTTP_API.newUserDkg, { body: request })
        return performance.now() - t
      }
      // The whole key: DKG, the client's checks and record, distribution, receipts.
      const keyOnce = async (): Promise<number> => {
        const t = performance.now()
        await newUserDkg({ node: entry, scheme, ownerSecretKey: ed25519.utils.randomSecretKey() })
        return performance.now() - t
      }
      const measure = async (what: string, once: () => Promise<number>): Promise<ReturnType<typeof summary>> => {
        for (let i = 0; i < WARMUP_RUNS; i++) await once()
        const samples: number[] = []
        for (let i = 0; i < RUNS; i++) {
          samples.push(await once())
          process.stderr.write(`\r${scheme} ${what}: ${i + 1}/${RUNS}`)
        }
        process.stderr.write('\n')
        return summary(samples)
      }
      const dkg = await measure('DKG', dkgOnce)
      const key = await measure('new-user --dkg', keyOnce)
      results[scheme] = { dkgLatencyMs: dkg, newUserDkgLatencyMs: key }
      rows.push([scheme, `${dkg.p50}`, `${dkg.p99}`, `${key.p50}`, `${key.p99}`])
    }
    const header = ['scheme', 'DKG p50 ms', 'DKG p99 ms', 'new-user --dkg p50 ms', 'p99 ms']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
    const loadAtEnd = loadavg()
    console.log(`lifecycle bench: ${NODES} nodes (3 committees × 3, tc=2, tm=2), ${RUNS} runs per measure, Node ${process.version}, ${cpus().length} cpus, load ${loadAtStart.map(l => l.toFixed(1)).join(' ')} → ${loadAtEnd.map(l => l.toFixed(1)).join(' ')}`)
    console.log(line(header))
    for (const r of rows) console.log(line(r))
    console.log(`target: DKG p50 ≤ ${TARGET_DKG_P50_MS} ms.`)
    const reshare = await benchReshare(devnet)
    console.log(`\nreshare: ${reshare.keys} keys to epoch 1 (2 of 9 nodes removed, one a CL): all confirmed at every node in ${reshare.totalMs} ms, ${reshare.perKeyMs} ms per key`)
    console.log(`sign (ed25519, concurrency 1) p50/p99 ms: before ${reshare.signBefore.p50}/${reshare.signBefore.p99} (n=${reshare.signBefore.n}), during ${reshare.signDuring.p50}/${reshare.signDuring.p99} (n=${reshare.signDuring.n}); failed during: ${reshare.signFailedDuring}. target: during ≤ 2× before`)
    const out = join(findRepoRoot(), 'bench', 'results')
    await mkdir(out, { recursive: true })
    await writeFile(join(out, 'lifecycle.json'), JSON.stringify({
      at: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
      nodes: NODES, runs: RUNS, targets: { dkgP50Ms: TARGET_DKG_P50_MS, signDuringReshareP50: '≤ 2× before' }, results,
      reshare
    }, null, 2) + '\n')
    console.log(`\nwritten to ${join(out, 'lifecycle.json')}`)
  } finally {
    await devnet?.down()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Keys dealt before the update, half per scheme. */
const RESHARE_KEYS = 100
/** The longest the bench waits for every key to be confirmed at every node. */
const RESHARE_DEADLINE_MS = 10 * 60_000
/** Sign requests in the baseline, before the update. */
const SIGN_BASELINE = 30

async function benchReshare (devnet: Devnet): Promise<{ keys: number, totalMs: number, perKeyMs: number, signBefore: ReturnType<typeof summary>, signDuring: ReturnType<typeof summary>, signFailedDuring: number, monotonicUs: [number, number] }> {
  const entry = devnet.node(1).http
  process.stderr.write(`dealing ${RESHARE_KEYS} keys for the reshare ...\n`)
  const keys: Array<{ file: ReturnType<typeof keyFileOf> }> = []
  for (let i = 0; i < RESHARE_KEYS; i++) {
    const owner = ed25519.utils.randomSecretKey()
    const { record } = await newUser({ node: entry, scheme: i % 2 === 0 ? 'ed25519' : 'secp256k1', ownerSecretKey: owner, policy: { ratePerMinute: 100_000 } })
    keys.push({ file: keyFileOf(record, entry, owner) })
    process.stderr.write(`\r${i + 1}/${RESHARE_KEYS}`)
  }
  process.stderr.write('\n')
  const signer = keys[0]!.file
  const signOnce = async (): Promise<number> => {
    const t = performance.now()
    const r = await sign({ node: devnet.node(3).http, key: signer, message: randomBytes(32) })
    if (r.status !== 'completed') throw new Error(`sign ${r.status}`)
    return performance.now() - t
  }
  const before: number[] = []
  for (let i = 0; i < SIGN_BASELINE; i++) before.push(await signOnce())

  const g0 = await callRoute(entry, HTTP_API.genesis)
  const leader = (await callRoute(entry, HTTP_API.whoCl)).committees[0]!.leader!.peerId
  const other = g0.nodes.find(n => n.committee === 2)!.peerId
  const next = { ...g0, epoch: 1, params: { ...g0.params, managers: 2 }, nodes: g0.nodes.filter(n => n.peerId !== leader && n.peerId !== other) }
  const operator = hexToBytes((await readFile(join(devnet.dir, OPERATOR_KEY_FILE), 'utf8')).trim())
  const update = signMembershipUpdate(g0, next, operator, bytesToHex(ed25519.getPublicKey(operator)))
  const remaining = devnet.state.nodes.map((_, i) => i + 1).filter(i => ![leader, other].includes(devnet.state.nodes[i - 1]!.peerId))
  // A node that stays coordinates, so its failures (if any) show in the status polled below.
  const coordinator = devnet.node(remaining[1] ?? remaining[0]!).http

  let done = false
  const during: number[] = []
  let failedDuring = 0
  const signing = (async () => {
    while (!done) {
      try { during.push(await signOnce()) } catch { failedDuring++ }
    }
  })()
  const startedAt = performance.now()
  const fromUs = monotonicUs()
  await callRoute(coordinator, HTTP_API.membershipUpdate, { body: update })
  const deadline = Date.now() + RESHARE_DEADLINE_MS
  for (;;) {
    if (Date.now() > deadline) throw new Error(`reshare not confirmed everywhere within ${RESHARE_DEADLINE_MS / 1000} s`)
    // A node that activated epoch 1 restarts on it (briefly unreachable) and has nothing pending: every key reshared.
    const statuses = await Promise.all(remaining.map(async i => await callRoute(devnet.node(i).http, HTTP_API.membershipStatus).catch(() => undefined)))
    const reshared = Math.min(...statuses.map(s => s === undefined ? 0 : s.active.epoch >= 1 ? RESHARE_KEYS : s.pending?.keys.reshared ?? 0))
    process.stderr.write(`\rreshared (or activated) at every node: ${reshared}/${RESHARE_KEYS}`)
    if (reshared >= RESHARE_KEYS) break
    const failed = statuses.flatMap(s => s?.pending?.keys.failed ?? [])
    if (failed.length > 0 && statuses.every(s => s?.pending?.coordinating !== true)) throw new Error(`reshare failed for ${failed.length} keys: ${failed[0]!.reason}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  const totalMs = Math.round(performance.now() - startedAt)
  const toUs = monotonicUs()
  done = true
  await signing
  process.stderr.write('\n')
  return { keys: RESHARE_KEYS, totalMs, perKeyMs: Math.round(totalMs / RESHARE_KEYS), signBefore: summary(before), signDuring: summary(during), signFailedDuring: failedDuring, monotonicUs: [fromUs, toUs] }
}

await main()
