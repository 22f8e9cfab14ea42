// createNode(config): starts one shardsig node — store, libp2p, heartbeats,
// dialing of genesis peers, HTTP — and stops them in reverse order.
import { bytesToHex } from '@noble/hashes/utils.js'
import { join } from 'node:path'
import type { Frost } from '../protocols/frost/index.js'
import type { Genesis, GenesisNode } from '../protocols/wire/genesis.js'
import { createApp } from './api/app.js'
import { frostFor } from './crypto-backend.js'
import { PortInUseError, serveHttp, type HttpListener } from './api/serve.js'
import { ConfigError, loadGenesis, type NodeConfig } from './config/index.js'
import { LivenessTracker } from './engine/liveness.js'
import { NetworkView } from './engine/network-view.js'
import { HealthFindings } from './engine/health/findings.js'
import { startHealthChecks } from './engine/health/checks.js'
import { registerHealthGauges } from './metrics/health.js'
import { readIdentityFile, type NodeIdentity } from './identity.js'
import { createLogger, type Logger } from './log.js'
import { countGossipValidations, countRefusedConnections, createNodeMetrics, instrumentStore, packageVersion, registerStateGauges, type NodeMetrics } from './metrics/index.js'
import { createShardsigLibp2p, type ShardsigLibp2p } from './p2p/create-libp2p.js'
import { PeerAdmission } from './p2p/admission.js'
import { PeerQuotas, usePeerQuotas } from './p2p/peer-quotas.js'
import { GenesisDialer } from './p2p/dialer.js'
import { checkHttpsMatchesGenesis, loadHttpsCredentials } from './tls/files.js'
import { HeartbeatService } from './p2p/heartbeat.js'
import { BlameLog } from './engine/blame.js'
import type { KeyRegistry } from './engine/registry.js'
import { openKeyRegistry } from './open-key-registry.js'
import { DeletionService } from './engine/delete-user.js'
import { ShareStore } from './engine/new-user/share-store.js'
import { startNewUserService } from './engine/new-user/service.js'
import { startDkgService } from './engine/dkg/service.js'
import { startLifecycleService, type LifecycleService } from './engine/lifecycle/service.js'
import type { Activation } from './engine/lifecycle/activation.js'
import { loadEpochChain, type EpochChain } from './engine/lifecycle/epoch-chain.js'
import type { KeyStates } from './engine/lifecycle/key-state.js'
import { startSignService } from './engine/sign/service.js'
import { EcdsaPairService } from './engine/ecdsa/service.js'
import { pairContextOf } from '../protocols/wire/ecdsa-pair.js'
import { blameChecker } from './engine/sign/blame-checker.js'
import { KeyMaterials } from './engine/sign/key-material.js'
import { HONEST_PROTOCOLS, type NodeProtocols } from './node-protocols.js'
import { openStore, type KeyStore } from './store/index.js'
import { startJoiningNode, type JoiningNode } from './join.js'

export interface ShardsigNode {
  readonly nodeId: string
  /** The active epoch's genesis (the last link of `chain`). */
  readonly genesis: Genesis
  readonly chain: EpochChain
  readonly self: GenesisNode
  readonly identity: NodeIdentity
  readonly libp2p: ShardsigLibp2p
  readonly store: KeyStore
  readonly view: NetworkView
  readonly registry: KeyRegistry
  readonly keyStates: KeyStates
  readonly shares: ShareStore
  readonly blame: BlameLog
  /** update_node_set: pending membership, epoch entries, resharing. */
  readonly lifecycle: LifecycleService
  /** DKLs23 pair states with the other members: `ecdsaPairs.keysFor(peers, signal)` (node/engine/ecdsa/service.ts). */
  readonly ecdsaPairs: EcdsaPairService
  readonly http: HttpListener
  readonly log: Logger
  readonly metrics: NodeMetrics
  /**
   * Stops every part in reverse order, after a goodbye on the heartbeat topic so that peers count
   * this node down at once, and with the sign requests it coordinates let finish first (up to
   * SIGN_DRAIN_TIMEOUT_MS). `goodbye: false` leaves both out: peers see what a crash shows them,
   * silence, and requests stop where they are (in-process tests that stand for a node that vanished).
   */
  stop: (opts?: { goodbye?: boolean }) => Promise<void>
}

export interface CreateNodeOptions {
  log?: Logger
  /** The protocol steps this node runs; default: the honest ones (node/node-protocols.ts). A test gives a Byzantine node others. */
  protocols?: Partial<NodeProtocols>
  /**
   * Called once the node moved its store to a new epoch (update_node_set's
   * activation): the caller stops this node and creates it again, which then
   * runs the new epoch — or, when `member` is false, lets it go.
   */
  onEpochActivated?: (activation: Activation) => void
  /** FROST on the backend to use; default: one made at start from `config.cryptoBackend` (node/crypto-backend.ts). */
  frost?: Frost
}

/** The node's store says it left the network: an activated epoch does not name it. */
export class RemovedFromNetworkError extends Error {
  constructor (readonly nodeId: string, readonly epoch: number) {
    super(`${nodeId} is not a member of epoch ${epoch}, which this node activated: it erased its shares and does not start`)
    this.name = 'RemovedFromNetworkError'
  }
}

/**
 * This node is in no epoch of its genesis chain (never was): it can only join,
 * when its config says so (`"join": true`), through startNode.
 */
export class NotAMemberYetError extends Error {
  constructor (readonly config: NodeConfig, readonly peerId: string, readonly epoch: number) {
    super(`${config.nodeId} (peer id ${peerId}) is not a node of epoch ${epoch} of genesis ${config.genesisPath}${config.join === true
      ? ''
      : ': check nodeId and the identity file, or, for a new node that an operator will add, set "join": true in its config'}`)
    this.name = 'NotAMemberYetError'
  }
}

/**
 * Starts a node: a member of the active epoch (createNode), or — with `"join": true`
 * and no epoch naming it yet — a joining node (node/join.ts) that becomes a member
 * when the update adding it is activated (onEpochActivated; start it again then).
 */
export async function startNode (config: NodeConfig, opts: CreateNodeOptions = {}): Promise<ShardsigNode | JoiningNode> {
  try {
    return await createNode(config, opts)
  } catch (err) {
    if (!(err instanceof NotAMemberYetError) || config.join !== true) throw err
  }
  return await joinNetwork(config, opts)
}

async function joinNetwork (config: NodeConfig, opts: CreateNodeOptions): Promise<JoiningNode> {
  const log = opts.log ?? createLogger({ level: config.logLevel, nodeId: config.nodeId })
  const baseGenesis = await loadGenesis(config.genesisPath)
  const identity = await readIdentityFile(config.identityFile, config.passphrase)
  const protocols: NodeProtocols = { ...HONEST_PROTOCOLS, ...opts.protocols }
  const cleanups: Array<() => Promise<void>> = []
  const unwind = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(err => log.warn({ err }, 'cleanup failed'))
  }
  try {
    const store = await openStore({ path: join(config.dataDir, 'store'), passphrase: config.passphrase })
    cleanups.push(async () => { await store.close() })
    const chain = await loadEpochChain(store, baseGenesis)
    const joining = await startJoiningNode(config, identity, store, chain, { log, protocols, onEpochActivated: opts.onEpochActivated, cryptoBackend: (opts.frost ?? frostFor(config.cryptoBackend)).info }, cleanups)
    let stopping: Promise<void> | undefined
    return {
      ...joining,
      stop: async () => {
        stopping ??= unwind()
        await stopping
      }
    }
  } catch (err) {
    await unwind()
    throw err
  }
}

export async function createNode (config: NodeConfig, opts: CreateNodeOptions = {}): Promise<ShardsigNode> {
  const log = opts.log ?? createLogger({ level: config.logLevel, nodeId: config.nodeId })
  const startedAtMs = Date.now()
  const baseGenesis = await loadGenesis(config.genesisPath)
  const identity = await readIdentityFile(config.identityFile, config.passphrase)
  // The config's genesis names this node under its node id, or (a joining node) not at all.
  const listed = baseGenesis.nodes.find(n => n.nodeId === config.nodeId)
  if (listed !== undefined) checkIdentityMatchesGenesis(identity, listed, config)
  // FROST's group-operation library, chosen once (SHARDSIG_CRYPTO_BACKEND may override): before anything starts.
  const frost = opts.frost ?? frostFor(config.cryptoBackend)
  const cryptoBackend = frost.info
  const protocols: NodeProtocols = { ...HONEST_PROTOCOLS, ...opts.protocols }

  // Everything opened so far is closed again if a later step fails.
  const cleanups: Array<() => Promise<void>> = []
  /** Whether the node stops gracefully (a goodbye, its sign requests let finish) or as if it vanished (stop's `goodbye: false`). */
  let graceful = true
  const unwind = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(err => log.warn({ err }, 'cleanup failed'))
  }
  // One registry per node (never prom-client's global one): a test process runs several nodes.
  const metrics = createNodeMetrics({ version: packageVersion(), nodeId: config.nodeId, cryptoBackend })
  cleanups.push(async () => { metrics.stop() })
  try {
    // Store operations that fail, and share records that do not authenticate, make /health degraded.
    const findings = new HealthFindings({ log })
    const store = instrumentStore(await openStore({ path: join(config.dataDir, 'store'), passphrase: config.passphrase }), metrics, { onError: findings.storeFailed })
    cleanups.push(async () => { await store.close() })
    // The epoch this node runs: the config's genesis and every update it activated since (decisions/0008).
    const chain = await loadEpochChain(store, baseGenesis)
    const genesis = chain.active
    const self = genesis.nodes.find(n => n.peerId === identity.peerId)
    if (self === undefined) {
      if (!chain.geneses.some(g => g.nodes.some(n => n.peerId === identity.peerId))) throw new NotAMemberYetError(config, identity.peerId, genesis.epoch)
      // Activation erased the shares already; a second time costs nothing when they are gone.
      const shares = new ShareStore(store)
      for (const s of await shares.all()) await shares.erase(s.keyId)
      throw new RemovedFromNetworkError(config.nodeId, genesis.epoch)
    }
    checkIdentityMatchesGenesis(identity, self, config)
    // HTTPS as the genesis says, checked before anything starts: a certificate of another fingerprint is refused.
    const https = await loadHttpsCredentials(config.tls, config.passphrase)
    checkHttpsMatchesGenesis(https, self, config)

    // Only nodes of this epoch, of a pending update and (for a while) those the last update removed may connect.
    const previousMembers = new Set(chain.geneses.at(-2)?.nodes.map(n => n.peerId) ?? [])
    const admission = new PeerAdmission({
      members: genesis.nodes.map(n => n.peerId), removed: previousMembers, onRefused: countRefusedConnections(metrics.registry)
    })
    const libp2p = await createShardsigLibp2p({
      privateKey: identity.libp2pKey, listen: config.listen.p2p,
      network: { committees: genesis.params.committees, gater: admission.gater() }
    })
      .catch(err => { throw mapListenError(err, config.listen.p2p) })
    cleanups.push(async () => { await libp2p.stop() })
    admission.start(libp2p)
    cleanups.push(async () => { admission.stop() })
    // Per-peer quotas on the direct protocols, installed before any handler takes a request.
    usePeerQuotas(libp2p, new PeerQuotas({ onRefused: protocol => { metrics.quotaRefused(protocol, 'peer') } }))

    const membership = chain.activeMembership
    const blame = new BlameLog(store, log, metrics)
    await blame.load()
    const { registry, keyStates } = await openKeyRegistry({
      libp2p, store, memberships: chain, log, active: genesis, metrics,
      peers: new Set(genesis.nodes.map(n => n.peerId).filter(p => p !== self.peerId))
    })
    const liveness = new LivenessTracker(self.peerId)
    const view = new NetworkView({
      genesis,
      self,
      liveness,
      connectedPeers: () => new Set(libp2p.getConnections().map(c => c.remotePeer.toString())),
      keyCount: () => registry.size(),
      // /health lists blame without its evidence (GET /blame has it): a health check stays small.
      recentBlame: () => blame.recent().map(({ evidence: _evidence, ...record }) => record),
      findings: () => findings.snapshot(),
      startedAtMs
    })
    const heartbeat = new HeartbeatService({
      libp2p, liveness, nodeId: self.nodeId, epoch: genesis.epoch, store,
      members: new Map(genesis.nodes.map(n => [n.peerId, n.nodeId])), log
    })
    cleanups.push(async () => { heartbeat.stop() })
    await heartbeat.start()
    await registry.start()
    cleanups.push(async () => { await registry.stop() })
    const shares = new ShareStore(store)
    // Every share record is read once before HTTP serves, so the first /health already knows.
    const healthChecks = await startHealthChecks({ store, findings, log })
    cleanups.push(async () => { await healthChecks.stop() })
    const deletion = new DeletionService({ registry, keyStates, shares, selfPeerId: self.peerId, seed: identity.libp2pKey.raw.subarray(0, 32), log })
    await deletion.catchUp()
    const newUser = await startNewUserService({
      libp2p, identity, membership, committee: self.committee, view, shares, registry, blame, log, metrics
    })
    cleanups.push(async () => { await newUser.stop() })
    const dkg = await startDkgService({ libp2p, identity, membership, view, blame, log, dealDkg: protocols.dealDkg })
    cleanups.push(async () => { await dkg.stop() })
    const lifecycle = await startLifecycleService({
      libp2p, identity, genesis, lastUpdate: chain.lastUpdate, store, view, registry, keyStates, shares, blame, log, dealReshare: protocols.dealReshare, onActivated: opts.onEpochActivated,
      previousMembers, admission
    })
    cleanups.push(async () => { await lifecycle.stop() })
    // DKLs23 pairs of this membership; set up ahead only once there is an ECDSA key to sign with.
    let ecdsaKeyKnown = registry.keyIds().some(id => registry.get(id)?.record.scheme === 'ecdsa-secp256k1')
    const ecdsaPairs = new EcdsaPairService({
      libp2p, group: frost.backend.secp256k1, store, self: self.peerId, members: genesis.nodes.map(n => n.peerId),
      context: pairContextOf(genesis.network, genesis.epoch), log, metrics, wanted: () => ecdsaKeyKnown
    })
    registry.onEntry(entry => {
      if (entry.record.scheme !== 'ecdsa-secp256k1' || ecdsaKeyKnown) return
      ecdsaKeyKnown = true
      // The first ECDSA key: set the pairs up now, so its first signatures do not pay for them.
      ecdsaPairs.wake()
    })
    await ecdsaPairs.start()
    cleanups.push(async () => { await ecdsaPairs.stop() })
    const sign = await startSignService({ frost, libp2p, view, membership, memberships: chain, keyStates, peerSeed: identity.libp2pKey.raw.subarray(0, 32), registry, shares, store, blame, log, metrics, signing: protocols.signing, ecdsaSigning: protocols.ecdsaSigning, pairs: ecdsaPairs,
      maxPendingRequests: config.limits.maxPendingSignRequests, ownerShareOfPending: config.limits.ownerShareOfPendingSignRequests
    })
    cleanups.push(async () => { await sign.stop({ drain: graceful }) })
    // Every topic validator is installed by now (heartbeat, registry, committee game).
    countGossipValidations(libp2p.services.pubsub, metrics)
    registerHealthGauges(metrics.registry, () => view.assessHealth())
    registerStateGauges(metrics.registry, {
      genesis, selfPeerId: self.peerId, liveSet: () => view.liveSet(), libp2p, pendingSignRequests: () => sign.coordinator.pendingRequests
    })

    const dialer = new GenesisDialer(libp2p, genesis.nodes, log)
    dialer.start()
    cleanups.push(async () => { dialer.stop() })

    const app = createApp({
      view, membership, genesis, registry, keyStates, newUser: newUser.leader, dkg: dkg.coordinator, lifecycle, sign: sign.coordinator, deletion, log, metrics: metrics.registry,
      recentSignRequests: () => sign.coordinator.recentRequests(),
      blame, checkBlame: blameChecker(frost, new KeyMaterials(registry, chain, keyStates)), cryptoBackend,
      quotas: { ...config.limits.http, onRefused: (route, quota) => { metrics.quotaRefused(route, quota) } }
    })
    const http = await serveHttp(app, config.listen.http.host, config.listen.http.port, https)
    cleanups.push(async () => { await http.close() })
    // Last registered, so the first step of a stop: peers count this node down now, not a liveness window later.
    cleanups.push(async () => { if (graceful) await heartbeat.goodbye() })

    log.info({
      peerId: self.peerId, committee: self.committee, epoch: genesis.epoch,
      p2p: libp2p.getMultiaddrs().map(a => a.toString()), http: http.url, cryptoBackend
    }, 'node started')

    let stopping: Promise<void> | undefined
    return {
      nodeId: self.nodeId, genesis, chain, self, identity, libp2p, store, view, registry, keyStates, shares, blame, lifecycle, ecdsaPairs, http, log, metrics,
      stop: async (stopOpts = {}) => {
        if (stopping === undefined && stopOpts.goodbye === false) graceful = false
        stopping ??= (async () => {
          log.info('node stopping')
          await unwind()
          log.info('node stopped')
        })()
        await stopping
      }
    }
  } catch (err) {
    await unwind()
    throw err
  }
}

function checkIdentityMatchesGenesis (identity: NodeIdentity, self: GenesisNode, config: NodeConfig): void {
  if (identity.peerId !== self.peerId) {
    throw new ConfigError(`identity file ${config.identityFile} holds peer id ${identity.peerId}, but genesis lists ${self.peerId} for ${self.nodeId}`)
  }
  if (bytesToHex(identity.encryptionPublicKey) !== self.encryptionPublicKey) {
    throw new ConfigError(`identity file ${config.identityFile} holds an encryption key that genesis does not list for ${self.nodeId}`)
  }
}

function mapListenError (err: unknown, listen: string[]): unknown {
  const e = err as NodeJS.ErrnoException & { errors?: unknown[] }
  const text = `${e.message ?? ''} ${(e.errors ?? []).map(x => (x as Error).message).join(' ')}`
  if (e.code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(text)) {
    const m = /\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(listen[0] ?? '')
    return new PortInUseError('p2p', m?.[1] ?? '?', Number(m?.[2] ?? 0))
  }
  return err
}
