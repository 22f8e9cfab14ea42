// Test-only faults of a signer, set through createNode options by the scenario harness; never
// from config (docs/architecture.md). They stay out of the signer machine: a corrupt share is a
// wrapped protocol, a lost answer is an answer the shell does not deliver.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { KeyObject } from 'node:crypto'
import { curveFor } from '../../../protocols/sharing/index.js'
import { signShareStatement } from '../../../protocols/sign/share-statement.js'
import type { FrostContribution, FrostKey, FrostProtocol } from '../../../protocols/sign/machine/frost-protocol.js'
import type { SessionFacts, SignerProgress } from '../../../protocols/sign/machine/threshold-protocol.js'
import type { PartyMember } from '../../../protocols/wire/sign.js'

export interface SignerFaults {
  /** Send a signature share that is off by one: the CM must name this signer. */
  corruptShare?: boolean
  /** Record the share, then never answer (a lost answer): the CM must fetch it with recover. */
  withholdAnswer?: boolean
}

/**
 * FROST whose contributions carry a share off by one while `faults.corruptShare` is set (read at
 * each contribution), with the signer's statement over that corrupt share: the blame evidence
 * against it checks, as it would against a real cheat.
 */
export function corruptingShares (protocol: FrostProtocol, faults: SignerFaults, peerKey: KeyObject): FrostProtocol {
  const corrupt = <S>(facts: SessionFacts<FrostKey>, me: PartyMember, p: SignerProgress<S>): SignerProgress<S> => {
    if (p.kind !== 'contribute' || faults.corruptShare !== true) return p
    const c = p.contribution as FrostContribution
    const curve = curveFor(facts.key.params.scheme)
    const share = { ...c.share, share: bytesToHex(curve.encodeScalar(curve.Fn.add(curve.decodeScalar(hexToBytes(c.share.share)), 1n))) }
    const { request, sessionId } = facts
    const statement = signShareStatement({ keyId: request.keyId, requestId: request.requestId, sessionId, peerId: me.peerId, share, commitments: c.commitments }, peerKey)
    return { ...p, contribution: { ...c, share, statement } }
  }
  // The protocol's signer state carries its session's facts and member (frost-protocol.ts).
  const at = (state: unknown): { facts: SessionFacts<FrostKey>, me: PartyMember } => state as { facts: SessionFacts<FrostKey>, me: PartyMember }
  return {
    ...protocol,
    begin: (facts, me, ...rest) => corrupt(facts, me, protocol.begin(facts, me, ...rest)),
    advance: (state, round) => corrupt(at(state).facts, at(state).me, protocol.advance(state, round))
  }
}
