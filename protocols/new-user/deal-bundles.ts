// The client side of new_user (DESIGN 5, step 2): deal a key with nested
// sharing, seal each sub-share to its member, and produce the owner-signed
// record and one owner-signed bundle per committee.
import { hexToBytes } from '@noble/hashes/utils.js'
import { ownerPublicKey, signBody } from '../crypto/owner-auth.js'
import { sealShare } from '../crypto/share-seal.js'
import { curveFor, dealNested, encodeScalar, pointToHex, SecretScalar, type RandomBytes } from '../sharing/index.js'
import { PROTOCOL_VERSION } from '../constants.js'
import { deriveKeyId, KEY_RECORD_KIND, type KeyRecord, type Policy, type KeyScheme, type UnsignedKeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { NEW_USER_KIND, type NewUserBundle } from '../wire/new-user.js'
import { sharingCurveOf } from '../keys/key-scheme.js'
import { addressFields } from '../keys/record-address.js'

export interface DealNewUserInput {
  scheme: KeyScheme
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
  /** secp256k1 curve (both its schemes): the dealt key is the negation of the given secret (even Y, as BIP340 needs). */
  secretNegated: boolean
  /** The dealt secret key x (X = x·G), for `--export-secret` only; never sent anywhere. */
  secret: SecretScalar
}

export async function dealNewUser (input: DealNewUserInput): Promise<DealtNewUser> {
  const { scheme, membership } = input
  const { committees, tc, tm } = membership.params
  // The sharing runs over the scheme's curve; the scheme itself only names the record (and its address).
  const curveName = sharingCurveOf(scheme)
  const curve = curveFor(curveName)
  // Drawn here rather than inside dealNested, so that --export-secret can hand it back.
  const secret = input.secret ?? new SecretScalar(curve.randomScalar(input.randomBytes))
  const deal = dealNested({
    scheme: curveName, committees, tc, tm, members: membership.committees.map(c => c.length), secret
  }, input.randomBytes)
  const dealt = deal.secretNegated ? new SecretScalar(curve.Fn.neg(secret.expose())) : secret

  const groupPublicKey = pointToHex(curveName, deal.groupPublicKey)
  const keyId = deriveKeyId(scheme, groupPublicKey)
  const unsigned: UnsignedKeyRecord = {
    v: PROTOCOL_VERSION,
    keyId,
    scheme,
    groupPublicKey,
    ...addressFields(scheme, groupPublicKey),
    ownerAuthKey: ownerPublicKey(input.ownerSecretKey),
    network: membership.network,
    genesisDigest: membership.genesisDigest,
    epoch: membership.epoch,
    params: { committees, tc, tm },
    commitments: {
      outer: deal.outer.commitments.map(p => pointToHex(curveName, p)),
      inner: deal.committees.map(c => c.innerCommitments.map(p => pointToHex(curveName, p)))
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
      const sealed = await sealShare(hexToBytes(m.encryptionPublicKey), slot, encodeScalar(curveName, share.expose()))
      return { member, peerId: m.peerId, ...sealed }
    }))
    bundles.push(signBody(NEW_USER_KIND, { v: PROTOCOL_VERSION, record, committee: committee.committee, shares }, input.ownerSecretKey))
  }
  return { record, bundles, secretNegated: deal.secretNegated, secret: dealt }
}
