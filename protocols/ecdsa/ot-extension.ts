// The OT extension of DKLs23 (ePrint 2023/765), F_OTE of DKLs19 (ePrint 2019/523, Functionality 3):
// KOS (ePrint 2015/546) in its corrected form, Fig. 10 — SoftSpokenOT (Roy, ePrint 2022/192)
// with k = 1, as DKLs23 recommends — with the check's challenge χ drawn by Fiat–Shamir from
// (sid, u) as DKLs23 suggests (ePrint p. 30) to save a round; then DKLs18 (ePrint 2018/499)
// Protocol 9 "Transfer" turning the random OTs into correlated OTs over Z_n, with OT width w:
// one batch of receiver choice bits serves w correlation vectors (DKLs23 "forced reuse").
//
// Roles are swapped against the base OT: the OTE sender was the base-OT receiver (it holds Δ
// and m_{Δ_i}), the OTE receiver was the base-OT sender (it holds both seeds). The receiver
// speaks first; the sender answers with τ; afterwards, for every w and j,
//   sender output[w][j] + receiver output[w][j] = b_j · α[w][j]  (mod n).
//
// A (setup, sid) pair must never extend twice: the PRG pads depend only on them, and two u
// under one pad would show the XOR of two choice vectors. The caller's sid is its uniqueness.
// The sender cannot rely on that (the receiver and a coordinator choose the sid), so every
// transfer also hashes the sender's fresh nonce into the randomisation (SENDER_NONCE_BYTES).
import { hashToScalars, taggedXof, u32 } from './hash.js'
import { ORDER, add, neg, sub } from './scalar.js'
import type { Random } from '../machine/types.js'
import { transposeBits } from './bit-matrix.js'
import { gf208FromBytes, gf208Multiplier, gf208MulAccumulate, gf208Reduce, gf208ToBytes, gf208Wide, type Gf208Multiplier } from './gf2-208.js'
import {
  BATCH_SIZE_BYTES, BATCH_SIZE_OTS, EXTENDED_BATCH_SIZE_OTS, EXTENDED_ROW_BYTES, FIELD_BYTES,
  KAPPA_BITS, KAPPA_BYTES, MAX_OT_WIDTH
} from './ot-params.js'
import { OteReceiverKeep, OteReceiverSetup, OteSenderSetup, takeReceiverKeep } from './ot-extension-secrets.js'

export { OteKeepReusedError, OteSetupBurnedError, OteReceiverKeep, OteReceiverSetup, OteSenderSetup, OTE_SEED_BYTES } from './ot-extension-secrets.js'

/** Oracle tags (hash.ts prefixes the DKLs23 domain). */
export const OTE_PRG_TAG = 'ote/prg'
export const OTE_CHI_TAG = 'ote/chi'
export const OTE_RANDOMIZE_TAG = 'ote/randomize'
/**
 * The sender's fresh nonce in every transfer's randomisation hash. The pads of an extension depend
 * only on (setup, sid) and the receiver picks u, so a receiver that makes one sid extend twice (a
 * repeated session id, a coordinator replaying one) would get two τ over the same v0, v1 and solve
 * the sender's correlations; with the sender's nonce in the hash, every transfer's v0, v1 are new.
 */
export const SENDER_NONCE_BYTES = 32

/** What the receiver sends: KOS Fig. 10's u (κ rows of ℓ' bits) and the check values x̃, t̃_i. */
export interface OteReceiverMessage {
  /** KAPPA_BITS rows of EXTENDED_ROW_BYTES, end to end. */
  readonly u: Uint8Array
  /** FIELD_BYTES. */
  readonly verifyX: Uint8Array
  /** KAPPA_BITS elements of FIELD_BYTES, end to end. */
  readonly verifyT: Uint8Array
}

export const OTE_U_BYTES = KAPPA_BITS * EXTENDED_ROW_BYTES
export const OTE_VERIFY_T_BYTES = KAPPA_BITS * FIELD_BYTES

/** Which side of one extension a typed error blames; the caller knows which party that is. */
export type OteRole = 'ote-receiver' | 'ote-sender'

export class OteError extends Error {
  readonly code: string
  /** The side whose message failed. */
  readonly culprit: OteRole
  constructor (code: string, culprit: OteRole, message: string) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.culprit = culprit
  }
}

/**
 * The receiver's u does not carry one choice vector in every row (or its x̃, t̃ do not match
 * u): KOS's consistency check failed. Deliberately without the failing rows: which rows fail
 * depends on Δ, so the error must not tell the receiver more than "caught".
 */
export class OteConsistencyError extends OteError {
  constructor () {
    super('ote_consistency', 'ote-receiver', 'the OT-extension receiver failed the KOS consistency check (u is not one choice vector under every base OT)')
  }
}

/** A message of the wrong shape or with a value out of range. */
export class OteMalformedError extends OteError {
  constructor (culprit: OteRole, message: string) {
    super('ote_malformed', culprit, message)
  }
}

/** PRG(seed) of base OT `i`: one row of ℓ' bits (KOS Fig. 10, Extend step 2). */
export function otePrg (sid: Uint8Array, i: number, seed: Uint8Array): Uint8Array {
  return taggedXof(OTE_PRG_TAG, [sid, u32(i), seed], EXTENDED_ROW_BYTES)
}

/** Fiat–Shamir for KOS's Check step 1: χ1, χ2 from sid and all of u (the receiver's commitment). */
function challenges (sid: Uint8Array, u: Uint8Array): [Gf208Multiplier, Gf208Multiplier] {
  const chi = taggedXof(OTE_CHI_TAG, [sid, u], 2 * FIELD_BYTES)
  return [gf208Multiplier(gf208FromBytes(chi, 0)), gf208Multiplier(gf208FromBytes(chi, FIELD_BYTES))]
}

/** χ1·row[0] + χ2·row[1] + row[2] of the row at `offset` (its three 208-bit blocks), into out at outOffset. */
function checkValue (chi: [Gf208Multiplier, Gf208Multiplier], row: Uint8Array, offset: number, out: Uint8Array, outOffset: number): void {
  const wide = gf208Wide()
  gf208MulAccumulate(wide, chi[0], gf208FromBytes(row, offset))
  gf208MulAccumulate(wide, chi[1], gf208FromBytes(row, offset + FIELD_BYTES))
  const masked = gf208Reduce(wide)
  const last = gf208FromBytes(row, offset + 2 * FIELD_BYTES)
  for (let w = 0; w < masked.length; w++) masked[w] = masked[w]! ^ last[w]!
  gf208ToBytes(masked, out, outOffset)
}

/** The `width` pads of OT j from its κ-bit row (KOS Fig. 10, Transpose and randomize step 3). */
export function randomizeRow (sid: Uint8Array, nonce: Uint8Array, j: number, row: Uint8Array, width: number): bigint[] {
  return hashToScalars(OTE_RANDOMIZE_TAG, [sid, nonce, u32(j), row], width)
}

/** A width is a local choice of the protocol above (a RangeError is a caller's bug, not a peer's fault). */
export function checkOtWidth (width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > MAX_OT_WIDTH) throw new RangeError(`OT width must be an integer in [1, ${MAX_OT_WIDTH}], not ${width}`)
}

/**
 * Receiver, KOS Fig. 10 Extend steps 1–3 and Check step 2: pads the BATCH_SIZE_OTS choice bits
 * (`choices`, packed LSB first) with OT_SECURITY_BITS random ones, and sends u with the check
 * values. `keep` is what `oteReceiverOutputs` needs; it is used up there.
 */
export function oteReceiverExtend (setup: OteReceiverSetup, sid: Uint8Array, choices: Uint8Array, random: Random): { keep: OteReceiverKeep, message: OteReceiverMessage } {
  if (choices.length !== BATCH_SIZE_BYTES) throw new RangeError(`choice bits are ${BATCH_SIZE_BYTES} bytes (${BATCH_SIZE_OTS} bits), not ${choices.length}`)
  const { seeds0, seeds1 } = setup.expose()
  const x = new Uint8Array(EXTENDED_ROW_BYTES)
  x.set(choices)
  const noise = random(EXTENDED_ROW_BYTES - BATCH_SIZE_BYTES)
  if (noise.length !== EXTENDED_ROW_BYTES - BATCH_SIZE_BYTES) throw new RangeError('random returned the wrong number of bytes')
  x.set(noise, BATCH_SIZE_BYTES)

  const t = new Uint8Array(OTE_U_BYTES)
  const u = new Uint8Array(OTE_U_BYTES)
  for (let i = 0; i < KAPPA_BITS; i++) {
    const t0 = otePrg(sid, i, seeds0[i]!)
    const t1 = otePrg(sid, i, seeds1[i]!)
    const at = i * EXTENDED_ROW_BYTES
    t.set(t0, at)
    for (let k = 0; k < EXTENDED_ROW_BYTES; k++) u[at + k] = t0[k]! ^ t1[k]! ^ x[k]!
    t1.fill(0)
  }

  for (const s of [...seeds0, ...seeds1]) s.fill(0)

  const chi = challenges(sid, u)
  const verifyX = new Uint8Array(FIELD_BYTES)
  checkValue(chi, x, 0, verifyX, 0)
  const verifyT = new Uint8Array(OTE_VERIFY_T_BYTES)
  for (let i = 0; i < KAPPA_BITS; i++) checkValue(chi, t, i * EXTENDED_ROW_BYTES, verifyT, i * FIELD_BYTES)

  // Column j of t is t_j = q_j ⊕ b_j·Δ (IKNP): hashed, the sender's pad v_{b_j}.
  const rows = transposeBits(t, KAPPA_BITS, EXTENDED_BATCH_SIZE_OTS, BATCH_SIZE_OTS)
  t.fill(0)
  x.fill(0)
  return { keep: new OteReceiverKeep(sid, choices, rows), message: { u, verifyX, verifyT } }
}

/** Checks a local correlation input: `width` vectors of BATCH_SIZE_OTS scalars, each reduced. */
function checkCorrelations (width: number, correlations: readonly (readonly bigint[])[]): void {
  if (correlations.length !== width) throw new RangeError(`expected ${width} correlation vectors, got ${correlations.length}`)
  for (const alpha of correlations) {
    if (alpha.length !== BATCH_SIZE_OTS) throw new RangeError(`a correlation vector has ${BATCH_SIZE_OTS} scalars, not ${alpha.length}`)
    for (const a of alpha) if (typeof a !== 'bigint' || a < 0n || a >= ORDER) throw new RangeError('a correlation scalar is not reduced mod n')
  }
}

/**
 * Sender, KOS Fig. 10 Extend step 4, Check step 3 and Transpose-and-randomize, then DKLs18
 * Protocol 9 Transfer step 1: checks the receiver (throws `OteConsistencyError`), and returns
 * its outputs v0[w][j] and τ[w][j] = v1 − v0 + α[w][j] for the receiver.
 */
export function oteSenderTransfer (
  setup: OteSenderSetup,
  sid: Uint8Array,
  width: number,
  correlations: readonly (readonly bigint[])[],
  message: OteReceiverMessage,
  nonce: Uint8Array
): { outputs: bigint[][], tau: bigint[][] } {
  checkOtWidth(width)
  if (nonce.length !== SENDER_NONCE_BYTES) throw new RangeError(`the sender's nonce is ${SENDER_NONCE_BYTES} bytes`)
  checkCorrelations(width, correlations)
  const { u, verifyX, verifyT } = message
  if (u.length !== OTE_U_BYTES || verifyX.length !== FIELD_BYTES || verifyT.length !== OTE_VERIFY_T_BYTES) {
    throw new OteMalformedError('ote-receiver', 'the OT-extension receiver message has the wrong dimensions')
  }
  const { correlation: delta, seeds } = setup.expose()

  // q_i = PRG(m_{Δ_i}) ⊕ Δ_i·u_i = t_i ⊕ Δ_i·x, with a mask rather than a branch on Δ_i.
  const q = new Uint8Array(OTE_U_BYTES)
  for (let i = 0; i < KAPPA_BITS; i++) {
    const pad = otePrg(sid, i, seeds[i]!)
    const mask = -((delta[i >>> 3]! >>> (i & 7)) & 1) & 0xff
    const at = i * EXTENDED_ROW_BYTES
    for (let k = 0; k < EXTENDED_ROW_BYTES; k++) q[at + k] = pad[k]! ^ (u[at + k]! & mask)
    pad.fill(0)
  }
  for (const s of seeds) s.fill(0)

  // q̃_i must equal t̃_i ⊕ Δ_i·x̃ for every row; every row is compared before deciding.
  const chi = challenges(sid, u)
  const mine = new Uint8Array(FIELD_BYTES)
  let diff = 0
  for (let i = 0; i < KAPPA_BITS; i++) {
    checkValue(chi, q, i * EXTENDED_ROW_BYTES, mine, 0)
    const mask = -((delta[i >>> 3]! >>> (i & 7)) & 1) & 0xff
    for (let k = 0; k < FIELD_BYTES; k++) diff |= mine[k]! ^ verifyT[i * FIELD_BYTES + k]! ^ (verifyX[k]! & mask)
  }
  if (diff !== 0) {
    q.fill(0)
    delta.fill(0)
    // Whether the check failed can tell a cheating receiver one bit of Δ: Δ is never used again.
    setup.burn()
    throw new OteConsistencyError()
  }

  const rows = transposeBits(q, KAPPA_BITS, EXTENDED_BATCH_SIZE_OTS, BATCH_SIZE_OTS)
  q.fill(0)
  const outputs = Array.from({ length: width }, () => new Array<bigint>(BATCH_SIZE_OTS))
  const tau = Array.from({ length: width }, () => new Array<bigint>(BATCH_SIZE_OTS))
  const flipped = new Uint8Array(KAPPA_BYTES)
  for (let j = 0; j < BATCH_SIZE_OTS; j++) {
    const row = rows.subarray(j * KAPPA_BYTES, (j + 1) * KAPPA_BYTES)
    for (let k = 0; k < KAPPA_BYTES; k++) flipped[k] = row[k]! ^ delta[k]!
    const v0 = randomizeRow(sid, nonce, j, row, width)
    const v1 = randomizeRow(sid, nonce, j, flipped, width)
    for (let w = 0; w < width; w++) {
      outputs[w]![j] = v0[w]!
      tau[w]![j] = add(sub(v1[w]!, v0[w]!), correlations[w]![j]!)
    }
  }
  rows.fill(0)
  flipped.fill(0)
  delta.fill(0)
  return { outputs, tau }
}

/**
 * Receiver, KOS Fig. 10 Transpose-and-randomize and DKLs18 Protocol 9 Transfer step 2:
 * t[w][j] = b_j·τ[w][j] − v_{b_j}. Uses up `keep` (a second call throws).
 */
export function oteReceiverOutputs (keep: OteReceiverKeep, sid: Uint8Array, width: number, tau: readonly (readonly bigint[])[], nonce: Uint8Array): bigint[][] {
  checkOtWidth(width)
  if (nonce.length !== SENDER_NONCE_BYTES) throw new OteMalformedError('ote-sender', `the sender's nonce is ${SENDER_NONCE_BYTES} bytes`)
  if (tau.length !== width || tau.some(v => v.length !== BATCH_SIZE_OTS)) {
    throw new OteMalformedError('ote-sender', `τ must be ${width} vectors of ${BATCH_SIZE_OTS} scalars`)
  }
  if (tau.some(v => v.some(s => typeof s !== 'bigint' || s < 0n || s >= ORDER))) throw new OteMalformedError('ote-sender', 'a τ scalar is not reduced mod n')
  if (keep.sid.length !== sid.length || keep.sid.some((b, k) => b !== sid[k])) throw new RangeError('oteReceiverOutputs called with another sid than its extension')
  const { choices, rows } = takeReceiverKeep(keep)

  const out = Array.from({ length: width }, () => new Array<bigint>(BATCH_SIZE_OTS))
  for (let j = 0; j < BATCH_SIZE_OTS; j++) {
    const v = randomizeRow(sid, nonce, j, rows.subarray(j * KAPPA_BYTES, (j + 1) * KAPPA_BYTES), width)
    const b = (choices[j >>> 3]! >>> (j & 7)) & 1
    // BigInt is not constant time anyway (scalar.ts); the branch on b_j is no worse than the add.
    for (let w = 0; w < width; w++) out[w]![j] = b === 1 ? sub(tau[w]![j]!, v[w]!) : neg(v[w]!)
  }
  rows.fill(0)
  choices.fill(0)
  return out
}
