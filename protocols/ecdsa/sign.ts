// DKLs23 threshold ECDSA signing (Doerner, Kondi, Lee, shelat, "Threshold ECDSA in
// Three Rounds", ePrint 2023/765, Protocol 3.6), for a party whose members hold
// ADDITIVE shares a_i of the key (Σ a_i = sk; ours are κ·s_{c,m}, DESIGN 11), with
// the pair states of pair-setup.ts. Function names follow the protocol's steps:
//
//   signRound1 (steps 4–6)  r_i, φ_i; R_i = r_i·G committed; as Bob with every j,
//                           a random χ_{i,j} and the OT-extension message.
//   answerRound1 (step 7)   per counterparty j, on its round-1 message: as Alice on inputs
//                           (r_i, sk_i), sk_i = a_i + ζ_i (ζ_i the zero-share); open R_i;
//                           send pk_i = sk_i·G, Γ^u = c^u·G, Γ^v = c^v·G, ψ = φ_i − χ_{i,j}.
//   checkRound2 (step 8)    per counterparty j, on its round-2 message: its opening, public
//                           share, multiplication (as Bob) and Γ checks.
//   presignature (step 9)   (R, u_i, v_i, φ_i): everything that does not need the message,
//                           and the evidence that fixes the final share (final-share-evidence.ts).
//   finalShare (step 9)     w_i = H(m)·φ_i + r_x·v_i; the coordinator combines Σw/Σu
//                           (ecdsa-signature.ts) and verifies.
//
// Every message is between two members and is handled on its own as it arrives, so a
// check that fails names the member whose message failed it (`Dkls23Abort.culprit`). Alongside pk_i each member sends the
// points of its zero-share fragments, F_{i,k} = PRF(seed_{i,k}, sid)·G, so that a
// wrong zero-share is pinned on a member: its counterparty k checks F_{i,k} against its
// own seed, and anyone who knows i's public share checks pk_i = Y_i + Σ ±F_{i,k}
// (docs/protocols/ecdsa.md#zero-shares; the points reveal only ζ_i·G = pk_i − Y_i,
// which pk_i and Y_i reveal anyway).
//
// Pure: randomness injected, no clock, no I/O.
import type { Element, GroupBackend } from '../frost/group/types.js'
import type { Random } from '../machine/types.js'
import { commit, verifyCommitment } from './commitment.js'
import { DIGEST_BYTES, digestScalar, nonceFacts } from './ecdsa-signature.js'
import { shareEvidence, type ShareEvidence } from './final-share-evidence.js'
import { taggedHash, utf8 } from './hash.js'
import {
  mulAliceRespond, mulBobFinish, mulBobStart, MultiplicationError,
  type MulAlice, type MulAliceMessage, type MulBob, type MulBobKeep
} from './multiplication.js'
import type { OteReceiverMessage } from './ot-extension.js'
import { add, encodeScalar, mul, randomScalar, sub } from './scalar.js'
import { Sealed } from './secret.js'
import { zeroShare, zeroShareFragment } from './zero-shares.js'

/** One member's view of its pair with a counterparty (pair-setup.ts makes it). */
export interface PairKeys {
  /**
   * Which setup these keys are (PAIR_ID_BYTES, the same at both ends: a digest of both setup
   * messages). A signer names it to each counterparty in round 1, so two ends holding different
   * setups (one restarted or set up again) find out at once instead of failing a multiplication.
   */
  id: Uint8Array
  /** This member as Alice (OT-extension sender), the counterparty as Bob. */
  alice: MulAlice
  /** This member as Bob, the counterparty as Alice. */
  bob: MulBob
  /** The pair's zero-share seed. */
  zeroSeed: Uint8Array
}

/** What every member and the coordinator agree on before round 1. */
export interface Dkls23Session {
  /** 32 bytes binding key, request, session and party (the caller derives it). */
  sid: Uint8Array
  /** The party's member tags, each once; the order is irrelevant. */
  parties: readonly string[]
  /** The group key. */
  publicKey: Element
  /** Y_i = a_i·G per member, when known: pins a wrong public share or zero-share on its member. */
  verifyingShares?: ReadonlyMap<string, Element>
}

/** Why a member's message was refused. */
export type AbortReason =
  | 'malformed' | 'commitment' | 'multiplication' | 'gamma-u' | 'gamma-v' | 'zero-share' | 'public-share' | 'instance-point'

/** A check failed on `culprit`'s message (or, for `public-share` without verifying shares, on the party). */
export class Dkls23Abort extends Error {
  constructor (readonly culprit: string | undefined, readonly reason: AbortReason, message: string) {
    super(message)
    this.name = 'Dkls23Abort'
  }
}

/** A second round-1 message from one counterparty in one session: refused, never answered (answerRound1). */
export class Dkls23ReplayError extends Error {
  constructor (readonly me: string, readonly from: string) {
    super(`${me} already answered ${from} in this session: a second answer under one multiplication sid would give away r_i and sk_i`)
    this.name = 'Dkls23ReplayError'
  }
}

export interface Round1Message {
  /** Commitment to R_i (the same to every counterparty). */
  commitment: Uint8Array
  /** As Bob towards the recipient: the OT-extension message. */
  ote: OteReceiverMessage
}

export interface Round2Message {
  instancePoint: Uint8Array
  salt: Uint8Array
  publicShare: Uint8Array
  /** F_{i,k} per counterparty k of the sender, in the session's party order without the sender. */
  zeroFragments: Uint8Array[]
  gammaU: Uint8Array
  gammaV: Uint8Array
  psi: bigint
  mul: MulAliceMessage
}

interface Round1Secret {
  r: bigint
  phi: bigint
  keyShare: bigint
  salt: Uint8Array
  /** χ_{i,j} and the Bob keep, per counterparty. */
  bob: Map<string, { chi: bigint, keep: MulBobKeep }>
  /** Counterparties already answered as Alice: never twice (answerRound1). */
  answered: Set<string>
}

/** A member after round 1: its public values, and its secrets sealed. */
export interface Round1State {
  session: Dkls23Session
  me: string
  counterparties: string[]
  pairs: ReadonlyMap<string, PairKeys>
  instancePoint: Uint8Array
  /** pk_i = sk_i·G with sk_i = a_i + ζ_i, and F_{i,k} per counterparty k (sorted). */
  publicShare: Uint8Array
  zeroFragments: Uint8Array[]
  secret: Sealed<Round1Secret>
}

/** What this member keeps of its multiplication as Alice with one counterparty: what it sent (public) and its outputs. */
export interface AliceKept {
  sent: { gammaU: Uint8Array, gammaV: Uint8Array, psi: bigint }
  secret: Sealed<{ cu: bigint, cv: bigint }>
}
/** What this member learnt, checked, from one counterparty's round-2 message: the public values and its outputs as Bob. */
export interface BobChecked {
  got: { instancePoint: Uint8Array, publicShare: Uint8Array, gammaU: Uint8Array, gammaV: Uint8Array, psi: bigint }
  secret: Sealed<{ du: bigint, dv: bigint }>
}

/** The message-independent result: one use only (the caller keeps it so). */
export interface Presignature {
  /** R = Σ R_i, compressed. */
  instancePoint: Uint8Array
  /** What fixes this member's final share for the coordinator (final-share-evidence.ts). Public. */
  evidence: ShareEvidence
  secret: Sealed<{ u: bigint, v: bigint, phi: bigint }>
  /** Set by the one finalShare it serves: two digests under one R would give the key away. */
  readonly use: { spent: boolean }
}

/** A presignature reached finalShare a second time. */
export class PresignatureReusedError extends Error {
  constructor () {
    super('this DKLs23 presignature already made a final share; one R never signs twice')
    this.name = 'PresignatureReusedError'
  }
}

/** What a member hands the coordinator: its shares of u = r·φ and w = (H(m) + r_x·sk)·φ. */
export interface FinalShare {
  u: bigint
  w: bigint
}

/** The multiplication session id of Alice `alice` and Bob `bob` in session `sid`. */
export const mulSid = (sid: Uint8Array, alice: string, bob: string): Uint8Array => taggedHash('sign/mul-sid', [sid, utf8(alice), utf8(bob)])
const zeroSid = (sid: Uint8Array): Uint8Array => taggedHash('sign/zero-sid', [sid])

function counterpartiesOf (session: Dkls23Session, me: string, pairs: ReadonlyMap<string, PairKeys>): string[] {
  const set = new Set(session.parties)
  if (set.size !== session.parties.length) throw new RangeError('the party names a member twice')
  if (!set.has(me)) throw new RangeError(`${me} is not in the party`)
  const others = [...session.parties].filter(p => p !== me).sort()
  for (const o of others) if (!pairs.has(o)) throw new RangeError(`no pair state with ${o}`)
  return others
}

/**
 * Steps 4–6: r_i, φ_i, R_i committed, sk_i = a_i + ζ_i; per counterparty, this member's Bob
 * message. Its pk_i and zero-share fragment points are fixed here too (sent in round 2).
 */
export function signRound1 (
  group: GroupBackend, session: Dkls23Session, me: string, share: bigint, pairs: ReadonlyMap<string, PairKeys>, random: Random
): { state: Round1State, out: Map<string, Round1Message> } {
  const counterparties = counterpartiesOf(session, me, pairs)
  const r = randomScalar(random)
  const phi = randomScalar(random)
  const instancePoint = group.encode(group.mulBase(encodeScalar(r)))
  const { commitment, salt } = commit(session.sid, me, instancePoint, random)
  const zs = zeroSid(session.sid)
  const keyShare = add(share, zeroShare(me, counterparties, new Map(counterparties.map(c => [c, pairs.get(c)!.zeroSeed])), zs))
  const publicShare = group.encode(group.mulBase(encodeScalar(keyShare)))
  const zeroFragments = counterparties.map(k => group.encode(group.mulBase(encodeScalar(zeroShareFragment(pairs.get(k)!.zeroSeed, zs)))))
  const bob = new Map<string, { chi: bigint, keep: MulBobKeep }>()
  const out = new Map<string, Round1Message>()
  for (const j of counterparties) {
    const started = mulBobStart(pairs.get(j)!.bob, mulSid(session.sid, j, me), random)
    bob.set(j, { chi: started.b, keep: started.keep })
    out.set(j, { commitment, ote: started.message })
  }
  const secret = new Sealed('DKLs23 round-1 state', { r, phi, keyShare, salt, bob, answered: new Set<string>() })
  return { state: { session, me, counterparties, pairs, instancePoint, publicShare, zeroFragments, secret }, out }
}

function counterparty (state: Round1State, from: string): void {
  if (!state.counterparties.includes(from)) throw new Dkls23Abort(from, 'malformed', `${from} is not a counterparty of ${state.me} in this session`)
}

/**
 * Step 7 towards one counterparty `from`, on its round-1 message: the multiplication as Alice on
 * (r_i, sk_i), and this member's round-2 message for it. Throws `Dkls23Abort` naming `from` when its
 * OT-extension message fails the consistency check.
 */
export function answerRound1 (group: GroupBackend, state: Round1State, from: string, msg: Round1Message, random: Random): { reply: Round2Message, kept: AliceKept } {
  counterparty(state, from)
  const s = state.secret.open()
  // Once per counterparty, whatever happens: two answers under one multiplication sid share the
  // OT-extension pads, so a Bob who flips one choice bit between his two messages reads ã + ã' at
  // that OT and ã − ã' at every other, hence ã, and r_i, sk_i from γ = a − ã.
  if (s.answered.has(from)) throw new Dkls23ReplayError(state.me, from)
  s.answered.add(from)
  let answer
  try {
    answer = mulAliceRespond(state.pairs.get(from)!.alice, mulSid(state.session.sid, state.me, from), [s.r, s.keyShare], msg.ote, random)
  } catch (err) {
    if (err instanceof MultiplicationError) throw new Dkls23Abort(from, 'multiplication', `${from}: ${err.message}`)
    throw err
  }
  const [cu, cv] = answer.c as [bigint, bigint]
  const sent = { gammaU: group.encode(group.mulBase(encodeScalar(cu))), gammaV: group.encode(group.mulBase(encodeScalar(cv))), psi: sub(s.phi, s.bob.get(from)!.chi) }
  return {
    reply: { instancePoint: state.instancePoint, salt: s.salt, publicShare: state.publicShare, zeroFragments: state.zeroFragments, ...sent, mul: answer.message },
    kept: { sent, secret: new Sealed('DKLs23 Alice outputs', { cu, cv }) }
  }
}

/** Decodes a point a member sent, or names it. */
function pointFrom (group: GroupBackend, from: string, bytes: Uint8Array, what: string): Element {
  try {
    return group.decode(bytes)
  } catch {
    throw new Dkls23Abort(from, 'malformed', `${from}: its ${what} is not a point of secp256k1`)
  }
}

/** Member `from`'s public share, checked against our pair's zero-share seed and (when known) its verifying share. */
function checkPublicShare (group: GroupBackend, state: Round1State, from: string, msg: Round2Message): Element {
  const zs = zeroSid(state.session.sid)
  const theirs = [...state.session.parties].filter(p => p !== from).sort()
  if (msg.zeroFragments.length !== theirs.length) throw new Dkls23Abort(from, 'malformed', `${from}: ${msg.zeroFragments.length} zero-share fragments for ${theirs.length} counterparties`)
  const mine = msg.zeroFragments[theirs.indexOf(state.me)]!
  const expected = group.encode(group.mulBase(encodeScalar(zeroShareFragment(state.pairs.get(from)!.zeroSeed, zs))))
  if (Buffer.compare(mine, expected) !== 0) throw new Dkls23Abort(from, 'zero-share', `${from}: its zero-share fragment for our pair is not the pair's`)
  const publicShare = pointFrom(group, from, msg.publicShare, 'public share')
  const y = state.session.verifyingShares?.get(from)
  if (y !== undefined) {
    // pk_i = Y_i + Σ_k ±F_{i,k}: + where i sorts first (zero-shares.ts).
    const terms = [y, ...msg.zeroFragments.map((f, idx) => {
      const p = pointFrom(group, from, f, 'zero-share fragment')
      return from < theirs[idx]! ? p : group.negate(p)
    })]
    let expectedShare: Element | undefined
    try {
      expectedShare = group.sum(terms)
    } catch {
      expectedShare = undefined // the identity: pk_i cannot be it (a decoded point never is)
    }
    if (expectedShare === undefined || !group.equals(expectedShare, publicShare)) {
      throw new Dkls23Abort(from, 'public-share', `${from}: its public share is not its verifying share plus its zero-share`)
    }
  }
  return publicShare
}

/**
 * Step 8 for one counterparty `from`: its opening of R_j against the round-1 `commitment`, its public
 * share, the multiplication as Bob and the Γ^u, Γ^v checks. Throws `Dkls23Abort` naming `from`.
 */
export function checkRound2 (group: GroupBackend, state: Round1State, from: string, commitment: Uint8Array, msg: Round2Message): BobChecked {
  counterparty(state, from)
  const s = state.secret.open()
  const { sid } = state.session
  if (!verifyCommitment(sid, from, msg.instancePoint, msg.salt, commitment)) {
    throw new Dkls23Abort(from, 'commitment', `${from}: R_j does not open its round-1 commitment`)
  }
  const instancePoint = pointFrom(group, from, msg.instancePoint, 'instance point R_j')
  const publicShare = checkPublicShare(group, state, from, msg)
  const { chi, keep } = s.bob.get(from)!
  let d: bigint[]
  try {
    d = mulBobFinish(state.pairs.get(from)!.bob, mulSid(sid, from, state.me), keep, msg.mul)
  } catch (err) {
    if (err instanceof MultiplicationError) throw new Dkls23Abort(from, 'multiplication', `${from}: ${err.message}`)
    throw err
  }
  const [du, dv] = d as [bigint, bigint]
  // χ·R_j = d^u·G + Γ^u and χ·pk_j = d^v·G + Γ^v: Alice's inputs were r_j and sk_j.
  if (!gammaHolds(group, instancePoint, chi, du, pointFrom(group, from, msg.gammaU, 'Γ^u'))) throw new Dkls23Abort(from, 'gamma-u', `${from}: Γ^u does not match its instance point`)
  if (!gammaHolds(group, publicShare, chi, dv, pointFrom(group, from, msg.gammaV, 'Γ^v'))) throw new Dkls23Abort(from, 'gamma-v', `${from}: Γ^v does not match its public share`)
  return {
    got: { instancePoint: msg.instancePoint, publicShare: msg.publicShare, gammaU: msg.gammaU, gammaV: msg.gammaV, psi: msg.psi },
    secret: new Sealed('DKLs23 Bob outputs', { du, dv })
  }
}

/**
 * Step 9 once every counterparty is answered and checked: R, and u_i = r_i·(φ_i + Σψ) + Σ(c^u + d^u),
 * v_i = sk_i·(φ_i + Σψ) + Σ(c^v + d^v). Throws `Dkls23Abort` (no culprit) when the public shares do
 * not sum to the key (only possible without verifying shares) or R is the identity.
 */
export function presignature (group: GroupBackend, state: Round1State, alice: ReadonlyMap<string, AliceKept>, bob: ReadonlyMap<string, BobChecked>, random: Random): Presignature {
  requireAll(state, alice)
  requireAll(state, bob)
  const s = state.secret.open()
  const instancePoints: Element[] = [group.decode(state.instancePoint)]
  const publicShares: Element[] = [group.decode(state.publicShare)]
  let phiSum = s.phi
  let sumU = 0n
  let sumV = 0n
  for (const j of state.counterparties) {
    const { got } = bob.get(j)!
    const b = bob.get(j)!.secret.open()
    const a = alice.get(j)!.secret.open()
    instancePoints.push(group.decode(got.instancePoint))
    publicShares.push(group.decode(got.publicShare))
    phiSum = add(phiSum, got.psi)
    sumU = add(sumU, add(a.cu, b.du))
    sumV = add(sumV, add(a.cv, b.dv))
  }
  try {
    if (!group.equals(group.sum(publicShares), state.session.publicKey)) throw new Error('mismatch')
  } catch {
    throw new Dkls23Abort(undefined, 'public-share', 'the public shares do not sum to the key')
  }
  let total: Element
  try {
    total = group.sum(instancePoints)
  } catch {
    throw new Dkls23Abort(undefined, 'instance-point', 'R is the identity')
  }
  const u = add(mul(s.r, phiSum), sumU)
  const v = add(mul(s.keyShare, phiSum), sumV)
  return { instancePoint: group.encode(total), evidence: shareEvidence(group, state, alice, bob, random), secret: new Sealed('DKLs23 presignature', { u, v, phi: s.phi }), use: { spent: false } }
}

function requireAll<M> (state: { counterparties: string[] }, received: ReadonlyMap<string, M>): void {
  for (const j of state.counterparties) if (!received.has(j)) throw new RangeError(`nothing from ${j}`)
}

function gammaHolds (group: GroupBackend, p: Element, chi: bigint, d: bigint, gamma: Element): boolean {
  const left = group.mul(p, chi)
  try {
    return group.equals(left, group.sum([group.mulBase(encodeScalar(d)), gamma]))
  } catch {
    return false
  }
}

/** Step 9's last part: this member's final share on a 32-byte digest. */
export function finalShare (pre: Presignature, digest: Uint8Array): FinalShare {
  if (digest.length !== DIGEST_BYTES) throw new RangeError(`an ECDSA digest is ${DIGEST_BYTES} bytes`)
  if (pre.use.spent) throw new PresignatureReusedError()
  pre.use.spent = true
  const { u, v, phi } = pre.secret.open()
  const { r } = nonceFacts(pre.instancePoint)
  return { u, w: add(mul(digestScalar(digest), phi), mul(r, v)) }
}
