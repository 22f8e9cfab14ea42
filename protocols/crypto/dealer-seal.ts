// Sub-shares a node deals (DKG, resharing; DESIGN 9) travel sealed to their
// member like a client's, with the dealer's peer id in the AAD slot: seal a
// whole nested deal to a membership, and open and add up what several dealers
// sealed to one member, naming the dealer of any sub-share that does not open
// or does not match its commitments.
import { hexToBytes } from '@noble/hashes/utils.js'
import { DealerFault } from '../new-user/check-record.js'
import {
  combineSubShares, decodeScalar, encodeScalar, InvalidDealerError, SecretScalar, SharingError,
  type Contribution, type DealtContribution, type ReceivedSubShare, type CurveName
} from '../sharing/index.js'
import type { Membership } from '../wire/membership.js'
import { openShare, sealShare, ShareOpenError, type SealedShare, type ShareSlot } from './share-seal.js'

/** What a dealer's sealing is bound to besides the slot: `keyId` names the DKG session or the key being reshared. */
export interface DealingContext { keyId: string, network: string, epoch: number }

export function dealerSlot (ctx: DealingContext, dealer: string, committee: number, member: number, peerId: string): ShareSlot {
  return { keyId: ctx.keyId, network: ctx.network, epoch: ctx.epoch, committee, member, peerId, dealer }
}

/** Every sub-share of `dealt` sealed to its member of `membership`: result[c-1][m-1]. */
export async function sealDeal (dealt: DealtContribution, membership: Membership, ctx: DealingContext, dealer: string): Promise<SealedShare[][]> {
  return await Promise.all(dealt.committees.map(async (c) => await Promise.all(c.shares.map(async ({ member, share }) => {
    const m = membership.committees[c.committee - 1]![member - 1]!
    return await sealShare(hexToBytes(m.encryptionPublicKey), dealerSlot(ctx, dealer, c.committee, member, m.peerId), encodeScalar(dealt.scheme, share.expose()))
  }))))
}

export interface SealedFromDealer {
  dealer: string
  contribution: Contribution
  /** The dealer's sealed sub-shares, [c-1][m-1]. */
  shares: ReadonlyArray<readonly SealedShare[]>
}

/**
 * Member (committee, member) opens each dealer's sub-share for its slot, checks it
 * against that dealer's inner commitments and returns the sum. A share that is missing,
 * does not open or does not match throws DealerFault (`bad-dealer-share`) naming its dealer.
 */
export async function openAndCombine (
  scheme: CurveName, ctx: DealingContext, from: readonly SealedFromDealer[],
  slot: { committee: number, member: number, peerId: string }, encryptionSecret: Uint8Array
): Promise<SecretScalar> {
  const where = `committee ${slot.committee} member ${slot.member}`
  const received: ReceivedSubShare[] = []
  for (const d of from) {
    const sealed = d.shares[slot.committee - 1]?.[slot.member - 1]
    if (sealed === undefined) throw new DealerFault(d.dealer, 'bad-dealer-share', `dealer ${d.dealer} sealed no sub-share for ${where}`)
    try {
      const bytes = await openShare(encryptionSecret, dealerSlot(ctx, d.dealer, slot.committee, slot.member, slot.peerId), sealed)
      received.push({ dealer: d.dealer, contribution: d.contribution, share: new SecretScalar(decodeScalar(scheme, bytes)) })
    } catch (err) {
      if (err instanceof ShareOpenError || err instanceof SharingError) {
        throw new DealerFault(d.dealer, 'bad-dealer-share', `dealer ${d.dealer}'s sub-share for ${where} does not open: ${err.message}`)
      }
      throw err
    }
  }
  try {
    return combineSubShares(scheme, slot.committee, slot.member, received)
  } catch (err) {
    if (err instanceof InvalidDealerError) throw new DealerFault(err.dealer, 'bad-dealer-share', `${ctx.keyId}: ${err.message}`)
    throw err
  }
}
