// Membership epochs (DESIGN 9, docs/protocols/lifecycle.md): an operator of
// epoch e signs the genesis of epoch e+1; every node checks the update against
// its own genesis before it takes part in resharing to it. Pure.
import { signBody, verifyBody } from '../crypto/owner-auth.js'
import { PROTOCOL_VERSION } from '../constants.js'
import { genesisDigest, type Genesis } from '../wire/genesis.js'
import { MEMBERSHIP_UPDATE_KIND, type MembershipUpdate } from '../wire/lifecycle.js'
import { LifecycleRejection } from './errors.js'

/** Signs the move from `current` to `next` with an operator key of `current`. */
export function signMembershipUpdate (current: Genesis, next: Genesis, operatorSecretKey: Uint8Array, operatorPublicKey: string): MembershipUpdate {
  return signBody<Omit<MembershipUpdate, 'signature'>>(MEMBERSHIP_UPDATE_KIND, {
    v: PROTOCOL_VERSION, network: current.network, fromEpoch: current.epoch, fromGenesisDigest: genesisDigest(current), genesis: next, operator: operatorPublicKey
  }, operatorSecretKey)
}

/**
 * What every node checks before accepting an update: it moves *this* membership
 * (network, epoch, digest) one epoch on, an operator named in this genesis signed it,
 * and the next genesis names operators for the move after. Returns the next genesis.
 */
export function checkMembershipUpdate (update: MembershipUpdate, current: Genesis): Genesis {
  const fail = (code: LifecycleRejection['code'], reason: string): never => { throw new LifecycleRejection(code, `membership update to epoch ${update.genesis.epoch}: ${reason}`) }
  if (current.operators === undefined) fail('no-operators', `the genesis of epoch ${current.epoch} names no operator: its membership cannot change`)
  if (update.network !== current.network || update.genesis.network !== current.network) fail('wrong-network', `for network ${update.network}/${update.genesis.network}, this is ${current.network}`)
  if (update.fromEpoch !== current.epoch || update.fromGenesisDigest !== genesisDigest(current)) {
    fail('wrong-epoch', `moves epoch ${update.fromEpoch} (${update.fromGenesisDigest.slice(0, 16)}…), this node is at epoch ${current.epoch} (${genesisDigest(current).slice(0, 16)}…)`)
  }
  if (update.genesis.epoch !== current.epoch + 1) fail('wrong-epoch', `the next genesis is for epoch ${update.genesis.epoch}, expected ${current.epoch + 1}`)
  if (!current.operators!.includes(update.operator)) fail('not-an-operator', `signed by ${update.operator.slice(0, 16)}…, not an operator of epoch ${current.epoch}`)
  if (!verifyBody(MEMBERSHIP_UPDATE_KIND, update, update.operator)) fail('bad-operator-signature', 'the operator signature does not verify')
  if (update.genesis.operators === undefined) fail('no-operators', 'the next genesis names no operator: the membership could never change again')
  return update.genesis
}

export interface MembershipChanges {
  added: string[]
  removed: string[]
  /** Nodes in both epochs whose committee changed. */
  moved: string[]
}

/** Who joins, leaves and changes committee (by peer id), for status and logs. */
export function membershipChanges (current: Genesis, next: Genesis): MembershipChanges {
  const before = new Map(current.nodes.map(n => [n.peerId, n.committee]))
  const after = new Map(next.nodes.map(n => [n.peerId, n.committee]))
  return {
    added: [...after.keys()].filter(p => !before.has(p)),
    removed: [...before.keys()].filter(p => !after.has(p)),
    moved: [...after].filter(([p, c]) => before.has(p) && before.get(p) !== c).map(([p]) => p)
  }
}
