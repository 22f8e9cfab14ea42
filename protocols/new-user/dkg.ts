// new_user in DKG mode (DESIGN 9, docs/protocols/new_user.md#dkg), the pure
// part: the owner's request checks, a dealer's commit and reveal, the
// transcript checks every client and member runs, the record a transcript
// gives, and a member's sum of its sub-shares. No dealer ever sees the key:
// x = Σ z_i over at least two dealers (one per committee), each z_i known only
// to its dealer, which forgets it once its sub-shares are sealed.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { DKG_CLOCK_SKEW_MS, MAX_DKG_REQUEST_LIFETIME_MS, PROTOCOL_VERSION } from '../constants.js'
import { verifyBody } from '../crypto/owner-auth.js'
import { signAsPeer, verifyPeerSignature } from '../crypto/peer-signature.js'
import { openAndCombine, sealDeal, type DealingContext } from '../crypto/dealer-seal.js'
import {
  contributionsEqual, curveFor, dealScalar, dealsEvenY, hasEvenY, InvalidDealerError,
  negateContribution, negateShare, pointFromHex, pointToHex, proveKnowledge, scalarFromHex, scalarToHex, SecretScalar,
  SharingError, sumContributions, verifyContribution, verifyKnowledge,
  type Contribution, type Point, type RandomBytes, type SharingParams
} from '../sharing/index.js'
import { signingInput } from '../wire/canonical.js'
import {
  DKG_COMMITMENT_KIND, DKG_CONTRIBUTION_KIND, DKG_REQUEST_KIND,
  type DkgCommitment, type DkgContribution, type DkgRequest, type DkgTranscript
} from '../wire/dkg.js'
import { deriveKeyId, type KeyRecord, type Policy, type KeyScheme, type UnsignedKeyRecord } from '../wire/key-record.js'
import type { Membership } from '../wire/membership.js'
import { DealerFault, NewUserRejection } from './check-record.js'
import { sharingCurveOf } from '../keys/key-scheme.js'
import { addressFields } from '../keys/record-address.js'

function sharingParams (scheme: KeyScheme, membership: Membership): SharingParams {
  const { committees, tc, tm } = membership.params
  return { scheme: sharingCurveOf(scheme), committees, tc, tm, members: membership.committees.map(c => c.length) }
}

/** Which committee a peer sits in (1-based), or undefined. */
function committeeOf (membership: Membership, peerId: string): number | undefined {
  const i = membership.committees.findIndex(c => c.some(m => m.peerId === peerId))
  return i < 0 ? undefined : i + 1
}

/** What every dealer checks before dealing: owner signature, the network, the lifetime. Throws NewUserRejection. */
export function checkDkgRequest (request: DkgRequest, membership: Membership, nowMs: number): void {
  const fail = (code: 'wrong-network' | 'wrong-genesis' | 'wrong-epoch' | 'expired' | 'lifetime-too-long' | 'bad-owner-signature', reason: string): never => {
    throw new NewUserRejection(code, `DKG session ${request.session}: ${reason}`)
  }
  if (request.network !== membership.network) fail('wrong-network', `request is for network ${request.network}, this is ${membership.network}`)
  if (request.genesisDigest !== membership.genesisDigest) fail('wrong-genesis', `request names genesis ${request.genesisDigest.slice(0, 16)}…, this network's is ${membership.genesisDigest.slice(0, 16)}…`)
  if (request.epoch !== membership.epoch) fail('wrong-epoch', `request is for epoch ${request.epoch}, this network is at epoch ${membership.epoch}`)
  if (request.expiresAt + DKG_CLOCK_SKEW_MS < nowMs) fail('expired', `request expired at ${new Date(request.expiresAt).toISOString()}`)
  if (request.expiresAt > nowMs + MAX_DKG_REQUEST_LIFETIME_MS + DKG_CLOCK_SKEW_MS) {
    fail('lifetime-too-long', `request asks to stay valid until ${new Date(request.expiresAt).toISOString()}, more than ${MAX_DKG_REQUEST_LIFETIME_MS / 1000} s ahead`)
  }
  if (!verifyBody(DKG_REQUEST_KIND, request, request.ownerAuthKey)) fail('bad-owner-signature', 'owner signature does not verify')
}

/**
 * The dealer set rule: distinct members of the membership, one from every committee
 * (two from the only committee when there is one), none the owner excluded. So the key
 * is a sum over at least two nodes, and no committee's members can be left out.
 */
export function checkDealerSet (dealers: readonly string[], membership: Membership, exclude: readonly string[] = []): void {
  const fail = (reason: string): never => { throw new NewUserRejection('bad-dealers', reason) }
  if (new Set(dealers).size !== dealers.length) fail('a dealer is listed twice')
  const C = membership.params.committees
  const covered = new Set<number>()
  for (const d of dealers) {
    const c = committeeOf(membership, d)
    if (c === undefined) fail(`dealer ${d} is not a member of the network`)
    if (exclude.includes(d)) fail(`dealer ${d} is excluded by the owner`)
    covered.add(c!)
  }
  if (dealers.length < Math.max(2, C)) fail(`${dealers.length} dealers, at least ${Math.max(2, C)} needed`)
  if (covered.size !== C) fail(`dealers cover committees ${[...covered].sort().join(', ')}, every one of 1..${C} needed`)
}

/**
 * Picks the dealers: in each committee the first candidate (e.g. leader, backup, then
 * the other live members) the owner did not exclude; with one committee, its first two.
 * Undefined when a committee has no candidate left.
 */
export function chooseDealers (candidatesByCommittee: ReadonlyArray<readonly string[]>, exclude: readonly string[] = []): string[] | undefined {
  const perCommittee = candidatesByCommittee.length === 1 ? 2 : 1
  const dealers: string[] = []
  for (const candidates of candidatesByCommittee) {
    const picked = [...new Set(candidates)].filter(p => !exclude.includes(p)).slice(0, perCommittee)
    if (picked.length < perCommittee) return undefined
    dealers.push(...picked)
  }
  return dealers
}

/** The proof-of-knowledge context: binds a dealer's proof to this session and to itself. */
export function proofContext (session: string, dealer: string): Uint8Array {
  return utf8ToBytes(`shardsig/v1/dkg\n${session}\n${dealer}`)
}

/** What DKG sub-shares are sealed under: the session stands in for the key id, unknown until the sum. */
export function dealingContext (request: Pick<DkgRequest, 'session' | 'network' | 'epoch'>): DealingContext {
  return { keyId: request.session, network: request.network, epoch: request.epoch }
}

export function contributionDigest (contribution: DkgContribution): string {
  return bytesToHex(sha256(signingInput(DKG_CONTRIBUTION_KIND, contribution)))
}

export interface DealerOutput {
  commitment: DkgCommitment
  contribution: DkgContribution
}

/**
 * A dealer's whole part, done at commit time: draw z, deal it nested to the membership,
 * prove knowledge of z, seal every sub-share to its member, sign the reveal and a commit
 * to its digest. z and the polynomials are dropped on return (JS bigints cannot be
 * wiped); only sealed sub-shares and public values remain.
 */
export async function dealContribution (
  request: DkgRequest, membership: Membership, dealer: string, dealerSeed: Uint8Array, randomBytes: RandomBytes
): Promise<DealerOutput> {
  const { scheme, session } = request
  const curveName = sharingCurveOf(scheme)
  const curve = curveFor(curveName)
  const z = new SecretScalar(curve.randomScalar(randomBytes))
  const dealt = dealScalar(sharingParams(scheme, membership), z, randomBytes)
  const proof = proveKnowledge(curveName, z, dealt.outer[0]!, proofContext(session, dealer), randomBytes)
  const shares = await sealDeal(dealt, membership, dealingContext(request), dealer)
  const hex = (p: Point): string => pointToHex(curveName, p)
  const contribution = signAsPeer<Omit<DkgContribution, 'signature'>>(DKG_CONTRIBUTION_KIND, {
    v: PROTOCOL_VERSION,
    session,
    dealer,
    scheme,
    commitments: { outer: dealt.outer.map(hex), inner: dealt.committees.map(c => c.innerCommitments.map(hex)) },
    proof: { commitment: hex(proof.commitment), response: scalarToHex(curveName, proof.response) },
    shares
  }, dealerSeed)
  const commitment = signAsPeer<Omit<DkgCommitment, 'signature'>>(DKG_COMMITMENT_KIND, {
    v: PROTOCOL_VERSION, session, dealer, contributionDigest: contributionDigest(contribution)
  }, dealerSeed)
  return { commitment, contribution }
}

/** A commit as a dealer receives it in the reveal round: signed by the dealer it names, for this session. */
export function checkCommitment (commitment: DkgCommitment, session: string): void {
  if (commitment.session !== session) throw new DealerFault(commitment.dealer, 'bad-dealer', `commit of dealer ${commitment.dealer} is for session ${commitment.session}, not ${session}`)
  if (!verifyPeerSignature(DKG_COMMITMENT_KIND, commitment, commitment.dealer)) {
    throw new DealerFault(commitment.dealer, 'bad-dealer', `commit of dealer ${commitment.dealer} is not signed by it`)
  }
}

export interface VerifiedTranscript {
  dealers: string[]
  /** Every dealer's decoded contribution, in dealer order. */
  contributions: Map<string, Contribution>
  /** Σ of the contributions, negated when that made a key with odd Y on secp256k1 (dealsEvenY). */
  sum: Contribution
  negated: boolean
}

function decodeContribution (c: DkgContribution): Contribution {
  const curveName = sharingCurveOf(c.scheme)
  const dec = (hex: string): Point => pointFromHex(curveName, hex)
  return { scheme: curveName, outer: c.commitments.outer.map(dec), committees: c.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) })) }
}

/**
 * Everything public about a DKG, checked by the coordinating node, the client and every
 * member: dealers one per committee (checkDealerSet), each commit and reveal signed by
 * its dealer, each reveal matching its commit, each proof of knowledge, each
 * contribution consistent for the membership, sealed sub-shares for every slot. Returns
 * the sum. Throws DealerFault naming the dealer at fault, or NewUserRejection.
 */
export function verifyTranscript (transcript: DkgTranscript, membership: Membership, scheme: KeyScheme): VerifiedTranscript {
  const { session, commitments, contributions } = transcript
  const dealers = contributions.map(c => c.dealer)
  checkDealerSet(dealers, membership)
  if (commitments.length !== contributions.length || commitments.some((c, i) => c.dealer !== dealers[i])) {
    throw new NewUserRejection('bad-dealers', `DKG session ${session}: commits and reveals name different dealers`)
  }
  const params = sharingParams(scheme, membership)
  const curveName = params.scheme
  const decoded = new Map<string, Contribution>()
  contributions.forEach((c, i) => {
    const fault = (reason: string): never => { throw new DealerFault(c.dealer, 'bad-dealer', `DKG session ${session}: dealer ${c.dealer}: ${reason}`) }
    checkCommitment(commitments[i]!, session)
    if (c.session !== session) fault(`reveal is for session ${c.session}`)
    if (c.scheme !== scheme) fault(`dealt for ${c.scheme}, the key is ${scheme}`)
    if (!verifyPeerSignature(DKG_CONTRIBUTION_KIND, c, c.dealer)) fault('reveal is not signed by the dealer')
    if (contributionDigest(c) !== commitments[i]!.contributionDigest) fault('reveal differs from what the dealer committed to')
    if (c.shares.length !== membership.committees.length || c.shares.some((row, k) => row.length !== membership.committees[k]!.length)) {
      fault('does not seal one sub-share for every member')
    }
    try {
      const contribution = decodeContribution(c)
      verifyContribution(params, contribution, c.dealer)
      const proof = { commitment: pointFromHex(curveName, c.proof.commitment), response: scalarFromHex(curveName, c.proof.response) }
      if (!verifyKnowledge(curveName, contribution.outer[0]!, proofContext(session, c.dealer), proof)) fault('proof of knowledge does not verify')
      decoded.set(c.dealer, contribution)
    } catch (err) {
      if (err instanceof InvalidDealerError) throw new DealerFault(c.dealer, 'bad-dealer', `DKG session ${session}: ${err.message}`)
      if (err instanceof SharingError) fault(err.message)
      throw err
    }
  })
  let sum = sumContributions([...decoded.values()])
  // Keys on secp256k1 have even Y (BIP340; ECDSA keys too, dealsEvenY): when the sum's is odd,
  // every holder negates its share and the record the commitments.
  const negated = dealsEvenY(curveName) && !hasEvenY(sum.outer[0]!)
  if (negated) sum = negateContribution(sum)
  return { dealers, contributions: decoded, sum, negated }
}

export interface DkgRecordInput {
  scheme: KeyScheme
  membership: Membership
  ownerAuthKey: string
  policy: Policy
  createdAt: number
}

/** The unsigned key record a verified transcript gives: an ordinary record, the owner signs it. */
export function recordFromTranscript (input: DkgRecordInput, verified: VerifiedTranscript): UnsignedKeyRecord {
  const { scheme, membership } = input
  const hex = (p: Point): string => pointToHex(sharingCurveOf(scheme), p)
  const groupPublicKey = hex(verified.sum.outer[0]!)
  const { committees, tc, tm } = membership.params
  return {
    v: PROTOCOL_VERSION,
    keyId: deriveKeyId(scheme, groupPublicKey),
    scheme,
    groupPublicKey,
    ...addressFields(scheme, groupPublicKey),
    ownerAuthKey: input.ownerAuthKey,
    network: membership.network,
    genesisDigest: membership.genesisDigest,
    epoch: membership.epoch,
    params: { committees, tc, tm },
    commitments: { outer: verified.sum.outer.map(hex), inner: verified.sum.committees.map(c => c.innerCommitments.map(hex)) },
    holders: membership.committees.map(c => c.map(m => m.peerId)),
    policy: input.policy,
    createdAt: input.createdAt
  }
}

/** A member's check that the (already checked) record is exactly what the transcript sums to. */
export function checkRecordMatchesTranscript (record: KeyRecord, verified: VerifiedTranscript): void {
  const curveName = sharingCurveOf(record.scheme)
  const dec = (hex: string): Point => pointFromHex(curveName, hex)
  const fromRecord: Contribution = {
    scheme: curveName,
    outer: record.commitments.outer.map(dec),
    committees: record.commitments.inner.map((inner, i) => ({ committee: i + 1, innerCommitments: inner.map(dec) }))
  }
  if (!contributionsEqual(fromRecord, verified.sum)) {
    throw new NewUserRejection('bad-commitments', `key ${record.keyId}: the record's commitments are not the sum of the DKG dealers' commitments`)
  }
}

/**
 * Member (committee, member) opens every dealer's sealed sub-share, checks each against
 * that dealer's commitments and returns the sum (negated when the transcript says so).
 * A share that does not open or does not match throws DealerFault naming its dealer.
 */
export async function openDkgShare (
  transcript: DkgTranscript, verified: VerifiedTranscript, membership: Membership,
  slot: { committee: number, member: number, peerId: string }, encryptionSecret: Uint8Array
): Promise<SecretScalar> {
  const scheme = verified.sum.scheme
  const from = transcript.contributions.map(c => ({ dealer: c.dealer, contribution: verified.contributions.get(c.dealer)!, shares: c.shares }))
  const sum = await openAndCombine(scheme, dealingContext({ session: transcript.session, network: membership.network, epoch: membership.epoch }), from, slot, encryptionSecret)
  return verified.negated ? negateShare(scheme, sum) : sum
}
