// new_user benchmark (`npm run bench:new-user`): on a fresh 9-node devnet,
// the latency of a whole new_user (as `shardsig new-user` does it: /members,
// /who_cl, deal, one POST per committee in parallel) per scheme, cold (first
// key the nodes see) and warm, and where the time goes (client dealing vs the
// committees). Prints a table and writes bench/results/new-user.json.
import '../node/polyfills.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { newUser } from '../cli/client/new-user.js'
import { Devnet } from '../devnet/api.js'
import { findRepoRoot } from '../devnet/entry.js'
import { findFreeBasePort } from '../devnet/ports.js'
import { dealNewUser } from '../protocols/new-user/deal-bundles.js'
import type { KeyScheme } from '../protocols/wire/key-record.js'
import { MembershipSchema } from '../protocols/wire/membership.js'
import { summary } from './stats.js'

const NODES = 9
const BENCH_BASE_PORT = 18500
/** Keys per scheme after the cold one; sequential, so each latency is one request's. */
const WARM_KEYS_PER_SCHEME = 30
const SCHEMES: KeyScheme[] = ['ed25519', 'secp256k1']

async function main (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-new-user-'))
  let devnet: Devnet | undefined
  try {
    process.stderr.write('starting a 9-node devnet ...\n')
    devnet = await Devnet.up({ dir: join(dir, 'net'), nodes: NODES, basePort: await findFreeBasePort(BENCH_BASE_PORT, NODES), timeoutMs: 60_000 })
    const node = devnet.node(1).http
    const results: Record<string, unknown> = {}
    const rows: string[][] = []
    for (const scheme of SCHEMES) {
      const one = async (): Promise<number> => {
        const t = performance.now()
        await newUser({ node, scheme, ownerSecretKey: ed25519.utils.randomSecretKey() })
        return performance.now() - t
      }
      const coldMs = await one()
      const warm: number[] = []
      for (let i = 0; i < WARM_KEYS_PER_SCHEME; i++) {
        warm.push(await one())
        process.stderr.write(`\r${scheme}: ${i + 1}/${WARM_KEYS_PER_SCHEME}`)
      }
      process.stderr.write('\n')
      const dealMs = await clientDealMs(node, scheme)
      const s = summary(warm)
      results[scheme] = { coldMs: Math.round(coldMs), warm: s, clientDealMs: dealMs }
      rows.push([scheme, `${Math.round(coldMs)}`, `${s.p50}`, `${s.p95}`, `${s.p99}`, `${dealMs.p50}`])
    }
    const header = ['scheme', 'cold ms', 'p50 ms', 'p95 ms', 'p99 ms', 'client deal p50 ms']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)))
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
    console.log(`new_user bench: ${NODES} nodes (3 committees × 3, tc=2, tm=2), ${WARM_KEYS_PER_SCHEME} warm keys per scheme, Node ${process.version}, ${cpus().length} cpus`)
    console.log(line(header))
    for (const r of rows) console.log(line(r))
    const out = join(findRepoRoot(), 'bench', 'results')
    await mkdir(out, { recursive: true })
    await writeFile(join(out, 'new-user.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, nodes: NODES, results }, null, 2) + '\n')
    console.log(`\nwritten to ${join(out, 'new-user.json')}`)
  } finally {
    await devnet?.down()
    await rm(dir, { recursive: true, force: true })
  }
}

/** The client's share of the time: dealing, sealing and signing, with no network. */
async function clientDealMs (node: string, scheme: KeyScheme): Promise<ReturnType<typeof summary>> {
  const membership = MembershipSchema.parse(await (await fetch(`${node}/members`)).json())
  const samples: number[] = []
  for (let i = 0; i < 10; i++) {
    const t = performance.now()
    await dealNewUser({ scheme, membership, ownerSecretKey: ed25519.utils.randomSecretKey(), policy: { maxMessageBytes: 64, ratePerMinute: 60 }, nowMs: Date.now(), randomBytes: n => new Uint8Array(randomBytes(n)) })
    samples.push(performance.now() - t)
  }
  return summary(samples)
}

await main()
