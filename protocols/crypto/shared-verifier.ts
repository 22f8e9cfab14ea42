// The one Ed25519Verifier that owner and peer signatures share per process (its cache of OpenSSL
// key objects), as before issue #18; the FROST path has its own in each Frost.
import { Ed25519Verifier } from './ed25519-verify.js'

const shared = new Ed25519Verifier()

export function verifyEd25519 (signature: Uint8Array, message: Uint8Array, publicKeyHex: string): boolean {
  return shared.verify(signature, message, publicKeyHex)
}
