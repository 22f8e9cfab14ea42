// The devnet as a programmatic API: generate, start, watch and stop a local
// network of node processes. The CLI (cli.ts), the e2e tests and the benchmark
// all go through this class.
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { deadline } from '../node/deadline.js'
import type { GenesisParams } from '../protocols/wire/genesis.js'
import {
  DEFAULT_DEVNET_DIR, LOG_TAIL_LINES, POLL_INTERVAL_MS, PORT_RELEASE_TIMEOUT_MS, RESTART_TIMEOUT_MS, STOP_TIMEOUT_MS, UP_TIMEOUT_MS
} from './constants.js'
import { resolveNodeEntry } from './entry.js'
import { DevnetError, DevnetTimeoutError, DevnetUsageError } from './errors.js'
import type { LogLevel } from './generate.js'
import {
  assessAgreement, fetchParsed, nodeList, fetchView, HEALTH_STATUSES, HealthSchema, PeersSchema, WhoClSchema, WhoCmSchema,
  type Agreement, type Health, type NodeRef, type Peers, type Progress, type WhoCl, type WhoCm
} from './health.js'
import { nodePaths, type NodePaths } from './layout.js'
import { tailLines } from './logs.js'
import { nodeStatus } from './node-status.js'
import { describeTaken, nodePortClaims, takenPorts, waitForPorts, type PortClaim } from './ports.js'
import {
  killProcess, processState, readPidFile, removePidFile, sendSignal, spawnNode, stopProcess,
  type ProcessState
} from './processes.js'
import { hostOf, readState, usesTls, type DevnetNodeRecord, type DevnetState } from './state.js'
import type { NodeRow } from './table.js'
import { checkReuse, freshOptions, generateShaped, storeWrappers, type ShapeOptions, type UpOptions } from './up-options.js'

export type { Progress, ShapeOptions, UpOptions }

export interface WaitOptions {
  timeoutMs?: number
  signal?: AbortSignal
  /** Nodes that must agree; default every node whose process is running (not paused). */
  nodes?: readonly number[]
  onProgress?: (progress: Progress) => void
  pollIntervalMs?: number
  /** Wait until every node's /health also says `ok` (as `up` does), not only that it answers. */
  requireOk?: boolean
}

export interface DevnetNode extends DevnetNodeRecord {
  paths: NodePaths
  dataDir: string
  /** From the pid file; undefined when the devnet does not consider the node started. */
  pid: number | undefined
  process: ProcessState
}

export class Devnet {
  /** Size of each node's log when this object last started it: failure reports show only what came after. */
  private readonly logOffsets = new Map<number, number>()

  private constructor (readonly dir: string, readonly state: DevnetState, private readonly entryOverride: string | undefined) {}

  /** Generates the devnet if `dir` holds none (else reuses its genesis and identities), starts every node and waits for agreement. */
  static async up (opts: UpOptions = {}): Promise<Devnet> {
    const dir = resolve(opts.dir ?? DEFAULT_DEVNET_DIR)
    let state = await readState(dir)
    if (state !== undefined) {
      const existing = new Devnet(dir, state, opts.nodeEntry)
      const alive = existing.nodes().filter(n => n.process !== 'down')
      if (alive.length > 0) {
        throw new DevnetError(`the devnet in ${dir} is already running (${alive.length} of ${existing.size} nodes up); see \`devnet status\`, or run \`devnet down\` first`)
      }
      await existing.removeStalePidFiles()
      if (opts.fresh === true) {
        opts = freshOptions(state, opts)
        await rm(dir, { recursive: true, force: true })
        state = undefined
      } else {
        checkReuse(dir, state, opts)
        if (opts.logLevel !== undefined) await existing.setLogLevel(opts.logLevel)
      }
    }
    if (state === undefined) {
      if (opts.nodes === undefined) throw new DevnetUsageError(`there is no devnet in ${dir} yet: give the node count (-n N)`)
      state = await generateShaped(dir, opts.nodes, opts)
    }
    state = await storeWrappers(dir, state, opts.wrapCommand)
    const devnet = new Devnet(dir, state, opts.nodeEntry)
    await devnet.startAll(opts)
    return devnet
  }

  /**
   * Generates a devnet without starting it (`devnet genesis`): with `hosts`,
   * the genesis and configs of a network whose nodes run elsewhere.
   */
  static async generate (opts: ShapeOptions & { dir?: string }): Promise<Devnet> {
    const dir = resolve(opts.dir ?? DEFAULT_DEVNET_DIR)
    if (await readState(dir) !== undefined) throw new DevnetError(`there is already a devnet in ${dir}: remove it or choose another --dir`)
    const nodes = opts.nodes ?? opts.hosts?.length
    if (nodes === undefined) throw new DevnetUsageError('give the hosts (--hosts) or the node count')
    return new Devnet(dir, await generateShaped(dir, nodes, opts), undefined)
  }

  /** The devnet in `dir`, running or not. */
  static async open (dir: string = DEFAULT_DEVNET_DIR, opts: { nodeEntry?: string } = {}): Promise<Devnet> {
    const abs = resolve(dir)
    const state = await readState(abs)
    if (state === undefined) throw new DevnetError(`there is no devnet in ${abs} (start one with \`devnet up -n 9\`)`)
    return new Devnet(abs, state, opts.nodeEntry)
  }

  get size (): number { return this.state.nodes.length }
  /** Whether the nodes serve HTTPS (`up --tls`). */
  get tls (): boolean { return usesTls(this.state) }
  get params (): GenesisParams { return this.state.params }
  indices (): number[] { return this.state.nodes.map(n => n.index) }

  node (index: number): DevnetNode {
    const record = this.state.nodes.find(n => n.index === index)
    if (record === undefined) throw new DevnetUsageError(`there is no node ${index}: the devnet has nodes 1 to ${this.size}`)
    const paths = nodePaths(this.dir, index)
    const pid = readPidFile(paths.pid)
    return { ...record, paths, dataDir: paths.data, pid, process: pid === undefined ? 'down' : processState(pid, paths.config) }
  }

  nodes (): DevnetNode[] {
    return this.indices().map(i => this.node(i))
  }

  /** Indices of the nodes whose process is running (paused ones excluded). */
  running (): number[] {
    return this.nodes().filter(n => n.process === 'running').map(n => n.index)
  }

  indexOfPeer (peerId: string): number | undefined {
    return this.state.nodes.find(n => n.peerId === peerId)?.index
  }

  // --- asking nodes ---

  /** The node's /health, ok or not (a node that is not ok answers 503 with the same body). */
  async health (index: number, signal?: AbortSignal): Promise<Health> {
    const { http, tlsFingerprint } = this.node(index)
    return await fetchParsed(`${http}/health`, HealthSchema, signal, HEALTH_STATUSES, tlsFingerprint)
  }

  async whoCl (index: number, signal?: AbortSignal): Promise<WhoCl> {
    const { http, tlsFingerprint } = this.node(index)
    return await fetchParsed(`${http}/who_cl`, WhoClSchema, signal, undefined, tlsFingerprint)
  }

  async whoCm (index: number, signal?: AbortSignal): Promise<WhoCm> {
    const { http, tlsFingerprint } = this.node(index)
    return await fetchParsed(`${http}/who_cm`, WhoCmSchema, signal, undefined, tlsFingerprint)
  }

  async peers (index: number, signal?: AbortSignal): Promise<Peers> {
    const { http, tlsFingerprint } = this.node(index)
    return await fetchParsed(`${http}/peers`, PeersSchema, signal, undefined, tlsFingerprint)
  }

  /** One poll of `nodes` (default: the running ones): do they agree on the roles? */
  async agreement (nodes: readonly number[] = this.running(), signal?: AbortSignal, opts: { requireOk?: boolean } = {}): Promise<Agreement> {
    const refs = nodes.map(i => this.ref(i))
    const views = await Promise.all(refs.map(async r => await fetchView(r, signal)))
    return assessAgreement(views, refs, this.indices().map(i => this.ref(i)), opts)
  }

  /**
   * Polls until the nodes agree on the roles (see health.ts for what that
   * means). Fails at once if one of them exits; on the deadline the error
   * says which nodes were not ready and shows the tail of their logs.
   */
  async waitForAgreement (opts: WaitOptions = {}): Promise<Agreement> {
    const timeoutMs = opts.timeoutMs ?? UP_TIMEOUT_MS
    const signal = deadline(timeoutMs, opts.signal)
    const nodes = opts.nodes ?? this.running()
    const startedMs = performance.now()
    let last: Agreement | undefined
    while (!signal.aborted) {
      const dead = nodes.filter(i => this.node(i).process === 'down')
      if (dead.length > 0) {
        throw new DevnetError(`${nodeList(dead)} exited while waiting for the roles to agree`, await this.diagnose(dead.map(index => ({ index, reason: 'process exited' }))))
      }
      const agreement = await this.agreement(nodes, signal, { requireOk: opts.requireOk === true })
      if (signal.aborted) break
      last = agreement
      opts.onProgress?.({ healthy: last.healthy, total: last.total, agreed: last.agreed, ...(last.reason !== undefined ? { reason: last.reason } : {}), elapsedMs: performance.now() - startedMs })
      if (last.agreed) return last
      await sleep(opts.pollIntervalMs ?? POLL_INTERVAL_MS, undefined, { signal }).catch(() => {})
    }
    if (opts.signal?.aborted === true) throw opts.signal.reason
    const unhealthy = last?.unhealthy ?? nodes.map(index => ({ index, reason: 'no answer yet' }))
    throw new DevnetTimeoutError(
      `roles not agreed within ${timeoutMs} ms (${last !== undefined ? `healthy ${last.healthy}/${last.total}; ${last.reason ?? ''}` : 'no answer yet'})`,
      await this.diagnose(unhealthy)
    )
  }

  /**
   * Polls until node `index` answers /health under its own peer id, ok or not (a node restarted
   * while too few of its peers run answers `degraded`); fails at once if its process exits.
   */
  async waitHealthy (index: number, opts: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<Health> {
    const timeoutMs = opts.timeoutMs ?? RESTART_TIMEOUT_MS
    const signal = deadline(timeoutMs, opts.signal)
    const { peerId } = this.node(index)
    let lastError = 'no answer yet'
    while (!signal.aborted) {
      if (this.node(index).process === 'down') {
        throw new DevnetError(`node ${index} exited before it became healthy`, await this.diagnose([{ index, reason: 'process exited' }]))
      }
      try {
        const health = await this.health(index, signal)
        if (health.peerId === peerId) return health
        lastError = `answers as peer ${health.peerId}, expected ${peerId}`
      } catch (err) {
        lastError = (err as Error).message
      }
      await sleep(POLL_INTERVAL_MS, undefined, { signal }).catch(() => {})
    }
    if (opts.signal?.aborted === true) throw opts.signal.reason
    throw new DevnetTimeoutError(`node ${index} not healthy within ${timeoutMs} ms`, await this.diagnose([{ index, reason: lastError }]))
  }

  /** One row per node, asking the running ones for their health. */
  async status (signal?: AbortSignal): Promise<NodeRow[]> {
    return await Promise.all(this.nodes().map(async n => await nodeStatus(n, signal)))
  }

  // --- processes ---

  /** Starts node `index` (which must be down) and, unless `wait` is false, waits until it is healthy. */
  async start (index: number, opts: { timeoutMs?: number, signal?: AbortSignal, wait?: boolean } = {}): Promise<void> {
    const node = this.node(index)
    if (node.process !== 'down') throw new DevnetError(`node ${index} is already running (pid ${node.pid ?? '?'})`)
    await removePidFile(node.paths.pid)
    const entry = resolveNodeEntry(this.entryOverride)
    // Ports of a node that just stopped can take a moment to be released.
    const taken = await waitForPorts(this.portClaims([index]), deadline(PORT_RELEASE_TIMEOUT_MS, opts.signal))
    if (taken.length > 0) throw new DevnetError(`cannot start node ${index}: port ${describeTaken(taken)} in use`)
    await this.spawn(entry, index)
    if (opts.wait !== false) await this.waitHealthy(index, opts)
  }

  /** SIGTERM, SIGKILL after `timeoutMs`; false when the node was not running. */
  async stop (index: number, opts: { timeoutMs?: number } = {}): Promise<boolean> {
    const node = this.node(index)
    if (node.pid === undefined) return false
    const wasRunning = node.process !== 'down'
    await stopProcess(node.pid, node.paths.config, opts.timeoutMs ?? STOP_TIMEOUT_MS)
    await removePidFile(node.paths.pid)
    return wasRunning
  }

  /** SIGKILL: the node gets no chance to shut down cleanly. */
  async kill (index: number): Promise<void> {
    const node = this.requireProcess(index)
    await killProcess(node.pid, node.paths.config)
    await removePidFile(node.paths.pid)
  }

  /** SIGSTOP: the process stays but stops answering and sending heartbeats. */
  async pause (index: number): Promise<void> {
    const node = this.requireProcess(index)
    if (node.process === 'paused') throw new DevnetError(`node ${index} is already paused`)
    sendSignal(node.pid, 'SIGSTOP')
    await this.waitForProcessState(index, 'paused')
  }

  /** SIGCONT for a paused node. */
  async resume (index: number): Promise<void> {
    const node = this.requireProcess(index)
    if (node.process !== 'paused') throw new DevnetError(`node ${index} is not paused`)
    sendSignal(node.pid, 'SIGCONT')
    await this.waitForProcessState(index, 'running')
  }

  /** Stops node `index` if it runs, starts it again and waits until it is healthy. */
  async restart (index: number, opts: { timeoutMs?: number, signal?: AbortSignal, stopTimeoutMs?: number } = {}): Promise<void> {
    await this.stop(index, opts.stopTimeoutMs !== undefined ? { timeoutMs: opts.stopTimeoutMs } : {})
    await this.start(index, opts)
  }

  /** Stops every node (SIGTERM, then SIGKILL after `timeoutMs`); `clean` also deletes the devnet folder. */
  async down (opts: { timeoutMs?: number, clean?: boolean } = {}): Promise<{ stopped: number[], killed: number[] }> {
    const stopped: number[] = []
    const killed: number[] = []
    await Promise.all(this.nodes().map(async n => {
      if (n.pid === undefined) return
      if (n.process !== 'down') {
        const how = await stopProcess(n.pid, n.paths.config, opts.timeoutMs ?? STOP_TIMEOUT_MS)
        ;(how === 'killed' ? killed : stopped).push(n.index)
      }
      await removePidFile(n.paths.pid)
    }))
    if (opts.clean === true) await rm(this.dir, { recursive: true, force: true })
    return { stopped: stopped.sort((a, b) => a - b), killed: killed.sort((a, b) => a - b) }
  }

  // --- internals ---

  private ref (index: number): NodeRef {
    const { peerId, http, tlsFingerprint } = this.node(index)
    return { index, peerId, http, ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {}) }
  }

  private requireProcess (index: number): DevnetNode & { pid: number } {
    const node = this.node(index)
    if (node.pid === undefined || node.process === 'down') throw new DevnetError(`node ${index} is not running`)
    return node as DevnetNode & { pid: number }
  }

  private async waitForProcessState (index: number, want: ProcessState): Promise<void> {
    const signal = deadline(PORT_RELEASE_TIMEOUT_MS)
    while (this.node(index).process !== want) {
      if (signal.aborted) throw new DevnetError(`node ${index} did not become ${want}`)
      await sleep(POLL_INTERVAL_MS / 4)
    }
  }

  private async spawn (entry: string, index: number): Promise<number> {
    const { paths, wrapper } = this.node(index)
    this.logOffsets.set(index, await stat(paths.log).then(s => s.size, () => 0))
    return await spawnNode({ entry, configPath: paths.config, passphrasePath: paths.passphrase, logPath: paths.log, pidPath: paths.pid, cwd: paths.dir, ...(wrapper !== undefined ? { wrapper } : {}) })
  }

  /**
   * The ports these nodes will bind, on their own hosts. A wrapped node binds
   * somewhere this process cannot probe (another network namespace): its own
   * bind error, in its log, reports a taken port.
   */
  private portClaims (indices: readonly number[]): PortClaim[] {
    return indices.map(i => this.node(i)).filter(n => n.wrapper === undefined).flatMap(n => nodePortClaims(this.state.basePort, n.index, hostOf(n)))
  }

  private async startAll (opts: UpOptions): Promise<void> {
    const entry = resolveNodeEntry(this.entryOverride)
    const taken = await takenPorts(this.portClaims(this.indices()))
    if (taken.length > 0) {
      throw new DevnetError(`port${taken.length > 1 ? 's' : ''} ${describeTaken(taken)} in use: stop what holds ${taken.length > 1 ? 'them' : 'it'} or choose another --base-port`)
    }
    const started: number[] = []
    try {
      for (const index of this.indices()) {
        await this.spawn(entry, index)
        started.push(index)
      }
      await this.waitForAgreement({
        nodes: this.indices(),
        requireOk: true,
        timeoutMs: opts.timeoutMs ?? UP_TIMEOUT_MS,
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
        ...(opts.onProgress !== undefined ? { onProgress: opts.onProgress } : {})
      })
    } catch (err) {
      // All or nothing: a failed `up` leaves no process behind (the logs stay).
      await Promise.all(started.map(async i => await this.stop(i).catch(() => false)))
      throw err
    }
  }

  private async removeStalePidFiles (): Promise<void> {
    for (const n of this.nodes()) {
      if (n.pid !== undefined && n.process === 'down') await removePidFile(n.paths.pid)
    }
  }

  private async setLogLevel (level: LogLevel): Promise<void> {
    for (const n of this.nodes()) {
      const config = JSON.parse(await readFile(n.paths.config, 'utf8')) as { logLevel?: string }
      config.logLevel = level
      await writeFile(n.paths.config, JSON.stringify(config, null, 2) + '\n')
    }
  }

  /** One block per node: what is wrong, then the tail of its log. */
  private async diagnose (nodes: ReadonlyArray<{ index: number, reason: string }>): Promise<string[]> {
    const out: string[] = []
    for (const { index, reason } of nodes) {
      const n = this.node(index)
      out.push(`node ${index} (pid ${n.pid ?? '-'}, ${n.process}): ${reason}`)
      const tail = await tailLines(n.paths.log, LOG_TAIL_LINES, this.logOffsets.get(index) ?? 0)
      out.push(...(tail.length > 0 ? tail.map(line => `  | ${line}`) : [`  | (nothing in ${n.paths.log})`]))
    }
    return out
  }
}
