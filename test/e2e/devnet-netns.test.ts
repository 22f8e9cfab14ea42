// A devnet whose nodes are not on 127.0.0.1 (issue #10, multi-host): 9 node
// processes in 3 network namespaces, three per "host", each host with its own
// address (test/helpers/netns.ts), started through `ip netns exec`. The
// process commands (pause, resume, kill, restart, status, down) work on them,
// also through a Devnet opened afresh from the folder, and a key signs across
// the hosts. Skipped, with the reason printed, where namespaces cannot be made.
import { hexToBytes } from '@noble/hashes/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { newUser } from '../../cli/client/new-user.js'
import { sign } from '../../cli/client/sign.js'
import { keyFileOf } from '../../cli/key-file.js'
import { Devnet } from '../../devnet/api.js'
import { testFrost } from '../helpers/frost.js'
import { pointFromHex } from '../../protocols/sharing/index.js'
import { GenesisSchema } from '../../protocols/wire/genesis.js'
import { canUseNetns, createLab, type Lab } from '../helpers/netns.js'

const { verifySignature } = testFrost

const support = await canUseNetns()
if (!support.ok) console.warn(`devnet-in-namespaces test skipped: ${support.reason}`)

const NODES = 9
const HOSTS = ['h1', 'h2', 'h3']
/** Node i runs on host ceil(i / 3): every host holds one member of each committee. */
const hostOf = (i: number): string => HOSTS[Math.ceil(i / 3) - 1]!
const UP_TIMEOUT_MS = 45_000
const ARTIFACTS_DIR = join(import.meta.dirname, '..', 'artifacts', 'devnet-netns')

/** Polls `get` until `ok` holds (or 20 s pass) and returns the last value, for the assertion to judge. */
async function eventually<T> (get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const v = await get()
    if (ok(v) || Date.now() > deadline) return v
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** The network namespace a process is in, by name (`ip netns identify`). */
function namespaceOf (pid: number): string {
  return execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim()
}

describe.skipIf(!support.ok)('devnet in network namespaces: 9 nodes on 3 hosts', () => {
  let dir = ''
  let lab: Lab | undefined
  let devnet: Devnet | undefined
  let failed = false

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shardsig-devnet-netns-'))
    lab = await createLab({ hosts: HOSTS })
    devnet = await Devnet.up({
      dir: join(dir, 'net'),
      nodes: NODES,
      hosts: Array.from({ length: NODES }, (_, k) => lab!.address(hostOf(k + 1))),
      wrapCommand: i => lab!.wrap(hostOf(i)),
      timeoutMs: UP_TIMEOUT_MS
    })
  }, UP_TIMEOUT_MS + 15_000)

  beforeEach(ctx => { ctx.onTestFailed(() => { failed = true }) })

  afterAll(async () => {
    await devnet?.down()
    await lab?.destroy()
    if (failed && dir !== '') {
      await rm(ARTIFACTS_DIR, { recursive: true, force: true })
      await cp(join(dir, 'net'), ARTIFACTS_DIR, { recursive: true }).catch(() => {})
      console.error(`devnet-netns failed: node logs copied to ${ARTIFACTS_DIR}`)
    }
    if (dir !== '') await rm(dir, { recursive: true, force: true })
  }, 30_000)

  it('runs each node inside its host\'s namespace, on that host\'s address, as the genesis announces', async () => {
    const d = devnet!
    const genesis = GenesisSchema.parse(JSON.parse(await readFile(join(d.dir, 'genesis.json'), 'utf8')))
    for (const n of d.nodes()) {
      const address = lab!.address(hostOf(n.index))
      expect(genesis.nodes[n.index - 1]!.multiaddrs).toEqual([`/ip4/${address}/tcp/${n.p2pPort}`])
      expect(n.http).toBe(`http://${address}:${n.httpPort}`)
      // `ip netns exec` execs: the pid file names the node process itself, inside the namespace.
      expect(namespaceOf(n.pid!)).toBe(lab!.host(hostOf(n.index)).ns)
    }
    // status asks each node with a 1 s deadline: on a loaded machine a node may answer late once.
    const rows = await eventually(async () => await d.status(), rs => rs.every(r => r.state === 'healthy'))
    expect(rows.map(r => [r.index, r.pid, r.state])).toEqual(d.nodes().map(n => [n.index, n.pid, 'healthy']))
  })

  it('pauses, resumes, kills and restarts a node, also through a Devnet opened from the folder', async () => {
    const d = devnet!
    await d.pause(2)
    expect((await d.status()).find(r => r.index === 2)!.state).toBe('paused')
    await d.resume(2)
    await d.waitHealthy(2)

    const reopened = await Devnet.open(d.dir)
    expect(reopened.node(5).wrapper).toEqual(lab!.wrap(hostOf(5)))
    const oldPid = reopened.node(5).pid!
    await reopened.kill(5)
    expect(reopened.node(5).process).toBe('down')
    await reopened.waitForAgreement({ nodes: reopened.indices().filter(i => i !== 5), timeoutMs: 20_000 })
    await reopened.restart(5)
    const pid = reopened.node(5).pid!
    expect(pid).not.toBe(oldPid)
    expect(namespaceOf(pid)).toBe(lab!.host(hostOf(5)).ns)
    expect((await reopened.waitHealthy(5)).peerId).toBe(reopened.node(5).peerId)
    await reopened.waitForAgreement({ nodes: reopened.indices(), timeoutMs: 20_000 })
  }, 60_000)

  it('makes a key and signs with a party spread over the hosts', async () => {
    const d = devnet!
    const owner = ed25519.utils.randomSecretKey()
    const made = await newUser({ node: d.node(1).http, scheme: 'ed25519', ownerSecretKey: owner })
    const key = keyFileOf(made.record, d.node(1).http, owner)
    const message = new TextEncoder().encode('signed across namespaces')
    const result = await sign({ node: d.node(9).http, key, message })
    expect(result.status, result.reason).toBe('completed')
    expect(verifySignature('ed25519', pointFromHex('ed25519', key.groupPublicKey), message, hexToBytes(result.signature!))).toBe(true)
    // tm = 2 members of one committee always sit on two different hosts here.
    const hosts = new Set(result.signers!.map(s => hostOf(d.indexOfPeer(s.peerId)!)))
    expect(hosts.size).toBeGreaterThanOrEqual(2)
  }, 60_000)

  it('down stops every node, wherever it runs', async () => {
    const d = devnet!
    const pids = d.nodes().map(n => n.pid!)
    const { stopped, killed } = await d.down()
    expect([...stopped, ...killed].sort((a, b) => a - b)).toEqual(d.indices())
    expect(d.nodes().every(n => n.process === 'down')).toBe(true)
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
  }, 30_000)
})
