// Identifiable final shares: our extension to DKLs23 (docs/protocols/ecdsa.md#identifiable-final-shares,
// docs/decisions/0019-ecdsa-identifiable-shares.md). Protocol 3.6 ends with the parties' (u_i, w_i),
// and a wrong one shows only as a signature that does not verify. Here each member also hands the
// coordinator points that fix what its u_i and w_i must be, so the coordinator names the member
// whose share is wrong, as FROST's verifying shares do:
//
//   Φ_j = φ_j·G, T^u_j = φ_j·R_j, T^v_j = φ_j·pk_j         one DLEQ proof (dleq.ts)
//   per counterparty i:  E^u_{j,i} = χ_{j,i}·R_i, E^v_{j,i} = χ_{j,i}·pk_i, with a DLEQ proof
//                        against X_{j,i} = Φ_j − ψ_{j→i}·G (= χ_{j,i}·G, since ψ = φ − χ)
//   and the round-2 values it sent i (Γ^u, Γ^v, ψ) and received from i (R_i, pk_i, Γ^u, Γ^v, ψ).
//
// Then, with the values of every ordered pair agreed by both ends,
//   U_j = T^u_j + (Σ_i ψ_{i→j})·R_j + Σ_i (Γ^u_{j→i} + E^u_{j,i} − Γ^u_{i→j})  = u_j·G
//   V_j = T^v_j + (Σ_i ψ_{i→j})·pk_j + Σ_i (Γ^v_{j→i} + E^v_{j,i} − Γ^v_{i→j}) = v_j·G
// and an honest member's share satisfies u_j·G = U_j and w_j·G = H(m)·Φ_j + r_x·V_j. Summed over
// the party, the Γ terms cancel pair by pair and the rest is φ·R and φ·pk whatever the
// multiplications did, so shares that pass these checks always make a valid signature: a signature
// that does not verify has a member whose check fails, or a pair whose two ends disagree.
//
// Everything here is message-independent: a presignature carries its evidence. The points reveal
// no scalar (DDH); u_j and w_j are revealed to the coordinator by the protocol itself.
import type { Element, GroupBackend } from '../frost/group/types.js'
import type { Random } from '../machine/types.js'
import { proveDleq, verifyDleq, type DleqProof } from './dleq.js'
import { digestScalar, nonceFacts } from './ecdsa-signature.js'
import { taggedHash, utf8 } from './hash.js'
import { add, encodeScalar } from './scalar.js'
import type { AliceKept, BobChecked, Round1State } from './sign.js'

/** A member's evidence about one counterparty. */
export interface PeerEvidence {
  peer: string
  /** Sent to the peer in round 2, as Alice. */
  sent: { gammaU: Uint8Array, gammaV: Uint8Array, psi: bigint }
  /** Received from the peer in round 2 (and checked then). */
  got: { instancePoint: Uint8Array, publicShare: Uint8Array, gammaU: Uint8Array, gammaV: Uint8Array, psi: bigint }
  /** χ·R_peer and χ·pk_peer, with χ the member's Bob input towards the peer. */
  eu: Uint8Array
  ev: Uint8Array
  proof: DleqProof
}

/** A member's evidence: everything the coordinator needs to check its final share. */
export interface ShareEvidence {
  instancePoint: Uint8Array
  publicShare: Uint8Array
  phi: Uint8Array
  tu: Uint8Array
  tv: Uint8Array
  proof: DleqProof
  peers: PeerEvidence[]
}

const phiContext = (sid: Uint8Array, member: string): Uint8Array => taggedHash('evidence/phi', [sid, utf8(member)])
const chiContext = (sid: Uint8Array, member: string, peer: string): Uint8Array => taggedHash('evidence/chi', [sid, utf8(member), utf8(peer)])

const generator = (group: GroupBackend): Element => group.mulBase(encodeScalar(1n))

/** A member's evidence, made with its presignature (`sign.ts` presignature). */
export function shareEvidence (
  group: GroupBackend, state: Round1State, alice: ReadonlyMap<string, AliceKept>, bob: ReadonlyMap<string, BobChecked>, random: Random
): ShareEvidence {
  const s = state.secret.open()
  const { sid } = state.session
  const G = generator(group)
  const R = group.decode(state.instancePoint)
  const pk = group.decode(state.publicShare)
  const phiPoint = group.mulBase(encodeScalar(s.phi))
  const tu = group.mul(R, s.phi)
  const tv = group.mul(pk, s.phi)
  const proof = proveDleq(group, s.phi, [G, R, pk], [phiPoint, tu, tv], phiContext(sid, state.me), random)
  const peers = state.counterparties.map(i => {
    const { got } = bob.get(i)!
    const { sent } = alice.get(i)!
    const chi = s.bob.get(i)!.chi
    const Ri = group.decode(got.instancePoint)
    const pki = group.decode(got.publicShare)
    const x = group.mulBase(encodeScalar(chi))
    const eu = group.mul(Ri, chi)
    const ev = group.mul(pki, chi)
    return { peer: i, sent, got, eu: group.encode(eu), ev: group.encode(ev), proof: proveDleq(group, chi, [G, Ri, pki], [x, eu, ev], chiContext(sid, state.me, i), random) }
  })
  return { instancePoint: state.instancePoint, publicShare: state.publicShare, phi: group.encode(phiPoint), tu: group.encode(tu), tv: group.encode(tv), proof, peers }
}

export type EvidenceFault = 'evidence' | 'pair-disagrees' | 'invalid-share'

/** A member the check found at fault; for `pair-disagrees`, both ends are named, one of them lied. */
export interface ShareFault {
  members: string[]
  fault: EvidenceFault
  detail: string
}

export interface ContributedShare {
  u: bigint
  w: bigint
  evidence: ShareEvidence
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0

/**
 * The coordinator's check of every member's final share against its evidence, on `digest`. Returns
 * the faults found: an empty list means every share is what its evidence fixes, so the signature
 * they make verifies. Members are checked in `members` order; a member whose evidence does not
 * even decode is a fault of its own.
 */
export function checkFinalShares (
  group: GroupBackend, sid: Uint8Array, members: readonly string[], digest: Uint8Array, shares: ReadonlyMap<string, ContributedShare>
): ShareFault[] {
  const faults: ShareFault[] = []
  const G = generator(group)
  const pt = (b: Uint8Array): Element => group.decode(b)
  const byMember = new Map<string, ContributedShare>()
  for (const m of members) {
    const share = shares.get(m)
    if (share === undefined) {
      faults.push({ members: [m], fault: 'evidence', detail: `${m}: no final share` })
      continue
    }
    const ev = share.evidence
    const peersOk = ev.peers.length === members.length - 1 && members.filter(o => o !== m).every(o => ev.peers.some(p => p.peer === o))
    if (!peersOk) {
      faults.push({ members: [m], fault: 'evidence', detail: `${m}: its evidence does not name every other member once` })
      continue
    }
    try {
      if (!verifyDleq(group, [G, pt(ev.instancePoint), pt(ev.publicShare)], [pt(ev.phi), pt(ev.tu), pt(ev.tv)], ev.proof, phiContext(sid, m))) throw new Error('its φ proof does not verify')
      for (const p of ev.peers) {
        // X = Φ − ψ·G; the sum throws at the identity (χ = 0), which no honest member has.
        const x = p.sent.psi === 0n ? pt(ev.phi) : group.sum([pt(ev.phi), group.negate(group.mul(G, p.sent.psi))])
        if (!verifyDleq(group, [G, pt(p.got.instancePoint), pt(p.got.publicShare)], [x, pt(p.eu), pt(p.ev)], p.proof, chiContext(sid, m, p.peer))) {
          throw new Error(`its χ proof towards ${p.peer} does not verify`)
        }
      }
    } catch (err) {
      faults.push({ members: [m], fault: 'evidence', detail: `${m}: ${(err as Error).message}` })
      continue
    }
    byMember.set(m, share)
  }
  // Both ends of every pair must tell the same story of what crossed it in round 2, both ways.
  const checked = [...byMember.keys()]
  const told = (receiver: string, sender: string): boolean => {
    const got = byMember.get(receiver)!.evidence.peers.find(p => p.peer === sender)!.got
    const from = byMember.get(sender)!.evidence
    const sent = from.peers.find(p => p.peer === receiver)!.sent
    return same(got.instancePoint, from.instancePoint) && same(got.publicShare, from.publicShare) &&
      same(got.gammaU, sent.gammaU) && same(got.gammaV, sent.gammaV) && got.psi === sent.psi
  }
  for (const a of checked) {
    for (const b of checked) {
      if (a < b && (!told(a, b) || !told(b, a))) faults.push({ members: [a, b], fault: 'pair-disagrees', detail: `${a} and ${b} tell different round-2 values of their pair` })
    }
  }
  if (faults.length > 0) return faults
  // The total R every member used, and each share against U_j, V_j.
  let R: Element
  try {
    R = group.sum(checked.map(m => pt(byMember.get(m)!.evidence.instancePoint)))
  } catch {
    return [{ members: [...checked], fault: 'evidence', detail: 'the instance points sum to the identity' }]
  }
  const { r } = nonceFacts(group.encode(R))
  const h = digestScalar(digest)
  for (const j of checked) {
    if (!shareFixed(group, G, byMember.get(j)!, r, h)) faults.push({ members: [j], fault: 'invalid-share', detail: `${j}: its final share is not the one its evidence fixes` })
  }
  return faults
}

/** Whether u_j·G = U_j and w_j·G = H(m)·Φ_j + r_x·V_j (never throws: a sum at the identity is a mismatch). */
function shareFixed (group: GroupBackend, G: Element, share: ContributedShare, r: bigint, h: bigint): boolean {
  const pt = (b: Uint8Array): Element => group.decode(b)
  try {
    const { u, w, evidence: ev } = share
    const psiIn = ev.peers.reduce((acc, p) => add(acc, p.got.psi), 0n)
    const Rj = pt(ev.instancePoint)
    const pkj = pt(ev.publicShare)
    const termsU: Element[] = [pt(ev.tu)]
    const termsV: Element[] = [pt(ev.tv)]
    if (psiIn !== 0n) {
      termsU.push(group.mul(Rj, psiIn))
      termsV.push(group.mul(pkj, psiIn))
    }
    for (const p of ev.peers) {
      termsU.push(pt(p.sent.gammaU), pt(p.eu), group.negate(pt(p.got.gammaU)))
      termsV.push(pt(p.sent.gammaV), pt(p.ev), group.negate(pt(p.got.gammaV)))
    }
    const uOk = isScalarOf(group, G, u, group.sum(termsU))
    // w_j·G = H(m)·Φ_j + r_x·V_j
    const wTerms = [group.mul(group.sum(termsV), r), ...(h === 0n ? [] : [group.mul(pt(ev.phi), h)])]
    const wOk = isScalarOf(group, G, w, group.sum(wTerms))
    return uOk && wOk
  } catch {
    return false
  }
}

/** Whether P = k·G (for a public k; P never the identity here). */
function isScalarOf (group: GroupBackend, G: Element, k: bigint, P: Element): boolean {
  return k !== 0n && group.equals(group.mul(G, k), P)
}
