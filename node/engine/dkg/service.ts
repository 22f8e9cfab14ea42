// Assembles new_user's DKG mode on a node: the dealer behind
// /shardsig/dkg/1.0.0 (answering members of the network only) and the
// coordinator used by POST /new_user/dkg.
import { DKG_DEALER_TIMEOUT_MS, PROTOCOL_DKG } from '../../../protocols/constants.js'
import { DkgDealerRequestSchema, type DkgDealerResponse } from '../../../protocols/wire/dkg.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { NodeIdentity } from '../../identity.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { handleJson } from '../../p2p/direct.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import { DkgCoordinator } from './coordinator.js'
import { DkgDealer } from './dealer.js'
import type { NodeProtocols } from '../../node-protocols.js'

export interface DkgServiceInit {
  libp2p: ShardsigLibp2p
  identity: NodeIdentity
  membership: Membership
  view: NetworkView
  blame: BlameLog
  log: Logger
  /** How this node deals its contribution (node/node-protocols.ts). */
  dealDkg: NodeProtocols['dealDkg']
}

export interface DkgService {
  coordinator: DkgCoordinator
  stop: () => Promise<void>
}

export async function startDkgService (init: DkgServiceInit): Promise<DkgService> {
  const { libp2p, membership, log } = init
  const dealer = new DkgDealer({ membership, selfPeerId: init.identity.peerId, seed: init.identity.libp2pKey.raw.subarray(0, 32), log, deal: init.dealDkg })
  const coordinator = new DkgCoordinator({ libp2p, membership, view: init.view, dealer, blame: init.blame, log })
  const members = new Set(membership.committees.flat().map(m => m.peerId))

  await handleJson({
    libp2p,
    protocol: PROTOCOL_DKG,
    requestSchema: DkgDealerRequestSchema,
    malformed: (reason): DkgDealerResponse => ({ kind: 'reject', code: 'malformed', reason }),
    overQuota: (reason): DkgDealerResponse => ({ kind: 'reject', code: 'peer-rate-limited', reason }),
    timeoutMs: DKG_DEALER_TIMEOUT_MS,
    log,
    handle: async (req, { peerId }): Promise<DkgDealerResponse> => {
      // Only nodes of the network coordinate a DKG; a stranger cannot make us deal.
      if (!members.has(peerId)) return { kind: 'reject', code: 'not-a-member', reason: `${peerId} is not a node of this network` }
      try {
        return await dealer.handle(req)
      } catch (err) {
        log.error({ err, requestId: req.kind === 'commit' ? req.request.session : req.session, flow: 'new_user', mode: 'dkg' }, 'DKG dealer failed')
        return { kind: 'reject', code: 'internal', reason: 'the dealer failed; see its log' }
      }
    }
  })

  return {
    coordinator,
    stop: async () => { await libp2p.unhandle(PROTOCOL_DKG) }
  }
}
