// N real nodes in this process: a generated devnet folder (identities, genesis,
// configs) in a temporary directory, each node started with createNode on
// 127.0.0.1 with real libp2p and a real store. For scenario tests.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { generateDevnet, generateNodeFiles } from '../../devnet/generate.js'
import { GENESIS_FILE, nodePaths } from '../../devnet/layout.js'
import { chooseParams } from '../../devnet/params.js'
import { findFreeBasePort } from '../../devnet/ports.js'
import type { DevnetState } from '../../devnet/state.js'
import { loadGenesis, loadNodeConfig, type NodeConfig } from '../../node/config/index.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import type { Activation } from '../../node/engine/lifecycle/activation.js'
import { createNode, startNode, type ShardsigNode } from '../../node/node.js'
import type { NodeProtocols } from '../../node/node-protocols.js'
import type { JoiningNode } from '../../node/join.js'

export interface InProcessCluster {
  dir: string
  state: DevnetState
  configs: NodeConfig[]
  /** Index i (0-based) holds node i+1, or undefined while it is stopped. */
  nodes: Array<ShardsigNode | undefined>
  start: (i: number) => Promise<ShardsigNode>
  /**
   * Stops node i+1 as if it vanished (a crash, a cut cable): no goodbye, so the others count it
   * live until their liveness window passes, as the scenarios of dead and unreachable nodes need.
   * `graceful` sends the goodbye a stopping node sends (SIGTERM, an epoch restart).
   */
  stop: (i: number, opts?: { graceful?: boolean }) => Promise<void>
  running: () => ShardsigNode[]
  /** Restarts after an epoch activation, in progress or done (each rejects when the node failed to come back). */
  switches: Array<Promise<void>>
  /**
   * Makes node i+1 (a new identity, config with `"join": true`, the cluster's genesis) and
   * starts it as a joining node; once an update adding it is activated it runs in `nodes[i]`.
   */
  join: (i: number, committee: number) => Promise<JoiningNode>
  /** Joining nodes by index, until they become members. */
  joining: Map<number, JoiningNode>
  close: () => Promise<void>
}

export async function startInProcessCluster (n: number, opts: { committees?: number, basePortFrom?: number, byzantine?: ReadonlyMap<number, Partial<NodeProtocols>> | ((index: number, genesis: Genesis) => Partial<NodeProtocols> | undefined), limits?: NodeConfig['limits'] } = {}): Promise<InProcessCluster> {
  const root = await mkdtemp(join(tmpdir(), 'shardsig-scenario-'))
  const dir = join(root, 'net')
  const basePort = await findFreeBasePort(opts.basePortFrom ?? 23100, n)
  const state = await generateDevnet({ dir, nodes: n, params: chooseParams(n, opts.committees), basePort, logLevel: 'silent' })
  const configs: NodeConfig[] = []
  for (let i = 1; i <= n; i++) {
    const loaded = await loadNodeConfig(['--config', nodePaths(dir, i).config], {})
    configs.push({ ...loaded.config!, limits: { ...loaded.config!.limits, ...opts.limits } })
  }
  const nodes: Array<ShardsigNode | undefined> = new Array(n).fill(undefined)
  const silent = pino({ level: process.env.SHARDSIG_TEST_LOG ?? 'silent' })
  const cluster: InProcessCluster = {
    dir,
    state,
    configs,
    nodes,
    start: async (i) => {
      // A Byzantine node runs other protocol steps (test/helpers/byzantine.ts).
      const protocols = typeof opts.byzantine === 'function' ? opts.byzantine(i, await loadGenesis(configs[i]!.genesisPath)) : opts.byzantine?.get(i)
      // As shardsig-node does: after an epoch's activation the node starts again on it, or stays down when it left.
      const onEpochActivated = (activation: Activation): void => {
        const old = nodes[i]
        nodes[i] = undefined
        cluster.switches.push((async () => {
          await old?.stop()
          if (activation.member) nodes[i] = await createNode(configs[i]!, { log: silent.child({ node: configs[i]!.nodeId }), protocols, onEpochActivated })
        })())
      }
      const node = await createNode(configs[i]!, { log: silent.child({ node: configs[i]!.nodeId }), protocols, onEpochActivated })
      nodes[i] = node
      return node
    },
    join: async (i, committee) => {
      await generateNodeFiles(dir, i + 1, { basePort: state.basePort, host: '127.0.0.1', committee, logLevel: 'silent', genesisFile: join(dir, GENESIS_FILE), join: true })
      configs[i] = (await loadNodeConfig(['--config', nodePaths(dir, i + 1).config], {})).config!
      const log = silent.child({ node: configs[i]!.nodeId })
      const onEpochActivated = (activation: Activation): void => {
        const old = cluster.joining.get(i)
        cluster.joining.delete(i)
        cluster.switches.push((async () => {
          await old?.stop()
          if (activation.member) nodes[i] = await createNode(configs[i]!, { log })
        })())
      }
      const node = await startNode(configs[i]!, { log, onEpochActivated })
      if (!('kind' in node)) throw new Error(`${configs[i]!.nodeId} started as a member, not as a joining node`)
      cluster.joining.set(i, node)
      return node
    },
    joining: new Map(),
    stop: async (i, stopOpts = {}) => {
      const node = nodes[i]
      nodes[i] = undefined
      await node?.stop({ goodbye: stopOpts.graceful === true })
    },
    running: () => nodes.filter((x): x is ShardsigNode => x !== undefined),
    switches: [],
    close: async () => {
      await Promise.allSettled(cluster.switches)
      await Promise.all([...cluster.joining.values()].map(async j => { await j.stop() }))
      await Promise.all(nodes.map(async (_, i) => { await cluster.stop(i) }))
      await rm(root, { recursive: true, force: true })
    }
  }
  try {
    await Promise.all(configs.map(async (_, i) => await cluster.start(i)))
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

/**
 * Polls `check` every `intervalMs` until it returns true; rejects when `signal`
 * fires, with `describe()` (the state that did not match) in the message.
 */
export async function waitUntil (check: () => boolean, signal: AbortSignal, describe: () => string = () => '', intervalMs = 50): Promise<number> {
  const started = Date.now()
  while (!check()) {
    if (signal.aborted) throw new Error(`condition not met within deadline (${String(signal.reason)}): ${describe()}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
  return Date.now() - started
}

/** Each running node's live-set size, for waitUntil's failure message. */
export function describeLiveness (cluster: InProcessCluster): string {
  return cluster.running().map(n => `${n.nodeId}: ${n.view.liveSet().size} live`).join(', ')
}

/**
 * Waits until every one of `nodes` can sign with `keyId`: each has merged the key as usable, and each
 * holder among them has stored its active share of that very state. new_user answers once `tc`
 * committees confirmed with `tm` members each, so under load a third member may still be receiving
 * its delivery; a test that needs every member (a chosen party, a limit counted per signer) waits here.
 */
export async function waitUntilKeyHeld (nodes: ShardsigNode[], keyId: string, signal: AbortSignal, intervalMs = 50): Promise<void> {
  const missing = async (n: ShardsigNode): Promise<string | undefined> => {
    const entry = n.registry.get(keyId)
    if (entry === undefined || !n.keyStates.usable(entry)) return `${n.nodeId}: key not usable`
    const state = n.keyStates.stateOf(entry.record)
    if (state === undefined) return `${n.nodeId}: no state at the active epoch`
    if (!state.holders.some(c => c.includes(n.identity.peerId))) return undefined
    const share = await n.shares.get(keyId, state.epoch)
    return share?.state === 'active' && share.recordDigest === state.digest ? undefined : `${n.nodeId}: no active share`
  }
  for (;;) {
    const gaps = (await Promise.all(nodes.map(missing))).filter(g => g !== undefined)
    if (gaps.length === 0) return
    if (signal.aborted) throw new Error(`key ${keyId} not held everywhere within deadline (${String(signal.reason)}): ${gaps.join(', ')}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}
