// Two-party random vector OLE (DKLs23, ePrint 2023/765, Functionality 3.5), realised
// as DKLs19 (ePrint 2019/523) Protocol 1 in the two-round form DKLs23 describes (page 8
// and §5.1): Bob speaks first with a RANDOM input b, Alice answers with her input
// vector a (length L), and they end with additive shares c_k + d_k = a_k·b.
//
// Selective failure: Bob never encodes a chosen input. His OT choice bits β are
// uniform and b = ⟨g, β⟩ for a public random gadget vector g of BATCH_SIZE = κ + 2s
// entries, so b is statistically uniform even given any s bits of β — what a cheating
// Alice learns by making some OTs fail (DKLs19 §3, "encoding"). Alice's consistency
// (the same ã, â in every OT) is checked with the random linear combination of
// DKLs19 Protocol 1 step 6, compared as a hash of the rows. χ̃, χ̂ come from the oracle
// over Bob's message AND Alice's payloads τ (as θ over ã in DKLs23 Protocol 5.2), so no
// third round is needed and Alice fixes her correlations before she can know them: from
// Bob's message alone she would know χ̃, χ̂ before choosing τ, and could shift ã by δ in
// one OT and â by −(χ̃/χ̂)·δ there, passing the check with an error g_j·β_j·δ on Bob's bit.
//
// Roles per ordered pair: Alice is the OT-extension sender, Bob its receiver.
import { timingSafeEqual } from 'node:crypto'
import type { Random } from '../machine/types.js'
import { hashToScalar, hashToScalars, HASH_BYTES, taggedHash, u32 } from './hash.js'
import {
  OteError, oteReceiverExtend, oteReceiverOutputs, oteSenderTransfer, SENDER_NONCE_BYTES,
  type OteReceiverKeep, type OteReceiverMessage, type OteReceiverSetup, type OteSenderSetup
} from './ot-extension.js'
import { BATCH_SIZE_OTS as BATCH_SIZE, BATCH_SIZE_BYTES } from './ot-params.js'
import { add, encodeScalar, mul, neg, randomScalar, sub } from './scalar.js'

/** Alice's inputs per multiplication: DKLs23 signing multiplies Bob's χ by (r_i, sk_i). */
export const MUL_INPUTS = 2
/** OT-extension correlation vectors per multiplication: ã and â for each input (DKLs23 "forced reuse"). */
export const MUL_OT_WIDTH = 2 * MUL_INPUTS

/** A cheating counterparty found by a multiplication check; `culprit` is its role. */
export class MultiplicationError extends Error {
  constructor (readonly culprit: 'alice' | 'bob', message: string) {
    super(message)
    this.name = 'MultiplicationError'
  }
}

/** The public gadget vector g of a pair and direction: BATCH_SIZE oracle scalars. */
export function publicGadget (pairSid: Uint8Array): bigint[] {
  return hashToScalars('mul/gadget', [pairSid], BATCH_SIZE)
}

/** Alice's side of a pair: her OT-extension sender setup and the gadget. */
export interface MulAlice { ote: OteSenderSetup, gadget: readonly bigint[] }
/** Bob's side of a pair: his OT-extension receiver setup and the gadget. */
export interface MulBob { ote: OteReceiverSetup, gadget: readonly bigint[] }

/** What Bob keeps between his message and Alice's answer. Secret. */
export interface MulBobKeep {
  b: bigint
  choices: Uint8Array
  ote: OteReceiverKeep
  /** Digest of Bob's message; the challenges also need Alice's τ. */
  transcript: Uint8Array
}

/** Alice's answer to Bob. */
export interface MulAliceMessage {
  /** Alice's fresh nonce in the OT extension's randomisation (ot-extension.ts SENDER_NONCE_BYTES). */
  nonce: Uint8Array
  tau: bigint[][]
  verifyR: Uint8Array
  verifyU: bigint[]
  gamma: bigint[]
}

const choiceBit = (choices: Uint8Array, j: number): boolean => ((choices[j >> 3]! >> (j & 7)) & 1) === 1

/** Digest of Bob's message (what he keeps of it for the challenges). */
const bobTranscript = (sid: Uint8Array, message: OteReceiverMessage): Uint8Array =>
  taggedHash('mul/transcript', [sid, message.u, message.verifyX, message.verifyT])

/**
 * χ̃_k, χ̂_k: the oracle's challenges over Bob's message and Alice's τ (both sides compute them).
 * τ must be in: Alice must be bound to her OT payloads before she can know the challenges.
 */
function challenges (sid: Uint8Array, transcript: Uint8Array, nonce: Uint8Array, tau: readonly (readonly bigint[])[]): { chiTilde: bigint[], chiHat: bigint[] } {
  const tauBytes = new Uint8Array(tau.length * BATCH_SIZE * 32)
  tau.forEach((row, w) => row.forEach((t, j) => tauBytes.set(encodeScalar(t), (w * BATCH_SIZE + j) * 32)))
  const bound = taggedHash('mul/transcript-tau', [sid, transcript, nonce, tauBytes])
  const chiTilde: bigint[] = []
  const chiHat: bigint[] = []
  for (let k = 0; k < MUL_INPUTS; k++) {
    chiTilde.push(hashToScalar('mul/chi-tilde', [sid, u32(k), bound]))
    chiHat.push(hashToScalar('mul/chi-hat', [sid, u32(k), bound]))
  }
  return { chiTilde, chiHat }
}

/** Hash of the check rows R_{k,j} (DKLs19 Protocol 1 step 6), which Alice sends and Bob recomputes. */
function rowsDigest (sid: Uint8Array, rows: readonly bigint[]): Uint8Array {
  const bytes = new Uint8Array(rows.length * 32)
  rows.forEach((r, i) => bytes.set(encodeScalar(r), i * 32))
  return taggedHash('mul/verify', [sid, bytes])
}

/** Bob's round: a random b (his output factor) and the OT-extension message for Alice. */
export function mulBobStart (bob: MulBob, sid: Uint8Array, random: Random): { b: bigint, keep: MulBobKeep, message: OteReceiverMessage } {
  const choices = random(BATCH_SIZE_BYTES)
  let b = 0n
  for (let j = 0; j < BATCH_SIZE; j++) if (choiceBit(choices, j)) b = add(b, bob.gadget[j]!)
  const { keep, message } = oteReceiverExtend(bob.ote, sid, choices, random)
  return { b, keep: { b, choices, ote: keep, transcript: bobTranscript(sid, message) }, message }
}

/**
 * Alice's round on input `a` (MUL_INPUTS scalars): her shares c_k and the answer for Bob.
 * Throws `MultiplicationError('bob')` when Bob's OT-extension message fails its consistency check.
 */
export function mulAliceRespond (alice: MulAlice, sid: Uint8Array, a: readonly bigint[], message: OteReceiverMessage, random: Random): { c: bigint[], message: MulAliceMessage } {
  if (a.length !== MUL_INPUTS) throw new RangeError(`a multiplication takes ${MUL_INPUTS} inputs from Alice`)
  const aTilde = a.map(() => randomScalar(random))
  const aHat = a.map(() => randomScalar(random))
  const correlations = [...aTilde, ...aHat].map(x => new Array<bigint>(BATCH_SIZE).fill(x))
  const nonce = random(SENDER_NONCE_BYTES)
  let transfer
  try {
    transfer = oteSenderTransfer(alice.ote, sid, MUL_OT_WIDTH, correlations, message, nonce)
  } catch (err) {
    // Only the peer's message blames the peer; a local misuse (RangeError) stays a local error.
    if (err instanceof OteError) throw new MultiplicationError('bob', `OT extension: ${err.message}`)
    throw err
  }
  const zTilde = transfer.outputs.slice(0, MUL_INPUTS)
  const zHat = transfer.outputs.slice(MUL_INPUTS)
  const { chiTilde, chiHat } = challenges(sid, bobTranscript(sid, message), nonce, transfer.tau)
  const rows: bigint[] = []
  const verifyU: bigint[] = []
  for (let k = 0; k < MUL_INPUTS; k++) {
    for (let j = 0; j < BATCH_SIZE; j++) rows.push(add(mul(chiTilde[k]!, zTilde[k]![j]!), mul(chiHat[k]!, zHat[k]![j]!)))
    verifyU.push(add(mul(chiTilde[k]!, aTilde[k]!), mul(chiHat[k]!, aHat[k]!)))
  }
  const c = zTilde.map(z => z.reduce((sum, zj, j) => add(sum, mul(alice.gadget[j]!, zj)), 0n))
  const gamma = a.map((ak, k) => sub(ak, aTilde[k]!))
  return { c, message: { nonce, tau: transfer.tau, verifyR: rowsDigest(sid, rows), verifyU, gamma } }
}

/**
 * Bob's shares d_k (c_k + d_k = a_k·b). Throws `MultiplicationError('alice')` when Alice's
 * answer fails the consistency check (she did not use one ã, â per input across the OTs).
 */
export function mulBobFinish (bob: MulBob, sid: Uint8Array, keep: MulBobKeep, message: MulAliceMessage): bigint[] {
  if (message.verifyU.length !== MUL_INPUTS || message.gamma.length !== MUL_INPUTS || message.verifyR.length !== HASH_BYTES) {
    throw new MultiplicationError('alice', 'the answer has the wrong dimensions')
  }
  let t: bigint[][]
  try {
    t = oteReceiverOutputs(keep.ote, sid, MUL_OT_WIDTH, message.tau, message.nonce)
  } catch (err) {
    // A used-up keep (OteKeepReusedError) or a wrong sid is this side's bug, never Alice's fault.
    if (err instanceof OteError) throw new MultiplicationError('alice', `OT extension: ${err.message}`)
    throw err
  }
  const tTilde = t.slice(0, MUL_INPUTS)
  const tHat = t.slice(MUL_INPUTS)
  const { chiTilde, chiHat } = challenges(sid, keep.transcript, message.nonce, message.tau)
  const rows: bigint[] = []
  for (let k = 0; k < MUL_INPUTS; k++) {
    for (let j = 0; j < BATCH_SIZE; j++) {
      const r = neg(add(mul(chiTilde[k]!, tTilde[k]![j]!), mul(chiHat[k]!, tHat[k]![j]!)))
      rows.push(choiceBit(keep.choices, j) ? add(r, message.verifyU[k]!) : r)
    }
  }
  if (!timingSafeEqual(rowsDigest(sid, rows), message.verifyR)) {
    throw new MultiplicationError('alice', 'the multiplication consistency check failed')
  }
  return tTilde.map((tk, k) => add(mul(keep.b, message.gamma[k]!), tk.reduce((sum, tj, j) => add(sum, mul(bob.gadget[j]!, tj)), 0n)))
}
