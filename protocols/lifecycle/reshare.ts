// Resharing one key to the next membership (DESIGN 9, update_node_set;
// docs/protocols/lifecycle.md), the pure part. A quorum Q of the old holders
// (tc committees × tm members, picked like a signing party) reshares: holder i
// deals w_i = κ_i·s_i to the new structure; anyone checks C_{i,0} = κ_i·Y_i, so
// Σ C_{i,0} = X and the group key never changes. New members check every
// dealer's sub-share, add them up and sign a receipt for the new epoch record.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { PROTOCOL_VERSION } from '../constants.js'
import { openAndCombine, sealDeal, type DealingContext } from '../crypto/dealer-seal.js'
import { signAsPeer, verifyPeerSignature } from '../crypto/peer-signature.js'
import { DealerFault } from '../new-user/check-record.js'
import {
  partyOfSlots, checkResharingConstant, curveFor, dealScalar, InvalidDealerError, partyCoefficients, pointFromHex,
  pointToHex, publicShare, SecretScalar, SharingError, sumContributions, verifyContribution, verifyNestedPublic,
  type Contribution, type Party, type Point, type RandomBytes, type SharingParams
} from '../sharing/index.js'
import { selectParty } from '../sign/select-party.js'
import { canonicalJson } from '../wire/canonical.js'
import type { KeyScheme } from '../wire/key-record.js'
import {
  RESHARE_CONTRIBUTION_KIND, RESHARE_RECEIPT_KIND,
  type EpochEntry, type EpochRecord, type ReshareContribution, type ReshareReceipt
} from '../wire/lifecycle.js'
import type { Membership } from '../wire/membership.js'
import { LifecycleRejection } from './errors.js'
import { sharingCurveOf } from '../keys/key-scheme.js'

/** What resharing needs of a key's current record: the owner's key record (epoch 0) or an epoch record. */
export interface KeyState {
  keyId: string
  scheme: KeyScheme
  epoch: number
  groupPublicKey: string
  commitments: { outer: string[], inner: string[][] }
  holders: string[][]
  params: { committees: number, tc: number, tm: number }
  /** SHA-256 of the record (canonical JSON): the new epoch record points back to it. */
  digest: string
}

export type Quorum = EpochRecord['quorum']

/** SHA-256 of a record's canonical JSON (the owner's key record or an epoch record). */
export function stateDigest (record: unknown): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(record))))
}

export const epochRecordDigest = (record: EpochRecord): string => stateDigest(record)

function sharingParams (scheme: KeyScheme, params: KeyState['params'], holders: readonly (readonly string[])[]): SharingParams {
  return { scheme: sharingCurveOf(scheme), committees: params.committees, tc: params.tc, tm: params.tm, members: holders.map(c => c.length) }
}

function membershipParams (scheme: KeyScheme, membership: Membership): SharingParams {
  return { scheme: sharingCurveOf(scheme), ...membership.params, members: membership.committees.map(c => c.length) }
}

/**
 * The old holders that reshare a key: a valid party of live, confirmed holders (see
 * selectParty's `confirmed`), not excluded, chosen like a signing party with
 * `reshare/<keyId>/<toEpoch>` as the tie-break seed, so every node that sees the same
 * live set picks the same quorum. Undefined when no valid party is live.
 */
export function chooseQuorum (state: KeyState, toEpoch: number, live: ReadonlySet<string>, excluded: ReadonlySet<string> = new Set(), confirmed?: ReadonlySet<string>): Quorum | undefined {
  const picked = selectParty({
    requestId: `reshare/${state.keyId}/${toEpoch}`, tc: state.params.tc, tm: state.params.tm,
    holders: state.holders, confirmed, live, load: new Map(), excluded
  })
  return picked.ok ? picked.party : undefined
}

/** Throws LifecycleRejection unless the quorum is a valid party of the key's holders, each slot named by its holder. */
export function checkQuorum (state: KeyState, quorum: Quorum): Party {
  try {
    const party = partyOfSlots(quorum)
    partyCoefficients(sharingParams(state.scheme, state.params, state.holders), party)
    for (const s of quorum) {
      if (state.holders[s.committee - 1]?.[s.member - 1] !== s.peerId) throw new LifecycleRejection('wrong-quorum', `slot ${s.committee}/${s.member} of key ${state.keyId} is not held by ${s.peerId}`)
    }
    return party
  } catch (err) {
    if (err instanceof SharingError) throw new LifecycleRejection('wrong-quorum', `key ${state.keyId}: ${err.message}`)
    throw err
  }
}

export function reshareContext (state: KeyState, to: Membership): DealingContext {
  return { keyId: state.keyId, network: to.network, epoch: to.epoch }
}

export interface DealReshareInput {
  state: KeyState
  quorum: Quorum
  /** The dealer: its slot in the old epoch, its share there, its peer id and signing seed. */
  slot: { committee: number, member: number }
  share: SecretScalar
  dealer: string
  seed: Uint8Array
  to: Membership
}

/** Holder (c, m) of the quorum deals κ·s to the new membership and signs the result. */
export async function dealReshare (input: DealReshareInput, randomBytes: RandomBytes): Promise<ReshareContribution> {
  const { state, quorum, slot, to } = input
  const party = checkQuorum(state, quorum)
  const signer = partyCoefficients(sharingParams(state.scheme, state.params, state.holders), party).find(s => s.committee === slot.committee && s.member === slot.member)
  if (signer === undefined) throw new LifecycleRejection('wrong-quorum', `slot ${slot.committee}/${slot.member} is not in the quorum resharing key ${state.keyId}`)
  const curve = curveFor(sharingCurveOf(state.scheme))
  const w = new SecretScalar(curve.Fn.mul(signer.kappa, input.share.expose()))
  const dealt = dealScalar(membershipParams(state.scheme, to), w, randomBytes)
  const hex = (p: Point): string => pointToHex(sharingCurveOf(state.scheme), p)
  return signAsPeer<Omit<ReshareContribution, 'signature'>>(RESHARE_CONTRIBUTION_KIND, {
    v: PROTOCOL_VERSION,
    keyId: state.keyId,
    scheme: state.scheme,
    fromEpoch: state.epoch,
    toEpoch: to.epoch,
    toGenesisDigest: to.genesisDigest,
    dealer: input.dealer,
    slot,
    commitments: { outer: dealt.outer.map(hex), inner: dealt.committees.map(c => c.innerCommitments.map(hex)) },
    shares: await sealDeal(dealt, to, reshareContext(state, to), input.dealer)
  }, input.seed)
}

export interface VerifiedReshare {
  /** Each dealer's decoded contribution, by peer id. */
  contributions: Map<string, Contribution>
  /** Σ of the contributions: the new commitments. */
  sum: Contribution
}

/**
 * Every check on the quorum's contributions, by the coordinator and by each new member:
 * exactly one contribution per quorum slot, each signed by the slot's holder, for this
 * key and these epochs, consistent for the new membership, with `C_{i,0} = κ_i·Y_i`; then
 * `Σ C_{i,0} = X`. A failure names its dealer (DealerFault `bad-dealer`), so the
 * coordinator can replace it.
 */
export function verifyReshare (state: KeyState, quorum: Quorum, contributions: readonly ReshareContribution[], to: Membership): VerifiedReshare {
  const party = checkQuorum(state, quorum)
  const old = sharingParams(state.scheme, state.params, state.holders)
  const kappas = new Map(partyCoefficients(old, party).map(s => [`${s.committee}/${s.member}`, s.kappa]))
  const bySlot = new Map(contributions.map(c => [`${c.slot.committee}/${c.slot.member}`, c]))
  const decoded = new Map<string, Contribution>()
  const dec = (hex: string): Point => pointFromHex(sharingCurveOf(state.scheme), hex)
  for (const s of quorum) {
    const c = bySlot.get(`${s.committee}/${s.member}`)
    const fault = (reason: string): never => { throw new DealerFault(s.peerId, 'bad-dealer', `reshare of key ${state.keyId}: dealer ${s.peerId} (slot ${s.committee}/${s.member}): ${reason}`) }
    if (c === undefined) fault('no contribution')
    if (c!.dealer !== s.peerId) fault(`contribution names dealer ${c!.dealer}`)
    if (c!.keyId !== state.keyId || c!.scheme !== state.scheme) fault(`contribution is for key ${c!.keyId} (${c!.scheme})`)
    if (c!.fromEpoch !== state.epoch || c!.toEpoch !== to.epoch || c!.toGenesisDigest !== to.genesisDigest) fault(`contribution moves epoch ${c!.fromEpoch} → ${c!.toEpoch} (${c!.toGenesisDigest.slice(0, 16)}…)`)
    if (!verifyPeerSignature(RESHARE_CONTRIBUTION_KIND, c!, s.peerId)) fault('contribution is not signed by the dealer')
    if (c!.shares.length !== to.committees.length || c!.shares.some((row, k) => row.length !== to.committees[k]!.length)) fault('does not seal one sub-share for every new member')
    try {
      const contribution: Contribution = { scheme: sharingCurveOf(state.scheme), outer: c!.commitments.outer.map(dec), committees: c!.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) })) }
      verifyContribution(membershipParams(state.scheme, to), contribution, s.peerId)
      const Y = publicShare(sharingCurveOf(state.scheme), state.commitments.inner[s.committee - 1]!.map(dec), s.member)
      checkResharingConstant(sharingCurveOf(state.scheme), s.peerId, contribution, kappas.get(`${s.committee}/${s.member}`)!, Y)
      decoded.set(s.peerId, contribution)
    } catch (err) {
      if (err instanceof InvalidDealerError) fault(err.message)
      if (err instanceof SharingError) fault(err.message)
      throw err
    }
  }
  if (contributions.length !== quorum.length) throw new LifecycleRejection('wrong-quorum', `key ${state.keyId}: ${contributions.length} contributions for a quorum of ${quorum.length}`)
  const sum = sumContributions([...decoded.values()])
  if (!curveFor(sharingCurveOf(state.scheme)).pointEquals(sum.outer[0]!, dec(state.groupPublicKey))) {
    // Unreachable when every constant passed κ·Y over a valid party; kept as the invariant's last line.
    throw new LifecycleRejection('wrong-key', `key ${state.keyId}: the reshared constant terms do not add up to the group key`)
  }
  return { contributions: decoded, sum }
}

/** The epoch record the verified contributions give: same group key, the new membership's holders. */
export function epochRecordFrom (state: KeyState, quorum: Quorum, verified: VerifiedReshare, to: Membership): EpochRecord {
  const hex = (p: Point): string => pointToHex(sharingCurveOf(state.scheme), p)
  return {
    v: PROTOCOL_VERSION,
    keyId: state.keyId,
    scheme: state.scheme,
    epoch: to.epoch,
    genesisDigest: to.genesisDigest,
    groupPublicKey: state.groupPublicKey,
    commitments: { outer: verified.sum.outer.map(hex), inner: verified.sum.committees.map(c => c.innerCommitments.map(hex)) },
    holders: to.committees.map(c => c.map(m => m.peerId)),
    previousDigest: state.digest,
    quorum: [...quorum]
  }
}

/** New member (committee, member): opens and checks each dealer's sub-share and returns the sum (its new share). */
export async function openReshareShare (
  state: KeyState, contributions: readonly ReshareContribution[], verified: VerifiedReshare, to: Membership,
  slot: { committee: number, member: number, peerId: string }, encryptionSecret: Uint8Array
): Promise<SecretScalar> {
  const from = contributions.map(c => ({ dealer: c.dealer, contribution: verified.contributions.get(c.dealer)!, shares: c.shares }))
  return await openAndCombine(sharingCurveOf(state.scheme), reshareContext(state, to), from, slot, encryptionSecret)
}

/** A new member's signed receipt for the epoch record it checked its share against. */
export function reshareReceipt (record: EpochRecord, slot: { committee: number, member: number }, peerId: string, seed: Uint8Array): ReshareReceipt {
  return signAsPeer<Omit<ReshareReceipt, 'signature'>>(RESHARE_RECEIPT_KIND, {
    v: PROTOCOL_VERSION, keyId: record.keyId, epoch: record.epoch, committee: slot.committee, member: slot.member, peerId, epochRecordDigest: epochRecordDigest(record)
  }, seed)
}

/**
 * What every node checks before it counts a key as reshared to `to`: the record fits the
 * new membership (digest, holders, params, consistent commitments), keeps the group key
 * and points at the record it replaces; the receipts are signed by the holders they
 * name, for this record, one per slot; and **every** new committee confirmed with at
 * least tm receipts (two-phase activation waits for that).
 */
export function checkEpochEntry (entry: EpochEntry, previous: KeyState, to: Membership): void {
  const { record, receipts } = entry
  const fail = (code: 'bad-epoch-record' | 'bad-receipt' | 'unconfirmed', reason: string): never => { throw new LifecycleRejection(code, `epoch ${record.epoch} record of key ${record.keyId}: ${reason}`) }
  if (record.keyId !== previous.keyId || record.scheme !== previous.scheme) fail('bad-epoch-record', 'names another key')
  if (record.epoch !== to.epoch || record.genesisDigest !== to.genesisDigest) fail('bad-epoch-record', `is for epoch ${record.epoch} (${record.genesisDigest.slice(0, 16)}…), not this membership's`)
  if (record.groupPublicKey !== previous.groupPublicKey) fail('bad-epoch-record', 'changes the group key')
  if (record.previousDigest !== previous.digest) fail('bad-epoch-record', 'does not follow the record this node holds for the key')
  if (JSON.stringify(record.holders) !== JSON.stringify(to.committees.map(c => c.map(m => m.peerId)))) fail('bad-epoch-record', 'holders differ from the membership')
  try {
    const dec = (hex: string): Point => pointFromHex(sharingCurveOf(record.scheme), hex)
    verifyNestedPublic(membershipParams(record.scheme, to), {
      scheme: sharingCurveOf(record.scheme), groupPublicKey: dec(record.groupPublicKey), outer: { commitments: record.commitments.outer.map(dec) },
      committees: record.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) }))
    })
  } catch (err) {
    if (err instanceof SharingError) fail('bad-epoch-record', err.message)
    throw err
  }
  const digest = epochRecordDigest(record)
  const seen = new Set<string>()
  const perCommittee = new Map<number, number>()
  for (const r of receipts) {
    const slot = `${r.committee}/${r.member}`
    if (r.keyId !== record.keyId || r.epoch !== record.epoch || r.epochRecordDigest !== digest) fail('bad-receipt', `receipt of ${slot} is for another record`)
    if (to.committees[r.committee - 1]?.[r.member - 1]?.peerId !== r.peerId) fail('bad-receipt', `receipt names ${r.peerId} for slot ${slot}, which it does not hold`)
    if (seen.has(slot)) fail('bad-receipt', `two receipts for slot ${slot}`)
    if (!verifyPeerSignature(RESHARE_RECEIPT_KIND, r, r.peerId)) fail('bad-receipt', `receipt of ${slot} is not signed by ${r.peerId}`)
    seen.add(slot)
    perCommittee.set(r.committee, (perCommittee.get(r.committee) ?? 0) + 1)
  }
  const short = to.committees.map((_, i) => i + 1).filter(c => (perCommittee.get(c) ?? 0) < to.params.tm)
  if (short.length > 0) fail('unconfirmed', `committees ${short.join(', ')} confirmed with fewer than tm = ${to.params.tm} receipts`)
}

/**
 * Two-phase activation: the network moves to `to` only when every key it holds at the
 * old epoch has an epoch entry that passed checkEpochEntry. Returns the keys still
 * missing (empty: activate).
 */
export function keysNotReshared (keys: readonly string[], confirmed: ReadonlySet<string>): string[] {
  return keys.filter(k => !confirmed.has(k))
}

