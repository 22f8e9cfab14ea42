// Wire forms of the two OT-extension messages (ot-extension.ts: KOS ePrint 2015/546 Fig. 10 and
// DKLs18 Protocol 9): fixed layouts without headers, since both sides know the sizes from
// ot-params.ts and the width from the protocol step. Decoding is strict: exact lengths, scalars
// below n, no silent reduction; a refusal names the side that sent the bytes.
import { bigintFromBE } from '../frost/bytes.js'
import { ORDER, SCALAR_BYTES, encodeScalar } from './scalar.js'
import { BATCH_SIZE_OTS, FIELD_BYTES } from './ot-params.js'
import { OTE_U_BYTES, OTE_VERIFY_T_BYTES, OteMalformedError, checkOtWidth, type OteReceiverMessage } from './ot-extension.js'

/** u ‖ x̃ ‖ t̃_0 … t̃_{κ−1}: 19,968 + 26 + 6,656 = 26,650 bytes. */
export const OTE_RECEIVER_MESSAGE_BYTES = OTE_U_BYTES + FIELD_BYTES + OTE_VERIFY_T_BYTES

/** τ for one correlation vector: BATCH_SIZE_OTS scalars of 32 bytes. */
export const OTE_TAU_BYTES_PER_WIDTH = BATCH_SIZE_OTS * SCALAR_BYTES

export function encodeOteReceiverMessage (m: OteReceiverMessage): Uint8Array {
  if (m.u.length !== OTE_U_BYTES || m.verifyX.length !== FIELD_BYTES || m.verifyT.length !== OTE_VERIFY_T_BYTES) {
    throw new RangeError('OT-extension receiver message of the wrong dimensions')
  }
  const out = new Uint8Array(OTE_RECEIVER_MESSAGE_BYTES)
  out.set(m.u, 0)
  out.set(m.verifyX, OTE_U_BYTES)
  out.set(m.verifyT, OTE_U_BYTES + FIELD_BYTES)
  return out
}

/** Throws `OteMalformedError` (culprit: the receiver) unless exactly OTE_RECEIVER_MESSAGE_BYTES. */
export function decodeOteReceiverMessage (bytes: Uint8Array): OteReceiverMessage {
  if (bytes.length !== OTE_RECEIVER_MESSAGE_BYTES) {
    throw new OteMalformedError('ote-receiver', `an OT-extension receiver message is ${OTE_RECEIVER_MESSAGE_BYTES} bytes, not ${bytes.length}`)
  }
  return {
    u: bytes.slice(0, OTE_U_BYTES),
    verifyX: bytes.slice(OTE_U_BYTES, OTE_U_BYTES + FIELD_BYTES),
    verifyT: bytes.slice(OTE_U_BYTES + FIELD_BYTES)
  }
}

/** τ[0] ‖ … ‖ τ[width−1], each scalar 32 bytes big-endian. */
export function encodeTau (tau: readonly (readonly bigint[])[], width: number): Uint8Array {
  checkOtWidth(width)
  if (tau.length !== width || tau.some(v => v.length !== BATCH_SIZE_OTS)) throw new RangeError(`τ must be ${width} vectors of ${BATCH_SIZE_OTS} scalars`)
  const out = new Uint8Array(width * OTE_TAU_BYTES_PER_WIDTH)
  tau.forEach((v, w) => v.forEach((s, j) => out.set(encodeScalar(s), w * OTE_TAU_BYTES_PER_WIDTH + j * SCALAR_BYTES)))
  return out
}

/** Throws `OteMalformedError` (culprit: the sender) on a wrong length or a scalar ≥ n. */
export function decodeTau (bytes: Uint8Array, width: number): bigint[][] {
  checkOtWidth(width)
  if (bytes.length !== width * OTE_TAU_BYTES_PER_WIDTH) {
    throw new OteMalformedError('ote-sender', `τ of width ${width} is ${width * OTE_TAU_BYTES_PER_WIDTH} bytes, not ${bytes.length}`)
  }
  const tau: bigint[][] = []
  for (let w = 0; w < width; w++) {
    const v = new Array<bigint>(BATCH_SIZE_OTS)
    for (let j = 0; j < BATCH_SIZE_OTS; j++) {
      const at = w * OTE_TAU_BYTES_PER_WIDTH + j * SCALAR_BYTES
      const s = bigintFromBE(bytes.subarray(at, at + SCALAR_BYTES))
      if (s >= ORDER) throw new OteMalformedError('ote-sender', `τ[${w}][${j}] is not below the group order`)
      v[j] = s
    }
    tau.push(v)
  }
  return tau
}
