// A member receiving its part of a new key from a committee leader
// (DESIGN 5, step 4): verify the bundle, open and check its sub-share,
// persist it (synced), play the verification game, then sign a receipt.
import { GAME_GRACE_MS, GAME_TIMEOUT_MS, PROTOCOL_VERSION } from '../../../protocols/constants.js'
import { openShare, ShareOpenError } from '../../../protocols/crypto/share-seal.js'
import { signAsPeer } from '../../../protocols/crypto/peer-signature.js'
import { recordDigest } from '../../../protocols/new-user/registry-entry.js'
import { openDkgShare } from '../../../protocols/new-user/dkg.js'
import { DealerFault, isDkgBundle, NewUserRejection, verifyBundle, type VerifiedBundle } from '../../../protocols/new-user/verify-bundle.js'
import { decodeScalar, scalarToHex, SecretScalar, SharingError, verifySubShare } from '../../../protocols/sharing/index.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import { RECEIPT_KIND, type AnyNewUserBundle, type Receipt } from '../../../protocols/wire/new-user.js'
import type { NodeIdentity } from '../../identity.js'
import type { Logger } from '../../log.js'
import type { BlameLog } from '../blame.js'
import type { KeyRegistry } from '../registry.js'
import type { VerificationGame } from './game.js'
import type { ShareStore } from './share-store.js'
import { deadline } from '../../deadline.js'
import { sharingCurveOf } from '../../../protocols/keys/key-scheme.js'

export interface MemberInit {
  identity: NodeIdentity
  membership: Membership
  committee: number
  /** Our 1-based position in our committee. */
  position: number
  shares: ShareStore
  registry: KeyRegistry
  game: VerificationGame
  blame: BlameLog
  log: Logger
}

export class NewUserMember {
  private readonly seed: Uint8Array

  constructor (private readonly init: MemberInit) {
    // The Ed25519 seed of our libp2p key signs receipts; anyone checks them against our peer id.
    this.seed = init.identity.libp2pKey.raw.subarray(0, 32)
  }

  /** Handles one delivery; `from` is the peer (the CL) that relayed it. Throws NewUserRejection. */
  async accept (bundle: AnyNewUserBundle, from: string, signal: AbortSignal): Promise<Receipt> {
    const { membership, committee, position } = this.init
    const startedAt = performance.now()
    // The key id is new_user's request id on every line, as at the CL (docs/operations.md).
    const log = this.init.log.child({ requestId: bundle.record.keyId, keyId: bundle.record.keyId, flow: 'new_user', committee, member: position })
    if (bundle.committee !== committee) throw new NewUserRejection('not-my-committee', `this node is in committee ${committee}, not ${bundle.committee}`)
    const verified = verifyBundle(bundle, membership)
    const { record, nested } = verified
    const digest = recordDigest(record)
    const keyId = record.keyId

    const registered = this.init.registry.digestOf(keyId)
    if (registered !== undefined && registered !== digest) throw new NewUserRejection('conflict', `key ${keyId} is already registered with a different record`)

    const existing = await this.init.shares.get(keyId, record.epoch)
    if (existing !== undefined && existing.recordDigest !== digest) {
      throw new NewUserRejection('conflict', `key ${keyId}: this member already holds a share for a different record`)
    }
    if (existing?.state === 'disputed') throw new NewUserRejection('equivocation', `key ${keyId}: this delivery was disputed earlier`)

    if (existing === undefined) {
      let share: SecretScalar
      try {
        share = await this.openShare(bundle, verified)
        verifySubShare(sharingCurveOf(record.scheme), nested.committees[committee - 1]!.innerCommitments, position, share, committee)
      } catch (err) {
        if (err instanceof DealerFault) {
          await this.init.blame.record({
            at: Date.now(), culprit: err.dealer, reason: err.code, flow: 'new_user', keyId, committee, detail: err.message
          }, log)
          throw err
        }
        if (err instanceof ShareOpenError || err instanceof SharingError) throw new NewUserRejection('bad-share', `key ${keyId}: ${err.message}`)
        throw err
      }
      await this.init.shares.put({
        keyId, epoch: record.epoch, scheme: record.scheme, committee, member: position,
        share: scalarToHex(sharingCurveOf(record.scheme), share.expose()),
        recordDigest: digest, state: 'active', receivedAt: Date.now()
      })
      log.info({ from, ms: Math.round(performance.now() - startedAt) }, 'sub-share verified and stored')
    }

    // The game: only agree (and sign) once the other members saw the same record.
    await this.init.game.publish({ v: PROTOCOL_VERSION, kind: 'game', keyId, committee, member: position, recordDigest: digest, record })
    const expected = record.holders[committee - 1]!.map((_, i) => i + 1)
    const gameStartedAt = performance.now()
    const outcome = await this.init.game.play(keyId, digest, expected, {
      minAgreeing: record.params.tm, graceMs: GAME_GRACE_MS, signal: deadline(GAME_TIMEOUT_MS, signal)
    })
    log.info({ agreeing: outcome.agreeing, mismatched: outcome.mismatched.length, gameMs: Math.round(performance.now() - gameStartedAt) }, 'verification game played')
    if (outcome.mismatched.length > 0) {
      await this.init.shares.put({ ...(await this.init.shares.get(keyId, record.epoch))!, state: 'disputed' })
      await this.init.blame.record({
        at: Date.now(), culprit: from, reason: 'equivocation', flow: 'new_user', keyId, committee,
        detail: `members ${outcome.mismatched.map(m => m.member).join(', ')} received a different record for key ${keyId} than member ${position}; ` +
          `both are signed by owner ${record.ownerAuthKey}, so the owner signed two records and this CL relayed one of them`
      }, log)
      throw new NewUserRejection('equivocation', `key ${keyId}: members of committee ${committee} received different records; the relaying CL ${from} is blamed`)
    }
    if (outcome.agreeing.length < record.params.tm) {
      throw new NewUserRejection('game-incomplete', `key ${keyId}: only members ${outcome.agreeing.join(', ')} confirmed the record within ${GAME_TIMEOUT_MS} ms; ${record.params.tm} needed`)
    }

    return signAsPeer<Omit<Receipt, 'signature'>>(RECEIPT_KIND, {
      v: PROTOCOL_VERSION, keyId, committee, member: position, peerId: this.init.identity.peerId, recordDigest: digest
    }, this.seed)
  }

  /** Our sub-share: the client's sealed one, or (DKG) the sum of every dealer's, each checked against its dealer's commitments. */
  private async openShare (bundle: AnyNewUserBundle, verified: VerifiedBundle): Promise<SecretScalar> {
    const { committee, position, identity, membership } = this.init
    const { record } = verified
    if (isDkgBundle(bundle)) {
      return await openDkgShare(bundle.dkg, verified.dkg!, membership, { committee, member: position, peerId: identity.peerId }, identity.encryptionSecret())
    }
    const mine = bundle.shares.find(s => s.member === position)!
    const slot = { keyId: record.keyId, network: record.network, epoch: record.epoch, committee, member: position, peerId: identity.peerId }
    return new SecretScalar(decodeScalar(sharingCurveOf(record.scheme), await openShare(identity.encryptionSecret(), slot, mine)))
  }
}
