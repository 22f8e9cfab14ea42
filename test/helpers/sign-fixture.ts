// A dealt key and everything a signing machine is given about it: the owner's record,
// its state at epoch 0, its public material, and each holder's share as a SignerKey.
// Holders are named `p<committee><member>`. Deterministic from a seed.
import { ownerPublicKey, signBody } from '../../protocols/crypto/owner-auth.js'
import type { SignerKey } from '../../protocols/frost/index.js'
import type { KeyState } from '../../protocols/lifecycle/reshare.js'
import { dealNested, type NestedDeal, type CurveName, type SharingParams } from '../../protocols/sharing/index.js'
import type { FrostKey } from '../../protocols/sign/machine/frost-protocol.js'
import type { KeyLookup } from '../../protocols/sign/machine/signer-types.js'
import { DEFAULT_POLICY, type KeyRecord, type Policy } from '../../protocols/wire/key-record.js'
import { SIGN_REQUEST_KIND, type PartyMember, type SignRequest } from '../../protocols/wire/sign.js'
import { seeded } from './deterministic.js'
import { newOwner } from './owner.js'

export const FIXTURE_T0 = 1_900_000_000_000

export interface SignFixture {
  params: SharingParams
  deal: NestedDeal
  record: KeyRecord
  state: KeyState
  pub: FrostKey
  holders: string[][]
  owner: Uint8Array
  /** The member at committee c, member m. */
  member: (committee: number, member: number) => PartyMember
  secretOf: (peerId: string) => SignerKey | undefined
  lookup: (peerId: string) => KeyLookup<FrostKey, SignerKey>
  request: (opts?: { message?: string, requestId?: string, expiresAt?: number }) => SignRequest
}

export function signFixture (opts: { scheme?: CurveName, seed?: string, policy?: Partial<Policy>, committees?: number, size?: number, tc?: number, tm?: number } = {}): SignFixture {
  const scheme = opts.scheme ?? 'ed25519'
  const committees = opts.committees ?? 3
  const size = opts.size ?? 3
  const params: SharingParams = { scheme, committees, tc: opts.tc ?? 2, tm: opts.tm ?? 2, members: Array.from({ length: committees }, () => size) }
  const deal = dealNested(params, seeded(opts.seed ?? 'sign-fixture'))
  const holders = Array.from({ length: committees }, (_, c) => Array.from({ length: size }, (_, m) => `p${c + 1}${m + 1}`))
  const owner = newOwner()
  const keyId = 'ab'.repeat(16)
  const record = {
    keyId, scheme, epoch: 0, holders, ownerAuthKey: ownerPublicKey(owner), policy: { ...DEFAULT_POLICY, ...opts.policy },
    params: { committees, tc: params.tc, tm: params.tm }
  } as unknown as KeyRecord
  const state: KeyState = {
    keyId, scheme, epoch: 0, groupPublicKey: '', commitments: { outer: [], inner: [] }, holders, params: { committees, tc: params.tc, tm: params.tm }, digest: 'd0'
  }
  const pub: FrostKey = { params, nested: deal }
  const slotOf = (peerId: string): { committee: number, member: number } | undefined => {
    for (let c = 0; c < holders.length; c++) {
      const m = holders[c]!.indexOf(peerId)
      if (m >= 0) return { committee: c + 1, member: m + 1 }
    }
    return undefined
  }
  const secretOf = (peerId: string): SignerKey | undefined => {
    const slot = slotOf(peerId)
    if (slot === undefined) return undefined
    const share = deal.committees[slot.committee - 1]!.shares.find(s => s.member === slot.member)!.share
    return { scheme, ...slot, share }
  }
  return {
    params, deal, record, state, pub, holders, owner,
    member: (committee, member) => ({ committee, member, peerId: holders[committee - 1]![member - 1]! }),
    secretOf,
    lookup: peerId => ({ kind: 'found', record, state, pub, secret: secretOf(peerId) }),
    request: (r = {}) => signBody(SIGN_REQUEST_KIND, {
      v: 1 as const, keyId, message: r.message ?? 'cafe0001', requestId: r.requestId ?? 'request-0001', expiresAt: r.expiresAt ?? FIXTURE_T0 + 30_000
    }, owner) as SignRequest
  }
}
