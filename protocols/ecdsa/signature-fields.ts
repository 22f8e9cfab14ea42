// The parts of a recoverable ECDSA signature (65-byte r‖s‖v, ecdsa-signature.ts)
// as a sign result names them for callers that want them apart (Ethereum's
// r, s, v; SEC1 §4.1.6 for the recovery id): pure, no curve arithmetic.
import { RECOVERABLE_SIGNATURE_BYTES } from './ecdsa-signature.js'

/** r and s as 64 lowercase hex digits each (32 bytes big-endian), v the recovery id 0..3. */
export interface EcdsaSignatureFields {
  r: string
  s: string
  v: number
}

const RECOVERABLE_HEX = new RegExp(`^[0-9a-f]{${RECOVERABLE_SIGNATURE_BYTES * 2}}$`)
/** Bit 0 the parity of R.y, bit 1 set when x(R) ≥ n: anything above is no recovery id. */
const MAX_RECOVERY_ID = 3

export class EcdsaSignatureFormatError extends Error {
  constructor (readonly signature: string, reason: string) {
    super(`not a recoverable ECDSA signature (r‖s‖v, ${RECOVERABLE_SIGNATURE_BYTES} bytes as lowercase hex): ${reason}`)
    this.name = 'EcdsaSignatureFormatError'
  }
}

/** Splits a 65-byte r‖s‖v signature (lowercase hex) into its fields; throws EcdsaSignatureFormatError for anything else. */
export function ecdsaFields (signatureHex: string): EcdsaSignatureFields {
  if (!RECOVERABLE_HEX.test(signatureHex)) {
    throw new EcdsaSignatureFormatError(signatureHex, `got ${signatureHex.length} characters${/^[0-9a-f]*$/.test(signatureHex) ? '' : ' that are not all lowercase hex'}`)
  }
  const v = parseInt(signatureHex.slice(128, 130), 16)
  if (v > MAX_RECOVERY_ID) throw new EcdsaSignatureFormatError(signatureHex, `v = ${v}, a recovery id is 0 to ${MAX_RECOVERY_ID}`)
  return { r: signatureHex.slice(0, 64), s: signatureHex.slice(64, 128), v }
}
