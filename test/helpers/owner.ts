// Test owners and hand-made bundles, for tests that play a (possibly hostile) client.
import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from 'node:crypto'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { dealNewUser, type DealtNewUser } from '../../protocols/new-user/deal-bundles.js'
import { DEFAULT_POLICY, KEY_RECORD_KIND, type KeyRecord, type KeyScheme } from '../../protocols/wire/key-record.js'
import type { Membership } from '../../protocols/wire/membership.js'
import { NEW_USER_KIND, type NewUserBundle } from '../../protocols/wire/new-user.js'

export function newOwner (): Uint8Array {
  return ed25519.utils.randomSecretKey()
}

export async function deal (membership: Membership, owner: Uint8Array, scheme: KeyScheme = 'ed25519'): Promise<DealtNewUser> {
  return await dealNewUser({ scheme, membership, ownerSecretKey: owner, policy: { ...DEFAULT_POLICY }, nowMs: Date.now(), randomBytes: n => new Uint8Array(randomBytes(n)) })
}

/** Re-signs a (tampered) record and bundle as the owner, so that only the tampering is wrong. */
export function resign (bundle: NewUserBundle, owner: Uint8Array, record: KeyRecord = bundle.record): NewUserBundle {
  const { signature: _r, ...unsignedRecord } = record
  const signedRecord = signBody(KEY_RECORD_KIND, unsignedRecord, owner) as KeyRecord
  const { signature: _b, ...unsignedBundle } = { ...bundle, record: signedRecord }
  return signBody(NEW_USER_KIND, unsignedBundle, owner) as NewUserBundle
}

export function flipHexByte (hex: string, index = 0): string {
  const byte = parseInt(hex.slice(index * 2, index * 2 + 2), 16) ^ 0x01
  return hex.slice(0, index * 2) + byte.toString(16).padStart(2, '0') + hex.slice(index * 2 + 2)
}
