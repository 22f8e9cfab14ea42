// Byzantine protocol steps for tests: a node started with one of these (createNode's
// `protocols`, node/node-protocols.ts) deals or signs as a cheat would, with everything
// signed as itself, so only the checks of the honest nodes can catch it. Nothing in node/
// knows of them.
import { hexToBytes, bytesToHex } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { dealerSlot } from '../../protocols/crypto/dealer-seal.js'
import { signAsPeer } from '../../protocols/crypto/peer-signature.js'
import { sealShare } from '../../protocols/crypto/share-seal.js'
import { dealReshare } from '../../protocols/lifecycle/reshare.js'
import { contributionDigest, dealContribution, dealingContext } from '../../protocols/new-user/dkg.js'
import { curveFor, encodeScalar, SecretScalar, type CurveName } from '../../protocols/sharing/index.js'
import { signShareStatement } from '../../protocols/sign/share-statement.js'
import { frostProtocol, type FrostContribution, type FrostKey, type FrostProtocol } from '../../protocols/sign/machine/frost-protocol.js'
import type { SessionFacts, SignerProgress } from '../../protocols/sign/machine/threshold-protocol.js'
import { DKG_COMMITMENT_KIND, DKG_CONTRIBUTION_KIND } from '../../protocols/wire/dkg.js'
import type { PartyMember } from '../../protocols/wire/sign.js'
import type { NodeProtocols } from '../../node/node-protocols.js'
import { ecdsaProtocol } from '../../protocols/sign/machine/ecdsa-protocol.js'
import type { EcdsaContributionWire } from '../../protocols/ecdsa/wire.js'
import { sharingCurveOf } from '../../protocols/keys/key-scheme.js'

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** A FROST contribution whose signature share is one more than the honest one (its statement left as it was). */
export function shareOffByOne (c: FrostContribution, scheme: CurveName): FrostContribution {
  const curve = curveFor(scheme)
  return { ...c, share: { ...c.share, share: bytesToHex(curve.encodeScalar(curve.Fn.add(curve.decodeScalar(hexToBytes(c.share.share)), 1n))) } }
}

/** FROST whose every contribution a cheating signer changes with `change` before it goes out. */
export function corruptingContributions (
  honest: FrostProtocol, change: (c: FrostContribution, facts: SessionFacts<FrostKey>, me: PartyMember) => FrostContribution
): FrostProtocol {
  const corrupt = <S>(facts: SessionFacts<FrostKey>, me: PartyMember, p: SignerProgress<S>): SignerProgress<S> =>
    p.kind === 'contribute' ? { ...p, contribution: change(p.contribution as FrostContribution, facts, me) } : p
  // FROST's signer state carries its session's facts and member (frost-protocol.ts).
  const at = (state: unknown): { facts: SessionFacts<FrostKey>, me: PartyMember } => state as { facts: SessionFacts<FrostKey>, me: PartyMember }
  return {
    ...honest,
    begin: (facts, me, ...rest) => corrupt(facts, me, honest.begin(facts, me, ...rest)),
    advance: (state, round) => corrupt(at(state).facts, at(state).me, honest.advance(state, round))
  }
}

/**
 * A signer whose signature shares are off by one while `on()` says so (asked at each share),
 * with its signed statement over the corrupt share: the blame evidence against it checks, as
 * it would against a real cheat.
 */
export function corruptShares (on: () => boolean = () => true): Pick<NodeProtocols, 'signing'> {
  return {
    signing: opts => corruptingContributions(frostProtocol(opts), (c, facts, me) => {
      if (!on()) return c
      const { share } = shareOffByOne(c, facts.key.params.scheme)
      const { request, sessionId } = facts
      const statement = signShareStatement({ keyId: request.keyId, requestId: request.requestId, sessionId, peerId: me.peerId, share, commitments: c.commitments }, opts.peerKey)
      return { ...c, share, statement }
    })
  }
}

/** A DKG dealer that seals a random scalar to every member in place of its sub-share, signed as itself: members must refuse it and name it. */
export const corruptDkgSubShares: Pick<NodeProtocols, 'dealDkg'> = {
  dealDkg: async (request, membership, dealer, seed, randomBytes) => {
    const output = await dealContribution(request, membership, dealer, seed, randomBytes)
    const curve = curveFor(sharingCurveOf(request.scheme))
    const shares = await Promise.all(membership.committees.map(async (members, c) => await Promise.all(members.map(async (m, i) =>
      await sealShare(hexToBytes(m.encryptionPublicKey), dealerSlot(dealingContext(request), dealer, c + 1, i + 1, m.peerId),
        encodeScalar(sharingCurveOf(request.scheme), curve.randomScalar(random)))))))
    const { signature: _s, ...unsigned } = output.contribution
    const contribution = signAsPeer(DKG_CONTRIBUTION_KIND, { ...unsigned, shares }, seed)
    const { signature: _c, ...commit } = output.commitment
    return { contribution, commitment: signAsPeer(DKG_COMMITMENT_KIND, { ...commit, contributionDigest: contributionDigest(contribution) }, seed) }
  }
}

/** A holder that deals a share of its own choosing instead of κ·s when its key is reshared: the C_{i,0} = κ·Y check must name it. */
export const corruptReshare: Pick<NodeProtocols, 'dealReshare'> = {
  dealReshare: async (input, randomBytes) =>
    await dealReshare({ ...input, share: new SecretScalar(curveFor(sharingCurveOf(input.state.scheme)).randomScalar(random)) }, randomBytes)
}

/**
 * DKLs23 whose every final share (the dkls23-share's contribution) a cheating signer changes
 * with `change` before it goes out; `change` returning it unchanged signs honestly.
 */
export function changingEcdsaContributions (change: (c: EcdsaContributionWire) => unknown): Pick<NodeProtocols, 'ecdsaSigning'> {
  const changed = <S>(p: SignerProgress<S>): SignerProgress<S> =>
    p.kind === 'contribute' ? { ...p, contribution: change(p.contribution as EcdsaContributionWire) } : p
  return {
    ecdsaSigning: opts => {
      const honest = ecdsaProtocol(opts)
      return { ...honest, begin: (...args) => changed(honest.begin(...args)), advance: (state, round) => changed(honest.advance(state, round)) }
    }
  }
}
