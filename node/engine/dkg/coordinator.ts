// The node a client sends POST /new_user/dkg to (any node): picks the dealers
// (each committee's leader, else its backup, else another live member), runs
// commit then reveal over /shardsig/dkg/1.0.0, checks the transcript and hands
// it back. It learns nothing secret: the sub-shares are sealed to their members
// and every value it relays is signed by the dealer that made it. The client
// builds and signs the record and sends the bundles to the committee leaders.
import { DKG_DEALER_TIMEOUT_MS, PROTOCOL_DKG } from '../../../protocols/constants.js'
import { checkDkgRequest, chooseDealers, verifyTranscript } from '../../../protocols/new-user/dkg.js'
import { DealerFault } from '../../../protocols/new-user/check-record.js'
import {
  DkgDealerResponseSchema, type DkgCommitment, type DkgContribution, type DkgDealerRequest, type DkgDealerResponse,
  type DkgRequest, type DkgResponse
} from '../../../protocols/wire/dkg.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { DirectProtocolError, requestJson } from '../../p2p/direct.js'
import type { BlameLog } from '../blame.js'
import type { NetworkView } from '../network-view.js'
import type { DkgDealer } from './dealer.js'
import { deadline } from '../../deadline.js'

/** The DKG did not produce a transcript; `dealer` names the one that failed, so the client can exclude it and retry. */
export class DkgFailedError extends Error {
  constructor (readonly code: 'no-dealers' | 'dealer-unavailable' | 'dealer-refused' | 'bad-dealer', message: string, readonly dealer?: string) {
    super(message)
    this.name = 'DkgFailedError'
  }
}

export interface DkgCoordinatorInit {
  libp2p: ShardsigLibp2p
  membership: Membership
  view: NetworkView
  /** This node's own dealer: asked directly when we deal too. */
  dealer: DkgDealer
  blame: BlameLog
  log: Logger
}

export class DkgCoordinator {
  constructor (private readonly init: DkgCoordinatorInit) {}

  async run (request: DkgRequest, signal: AbortSignal): Promise<DkgResponse> {
    const { membership } = this.init
    const log = this.init.log.child({ requestId: request.session, flow: 'new_user', mode: 'dkg' })
    const startedAt = performance.now()
    checkDkgRequest(request, membership, Date.now())
    const dealers = chooseDealers(this.candidates(), request.excludeDealers)
    if (dealers === undefined) throw new DkgFailedError('no-dealers', `DKG session ${request.session}: a committee has no live member left to deal (excluded: ${(request.excludeDealers ?? []).join(', ') || 'none'})`)
    log.info({ scheme: request.scheme, dealers }, 'DKG started')

    const commitments = await Promise.all(dealers.map(async d => await this.ask(d, { kind: 'commit', request, dealers }, 'commitment', request.session, signal)))
    const contributions = await Promise.all(dealers.map(async d => await this.ask(d, { kind: 'reveal', session: request.session, commitments }, 'contribution', request.session, signal)))
    const transcript = { session: request.session, commitments, contributions }
    try {
      verifyTranscript(transcript, membership, request.scheme)
    } catch (err) {
      if (err instanceof DealerFault) {
        await this.init.blame.record({ at: Date.now(), culprit: err.dealer, reason: err.code, flow: 'new_user', detail: err.message }, log)
        throw new DkgFailedError('bad-dealer', err.message, err.dealer)
      }
      throw err
    }
    log.info({ dealers: dealers.length, ms: Math.round(performance.now() - startedAt) }, 'DKG transcript complete')
    return { session: request.session, dealers, transcript }
  }

  /** Per committee: leader, backup, then the other live members in member order. */
  private candidates (): string[][] {
    const { membership, view } = this.init
    const roles = view.roles()
    const live = view.liveSet()
    return membership.committees.map((members, i) => {
      const r = roles.committees[i]
      const ordered = [r?.leader, r?.backup, ...members.map(m => m.peerId)].filter((p): p is string => p != null)
      return [...new Set(ordered)].filter(p => live.has(p))
    })
  }

  private async ask<K extends 'commitment' | 'contribution'> (
    dealer: string, message: DkgDealerRequest, expected: K, session: string, signal: AbortSignal
  ): Promise<K extends 'commitment' ? DkgCommitment : DkgContribution> {
    let answer: DkgDealerResponse
    try {
      const answerBy = deadline(DKG_DEALER_TIMEOUT_MS, signal)
      answer = dealer === this.init.view.selfPeerId
        ? await this.init.dealer.handle(message)
        : await requestJson(this.init.libp2p, dealer, PROTOCOL_DKG, message, DkgDealerResponseSchema, { signal: answerBy })
    } catch (err) {
      if (err instanceof DirectProtocolError) throw new DkgFailedError('dealer-unavailable', `DKG session ${session}: dealer ${dealer} did not answer the ${message.kind}: ${err.message}`, dealer)
      throw err
    }
    if (answer.kind === 'reject') throw new DkgFailedError('dealer-refused', `DKG session ${session}: dealer ${dealer} refused the ${message.kind} (${answer.code}): ${answer.reason}`, dealer)
    if (answer.kind !== expected) throw new DkgFailedError('bad-dealer', `DKG session ${session}: dealer ${dealer} answered the ${message.kind} with a ${answer.kind}`, dealer)
    const value = answer.kind === 'commitment' ? answer.commitment : answer.contribution
    if (value.dealer !== dealer) throw new DkgFailedError('bad-dealer', `DKG session ${session}: dealer ${dealer} answered for ${value.dealer}`, dealer)
    return value as K extends 'commitment' ? DkgCommitment : DkgContribution
  }
}
