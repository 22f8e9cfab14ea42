// Assembles the new_user flow on a node: the verification game on our
// committee topic, the member handler behind /shardsig/new-user/1.0.0, and
// the leader used by POST /new_user.
import { NEW_USER_MEMBER_TIMEOUT_MS, PROTOCOL_NEW_USER } from '../../../protocols/constants.js'
import { DealerFault, NewUserRejection } from '../../../protocols/new-user/verify-bundle.js'
import { positionOf, type Membership } from '../../../protocols/wire/membership.js'
import { DeliverRequestSchema, type DeliverResponse } from '../../../protocols/wire/new-user.js'
import type { NodeIdentity } from '../../identity.js'
import type { Logger } from '../../log.js'
import type { NewUserMetrics } from '../../metrics/index.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { handleJson } from '../../p2p/direct.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { KeyRegistry } from '../registry.js'
import { VerificationGame } from './game.js'
import { NewUserLeader } from './leader.js'
import { NewUserMember } from './member.js'
import type { ShareStore } from './share-store.js'

export interface NewUserServiceInit {
  libp2p: ShardsigLibp2p
  identity: NodeIdentity
  membership: Membership
  committee: number
  view: NetworkView
  shares: ShareStore
  registry: KeyRegistry
  blame: BlameLog
  log: Logger
  metrics: NewUserMetrics
}

export interface NewUserService {
  leader: NewUserLeader
  stop: () => Promise<void>
}

export async function startNewUserService (init: NewUserServiceInit): Promise<NewUserService> {
  const { libp2p, membership, committee, log } = init
  const position = positionOf(membership, committee, init.identity.peerId)
  if (position === undefined) throw new Error(`peer ${init.identity.peerId} is not a member of committee ${committee}`)
  const committeePeers = new Set(membership.committees[committee - 1]!.map(m => m.peerId))

  const game = new VerificationGame(libp2p, membership, committee, log)
  game.start()
  const member = new NewUserMember({ ...init, position, game })
  const leader = new NewUserLeader({ libp2p, view: init.view, membership, member, registry: init.registry, log, metrics: init.metrics })

  await handleJson({
    libp2p,
    protocol: PROTOCOL_NEW_USER,
    requestSchema: DeliverRequestSchema,
    malformed: (reason): DeliverResponse => ({ kind: 'reject', code: 'malformed', reason }),
    overQuota: (reason): DeliverResponse => ({ kind: 'reject', code: 'peer-rate-limited', reason }),
    timeoutMs: NEW_USER_MEMBER_TIMEOUT_MS,
    log,
    handle: async (req, { peerId, signal }): Promise<DeliverResponse> => {
      // Only a member of our own committee can be its leader; anyone else is not relaying for it.
      if (!committeePeers.has(peerId)) return { kind: 'reject', code: 'not-from-committee', reason: `${peerId} is not a member of committee ${committee}` }
      try {
        return { kind: 'receipt', receipt: await member.accept(req.bundle, peerId, signal) }
      } catch (err) {
        if (err instanceof NewUserRejection) {
          log.warn({ requestId: req.bundle.record.keyId, keyId: req.bundle.record.keyId, flow: 'new_user', from: peerId, code: err.code, reason: err.message }, 'delivery rejected')
          return { kind: 'reject', code: err.code, reason: err.message, ...(err instanceof DealerFault ? { dealer: err.dealer } : {}) }
        }
        log.error({ err, requestId: req.bundle.record.keyId, keyId: req.bundle.record.keyId, flow: 'new_user' }, 'delivery failed')
        return { kind: 'reject', code: 'internal', reason: 'the member failed to process the delivery; see its log' }
      }
    }
  })

  return {
    leader,
    stop: async () => {
      await libp2p.unhandle(PROTOCOL_NEW_USER)
      game.stop()
    }
  }
}
