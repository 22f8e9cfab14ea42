// One ThresholdProtocol for every key scheme, as the signing machines take one: each session
// runs the protocol its key's scheme names (protocols/keys/key-scheme.ts signingProtocolOf):
// FROST for `ed25519` and `secp256k1`, DKLs23 for `ecdsa-secp256k1`. The choice is made at
// `begin` (and `combine`, `verify`) from the key; a session's state remembers it. Contributions
// and what the ledger keeps of them are told apart by their form (a DKLs23 contribution carries
// `evidence`, its kept form `ecdsa`), so FROST's wire forms are unchanged.
import { signingProtocolOf, type KeyScheme } from '../../keys/key-scheme.js'
import type { SignerKey } from '../../frost/index.js'
import type { EcdsaKey, EcdsaSecret } from './ecdsa-protocol.js'
import type { FrostKey, FrostPresigned } from './frost-protocol.js'
import { ProtocolInputError, type SignerProgress, type ThresholdProtocol } from './threshold-protocol.js'

/** A key's public material with its scheme: what picks the protocol. */
export type SchemeKey = FrostKey & EcdsaKey & { scheme: KeyScheme }
/** This signer's part: a FROST signer key, or a DKLs23 share with its pair keys. */
export type SchemeSecret = SignerKey | EcdsaSecret

type Tagged<F, E> = { protocol: 'frost', state: F } | { protocol: 'dkls23', state: E }

export type SchemeProtocol = ThresholdProtocol<SchemeKey, SchemeSecret, Tagged<unknown, unknown>, FrostPresigned>

const tagged = <S> (protocol: 'frost' | 'dkls23', p: SignerProgress<S>): SignerProgress<Tagged<unknown, unknown>> =>
  p.kind === 'contribute' ? p : { ...p, state: { protocol, state: p.state } }

/** Whether a contribution is DKLs23's (it carries its final share's evidence): the form tells the protocols' apart. */
export const isDkls23Contribution = (c: unknown): boolean => typeof c === 'object' && c !== null && 'evidence' in c

export function schemeProtocol<F, E> (p: {
  frost: ThresholdProtocol<FrostKey, SignerKey, F, FrostPresigned>
  ecdsa: ThresholdProtocol<EcdsaKey, EcdsaSecret, E>
}): SchemeProtocol {
  const { frost, ecdsa } = p
  return {
    name: `${frost.name}+${ecdsa.name}`,
    rounds: Math.max(frost.rounds, ecdsa.rounds),
    pairwise: key => signingProtocolOf(key.scheme) === 'dkls23',

    begin (facts, me, secret, random, pre) {
      if (signingProtocolOf(facts.key.scheme) === 'frost') return tagged('frost', frost.begin(facts, me, secret as SignerKey, random, pre))
      if (pre !== undefined) throw new ProtocolInputError('presign-unknown', 'DKLs23 keys have no FROST presignatures')
      return tagged('dkls23', ecdsa.begin(facts, me, secret as EcdsaSecret, random))
    },

    accept (state, round, from, payload) {
      if (state.protocol === 'frost') {
        const next = frost.accept(state.state as F, round, from, payload)
        return 'refused' in (next as object) ? next as { refused: string } : { protocol: 'frost', state: next }
      }
      const next = ecdsa.accept(state.state as E, round, from, payload)
      return 'refused' in (next as object) ? next as { refused: string } : { protocol: 'dkls23', state: next }
    },

    awaiting (state, round) {
      return state.protocol === 'frost' ? frost.awaiting(state.state as F, round) : ecdsa.awaiting(state.state as E, round)
    },

    advance (state, round) {
      return state.protocol === 'frost' ? tagged('frost', frost.advance(state.state as F, round)) : tagged('dkls23', ecdsa.advance(state.state as E, round))
    },

    keep (contribution) {
      return isDkls23Contribution(contribution) ? ecdsa.keep(contribution) : frost.keep(contribution)
    },

    resume (kept, member) {
      return 'ecdsa' in kept ? ecdsa.resume(kept, member) : frost.resume(kept, member)
    },

    combine (facts, contributions, pre) {
      return signingProtocolOf(facts.key.scheme) === 'frost' ? frost.combine(facts, contributions, pre) : ecdsa.combine(facts, contributions)
    },

    verify (key, message, signature) {
      return signingProtocolOf(key.scheme) === 'frost' ? frost.verify(key, message, signature) : ecdsa.verify(key, message, signature)
    }
  }
}
