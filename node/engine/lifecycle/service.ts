// Assembles update_node_set on a node (docs/protocols/lifecycle.md): the
// membership book (pending update, epoch entries), the participant behind
// /shardsig/reshare/1.0.0 (answering members of the active or pending epoch
// only), and the coordinator POST /membership starts.
import { PROTOCOL_RESHARE, RESHARE_MEMBER_TIMEOUT_MS } from '../../../protocols/constants.js'
import { genesisDigest, type Genesis } from '../../../protocols/wire/genesis.js'
import { ReshareRequestSchema, type MembershipStatus, type MembershipUpdate, type ReshareResponse } from '../../../protocols/wire/lifecycle.js'
import type { NodeIdentity } from '../../identity.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { handleJson } from '../../p2p/direct.js'
import type { KeyStore } from '../../store/index.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { ShareStore } from '../new-user/share-store.js'
import type { KeyRegistry } from '../registry.js'
import { ReshareCoordinator } from './coordinator.js'
import { keyStateOf, usableKeyIds } from './key-state.js'
import { MembershipBook } from './membership-book.js'
import { ReshareParticipant, type ReshareFaults } from './participant.js'
import { MembershipSync } from './sync.js'

export interface LifecycleServiceInit {
  libp2p: ShardsigLibp2p
  identity: NodeIdentity
  genesis: Genesis
  store: KeyStore
  view: NetworkView
  registry: KeyRegistry
  shares: ShareStore
  blame: BlameLog
  log: Logger
  faults?: ReshareFaults
}

export interface LifecycleService {
  book: MembershipBook
  /** POST /membership: take the update, gossip it, and reshare every key to it (in the background). */
  propose: (update: MembershipUpdate) => Promise<MembershipStatus>
  status: () => MembershipStatus
  stop: () => Promise<void>
}

export async function startLifecycleService (init: LifecycleServiceInit): Promise<LifecycleService> {
  const { libp2p, registry, log } = init
  const book = new MembershipBook({
    libp2p, store: init.store, genesis: init.genesis, log,
    stateOf: keyId => { const e = registry.get(keyId); return e === undefined ? undefined : keyStateOf(e.record) }
  })
  await book.start()
  const participant = new ReshareParticipant({ identity: init.identity, book, registry, shares: init.shares, blame: init.blame, log, faults: init.faults })
  const coordinator = new ReshareCoordinator({ libp2p, view: init.view, book, registry, participant, blame: init.blame, log })
  const activeMembers = new Set(init.genesis.nodes.map(n => n.peerId))
  const sync = new MembershipSync({ libp2p, book, peers: new Set([...activeMembers].filter(p => p !== init.identity.peerId)), log })

  await handleJson({
    libp2p,
    protocol: PROTOCOL_RESHARE,
    requestSchema: ReshareRequestSchema,
    malformed: (reason): ReshareResponse => ({ kind: 'reject', code: 'malformed', reason }),
    timeoutMs: RESHARE_MEMBER_TIMEOUT_MS,
    log,
    handle: async (req, { peerId }): Promise<ReshareResponse> => {
      // Coordinators are nodes of the active epoch (they hold its registry).
      if (!activeMembers.has(peerId)) return { kind: 'reject', code: 'not-a-member', reason: `${peerId} is not a node of epoch ${init.genesis.epoch}` }
      try {
        return await participant.handle(req)
      } catch (err) {
        log.error({ err, flow: 'reshare', keyId: req.keyId }, 'reshare request failed')
        return { kind: 'reject', code: 'internal', reason: 'the node failed to process the request; see its log' }
      }
    }
  })

  const status = (): MembershipStatus => {
    const pending = book.pending
    return {
      active: { epoch: init.genesis.epoch, genesisDigest: genesisDigest(init.genesis) },
      pending: pending === undefined
        ? null
        : {
            epoch: pending.genesis.epoch,
            genesisDigest: genesisDigest(pending.genesis),
            changes: pending.changes,
            keys: { total: usableKeyIds(registry).length, reshared: usableKeyIds(registry).filter(k => book.entryOf(k) !== undefined).length, failed: coordinator.failures() },
            coordinating: coordinator.coordinating
          }
    }
  }

  await sync.start()

  return {
    book,
    propose: async (update) => {
      await book.accept(update, { gossip: true })
      coordinator.start(update).catch((err: Error) => { log.error({ err }, 'resharing stopped') })
      return status()
    },
    status,
    stop: async () => {
      await sync.stop()
      await libp2p.unhandle(PROTOCOL_RESHARE)
      book.stop()
    }
  }
}

