// Assembles update_node_set on a node (docs/protocols/lifecycle.md): the
// membership book (pending update, epoch entries), the participant behind
// /shardsig/reshare/1.0.0 (answering members of the active or pending epoch
// only), and the coordinator POST /membership starts.
import { PROTOCOL_RESHARE, RESHARE_MEMBER_TIMEOUT_MS } from '../../../protocols/constants.js'
import { LifecycleRejection } from '../../../protocols/lifecycle/errors.js'
import { genesisDigest, type Genesis } from '../../../protocols/wire/genesis.js'
import { ReshareRequestSchema, type MembershipStatus, type MembershipUpdate, type ReshareResponse } from '../../../protocols/wire/lifecycle.js'
import type { NodeIdentity } from '../../identity.js'
import type { Logger } from '../../log.js'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerAdmission } from '../../p2p/admission.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { handleJson } from '../../p2p/direct.js'
import type { KeyStore } from '../../store/index.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { ShareStore } from '../new-user/share-store.js'
import type { KeyRegistry } from '../registry.js'
import { ReshareCoordinator } from './coordinator.js'
import type { KeyStates } from './key-state.js'
import { activatePendingEpoch, keysWaitingForEntries, type Activation } from './activation.js'
import { MembershipBook } from './membership-book.js'
import { ReshareParticipant } from './participant.js'
import type { NodeProtocols } from '../../node-protocols.js'
import { MembershipSync } from './sync.js'

export interface LifecycleServiceInit {
  libp2p: ShardsigLibp2p
  identity: NodeIdentity
  genesis: Genesis
  /** The update into `genesis`, when this node activated one: offered to peers still at the epoch before. */
  lastUpdate?: MembershipUpdate
  /** The nodes of the epoch before `genesis` (with lastUpdate): a removed one still at it is answered by membership sync. */
  previousMembers?: ReadonlySet<string>
  /** Who may connect: the nodes of a pending update are admitted as soon as this node holds it. */
  admission: PeerAdmission
  store: KeyStore
  /** Absent at a joining node (not a member of the active epoch): it never coordinates a reshare. */
  view?: NetworkView
  registry: KeyRegistry
  keyStates: KeyStates
  shares: ShareStore
  blame: BlameLog
  log: Logger
  /** How this node deals its share of a key being reshared (node/node-protocols.ts). */
  dealReshare: NodeProtocols['dealReshare']
  /** Called once this node moved its store to the pending epoch: the node restarts on it (or stops, when it is not a member). */
  onActivated?: (activation: Activation) => void
}

export interface LifecycleService {
  book: MembershipBook
  /** POST /membership: take the update, gossip it, and reshare every key to it (in the background). */
  propose: (update: MembershipUpdate) => Promise<MembershipStatus>
  status: () => MembershipStatus
  stop: () => Promise<void>
}

export async function startLifecycleService (init: LifecycleServiceInit): Promise<LifecycleService> {
  const { libp2p, registry, keyStates, log } = init
  let activation: Promise<void> | undefined
  let stopped = false
  // Once every key that signs now has a confirmed entry for the pending epoch: the second phase.
  // A joining node knows which keys there are only once its registry synced with a member: before that,
  // "every key has an entry" would hold for an empty registry (it activated without a share under CI load).
  const knowsKeys = (): boolean => init.view !== undefined || registry.synced
  const activateWhenReady = (): void => {
    if (activation !== undefined || stopped || book.pending === undefined || !knowsKeys() || keysWaitingForEntries(book, keyStates).length > 0) return
    activation = activatePendingEpoch({ store: init.store, shares: init.shares, book, keyStates, selfPeerId: init.identity.peerId, log })
      .then(done => { if (!stopped) init.onActivated?.(done) })
      .catch((err: Error) => { activation = undefined; log.error({ err }, 'epoch activation failed; retried on the next entry') })
  }
  const activeMembers = new Set(init.genesis.nodes.map(n => n.peerId))
  const book = new MembershipBook({
    libp2p, store: init.store, genesis: init.genesis, log,
    stateOf: keyId => { const e = registry.get(keyId); return e === undefined ? undefined : keyStates.stateOf(e.record) },
    onChanged: () => { admitPendingNodes(); activateWhenReady() }
  })
  // The nodes an update adds can reach this node only once it holds the update; and this node
  // them: their addresses go into the peer store, so resharing reaches a joining node at once
  // instead of failing a delivery because it has not connected yet (its dialer backs off up to 5 s).
  const admitPendingNodes = (): void => {
    const pending = book.pending
    if (pending === undefined) return
    init.admission.admitPending(pending.genesis.nodes.map(n => n.peerId))
    for (const n of pending.genesis.nodes) {
      if (n.peerId === init.identity.peerId || activeMembers.has(n.peerId)) continue
      libp2p.peerStore.merge(peerIdFromString(n.peerId), { multiaddrs: n.multiaddrs.map(a => multiaddr(a)) })
        .catch((err: Error) => { log.warn({ peerId: n.peerId, err: err.message }, 'could not note a joining node\'s addresses') })
    }
  }
  await book.start()
  admitPendingNodes()
  const participant = new ReshareParticipant({ identity: init.identity, book, registry, keyStates, shares: init.shares, blame: init.blame, log, dealReshare: init.dealReshare })
  const coordinator = init.view === undefined ? undefined : new ReshareCoordinator({ libp2p, view: init.view, book, registry, keyStates, participant, blame: init.blame, log })
  /** The genesis digest of the pending update this node coordinates (it was posted here), while it is pending. */
  let coordinated: string | undefined
  // A key dealt at the active epoch while the update is pending: the coordinator reshares it too, or
  // no node holding it could activate. It becomes usable as its committees' receipts arrive.
  registry.onEntry(entry => {
    const pending = book.pending
    if (pending === undefined || coordinated !== pending.digest) return
    if (!keyStates.usable(entry) || book.entryOf(entry.record.keyId) !== undefined) return
    coordinator?.start(pending.update).catch((err: Error) => { log.error({ err }, 'resharing stopped') })
  })
  const activated = init.lastUpdate === undefined
    ? undefined
    : { update: init.lastUpdate, keyIds: () => keyStates.entryKeyIds(), entryOf: (keyId: string) => keyStates.entryOf(keyId) }
  const sync = new MembershipSync({ libp2p, book, epoch: init.genesis.epoch, activated, peers: new Set([...activeMembers].filter(p => p !== init.identity.peerId)), joining: init.view === undefined, previousMembers: init.previousMembers, log })

  await handleJson({
    libp2p,
    protocol: PROTOCOL_RESHARE,
    requestSchema: ReshareRequestSchema,
    malformed: (reason): ReshareResponse => ({ kind: 'reject', code: 'malformed', reason }),
    overQuota: (reason): ReshareResponse => ({ kind: 'reject', code: 'peer-rate-limited', reason }),
    timeoutMs: RESHARE_MEMBER_TIMEOUT_MS,
    log,
    handle: async (req, { peerId }): Promise<ReshareResponse> => {
      // Coordinators are nodes of the active epoch (they hold its registry).
      if (!activeMembers.has(peerId)) return { kind: 'reject', code: 'not-a-member', reason: `${peerId} is not a node of epoch ${init.genesis.epoch}` }
      try {
        return await participant.handle(req, peerId)
      } catch (err) {
        log.error({ err, flow: 'reshare', keyId: req.keyId }, 'reshare request failed')
        return { kind: 'reject', code: 'internal', reason: 'the node failed to process the request; see its log' }
      }
    }
  })

  const activeDigest = genesisDigest(init.genesis)
  const status = (): MembershipStatus => {
    const pending = book.pending
    const usable = pending === undefined ? [] : keyStates.usableKeyIds()
    return {
      active: { epoch: init.genesis.epoch, genesisDigest: activeDigest },
      pending: pending === undefined
        ? null
        : {
            epoch: pending.genesis.epoch,
            genesisDigest: pending.digest,
            changes: pending.changes,
            keys: { total: usable.length, reshared: usable.filter(k => book.entryOf(k) !== undefined).length, failed: coordinator?.failures() ?? [] },
            coordinating: coordinator?.coordinating ?? false
          }
    }
  }

  await sync.start()
  registry.onSynced(() => { activateWhenReady() })
  // An update whose entries all arrived before a restart (or a network with no key to reshare).
  activateWhenReady()

  return {
    book,
    propose: async (update) => {
      // The update this node already activated, posted again (an operator retrying): done, nothing to do.
      if (init.lastUpdate !== undefined && genesisDigest(update.genesis) === genesisDigest(init.lastUpdate.genesis) && update.signature === init.lastUpdate.signature) return status()
      if (coordinator === undefined) throw new LifecycleRejection('wrong-epoch', `this node is joining: it is not a node of epoch ${init.genesis.epoch} yet, post the update to one`)
      await book.accept(update, { gossip: true })
      coordinated = genesisDigest(update.genesis)
      coordinator.start(update).catch((err: Error) => { log.error({ err }, 'resharing stopped') })
      return status()
    },
    status,
    stop: async () => {
      stopped = true
      await activation
      await sync.stop()
      await libp2p.unhandle(PROTOCOL_RESHARE)
      book.stop()
    }
  }
}

