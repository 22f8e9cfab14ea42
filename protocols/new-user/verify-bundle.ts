// Everything a committee leader and a member check about a new_user bundle
// before relaying or accepting it. Pure; every failure is a NewUserRejection
// with a machine-readable code and a reason that names the culprit.
import { verifyBody } from '../crypto/owner-auth.js'
import type { NestedPublic } from '../sharing/index.js'
import { DKG_BUNDLE_KIND, type DkgBundle } from '../wire/dkg.js'
import type { KeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { NEW_USER_KIND, type AnyNewUserBundle, type NewUserBundle } from '../wire/new-user.js'
import { checkRecord, NewUserRejection } from './check-record.js'
import { checkRecordMatchesTranscript, verifyTranscript, type VerifiedTranscript } from './dkg.js'

export { NewUserRejection, DealerFault, type RejectionCode } from './check-record.js'

export interface VerifiedBundle {
  record: KeyRecord
  /** The record's commitments decoded and checked, for the member's sub-share check. */
  nested: NestedPublic
  /** DKG bundles: the checked transcript the record's commitments are the sum of. */
  dkg?: VerifiedTranscript
}

export function isDkgBundle (bundle: AnyNewUserBundle): bundle is DkgBundle {
  return 'dkg' in bundle
}

export function verifyBundle (bundle: AnyNewUserBundle, membership: Membership): VerifiedBundle {
  const { record } = bundle
  const dkg = isDkgBundle(bundle)
  // The bundle's signature first: a bundle its owner did not sign is refused for one signature check,
  // before the group arithmetic of the commitments (junk deliveries cost a node little).
  if (!verifyBody(dkg ? DKG_BUNDLE_KIND : NEW_USER_KIND, bundle, record.ownerAuthKey)) {
    throw new NewUserRejection('bad-owner-signature', `key ${record.keyId}: owner signature on the bundle does not verify`)
  }
  const nested = checkRecord(record, membership)
  const members = membership.committees[bundle.committee - 1]
  if (members === undefined) throw new NewUserRejection('wrong-committee', `key ${record.keyId}: committee ${bundle.committee} does not exist`)
  if (dkg) {
    // Every dealer's commit, reveal and proof, and the record being exactly their sum (negated for odd Y).
    const verified = verifyTranscript(bundle.dkg, membership, record.scheme)
    checkRecordMatchesTranscript(record, verified)
    return { record, nested, dkg: verified }
  }
  checkDealtShares(bundle, members)
  return { record, nested }
}

function checkDealtShares (bundle: NewUserBundle, members: Membership['committees'][number]): void {
  const sorted = [...bundle.shares].sort((a, b) => a.member - b.member)
  if (sorted.length !== members.length || sorted.some((s, i) => s.member !== i + 1 || s.peerId !== members[i]!.peerId)) {
    throw new NewUserRejection('wrong-shares', `key ${bundle.record.keyId}: bundle must carry exactly one share for each of committee ${bundle.committee}'s ${members.length} members, in member order`)
  }
}
