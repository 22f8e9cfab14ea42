// A node's part in resharing (docs/protocols/lifecycle.md) behind
// /shardsig/reshare/1.0.0: as a quorum holder it deals κ·s of its own share to
// the pending membership; as a new member it checks the quorum's
// contributions, stores the sum of its sub-shares as *pending* and signs a
// receipt. Everything it checks comes from its own registry and store; the
// coordinator is not trusted.
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { DealerFault } from '../../../protocols/new-user/check-record.js'
import { LifecycleRejection } from '../../../protocols/lifecycle/errors.js'
import {
  checkQuorum, epochRecordDigest, epochRecordFrom, openReshareShare, reshareReceipt, verifyReshare, type KeyState, type Quorum
} from '../../../protocols/lifecycle/reshare.js'
import { curveFor, pointFromHex, scalarFromHex, scalarToHex, SecretScalar, verifySubShare } from '../../../protocols/sharing/index.js'
import type { ReshareContribution, ReshareReceipt, ReshareRequest, ReshareResponse } from '../../../protocols/wire/lifecycle.js'
import type { NodeIdentity } from '../../identity.js'
import type { Logger } from '../../log.js'
import type { NodeProtocols } from '../../node-protocols.js'
import type { BlameLog } from '../blame.js'
import type { ShareStore } from '../new-user/share-store.js'
import type { KeyRegistry } from '../registry.js'
import type { KeyStates } from './key-state.js'
import type { MembershipBook } from './membership-book.js'
import { sharingCurveOf } from '../../../protocols/keys/key-scheme.js'

export interface ParticipantInit {
  identity: NodeIdentity
  book: MembershipBook
  registry: KeyRegistry
  keyStates: KeyStates
  shares: ShareStore
  blame: BlameLog
  log: Logger
  /** How this holder deals its contribution: dealReshare, or a Byzantine one in tests (node/node-protocols.ts). */
  dealReshare: NodeProtocols['dealReshare']
}

export class ReshareParticipant {
  private readonly seed: Uint8Array

  constructor (private readonly init: ParticipantInit) {
    this.seed = init.identity.libp2pKey.raw.subarray(0, 32)
  }

  /** `from`: the node that asked (a reshare coordinator of the active epoch). */
  async handle (req: ReshareRequest, from?: string): Promise<ReshareResponse> {
    try {
      await this.init.book.accept(req.update, { gossip: false })
      // A node the update adds may be asked before its registry synced (it could connect only once
      // the members held the update): it pulls the registry from the asker first.
      if (this.init.registry.get(req.keyId) === undefined && from !== undefined) await this.init.registry.pull(from).catch(() => 0)
      return req.kind === 'deal'
        ? { kind: 'contribution', contribution: await this.deal(req.keyId, req.quorum) }
        : { kind: 'receipt', receipt: await this.take(req.keyId, req.quorum, req.contributions) }
    } catch (err) {
      if (err instanceof DealerFault) return { kind: 'reject', code: err.code, reason: err.message, dealer: err.dealer }
      if (err instanceof LifecycleRejection) return { kind: 'reject', code: err.code, reason: err.message }
      throw err
    }
  }

  private stateOf (keyId: string): KeyState {
    const entry = this.init.registry.get(keyId)
    if (entry === undefined) throw new LifecycleRejection('wrong-key', `key ${keyId} is not in this node's registry`)
    const state = this.init.keyStates.stateOf(entry.record)
    if (state === undefined) throw new LifecycleRejection('wrong-key', `key ${keyId} was not reshared to epoch ${this.init.keyStates.epoch}`)
    return state
  }

  private async deal (keyId: string, quorum: Quorum): Promise<ReshareContribution> {
    const pending = this.init.book.pending!
    const state = this.stateOf(keyId)
    checkQuorum(state, quorum)
    const self = this.init.identity.peerId
    const slot = quorum.find(s => s.peerId === self)
    if (slot === undefined) throw new LifecycleRejection('wrong-quorum', `this node (${self}) is not in the quorum resharing key ${keyId}`)
    const stored = await this.init.shares.get(keyId, state.epoch)
    if (stored === undefined || stored.state !== 'active' || stored.recordDigest !== state.digest) {
      throw new LifecycleRejection('wrong-key', `this node holds no active share of key ${keyId} at epoch ${state.epoch}`)
    }
    const share = new SecretScalar(scalarFromHex(sharingCurveOf(state.scheme), stored.share))
    const contribution = await this.init.dealReshare({
      state, quorum, slot: { committee: slot.committee, member: slot.member }, share, dealer: self, seed: this.seed, to: pending.membership
    }, n => new Uint8Array(nodeRandomBytes(n)))
    this.init.log.info({ requestId: `reshare/${keyId}`, keyId, flow: 'reshare', toEpoch: pending.genesis.epoch }, 'reshare contribution dealt')
    return contribution
  }

  private async take (keyId: string, quorum: Quorum, contributions: ReshareContribution[]): Promise<ReshareReceipt> {
    const pending = this.init.book.pending!
    const to = pending.membership
    const state = this.stateOf(keyId)
    const self = this.init.identity.peerId
    const committee = to.committees.findIndex(c => c.some(m => m.peerId === self)) + 1
    if (committee === 0) throw new LifecycleRejection('wrong-quorum', `this node (${self}) is not a member of epoch ${to.epoch}`)
    const member = to.committees[committee - 1]!.findIndex(m => m.peerId === self) + 1
    const log = this.init.log.child({ requestId: `reshare/${keyId}`, keyId, flow: 'reshare', toEpoch: to.epoch, committee, member })
    try {
      const verified = verifyReshare(state, quorum, contributions, to)
      const record = epochRecordFrom(state, quorum, verified, to)
      const digest = epochRecordDigest(record)
      const held = await this.init.shares.get(keyId, to.epoch)
      if (held?.recordDigest !== digest) {
        const share = await openReshareShare(state, contributions, verified, to, { committee, member, peerId: self }, this.init.identity.encryptionSecret())
        verifySubShare(sharingCurveOf(state.scheme), verified.sum.committees[committee - 1]!.innerCommitments, member, share, committee)
        await this.init.shares.put({
          keyId, epoch: to.epoch, scheme: state.scheme, committee, member, share: scalarToHex(sharingCurveOf(state.scheme), share.expose()),
          recordDigest: digest, state: 'pending', receivedAt: Date.now()
        })
        log.info({ dealers: quorum.length }, 'reshared sub-share verified and stored as pending')
      }
      // The group key is unchanged by construction (verifyReshare); checked here once more for the log's sake.
      if (!curveFor(sharingCurveOf(state.scheme)).pointEquals(verified.sum.outer[0]!, pointFromHex(sharingCurveOf(state.scheme), state.groupPublicKey))) throw new LifecycleRejection('wrong-key', `key ${keyId}: reshare changes the group key`)
      return reshareReceipt(record, { committee, member }, self, this.seed)
    } catch (err) {
      if (err instanceof DealerFault) {
        await this.init.blame.record({ at: Date.now(), culprit: err.dealer, reason: err.code, flow: 'reshare', keyId, committee, detail: `reshare to epoch ${to.epoch}: ${err.message}` }, log)
      }
      throw err
    }
  }
}
