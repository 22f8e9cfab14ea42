// Key lifecycle benchmark (`npm run bench:lifecycle`, issue #9): on a fresh
// 9-node devnet, per scheme, the latency of a DKG (POST /new_user/dkg: the
// coordinator, one dealer per committee, commit then reveal, the transcript
// checks) and of a whole `new-user --dkg` (DKG, client checks, record, one
// bundle per committee through the CLs, members' checks, game, receipts).
// Resharing (update_node_set) is not built yet: its figures are null.
// Prints a table and writes bench/results/lifecycle.json.
import '../node/polyfills.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { callRoute } from '../cli/client/http.js'
import { newUserDkg } from '../cli/client/new-user-dkg.js'
import { Devnet } from '../devnet/api.js'
import { findRepoRoot } from '../devnet/entry.js'
import { findFreeBasePort } from '../devnet/ports.js'
import { PROTOCOL_VERSION } from '../protocols/constants.js'
import { ownerPublicKey, signBody } from '../protocols/crypto/owner-auth.js'
import { DKG_REQUEST_KIND, type DkgRequest } from '../protocols/wire/dkg.js'
import { HTTP_API } from '../protocols/wire/http-api.js'
import type { Scheme } from '../protocols/wire/key-record.js'
import { membershipOf } from '../protocols/wire/membership.js'
import { summary } from './stats.js'

const NODES = 9
const BENCH_BASE_PORT = 18700
/** Sequential runs per scheme and measure, after WARMUP_RUNS unmeasured ones. */
const RUNS = 30
const WARMUP_RUNS = 3
const SCHEMES: Scheme[] = ['ed25519', 'secp256k1']
/** The target for the DKG's median latency. */
const TARGET_DKG_P50_MS = 300

async function main (): Promise<void> {
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
    console.log(`target: DKG p50 ≤ ${TARGET_DKG_P50_MS} ms. Resharing (update_node_set): not built yet, no figures.`)
    const out = join(findRepoRoot(), 'bench', 'results')
    await mkdir(out, { recursive: true })
    await writeFile(join(out, 'lifecycle.json'), JSON.stringify({
      at: new Date().toISOString(), node: process.version, cpus: cpus().length, loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
      nodes: NODES, runs: RUNS, targets: { dkgP50Ms: TARGET_DKG_P50_MS }, results,
      reshare: { perKeyMs: null, hundredKeysMs: null, signDuringReshare: null, note: 'update_node_set is not built yet' }
    }, null, 2) + '\n')
    console.log(`\nwritten to ${join(out, 'lifecycle.json')}`)
  } finally {
    await devnet?.down()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
