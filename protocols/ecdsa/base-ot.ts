// The base OT of DKLs23 (ePrint 2023/765, p. 30): a batch of `count` random 1-out-of-2 OTs in one
// message each way, the endemic OT of Zhou et al. (ePrint 2022/1525, §3) in its simple form:
//   sender    s ← Z_n, z = s·G, sends z and a proof of knowledge of s (./proofs.ts, Schnorr);
//   receiver  seed, h = HashToCurve(sid, seed); per OT i, r_i ← Z_n, v_i = r_i·G + b_i·h, sends
//             seed and each v_i with a proof of knowing log v_i or log (v_i − h) (CDS OR-proof);
//   outputs   m0_i = H(sid, i, z, v_i, s·v_i), m1_i = H(sid, i, z, v_i, s·(v_i − h)), and the
//             receiver's m_{b_i} = H(sid, i, z, v_i, r_i·z).
// Both first messages are independent (one round). The OT extension (KOS/SoftSpokenOT) seeds its
// PRGs with these 32-byte outputs.
//
// Why h is hashed to the curve (RFC 9380) and not H(sid, seed)·G as in the 0xCarbon reference:
// whoever knows t = log h knows s·h = t·z, hence both s·v_i and s·(v_i − h) = s·v_i − t·z, i.e.
// both messages. With h from a random oracle into the group nobody knows t, and a receiver who
// got both messages would have computed CDH(z, h).
//
// Differences from Zhou et al. §3, both taken knowingly: (1) the receiver proves knowledge of
// r_i directly (OR of two Schnorr proofs) instead of sending the ElGamal-like u_i = r_i·h with a
// Chaum–Pedersen OR-proof, which lets their simulator extract b_i straight-line by programming
// h; (2) Fiat–Shamir instead of Fischlin for the sender's proof (see ./proofs.ts). Our extractors
// rewind (random-oracle model, stand-alone security), not the UC argument of those papers.
//
// Constant time: the secret scalars s and r_i multiply points through `GroupBackend`. On the
// native backend `mulBase` and `mul` are libsecp256k1's constant-time ecmult_gen / ecmult_const;
// on the noble fallback `mul` is `multiplyUnsafe` (variable time), so s·v_i and r_i·z leak timing
// there (side channels are out of scope in docs/threat-model.md; the libraries' notes are in
// docs/decisions/0005-crypto-backend.md). Scalar arithmetic is bigint (./scalar.ts).
import { secp256k1_hasher } from '@noble/curves/secp256k1.js'
import { concatBytes } from '../frost/bytes.js'
import type { Element, GroupBackend } from '../frost/group/types.js'
import type { Random } from '../machine/types.js'
import { HASH_BYTES, HASH_DOMAIN, taggedHash, u32 } from './hash.js'
import {
  decodeDlogProof, decodeOrDlogProof, DLOG_PROOF_BYTES, encodeDlogProof, encodeOrDlogProof, OR_DLOG_PROOF_BYTES,
  POINT_BYTES, proveDlog, proveOrDlog, verifyDlog, verifyOrDlog, type DlogProof, type OrDlogProof
} from './proofs.js'
import { encodeScalar, randomScalar } from './scalar.js'

/** Each OT output (m0, m1, m_b): one SHA-256. */
export const BASE_OT_OUTPUT_BYTES = HASH_BYTES
/** The receiver's seed for h: κ = 256 bits. */
export const BASE_OT_SEED_BYTES = 32
/** Most OTs in one batch (DKLs23 needs κ = 256 per pair and direction); bounds what a decoder accepts. */
export const MAX_BASE_OT_COUNT = 1024

/** First byte of each message, so one is never read as the other. */
const SENDER_KIND = 0x01
const RECEIVER_KIND = 0x02
/** kind ‖ z ‖ DLog proof. */
export const BASE_OT_SENDER_MESSAGE_BYTES = 1 + POINT_BYTES + DLOG_PROOF_BYTES
/** kind ‖ count (u16 BE) ‖ seed, then `count` entries v_i ‖ OR-proof_i. */
const RECEIVER_HEADER_BYTES = 1 + 2 + BASE_OT_SEED_BYTES
const RECEIVER_ENTRY_BYTES = POINT_BYTES + OR_DLOG_PROOF_BYTES

/** Bytes of a receiver message carrying `count` OTs. */
export const baseOtReceiverMessageBytes = (count: number): number => RECEIVER_HEADER_BYTES + count * RECEIVER_ENTRY_BYTES

const TAG_H = 'ot/base/h'
const TAG_SENDER_PROOF = 'ot/base/sender-proof'
const TAG_RECEIVER_PROOF = 'ot/base/receiver-proof'
const TAG_OUTPUT = 'ot/base/output'

export type BaseOtRole = 'sender' | 'receiver'
/** What was wrong: bytes that do not parse, the wrong number of OTs, or a proof that fails. */
export type BaseOtFault = 'encoding' | 'count' | 'proof'

/** A peer's base-OT message is refused; `culprit` sent it, `index` is the OT at fault when there is one. */
export class BaseOtError extends Error {
  readonly culprit: BaseOtRole
  readonly fault: BaseOtFault
  readonly index: number | undefined
  constructor (culprit: BaseOtRole, fault: BaseOtFault, message: string, index?: number, options?: { cause?: unknown }) {
    super(`base OT ${culprit}${index === undefined ? '' : `, OT ${index}`}: ${message}`, options)
    this.name = 'BaseOtError'
    this.culprit = culprit
    this.fault = fault
    this.index = index
  }
}

/** A start state was finished twice: a local bug, never a peer's fault. */
export class BaseOtStateUsedError extends Error {
  readonly role: BaseOtRole
  constructor (role: BaseOtRole) {
    super(`base OT ${role} state already finished`)
    this.name = 'BaseOtStateUsedError'
    this.role = role
  }
}

export interface BaseOtSenderMessage {
  readonly z: Element
  readonly proof: DlogProof
}

export interface BaseOtReceiverEntry {
  readonly v: Element
  readonly proof: OrDlogProof
}

export interface BaseOtReceiverMessage {
  readonly seed: Uint8Array
  readonly entries: readonly BaseOtReceiverEntry[]
}

export interface BaseOtSenderOutput {
  readonly m0: Uint8Array[]
  readonly m1: Uint8Array[]
}

const REDACTED = '[redacted base OT secrets]'
const INSPECT = Symbol.for('nodejs.util.inspect.custom')
/** Not exported: only this file's finish functions take a state's secrets out (and only once). */
const TAKE = Symbol('take base OT secrets')

/** The sender's secret s between start and finish. Prints and serialises redacted; finished once. */
export class BaseOtSenderState {
  readonly sid: Uint8Array
  readonly count: number
  readonly z: Element
  #s: bigint | undefined

  constructor (sid: Uint8Array, count: number, z: Element, s: bigint) {
    this.sid = Uint8Array.from(sid)
    this.count = count
    this.z = z
    this.#s = s
  }

  get used (): boolean { return this.#s === undefined }

  [TAKE] (): bigint {
    const s = this.#s
    if (s === undefined) throw new BaseOtStateUsedError('sender')
    this.#s = undefined
    return s
  }

  toString (): string { return REDACTED }
  toJSON (): string { return REDACTED }
  [INSPECT] (): string { return `BaseOtSenderState(${this.count} OTs, ${this.used ? 'used' : REDACTED})` }
}

/** The choice bits are not kept: the caller has them, and the outputs need only r_i. */
interface ReceiverSecrets { readonly r: readonly bigint[] }

/** The receiver's r_i between start and finish. Prints and serialises redacted; finished once. */
export class BaseOtReceiverState {
  readonly sid: Uint8Array
  readonly seed: Uint8Array
  readonly vs: readonly Element[]
  #secrets: ReceiverSecrets | undefined

  constructor (sid: Uint8Array, seed: Uint8Array, vs: readonly Element[], secrets: ReceiverSecrets) {
    this.sid = Uint8Array.from(sid)
    this.seed = Uint8Array.from(seed)
    this.vs = Object.freeze([...vs])
    this.#secrets = secrets
  }

  get count (): number { return this.vs.length }
  get used (): boolean { return this.#secrets === undefined }

  [TAKE] (): ReceiverSecrets {
    const secrets = this.#secrets
    if (secrets === undefined) throw new BaseOtStateUsedError('receiver')
    this.#secrets = undefined
    return secrets
  }

  toString (): string { return REDACTED }
  toJSON (): string { return REDACTED }
  [INSPECT] (): string { return `BaseOtReceiverState(${this.count} OTs, ${this.used ? 'used' : REDACTED})` }
}

function checkGroup (group: GroupBackend): void {
  if (group.scheme !== 'secp256k1') throw new RangeError(`the DKLs23 base OT runs on secp256k1, not ${group.scheme}`)
}

function checkCount (count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_BASE_OT_COUNT) throw new RangeError(`base OT count must be 1..${MAX_BASE_OT_COUNT}, not ${count}`)
}

/** h = HashToCurve(sid, seed) (RFC 9380 secp256k1_XMD:SHA-256_SSWU_RO_): a point whose log nobody knows. */
export function baseOtH (group: GroupBackend, sid: Uint8Array, seed: Uint8Array): Element {
  const msg = concatBytes([u32(sid.length), sid, seed])
  return group.decode(secp256k1_hasher.hashToCurve(msg, { DST: HASH_DOMAIN + TAG_H }).toBytes(true))
}

const senderContext = (sid: Uint8Array): Uint8Array => taggedHash(TAG_SENDER_PROOF, [sid])
const receiverContext = (sid: Uint8Array, seed: Uint8Array, index: number): Uint8Array => taggedHash(TAG_RECEIVER_PROOF, [sid, seed, u32(index)])

/** Each output binds the session, the OT index and both public values, so no two OTs share a key. */
function output (group: GroupBackend, sid: Uint8Array, index: number, z: Element, v: Element, shared: Element): Uint8Array {
  return taggedHash(TAG_OUTPUT, [sid, u32(index), group.encode(z), group.encode(v), group.encode(shared)])
}

/** Sender, round 1: s, z = s·G and the proof of s, for a batch of `count` OTs under `sid`. */
export function baseOtSenderStart (group: GroupBackend, sid: Uint8Array, count: number, random: Random): { state: BaseOtSenderState, message: BaseOtSenderMessage } {
  checkGroup(group)
  checkCount(count)
  const s = randomScalar(random)
  const z = group.mulBase(encodeScalar(s))
  const proof = proveDlog(group, s, z, senderContext(sid), random)
  return { state: new BaseOtSenderState(sid, count, z, s), message: { z, proof } }
}

/** Receiver, round 1: the seed, and per choice bit b_i, v_i = r_i·G + b_i·h with its OR-proof. */
export function baseOtReceiverStart (
  group: GroupBackend, sid: Uint8Array, choices: readonly boolean[], random: Random
): { state: BaseOtReceiverState, message: BaseOtReceiverMessage } {
  checkGroup(group)
  checkCount(choices.length)
  if (!choices.every(b => typeof b === 'boolean')) throw new TypeError('base OT choices must be booleans')
  const seed = random(BASE_OT_SEED_BYTES)
  const h = baseOtH(group, sid, seed)
  const negH = group.negate(h)
  const r: bigint[] = []
  const entries: BaseOtReceiverEntry[] = []
  choices.forEach((b, i) => {
    for (;;) {
      const ri = randomScalar(random)
      const R = group.mulBase(encodeScalar(ri))
      let plus: Element, minus: Element
      try {
        // Both candidates every time, so the work does not depend on b (R = ±h has probability 2^-256).
        plus = group.sum([R, h])
        minus = group.sum([R, negH])
      } catch {
        continue
      }
      // Statements (v, v − h): b = 0 knows log v = r; b = 1 knows log (v − h) = r.
      const statements: [Element, Element] = b ? [plus, R] : [R, minus]
      const proof = proveOrDlog(group, statements, b ? 1 : 0, ri, receiverContext(sid, seed, i), random)
      r.push(ri)
      entries.push({ v: statements[0], proof })
      return
    }
  })
  const state = new BaseOtReceiverState(sid, seed, entries.map(e => e.v), { r })
  return { state, message: { seed, entries } }
}

/** Sender, round 2: checks every OR-proof, then m0_i = H(…, s·v_i), m1_i = H(…, s·(v_i − h)). */
export function baseOtSenderFinish (group: GroupBackend, state: BaseOtSenderState, message: BaseOtReceiverMessage): BaseOtSenderOutput {
  const s = state[TAKE]()
  const { sid, z } = state
  if (message.entries.length !== state.count) throw new BaseOtError('receiver', 'count', `${message.entries.length} OTs, expected ${state.count}`)
  if (message.seed.length !== BASE_OT_SEED_BYTES) throw new BaseOtError('receiver', 'encoding', `a seed is ${BASE_OT_SEED_BYTES} bytes`)
  const negH = group.negate(baseOtH(group, sid, message.seed))
  // Every proof before any use of s, so a cheating receiver gets nothing computed from it.
  const shifted = message.entries.map(({ v, proof }, i) => {
    let vMinusH: Element
    try {
      vMinusH = group.sum([v, negH])
    } catch (cause) {
      throw new BaseOtError('receiver', 'proof', 'v = h', i, { cause })
    }
    if (!verifyOrDlog(group, [v, vMinusH], proof, receiverContext(sid, message.seed, i))) {
      throw new BaseOtError('receiver', 'proof', 'the OR-proof does not verify (v is neither r·G nor r·G + h for a known r)', i)
    }
    return vMinusH
  })
  const m0: Uint8Array[] = []
  const m1: Uint8Array[] = []
  message.entries.forEach(({ v }, i) => {
    m0.push(output(group, sid, i, z, v, group.mul(v, s)))
    m1.push(output(group, sid, i, z, v, group.mul(shifted[i]!, s)))
  })
  return { m0, m1 }
}

/** Receiver, round 2: checks the sender's proof of s, then m_{b_i} = H(…, r_i·z). */
export function baseOtReceiverFinish (group: GroupBackend, state: BaseOtReceiverState, message: BaseOtSenderMessage): Uint8Array[] {
  const { r } = state[TAKE]()
  if (!verifyDlog(group, message.z, message.proof, senderContext(state.sid))) {
    throw new BaseOtError('sender', 'proof', 'the proof of knowledge of log z does not verify')
  }
  return state.vs.map((v, i) => output(group, state.sid, i, message.z, v, group.mul(message.z, r[i]!)))
}

export function encodeBaseOtSenderMessage (group: GroupBackend, message: BaseOtSenderMessage): Uint8Array {
  const out = new Uint8Array(BASE_OT_SENDER_MESSAGE_BYTES)
  out[0] = SENDER_KIND
  out.set(group.encode(message.z), 1)
  out.set(encodeDlogProof(group, message.proof), 1 + POINT_BYTES)
  return out
}

/** Strict: exact length and kind, z a point, the proof canonical. Throws `BaseOtError('sender', 'encoding', …)`. */
export function decodeBaseOtSenderMessage (group: GroupBackend, bytes: Uint8Array): BaseOtSenderMessage {
  checkGroup(group)
  if (bytes.length !== BASE_OT_SENDER_MESSAGE_BYTES) throw new BaseOtError('sender', 'encoding', `a sender message is ${BASE_OT_SENDER_MESSAGE_BYTES} bytes, not ${bytes.length}`)
  if (bytes[0] !== SENDER_KIND) throw new BaseOtError('sender', 'encoding', `not a sender message (kind ${bytes[0]})`)
  try {
    const z = group.decode(bytes.subarray(1, 1 + POINT_BYTES))
    return { z, proof: decodeDlogProof(group, bytes.subarray(1 + POINT_BYTES)) }
  } catch (cause) {
    throw new BaseOtError('sender', 'encoding', (cause as Error).message, undefined, { cause })
  }
}

export function encodeBaseOtReceiverMessage (group: GroupBackend, message: BaseOtReceiverMessage): Uint8Array {
  const count = message.entries.length
  checkCount(count)
  if (message.seed.length !== BASE_OT_SEED_BYTES) throw new RangeError(`a seed is ${BASE_OT_SEED_BYTES} bytes`)
  const out = new Uint8Array(baseOtReceiverMessageBytes(count))
  out[0] = RECEIVER_KIND
  new DataView(out.buffer).setUint16(1, count)
  out.set(message.seed, 3)
  message.entries.forEach(({ v, proof }, i) => {
    const at = RECEIVER_HEADER_BYTES + i * RECEIVER_ENTRY_BYTES
    out.set(group.encode(v), at)
    out.set(encodeOrDlogProof(proof), at + POINT_BYTES)
  })
  return out
}

/** Strict: kind, a count in 1..MAX_BASE_OT_COUNT, the exact length for it, every v a point, every proof canonical. */
export function decodeBaseOtReceiverMessage (group: GroupBackend, bytes: Uint8Array): BaseOtReceiverMessage {
  checkGroup(group)
  if (bytes.length < RECEIVER_HEADER_BYTES) throw new BaseOtError('receiver', 'encoding', `a receiver message is at least ${RECEIVER_HEADER_BYTES} bytes, not ${bytes.length}`)
  if (bytes[0] !== RECEIVER_KIND) throw new BaseOtError('receiver', 'encoding', `not a receiver message (kind ${bytes[0]})`)
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint16(1)
  if (count < 1 || count > MAX_BASE_OT_COUNT) throw new BaseOtError('receiver', 'count', `count ${count} is not in 1..${MAX_BASE_OT_COUNT}`)
  const expected = baseOtReceiverMessageBytes(count)
  if (bytes.length !== expected) throw new BaseOtError('receiver', 'encoding', `${count} OTs take ${expected} bytes, not ${bytes.length}`)
  const seed = bytes.slice(3, RECEIVER_HEADER_BYTES)
  const entries: BaseOtReceiverEntry[] = []
  for (let i = 0; i < count; i++) {
    const at = RECEIVER_HEADER_BYTES + i * RECEIVER_ENTRY_BYTES
    try {
      const v = group.decode(bytes.subarray(at, at + POINT_BYTES))
      entries.push({ v, proof: decodeOrDlogProof(bytes.subarray(at + POINT_BYTES, at + RECEIVER_ENTRY_BYTES)) })
    } catch (cause) {
      throw new BaseOtError('receiver', 'encoding', (cause as Error).message, i, { cause })
    }
  }
  return { seed, entries }
}
