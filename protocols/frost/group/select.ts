// Which library does the group operations: native addons first (sodium-native for ed25519,
// secp256k1 for secp256k1), noble for a scheme whose addon does not load. The preference is
// passed in; the node reads it at start (SHARDSIG_CRYPTO_BACKEND, node/config) and builds one
// Frost on the result (../frost.ts). See docs/decisions/0005-crypto-backend.md.
import { loadAddon, type BackendPreference } from '../../crypto/native-addons.js'
import type { CurveName } from '../../sharing/index.js'
import { sodiumEd25519, type SodiumEd25519 } from './ed25519-sodium.js'
import { nobleEd25519, nobleSecp256k1 } from './noble.js'
import { nativeSecp256k1, type Secp256k1Native } from './secp256k1-native.js'
import type { GroupBackend } from './types.js'

export type { BackendPreference }

export interface CryptoBackend {
  /** `native` (both addons), `noble` (neither) or `mixed`. */
  readonly name: 'native' | 'noble' | 'mixed'
  readonly ed25519: GroupBackend
  readonly secp256k1: GroupBackend
  /** Why a scheme is not native, when it is not; empty otherwise. */
  readonly notes: readonly string[]
}

/** What a node logs, exports as build info and shows in /health. */
export interface CryptoBackendInfo { name: string, ed25519: string, secp256k1: string }

/**
 * Loads the backend for `preference`. `native` throws when an addon does not load (for CI and
 * benchmarks that must measure it); `auto` falls back to noble per scheme and says why in `notes`.
 */
export function selectBackend (preference: BackendPreference): CryptoBackend {
  const notes: string[] = []
  let ed25519 = nobleEd25519()
  let secp256k1 = nobleSecp256k1()
  if (preference !== 'noble') {
    // `secp256k1/bindings` is the addon alone; the package's main entry would fall back to elliptic.
    const sodium = loadAddon<SodiumEd25519>('sodium-native')
    const secp = loadAddon<Secp256k1Native>('secp256k1/bindings')
    if ('lib' in sodium) ed25519 = sodiumEd25519(sodium.lib)
    else notes.push(sodium.error)
    if ('lib' in secp) secp256k1 = nativeSecp256k1(secp.lib)
    else notes.push(secp.error)
    if (preference === 'native' && notes.length > 0) throw new Error(`crypto backend native: ${notes.join('; ')}`)
  }
  const nativeCount = [ed25519, secp256k1].filter(g => g.name !== 'noble').length
  const name = nativeCount === 2 ? 'native' : nativeCount === 0 ? 'noble' : 'mixed'
  return Object.freeze({ name, ed25519, secp256k1, notes: Object.freeze(notes) })
}

/** The backend's group of `scheme`; throws for anything else (schemes arrive from the wire as strings). */
export function groupOf (backend: CryptoBackend, scheme: CurveName): GroupBackend {
  if (scheme === 'ed25519') return backend.ed25519
  if (scheme === 'secp256k1') return backend.secp256k1
  throw new RangeError(`unknown scheme ${String(scheme)}`)
}

export function backendInfo (backend: CryptoBackend): CryptoBackendInfo {
  return { name: backend.name, ed25519: backend.ed25519.name, secp256k1: backend.secp256k1.name }
}
