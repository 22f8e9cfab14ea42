// The on-disk form of scrypt params, shared by the store header and sealed
// files, so both read (and bound) untrusted params the same way.
import { z } from 'zod'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { SALT_BYTES, scryptParamsProblem, type ScryptParams } from './sealing.js'

export const KdfJsonSchema = z.strictObject({
  name: z.literal('scrypt'),
  N: z.int(),
  r: z.int(),
  p: z.int(),
  // A short salt would let one precomputation attack many stores.
  salt: z.string().regex(new RegExp(`^([0-9a-f]{2}){${SALT_BYTES},64}$`), `expected ${SALT_BYTES} to 64 bytes as lowercase hex`)
}).superRefine((kdf, ctx) => {
  const problem = scryptParamsProblem(kdf)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

export type KdfJson = z.infer<typeof KdfJsonSchema>

export function kdfToJson ({ N, r, p, salt }: ScryptParams): KdfJson {
  return { name: 'scrypt', N, r, p, salt: bytesToHex(salt) }
}

export function kdfFromJson ({ N, r, p, salt }: KdfJson): ScryptParams {
  return { N, r, p, salt: hexToBytes(salt) }
}

/** One line naming every problem, for an error message; zod's default output is multi-line. */
export function describeIssues (error: z.ZodError): string {
  return error.issues.map(i => (i.path.length > 0 ? `${i.path.join('.')}: ` : '') + i.message).join('; ')
}
