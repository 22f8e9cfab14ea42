// Everything a committee leader and a member check about a new_user bundle
// before relaying or accepting it. Pure; every failure is a NewUserRejection
// with a machine-readable code and a reason that names the culprit.
import { verifyBody } from '../crypto/owner-auth.js'
import { pointFromHex, SharingError, verifyNestedPublic, type NestedPublic, type Point } from '../sharing/index.js'
import type { KeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { NEW_USER_KIND, type NewUserBundle } from '../wire/new-user.js'
import { checkRecordSignature, InvalidRecordError } from './registry-entry.js'

export type RejectionCode =
  | 'wrong-network' | 'wrong-epoch' | 'wrong-params' | 'bad-key-id' | 'bad-owner-signature'
  | 'wrong-holders' | 'wrong-committee' | 'wrong-shares' | 'bad-commitments' | 'bad-share'
  | 'not-my-committee' | 'conflict' | 'equivocation' | 'game-incomplete' | 'internal'

export class NewUserRejection extends Error {
  constructor (readonly code: RejectionCode, reason: string) {
    super(reason)
    this.name = 'NewUserRejection'
  }
}

export interface VerifiedBundle {
  record: KeyRecord
  /** The record's commitments decoded and checked, for the member's sub-share check. */
  nested: NestedPublic
}

export function verifyBundle (bundle: NewUserBundle, membership: Membership): VerifiedBundle {
  const { record } = bundle
  const fail = (code: RejectionCode, reason: string): never => { throw new NewUserRejection(code, `key ${record.keyId}: ${reason}`) }

  if (record.network !== membership.network) fail('wrong-network', `record is for network ${record.network}, this is ${membership.network}`)
  if (record.epoch !== membership.epoch) fail('wrong-epoch', `record is for epoch ${record.epoch}, this network is at epoch ${membership.epoch}`)
  const p = membership.params
  if (record.params.committees !== p.committees || record.params.tc !== p.tc || record.params.tm !== p.tm) {
    fail('wrong-params', `record params ${JSON.stringify(record.params)} differ from the network's ${JSON.stringify(p)}`)
  }
  try {
    checkRecordSignature(record)
  } catch (err) {
    if (err instanceof InvalidRecordError) fail(err.code as RejectionCode, err.message)
    throw err
  }
  if (!verifyBody(NEW_USER_KIND, bundle, record.ownerAuthKey)) fail('bad-owner-signature', 'owner signature on the bundle does not verify')

  const holdersExpected = membership.committees.map(c => c.map(m => m.peerId))
  if (JSON.stringify(record.holders) !== JSON.stringify(holdersExpected)) {
    fail('wrong-holders', 'record holders differ from the network membership')
  }
  const members = membership.committees[bundle.committee - 1]
  if (members === undefined) fail('wrong-committee', `committee ${bundle.committee} does not exist`)
  const sorted = [...bundle.shares].sort((a, b) => a.member - b.member)
  if (sorted.length !== members!.length || sorted.some((s, i) => s.member !== i + 1 || s.peerId !== members![i]!.peerId)) {
    fail('wrong-shares', `bundle must carry exactly one share for each of committee ${bundle.committee}'s ${members!.length} members, in member order`)
  }

  let nested: NestedPublic
  try {
    const dec = (hex: string): Point => pointFromHex(record.scheme, hex)
    nested = {
      scheme: record.scheme,
      groupPublicKey: dec(record.groupPublicKey),
      outer: { commitments: record.commitments.outer.map(dec) },
      committees: record.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) }))
    }
    verifyNestedPublic({
      scheme: record.scheme, committees: p.committees, tc: p.tc, tm: p.tm,
      members: membership.committees.map(c => c.length)
    }, nested)
  } catch (err) {
    if (err instanceof SharingError) fail('bad-commitments', err.message)
    throw err
  }
  return { record, nested: nested! }
}
