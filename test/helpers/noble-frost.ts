// The reference for protocols/frost: nested FROST signing on @noble/curves' own FROST (RFC 9591),
// as shardsig signed before issue #8. noble computes its Lagrange coefficient λ_flat over the flat
// identifiers itself, so each signer hands it κ/λ_flat·s (and the coordinator κ/λ_flat·Y): see
// NOTES-crypto.md. Used by the equivalence tests and by bench/frost.ts; never by a node.
import { ed25519_FROST } from '@noble/curves/ed25519.js'
import { schnorr_FROST } from '@noble/curves/secp256k1.js'
import type { FROST } from '@noble/curves/abstract/frost.js'
import type { SessionSigner, SigningSession } from '../../protocols/frost/index.js'
import { curveFor, publicShare, type CommitteePublic, type RandomBytes, type CurveName } from '../../protocols/sharing/index.js'

export interface NobleCommitments { committee: number, member: number, hiding: Uint8Array, binding: Uint8Array }
export interface NobleNonces { hiding: Uint8Array, binding: Uint8Array }

const FROSTS: Record<CurveName, FROST> = { ed25519: ed25519_FROST, secp256k1: schnorr_FROST }
const own = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b)

function pub (session: SigningSession, verifyingShares: Record<string, Uint8Array>) {
  const n = session.signers.reduce((k, s) => k + s.identifiers.length, 0)
  return { signers: { min: n, max: n }, commitments: [own(session.groupKeyBytes)], verifyingShares }
}

function list (session: SigningSession, commitments: readonly NobleCommitments[]) {
  return session.signers.flatMap(s => {
    const c = commitments.find(x => x.committee === s.committee && x.member === s.member)
    if (c === undefined) throw new Error(`no commitments for ${s.committee}/${s.member}`)
    return s.identifiers.map(identifier => ({ identifier, hiding: own(c.hiding), binding: own(c.binding) }))
  })
}

/** Round 1 with noble: the same nonce derivation (hedged with the raw sub-share s). */
export function nobleCommit (scheme: CurveName, share: bigint, randomBytes: RandomBytes): { nonces: NobleNonces, hiding: Uint8Array, binding: Uint8Array } {
  const frost = FROSTS[scheme]
  const { nonces, commitments } = frost.commit({ identifier: frost.Identifier.fromNumber(1), signingShare: own(curveFor(scheme).encodeScalar(share)) },
    (n?: number) => own(randomBytes(n ?? 32)))
  return { nonces, hiding: commitments.hiding, binding: commitments.binding }
}

/** Round 2 with noble: the effective share κ/λ_flat·s under each flat identifier, summed. */
export function nobleSignShare (session: SigningSession, signer: SessionSigner, share: bigint, nonces: NobleNonces,
  commitments: readonly NobleCommitments[], message: Uint8Array): Uint8Array {
  const frost = FROSTS[session.scheme]
  const curve = curveFor(session.scheme)
  const signingShare = own(curve.encodeScalar(curve.Fn.mul(signer.factor, share)))
  let z = 0n
  for (const identifier of signer.identifiers) {
    const copy = { hiding: own(nonces.hiding), binding: own(nonces.binding) }
    z = curve.Fn.add(z, curve.decodeScalar(frost.signShare({ identifier, signingShare }, pub(session, {}), copy, list(session, commitments), message)))
  }
  return curve.encodeScalar(z)
}

/** Aggregation with noble, against the verifying shares κ/λ_flat·Y_{c,m}. */
export function nobleAggregate (session: SigningSession, committees: readonly CommitteePublic[], commitments: readonly NobleCommitments[],
  message: Uint8Array, shares: ReadonlyArray<{ committee: number, member: number, share: Uint8Array }>): Uint8Array {
  const frost = FROSTS[session.scheme]
  const curve = curveFor(session.scheme)
  const vs: Record<string, Uint8Array> = {}
  const zs: Record<string, Uint8Array> = {}
  for (const s of session.signers) {
    const inner = committees.find(c => c.committee === s.committee)?.innerCommitments
    const z = shares.find(x => x.committee === s.committee && x.member === s.member)?.share
    if (inner === undefined || z === undefined) throw new Error(`no data for ${s.committee}/${s.member}`)
    const y = own(curve.encodePoint(curve.mulPublic(publicShare(session.scheme, inner, s.member), s.factor)))
    // A lone signer's share already sums both of its identifiers; the second one adds 0.
    s.identifiers.forEach((id, i) => { vs[id] = y; zs[id] = own(i === 0 ? z : curve.encodeScalar(0n)) })
  }
  return frost.aggregate(pub(session, vs), list(session, commitments), message, zs)
}
