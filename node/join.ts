// A node joining the network (docs/protocols/lifecycle.md#joining-nodes): it is
// in no epoch of its genesis chain yet, and runs only what it takes to become a
// member — libp2p (dialing the active members), the key registry (synced from
// them), the reshare participant (deliveries of reshared shares to its slot),
// the membership book and sync. Once the pending update that adds it is
// activated it stops, and the caller starts it again with createNode, as every
// node restarts at activation (decisions/0008). HTTP: GET /health and GET
// /membership only.
import { Hono } from 'hono'
import type { Genesis } from '../protocols/wire/genesis.js'
import type { JoiningHealth } from '../protocols/wire/http.js'
import { serveHttp, type HttpListener } from './api/serve.js'
import type { NodeConfig } from './config/index.js'
import { BlameLog } from './engine/blame.js'
import type { Activation } from './engine/lifecycle/activation.js'
import type { KeyStates } from './engine/lifecycle/key-state.js'
import type { NodeProtocols } from './node-protocols.js'
import { startLifecycleService, type LifecycleService } from './engine/lifecycle/service.js'
import { ShareStore } from './engine/new-user/share-store.js'
import type { KeyRegistry } from './engine/registry.js'
import { openKeyRegistry } from './open-key-registry.js'
import type { NodeIdentity } from './identity.js'
import type { Logger } from './log.js'
import { countRefusedConnections, createNodeMetrics, packageVersion } from './metrics/index.js'
import { PeerAdmission } from './p2p/admission.js'
import { PeerQuotas, usePeerQuotas } from './p2p/peer-quotas.js'
import { createShardsigLibp2p, type ShardsigLibp2p } from './p2p/create-libp2p.js'
import { GenesisDialer } from './p2p/dialer.js'
import { loadHttpsCredentials } from './tls/files.js'
import type { EpochChain } from './engine/lifecycle/epoch-chain.js'
import type { KeyStore } from './store/index.js'
import type { CryptoBackendInfo } from '../protocols/frost/index.js'

export interface JoiningNode {
  readonly kind: 'joining'
  readonly nodeId: string
  readonly identity: NodeIdentity
  /** The active genesis (this node is not in it). */
  readonly genesis: Genesis
  readonly libp2p: ShardsigLibp2p
  readonly store: KeyStore
  readonly registry: KeyRegistry
  readonly keyStates: KeyStates
  readonly shares: ShareStore
  readonly lifecycle: LifecycleService
  readonly http: HttpListener
  readonly log: Logger
  health: () => JoiningHealth
  stop: () => Promise<void>
}

export interface JoinOptions {
  log: Logger
  /** The protocol steps this node runs (node/node-protocols.ts). */
  protocols: NodeProtocols
  /** Called once the update that adds this node was activated here: stop it and start it again with createNode. */
  onEpochActivated?: (activation: Activation) => void
  /** The node's crypto backend (node/crypto-backend.ts), for its build info. */
  cryptoBackend: CryptoBackendInfo
}

/**
 * Starts the joining part of a node on an open store whose chain does not name it.
 * `cleanups` gets every stop step; the caller unwinds them if this throws.
 */
export async function startJoiningNode (
  config: NodeConfig, identity: NodeIdentity, store: KeyStore, chain: EpochChain, opts: JoinOptions, cleanups: Array<() => Promise<void>>
): Promise<Omit<JoiningNode, 'stop'>> {
  const { log } = opts
  const genesis = chain.active
  const members = genesis.nodes.map(n => n.peerId)
  const metrics = createNodeMetrics({ version: packageVersion(), nodeId: config.nodeId, cryptoBackend: opts.cryptoBackend })
  cleanups.push(async () => { metrics.stop() })
  // The members it joins, and the nodes of the update that adds it once it holds that update.
  const admission = new PeerAdmission({ members, onRefused: countRefusedConnections(metrics.registry) })
  const libp2p = await createShardsigLibp2p({
    privateKey: identity.libp2pKey, listen: config.listen.p2p,
    network: { committees: genesis.params.committees, gater: admission.gater() }
  })
  cleanups.push(async () => { await libp2p.stop() })
  admission.start(libp2p)
  usePeerQuotas(libp2p, new PeerQuotas({ onRefused: protocol => { metrics.quotaRefused(protocol, 'peer') } }))
  const blame = new BlameLog(store, log, metrics)
  await blame.load()
  const { registry, keyStates } = await openKeyRegistry({ libp2p, store, memberships: chain, log, active: genesis, peers: new Set(members) })
  await registry.start()
  cleanups.push(async () => { await registry.stop() })
  const shares = new ShareStore(store)
  const lifecycle = await startLifecycleService({
    libp2p, identity, genesis, lastUpdate: chain.lastUpdate, store, registry, keyStates, shares, blame, log, dealReshare: opts.protocols.dealReshare, onActivated: opts.onEpochActivated, admission
  })
  cleanups.push(async () => { await lifecycle.stop() })
  const dialer = new GenesisDialer(libp2p, genesis.nodes, log)
  dialer.start()
  cleanups.push(async () => { dialer.stop() })

  const health = (): JoiningHealth => {
    const pending = lifecycle.book.pending
    const status = lifecycle.status().pending
    return {
      status: 'joining',
      nodeId: config.nodeId,
      peerId: identity.peerId,
      epoch: genesis.epoch,
      pending: pending === undefined || status === null
        ? null
        : { epoch: pending.genesis.epoch, adds: pending.genesis.nodes.some(n => n.peerId === identity.peerId), keys: { total: status.keys.total, reshared: status.keys.reshared } }
    }
  }
  const app = new Hono()
  app.get('/health', c => c.json(health()))
  app.get('/membership', c => c.json(lifecycle.status()))
  // Not in any epoch yet, so no fingerprint to hold it to: the update that adds it names this certificate's.
  const http = await serveHttp(app, config.listen.http.host, config.listen.http.port, await loadHttpsCredentials(config.tls, config.passphrase))
  cleanups.push(async () => { await http.close() })
  log.info({ peerId: identity.peerId, epoch: genesis.epoch, p2p: libp2p.getMultiaddrs().map(a => a.toString()), http: http.url },
    `joining: not a node of epoch ${genesis.epoch}; waiting for the membership update that adds ${identity.peerId}`)
  return { kind: 'joining', nodeId: config.nodeId, identity, genesis, libp2p, store, registry, keyStates, shares, lifecycle, http, log, health }
}
