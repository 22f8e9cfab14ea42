// RFC 8785 (JCS) canonical JSON and the signing input every signed body uses:
// "shardsig/v1/<kind>\n" + JCS(body without its `signature` field).
import canonicalize from 'canonicalize'

const encoder = new TextEncoder()

export function canonicalJson (value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new TypeError('value has no canonical JSON form')
  return text
}

/** The bytes an Ed25519 signature over a body of this kind covers. */
export function signingInput (kind: string, body: Record<string, unknown>): Uint8Array {
  const { signature: _ignored, ...unsigned } = body
  return encoder.encode(`shardsig/v1/${kind}\n${canonicalJson(unsigned)}`)
}
