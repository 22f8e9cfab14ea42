// What one Frost object (frost.ts) owns: its group backend and the caches that let each point be
// decoded and checked once. Made by createFrost, never shared between Frost objects; the round
// functions take it as their first argument.
import { Ed25519Verifier } from '../crypto/ed25519-verify.js'
import { RecentCache } from '../crypto/recent-cache.js'
import type { CommitteePublic, Point, CurveName } from '../sharing/index.js'
import { groupOf, type CryptoBackend } from './group/select.js'
import type { Element, GroupBackend } from './group/types.js'
import type { SessionSigner } from './session.js'
import type { SigningCommitments } from './types.js'
import type { SignerVerifyingShare } from './verifying-shares.js'

/** Party shapes and secp256k1 group keys a Frost keeps (a network has few of either). */
export const SHAPE_CACHE_ENTRIES = 1_024
export const KEY_CACHE_ENTRIES = 1_024

export interface CheckedCommitments { scheme: CurveName, hidingBytes: Uint8Array, bindingBytes: Uint8Array, hiding: Element, binding: Element }
export interface InnerEntry { points: readonly Point[], elements: Element[], byMember: Map<number, Element> }
export interface ComputedShares { inners: ReadonlyArray<readonly Point[]>, points: readonly Point[], shares: readonly SignerVerifyingShare[] }

export interface FrostContext {
  readonly backend: CryptoBackend
  group (scheme: CurveName): GroupBackend
  /** Commitments decoded at the edge or made by commit(), with their validated elements. */
  readonly checkedCommitments: WeakMap<SigningCommitments, CheckedCommitments>
  /** Canonical encodings of long-lived points (group keys, registry commitments). */
  readonly encodings: WeakMap<Point, Uint8Array>
  /** A committee's inner commitments as elements, and Y_{c,m} per member, per commitment array. */
  readonly inners: WeakMap<readonly Point[], InnerEntry>
  /** Elements of the verifying shares verifyingShares() handed out (`point` undefined: ours, getter-only). */
  readonly verifyingShareElements: WeakMap<SignerVerifyingShare, { scheme: CurveName, point: Point | undefined, element: Element }>
  /** The last verifyingShares() answer per party shape (sessions of one shape share `signers`) and registry data. */
  readonly computedShares: WeakMap<readonly unknown[], WeakMap<readonly CommitteePublic[], ComputedShares>>
  /** The signers of a party without the group key: the same for every key of one shape. */
  readonly shapes: RecentCache<string, readonly SessionSigner[]>
  /** secp256k1 group keys seen lately, by encoding (ed25519 keys: the verifier keeps them). */
  readonly secp256k1Keys: RecentCache<string, Element>
  /** Final ed25519 signatures go through OpenSSL; this keeps the group keys as key objects. */
  readonly ed25519: Ed25519Verifier
}

export function createContext (backend: CryptoBackend): FrostContext {
  return Object.freeze({
    backend,
    group: (scheme: CurveName) => groupOf(backend, scheme),
    checkedCommitments: new WeakMap(),
    encodings: new WeakMap(),
    inners: new WeakMap(),
    verifyingShareElements: new WeakMap(),
    computedShares: new WeakMap(),
    shapes: new RecentCache<string, readonly SessionSigner[]>(SHAPE_CACHE_ENTRIES),
    secp256k1Keys: new RecentCache<string, Element>(KEY_CACHE_ENTRIES),
    ed25519: new Ed25519Verifier()
  })
}
