// The client side of new_user (DESIGN 5, step 2): deal a key with nested
// sharing, seal each sub-share to its member, and produce the owner-signed
// record and one owner-signed bundle per committee.
import { hexToBytes } from '@noble/hashes/utils.js'
import { ownerPublicKey, signBody } from '../crypto/owner-auth.js'
import { sealShare } from '../crypto/share-seal.js'
import { curveFor, dealNested, encodeScalar, pointToHex, SecretScalar, type RandomBytes } from '../sharing/index.js'
import { PROTOCOL_VERSION } from '../constants.js'
import { deriveKeyId, KEY_RECORD_KIND, type KeyRecord, type Policy, type Scheme, type UnsignedKeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { NEW_USER_KIND, type NewUserBundle } from '../wire/new-user.js'

export interface DealNewUserInput {
  scheme: Scheme
  membership: Membership
  /** 32-byte Ed25519 secret of the owner: signs the record, the bundles and later every request. */
  ownerSecretKey: Uint8Array
  policy: Policy
  /** Deal this key instead of a fresh random one (import). */
  secret?: SecretScalar
  nowMs: number
  randomBytes: RandomBytes
}

export interface DealtNewUser {
  record: KeyRecord
  bundles: NewUserBundle[]
  /** secp256k1: the dealt key is the negation of the given secret (BIP340 even Y). */
  secretNegated: boolean
  /** The dealt secret key x (X = x·G), for `--export-secret` only; never sent anywhere. */
  secret: SecretScalar
}

export async function dealNewUser (input: DealNewUserInput): Promise<DealtNewUser> {
  const { scheme, membership } = input
  const { committees, tc, tm } = membership.params
  const curve = curveFor(scheme)
  // Drawn here rather than inside dealNested, so that --export-secret can hand it back.
  const secret = input.secret ?? new SecretScalar(curve.randomScalar(input.randomBytes))
  const deal = dealNested({
    scheme, committees, tc, tm, members: membership.committees.map(c => c.length), secret
  }, input.randomBytes)
  const dealt = deal.secretNegated ? new SecretScalar(curve.Fn.neg(secret.expose())) : secret

  const groupPublicKey = pointToHex(scheme, deal.groupPublicKey)
  const keyId = deriveKeyId(scheme, groupPublicKey)
  const unsigned: UnsignedKeyRecord = {
    v: PROTOCOL_VERSION,
    keyId,
    scheme,
    groupPublicKey,
    ownerAuthKey: ownerPublicKey(input.ownerSecretKey),
    network: membership.network,
    genesisDigest: membership.genesisDigest,
    epoch: membership.epoch,
    params: { committees, tc, tm },
    commitments: {
      outer: deal.outer.commitments.map(p => pointToHex(scheme, p)),
      inner: deal.committees.map(c => c.innerCommitments.map(p => pointToHex(scheme, p)))
    },
    holders: membership.committees.map(c => c.map(m => m.peerId)),
    policy: input.policy,
    createdAt: input.nowMs
  }
  const record = signBody(KEY_RECORD_KIND, unsigned, input.ownerSecretKey)

  const bundles: NewUserBundle[] = []
  for (const committee of deal.committees) {
    const members = membership.committees[committee.committee - 1]!
    const shares = await Promise.all(committee.shares.map(async ({ member, share }) => {
      const m = members[member - 1]!
      const slot = { keyId, network: membership.network, epoch: membership.epoch, committee: committee.committee, member, peerId: m.peerId }
      const sealed = await sealShare(hexToBytes(m.encryptionPublicKey), slot, encodeScalar(scheme, share.expose()))
      return { member, peerId: m.peerId, ...sealed }
    }))
    bundles.push(signBody(NEW_USER_KIND, { v: PROTOCOL_VERSION, record, committee: committee.committee, shares }, input.ownerSecretKey))
  }
  return { record, bundles, secretNegated: deal.secretNegated, secret: dealt }
}
