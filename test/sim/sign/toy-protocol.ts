// A test-only threshold protocol of three rounds with point-to-point messages, to show
// that the signing machines drive any ThresholdProtocol without a change
// (protocols/sign/machine/threshold-protocol.ts; issue 18). Not cryptography: its
// "public" key material holds every member's secret, so the coordinator can check each
// contribution and name the member at fault. What it exercises is the shape:
//   round 1, to the party:        c_i = H(nonce_i)
//   round 2, to each member j:    t_ij = H(nonce_i, j)
//   round 3, to the party:        nonce_i (each receiver checks c_i and t_ij against it)
//   contribution:                 proof_i = H(secret_i, message), transcript = H(every c_i)
// The output is H(groupSecret, message), given out only when every proof checks.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import type { PartyMember } from '../../../protocols/wire/sign.js'
import { memberTag, type MemberTag, type SessionFacts, type SignerProgress, type ThresholdProtocol } from '../../../protocols/sign/machine/threshold-protocol.js'

export interface ToyKey {
  /** Every member's secret by tag (a toy: public). */
  secrets: ReadonlyMap<MemberTag, string>
  groupSecret: string
}

interface ToyState {
  facts: SessionFacts<ToyKey>
  me: PartyMember
  secret: string
  nonce: string
  /** Per round, what each member sent: by member tag. */
  got: ReadonlyArray<ReadonlyMap<MemberTag, string>>
}

const h = (...parts: string[]): string => bytesToHex(sha256(utf8ToBytes(parts.join('|'))))
const others = (s: ToyState): PartyMember[] => s.facts.party.filter(p => p.peerId !== s.me.peerId)
const messageHex = (facts: SessionFacts<ToyKey>): string => facts.request.message

export function toySignature (key: ToyKey, message: string): Uint8Array {
  return utf8ToBytes(h('toy-signature', key.groupSecret, message))
}

export const toyProtocol: ThresholdProtocol<ToyKey, string, ToyState> = {
  name: 'toy-three-round',
  rounds: 3,

  begin (facts, me, secret, random): SignerProgress<ToyState> {
    const nonce = bytesToHex(random(16))
    const state: ToyState = { facts, me, secret, nonce, got: [new Map(), new Map(), new Map()] }
    return { kind: 'round', round: 1, state, out: [{ to: 'party', payload: h('commit', nonce) }] }
  },

  accept (state, round, from, payload) {
    if (round < 1 || round > 3 || typeof payload !== 'string') return { refused: `no round ${round} message of this shape` }
    const tag = memberTag(from)
    if (state.got[round - 1]!.has(tag)) return state
    if (round === 3) {
      // The reveal must match the member's round-1 commitment and its round-2 message to us.
      if (state.got[0]!.get(tag) !== h('commit', payload)) return { refused: `committee ${from.committee} member ${from.member} revealed a nonce that does not match its commitment` }
      if (state.got[1]!.get(tag) !== h('to', payload, memberTag(state.me))) return { refused: `committee ${from.committee} member ${from.member} sent us a round-2 value its nonce does not give` }
    }
    const got = state.got.map((m, i) => i === round - 1 ? new Map(m).set(tag, payload) : m)
    return { ...state, got }
  },

  awaiting (state, round) {
    // A reveal can only be checked once rounds 1 and 2 of that member are in: the machine takes round 3 after them.
    return others(state).filter(p => !state.got[round - 1]!.has(memberTag(p)))
  },

  advance (state, round) {
    if (round === 1) return { kind: 'round', round: 2, state, out: others(state).map(p => ({ to: memberTag(p), payload: h('to', state.nonce, memberTag(p)) })) }
    if (round === 2) return { kind: 'round', round: 3, state, out: [{ to: 'party', payload: state.nonce }] }
    const commitments = [...state.got[0]!.entries(), [memberTag(state.me), h('commit', state.nonce)] as const].sort(([a], [b]) => a.localeCompare(b))
    return { kind: 'contribute', contribution: { proof: h('proof', state.secret, messageHex(state.facts)), transcript: h('transcript', ...commitments.map(([t, c]) => `${t}=${c}`)) } }
  },

  keep (contribution) {
    return contribution as Record<string, unknown>
  },

  resume (kept) {
    return kept
  },

  combine (facts, contributions) {
    const culprits = []
    const transcripts = new Map<string, number>()
    for (const m of facts.party) {
      const c = contributions.get(memberTag(m)) as { proof?: string, transcript?: string } | undefined
      if (c?.proof !== h('proof', facts.key.secrets.get(memberTag(m)) ?? '', messageHex(facts))) {
        culprits.push({ member: m, reason: 'invalid-share' as const, detail: 'its proof does not match its secret' })
      }
      if (c?.transcript !== undefined) transcripts.set(c.transcript, (transcripts.get(c.transcript) ?? 0) + 1)
    }
    if (culprits.length > 0) return { kind: 'culprits', culprits }
    if (transcripts.size > 1) {
      const [majority] = [...transcripts].sort((a, b) => b[1] - a[1])[0]!
      return {
        kind: 'culprits',
        culprits: facts.party.filter(m => (contributions.get(memberTag(m)) as { transcript: string }).transcript !== majority)
          .map(member => ({ member, reason: 'misreported-commitments' as const, detail: 'its transcript is not the party\'s' }))
      }
    }
    return { kind: 'signature', signature: toySignature(facts.key, messageHex(facts)) }
  },

  verify (key, message, signature) {
    return bytesToHex(signature) === bytesToHex(utf8ToBytes(h('toy-signature', key.groupSecret, bytesToHex(message))))
  }
}
