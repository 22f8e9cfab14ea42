// The committee leader's part of new_user (DESIGN 5, step 3): check the
// bundle, relay it to every member of the committee over
// /shardsig/new-user/1.0.0 (ourselves included), collect and check the
// signed receipts, and enter the record with its receipts into the registry.
import { NEW_USER_RELAY_TIMEOUT_MS, PROTOCOL_NEW_USER } from '../../../protocols/constants.js'
import { checkReceipt, recordDigest } from '../../../protocols/new-user/registry-entry.js'
import { DirectProtocolError, requestJson } from '../../p2p/direct.js'
import { DealerFault, NewUserRejection, verifyBundle } from '../../../protocols/new-user/verify-bundle.js'
import type { KeyRecord } from '../../../protocols/wire/key-record.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import { DeliverResponseSchema, type AnyNewUserBundle, type NewUserResponse, type Receipt } from '../../../protocols/wire/new-user.js'
import type { Logger } from '../../log.js'
import type { NewUserMetrics } from '../../metrics/index.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import type { NetworkView } from '../network-view.js'
import type { KeyRegistry } from '../registry.js'
import type { NewUserMember } from './member.js'
import { deadline } from '../../deadline.js'

export class NotCommitteeLeaderError extends Error {
  constructor (readonly committee: number) {
    super(`this node is not the leader or backup of committee ${committee}`)
    this.name = 'NotCommitteeLeaderError'
  }
}

/** Fewer than tm members of the committee confirmed: the key is not usable through this committee. */
export class InsufficientReceiptsError extends Error {
  constructor (readonly response: NewUserResponse, readonly needed: number) {
    super(`committee ${response.committee} confirmed key ${response.keyId} by ${response.receipts.length} receipts, ${needed} needed`)
    this.name = 'InsufficientReceiptsError'
  }
}

export interface LeaderInit {
  libp2p: ShardsigLibp2p
  view: NetworkView
  membership: Membership
  member: NewUserMember
  registry: KeyRegistry
  log: Logger
  metrics: NewUserMetrics
}

export class NewUserLeader {
  constructor (private readonly init: LeaderInit) {}

  async handle (bundle: AnyNewUserBundle, signal: AbortSignal = deadline(NEW_USER_RELAY_TIMEOUT_MS)): Promise<NewUserResponse> {
    const { view, membership } = this.init
    const startedAt = performance.now()
    const self = view.selfPeerId
    const roles = view.roles().committees[bundle.committee - 1]
    if (roles === undefined || (roles.leader !== self && roles.backup !== self)) throw new NotCommitteeLeaderError(bundle.committee)

    const { record } = verifyBundle(bundle, membership)
    // new_user has no request id of its own: the key id is its request id on every line (docs/operations.md).
    const log = this.init.log.child({ requestId: record.keyId, keyId: record.keyId, flow: 'new_user', committee: bundle.committee })
    log.info({ scheme: record.scheme, members: membership.committees[bundle.committee - 1]?.length }, 'new_user bundle accepted; relaying')
    let outcome: 'completed' | 'failed' = 'failed'
    try {
      const response = await this.relayAll(bundle, record, log, signal)
      outcome = 'completed'
      return response
    } finally {
      this.init.metrics.newUserFinished(record.scheme, outcome, (performance.now() - startedAt) / 1000)
    }
  }

  private async relayAll (bundle: AnyNewUserBundle, record: KeyRecord, log: Logger, signal: AbortSignal): Promise<NewUserResponse> {
    const { membership, registry } = this.init
    const self = this.init.view.selfPeerId
    const startedAt = performance.now()
    const digest = recordDigest(record)
    const registered = registry.digestOf(record.keyId)
    if (registered !== undefined && registered !== digest) throw new NewUserRejection('conflict', `key ${record.keyId} is already registered with a different record`)

    const members = membership.committees[bundle.committee - 1]!
    const receipts: Receipt[] = []
    const failures: NewUserResponse['failures'] = []
    await Promise.all(members.map(async (m, i) => {
      const member = i + 1
      try {
        const receipt = m.peerId === self
          ? await this.init.member.accept(bundle, self, signal)
          : await this.relay(m.peerId, bundle, signal)
        checkReceipt(record, digest, receipt)
        if (receipt.committee !== bundle.committee || receipt.member !== member) {
          throw new NewUserRejection('bad-receipt', `key ${record.keyId}: receipt from ${m.peerId} names committee ${receipt.committee} member ${receipt.member}, not ${bundle.committee}/${member}`)
        }
        receipts.push(receipt)
      } catch (err) {
        const code = err instanceof NewUserRejection ? err.code : err instanceof DirectProtocolError ? 'unreachable' : 'internal'
        if (code === 'internal') log.error({ err, member }, 'delivery failed inside this node')
        else log.warn({ member, peerId: m.peerId, code, reason: (err as Error).message }, 'member did not confirm')
        failures.push({ member, peerId: m.peerId, code, reason: (err as Error).message, ...(err instanceof DealerFault ? { dealer: err.dealer } : {}) })
      }
    }))
    receipts.sort((a, b) => a.member - b.member)
    failures.sort((a, b) => a.member - b.member)
    const response: NewUserResponse = { keyId: record.keyId, committee: bundle.committee, receipts, failures }
    log.info({ receipts: receipts.length, failures: failures.map(f => `${f.member}:${f.code}`), ms: Math.round(performance.now() - startedAt) }, 'new_user relayed')

    if (receipts.length < record.params.tm) throw new InsufficientReceiptsError(response, record.params.tm)
    await registry.add({ record, receipts }, { gossip: true })
    return response
  }

  private async relay (peerId: string, bundle: AnyNewUserBundle, signal: AbortSignal): Promise<Receipt> {
    const answer = await requestJson(this.init.libp2p, peerId, PROTOCOL_NEW_USER, { kind: 'deliver', bundle }, DeliverResponseSchema, { signal })
    if (answer.kind === 'reject') {
      if (answer.dealer !== undefined) throw new DealerFault(answer.dealer, answer.code === 'bad-dealer' ? 'bad-dealer' : 'bad-dealer-share', answer.reason)
      throw new NewUserRejection(answer.code as NewUserRejection['code'], answer.reason)
    }
    return answer.receipt
  }
}
