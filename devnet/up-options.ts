// What `devnet up` and `devnet genesis` are asked for, and how an ask meets
// the devnet already in the folder: generate a new one, regenerate it with its
// old shape (--fresh), or reuse it when nothing asked for differs from it.
import { isDeepStrictEqual } from 'node:util'
import { DEFAULT_BASE_PORT, HTTP_PORT_OFFSET, MAX_DEVNET_NODES } from './constants.js'
import { DevnetUsageError } from './errors.js'
import { generateDevnet, type LogLevel } from './generate.js'
import type { Progress } from './health.js'
import { chooseParams } from './params.js'
import { hostOf, usesTls, writeState, type DevnetState } from './state.js'

/** What shapes a generated devnet; a reused one must match it. */
export interface ShapeOptions {
  /** Node count; required when the folder holds no devnet yet. */
  nodes?: number
  committees?: number
  basePort?: number
  /**
   * Every node serves HTTPS with a self-signed certificate made here; the genesis
   * lists https URLs and the certificates' fingerprints, and the devnet's own
   * requests pin them. Only when generating; a reused devnet keeps what it was.
   */
  tls?: boolean
  /**
   * Address of each node (node i at [i-1]): it listens there for p2p and HTTP,
   * and the genesis announces it. Default 127.0.0.1 for every node. Only when
   * generating; a reused devnet must have been generated with the same hosts.
   */
  hosts?: string[]
  logLevel?: LogLevel
}

export interface UpOptions extends ShapeOptions {
  /** Devnet folder; default `.devnet` in the working directory. */
  dir?: string
  /** Wipe an existing (stopped) devnet and generate a new one (the old node count and committees unless -n is given, the old base port unless given). */
  fresh?: boolean
  /** Deadline for every node healthy with roles agreed. */
  timeoutMs?: number
  signal?: AbortSignal
  onProgress?: (progress: Progress) => void
  /** Script to run instead of bin/shardsig-node.js (it gets --config and --passphrase-file). */
  nodeEntry?: string
  /**
   * Command each node is started through, e.g. `i => ['ip', 'netns', 'exec', ns(i)]`;
   * it must exec the node in place (the pid is the node's). Stored in the state,
   * so `open`, `start` and `restart` use it too; an `up` without it clears it.
   */
  wrapCommand?: (index: number) => string[]
}

/** Generates a devnet of `nodes` nodes in `dir` (which holds none) as `shape` says, with defaults for the rest. */
export async function generateShaped (dir: string, nodes: number, shape: ShapeOptions): Promise<DevnetState> {
  const basePort = shape.basePort ?? DEFAULT_BASE_PORT
  const params = chooseParams(nodes, shape.committees)
  checkBasePort(basePort)
  return await generateDevnet({
    dir, nodes, params, basePort, logLevel: shape.logLevel ?? 'info', ...(shape.hosts !== undefined ? { hosts: shape.hosts } : {}), ...(shape.tls === true ? { tls: true } : {})
  })
}

/** `up --fresh` over `state`: a fresh devnet keeps the old shape unless told otherwise; only the identities are new. */
export function freshOptions (state: DevnetState, opts: UpOptions): UpOptions {
  const shape = opts.nodes === undefined ? { nodes: state.nodes.length, committees: state.params.committees, hosts: state.nodes.map(hostOf) } : {}
  return { ...shape, basePort: state.basePort, tls: usesTls(state), ...definedOnly(opts) }
}

/** Options that would change a generated devnet must match it; changing them takes `--fresh`. */
export function checkReuse (dir: string, state: DevnetState, opts: UpOptions): void {
  const mismatch: string[] = []
  if (opts.nodes !== undefined && opts.nodes !== state.nodes.length) mismatch.push(`${state.nodes.length} nodes`)
  if (opts.committees !== undefined && opts.committees !== state.params.committees) mismatch.push(`${state.params.committees} committees`)
  if (opts.basePort !== undefined && opts.basePort !== state.basePort) mismatch.push(`base port ${state.basePort}`)
  if (opts.hosts !== undefined && !isDeepStrictEqual(opts.hosts, state.nodes.map(hostOf))) mismatch.push(`hosts ${state.nodes.map(hostOf).join(',')}`)
  if (opts.tls !== undefined && opts.tls !== usesTls(state)) mismatch.push(usesTls(state) ? 'TLS' : 'plain HTTP')
  if (mismatch.length > 0) {
    throw new DevnetUsageError(`the devnet in ${dir} was generated with ${mismatch.join(', ')}; use --fresh to generate a new one (new peer ids)`)
  }
}

/** The wrapper of every node as `up` was told (none: no wrapper), written to the state when it changed. */
export async function storeWrappers (dir: string, state: DevnetState, wrapCommand: UpOptions['wrapCommand']): Promise<DevnetState> {
  const nodes = state.nodes.map(({ wrapper: _old, ...n }) => {
    const wrapper = wrapCommand?.(n.index)
    if (wrapper !== undefined && wrapper.length === 0) throw new DevnetUsageError(`wrapCommand(${n.index}) gave an empty command`)
    return wrapper !== undefined ? { ...n, wrapper } : n
  })
  if (isDeepStrictEqual(nodes, state.nodes)) return state
  const next = { ...state, nodes }
  await writeState(dir, next)
  return next
}

function definedOnly<T extends object> (o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}

function checkBasePort (basePort: number): void {
  const highest = basePort + HTTP_PORT_OFFSET + MAX_DEVNET_NODES
  if (!Number.isSafeInteger(basePort) || basePort < 1024 || highest > 65535) {
    throw new DevnetUsageError(`base port must be an integer from 1024 to ${65535 - HTTP_PORT_OFFSET - MAX_DEVNET_NODES}, got ${basePort}`)
  }
}
