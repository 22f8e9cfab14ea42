// `devnet add-node` and `devnet remove-node` (docs/runbook.md): update_node_set
// on a local devnet, as an operator would run it. Each is one membership update,
// signed with the devnet's operator key and posted to a running member; the
// command waits until every node of the new epoch runs it. New nodes get a
// folder like the others, with `"join": true` and the network's active genesis
// in their config, and start as joining nodes before the update is posted.
// Removed nodes erase their shares and exit by themselves at activation.
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { callRoute } from '../cli/client/http.js'
import { deadline } from '../node/deadline.js'
import { signMembershipUpdate } from '../protocols/lifecycle/membership-update.js'
import { genesisDigest, type Genesis } from '../protocols/wire/genesis.js'
import { HTTP_API } from '../protocols/wire/http-api.js'
import { JoiningHealthSchema } from '../protocols/wire/http.js'
import { MembershipStatusSchema } from '../protocols/wire/lifecycle.js'
import { Devnet } from './api.js'
import { DEVNET_HOST, POLL_INTERVAL_MS } from './constants.js'
import { DevnetError, DevnetTimeoutError, DevnetUsageError } from './errors.js'
import { generateNodeFiles } from './generate.js'
import { getJson } from './http.js'
import { OPERATOR_KEY_FILE, nodePaths } from './layout.js'
import { writeState, type DevnetNodeRecord } from './state.js'

/** How long a membership change may take by default: every key reshared and every node restarted on the new epoch. */
export const MEMBERSHIP_CHANGE_TIMEOUT_MS = 300_000
/** Most nodes one `add-node` makes. */
export const MAX_NODES_ADDED = 16

export interface MembershipChangeOptions {
  timeoutMs?: number
  signal?: AbortSignal
  /** One line per change of progress ("epoch 2: 7/9 nodes on it, keys reshared 40/100"). */
  onProgress?: (line: string) => void
}

export interface MembershipChange {
  epoch: number
  added: number[]
  removed: number[]
}

/** Adds `count` new nodes (to `committee`, else each to the smallest committee) in one update. */
export async function addNodes (dir: string, opts: MembershipChangeOptions & { count: number, committee?: number }): Promise<MembershipChange> {
  if (!Number.isSafeInteger(opts.count) || opts.count < 1 || opts.count > MAX_NODES_ADDED) throw new DevnetUsageError(`--count must be 1 to ${MAX_NODES_ADDED}, got ${opts.count}`)
  const devnet = await Devnet.open(dir)
  const signal = deadline(opts.timeoutMs ?? MEMBERSHIP_CHANGE_TIMEOUT_MS, opts.signal)
  const { entry, current, tlsFingerprint } = await activeGenesis(devnet, signal)
  const { committees } = current.params
  if (opts.committee !== undefined && (opts.committee < 1 || opts.committee > committees)) throw new DevnetUsageError(`--committee must be 1 to ${committees}, got ${opts.committee}`)
  // The joiners' config names the genesis the network runs now (a node's store holds the chain from there).
  const genesisFile = join(devnet.dir, `genesis-epoch-${current.epoch}.json`)
  await writeFile(genesisFile, JSON.stringify(current, null, 2) + '\n')

  const records: DevnetNodeRecord[] = []
  const nodes: Genesis['nodes'] = [...current.nodes]
  let index = Math.max(...devnet.indices())
  for (let k = 0; k < opts.count; k++) {
    do index++
    while (existsSync(nodePaths(devnet.dir, index).dir))
    const committee = opts.committee ?? smallestCommittee(nodes, committees)
    const made = await generateNodeFiles(devnet.dir, index, {
      basePort: devnet.state.basePort, host: DEVNET_HOST, committee, logLevel: 'info', genesisFile, join: true, ...(devnet.tls ? { tls: true } : {})
    })
    records.push(made.record)
    nodes.push(made.genesisNode)
  }
  await writeState(devnet.dir, { ...devnet.state, nodes: [...devnet.state.nodes, ...records] })
  const grown = await Devnet.open(devnet.dir)
  for (const r of records) {
    await grown.start(r.index, { wait: false, signal })
    await waitJoining(grown, r.index, signal)
    opts.onProgress?.(`node ${r.index} started as a joining node (committee ${r.committee})`)
  }
  const next: Genesis = { ...current, epoch: current.epoch + 1, nodes }
  await applyUpdate(grown, { url: entry, tlsFingerprint }, current, next, signal, opts.onProgress)
  return { epoch: next.epoch, added: records.map(r => r.index), removed: [] }
}

/** Removes nodes `indices` in one update; they erase their shares and exit, and leave the devnet's state. */
export async function removeNodes (dir: string, indices: readonly number[], opts: MembershipChangeOptions = {}): Promise<MembershipChange> {
  const devnet = await Devnet.open(dir)
  if (indices.length === 0) throw new DevnetUsageError('name the nodes to remove: devnet remove-node I [J ...]')
  const down = indices.filter(i => devnet.node(i).process !== 'running')
  // A node erases its shares at activation: one that is not running would keep them on disk.
  if (down.length > 0) throw new DevnetError(`node${down.length > 1 ? 's' : ''} ${down.join(', ')} ${down.length > 1 ? 'are' : 'is'} not running: start ${down.length > 1 ? 'them' : 'it'} first (\`devnet restart I\`), so that ${down.length > 1 ? 'they erase their' : 'it erases its'} shares when the update is activated`)
  const gone = new Set(indices.map(i => devnet.node(i).peerId))
  const signal = deadline(opts.timeoutMs ?? MEMBERSHIP_CHANGE_TIMEOUT_MS, opts.signal)
  const { entry, current, tlsFingerprint } = await activeGenesis(devnet, signal, gone)
  const missing = indices.filter(i => !current.nodes.some(n => n.peerId === devnet.node(i).peerId))
  if (missing.length > 0) throw new DevnetUsageError(`node${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in epoch ${current.epoch}`)
  const next: Genesis = { ...current, epoch: current.epoch + 1, nodes: current.nodes.filter(n => !gone.has(n.peerId)) }
  await applyUpdate(devnet, { url: entry, tlsFingerprint }, current, next, signal, opts.onProgress)
  // At activation each removed node erased its shares and exited.
  while (indices.some(i => devnet.node(i).process !== 'down')) {
    signal.throwIfAborted()
    await sleep(POLL_INTERVAL_MS, undefined, { signal }).catch(() => {})
  }
  await writeState(devnet.dir, { ...devnet.state, nodes: devnet.state.nodes.filter(n => !indices.includes(n.index)) })
  return { epoch: next.epoch, added: [], removed: [...indices] }
}

/** The genesis the running members run, from one that stays (not in `leaving`); every running member must agree. */
async function activeGenesis (devnet: Devnet, signal: AbortSignal, leaving: ReadonlySet<string> = new Set()): Promise<{ entry: string, current: Genesis, tlsFingerprint?: string }> {
  const running = devnet.running().map(i => devnet.node(i))
  const stays = running.find(n => !leaving.has(n.peerId))
  if (stays === undefined) throw new DevnetError('no node that stays is running: start the devnet first (`devnet up`)')
  const tls = stays.tlsFingerprint !== undefined ? { tlsFingerprint: stays.tlsFingerprint } : {}
  const current = await callRoute(stays.http, HTTP_API.genesis, {}, { signal, ...tls })
  const pending = await callRoute(stays.http, HTTP_API.membershipStatus, {}, { signal, ...tls })
  if (pending.pending !== null) throw new DevnetError(`node ${stays.index} has an update to epoch ${pending.pending.epoch} pending: wait for it (\`shardsig operator status --node ${stays.http}\`)`)
  return { entry: stays.http, current, ...tls }
}

/** Signs `current` → `next` with the devnet's operator key, posts it to `entry`, and waits until every node of `next` runs it. */
async function applyUpdate (
  devnet: Devnet, to: { url: string, tlsFingerprint?: string | undefined }, current: Genesis, next: Genesis, signal: AbortSignal, onProgress?: (line: string) => void
): Promise<void> {
  const entry = to.url
  const secret = hexToBytes((await readFile(join(devnet.dir, OPERATOR_KEY_FILE), 'utf8')).trim())
  const update = signMembershipUpdate(current, next, secret, bytesToHex(ed25519.getPublicKey(secret)))
  await callRoute(entry, HTTP_API.membershipUpdate, { body: update }, { signal, ...(to.tlsFingerprint !== undefined ? { tlsFingerprint: to.tlsFingerprint } : {}) })
  const digest = genesisDigest(next)
  const urls = next.nodes.map(n => n.http)
  const fingerprints = new Map(next.nodes.map(n => [n.http, n.tlsFingerprint]))
  // A node that switched stays counted while it restarts (briefly unreachable).
  const switched = new Set<string>()
  let last = ''
  for (;;) {
    const states = await Promise.all(urls.map(async url => {
      const tlsFingerprint = fingerprints.get(url)
      return await getJson(`${url}/membership`, { signal, ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {}) }).then(b => MembershipStatusSchema.parse(b), () => undefined)
    }))
    states.forEach((s, i) => { if (s?.active.genesisDigest === digest) switched.add(urls[i]!) })
    const on = switched.size
    const progress = states.find(s => s?.pending?.coordinating === true)?.pending?.keys ?? states.find(s => s?.pending !== null && s?.pending !== undefined)?.pending?.keys
    const line = `epoch ${next.epoch}: ${on}/${urls.length} nodes on it${progress !== undefined ? `, keys reshared ${progress.reshared}/${progress.total}` : ''}`
    if (line !== last) onProgress?.(line)
    last = line
    if (on === urls.length) return
    if (signal.aborted) throw new DevnetTimeoutError(`not every node runs epoch ${next.epoch} yet (${line}); see \`shardsig operator status --node ${entry}\` and the nodes' logs`)
    await sleep(POLL_INTERVAL_MS, undefined, { signal }).catch(() => {})
  }
}

/** Waits until node `index` answers GET /health as a joining node. */
async function waitJoining (devnet: Devnet, index: number, signal: AbortSignal): Promise<void> {
  const node = devnet.node(index)
  let lastError = 'no answer yet'
  while (!signal.aborted) {
    if (devnet.node(index).process === 'down') throw new DevnetError(`node ${index} exited while starting to join; see ${node.paths.log}`)
    try {
      const health = JoiningHealthSchema.parse(await getJson(`${node.http}/health`, { signal, ...(node.tlsFingerprint !== undefined ? { tlsFingerprint: node.tlsFingerprint } : {}) }))
      if (health.peerId === node.peerId) return
      lastError = `answers as peer ${health.peerId}`
    } catch (err) {
      lastError = (err as Error).message
    }
    await sleep(POLL_INTERVAL_MS, undefined, { signal }).catch(() => {})
  }
  throw new DevnetTimeoutError(`node ${index} did not start joining: ${lastError}; see ${node.paths.log}`)
}

function smallestCommittee (nodes: Genesis['nodes'], committees: number): number {
  const sizes = Array.from({ length: committees }, (_, c) => nodes.filter(n => n.committee === c + 1).length)
  return sizes.indexOf(Math.min(...sizes)) + 1
}
