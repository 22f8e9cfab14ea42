// Session recovery (docs/protocols/sign.md): a CM that died after its party's
// shares left leaves signers that sign this request for no other CM. Another
// CM finishes that very session instead: it gathers what each party member
// contributed (commitments and share, kept in their ledgers) and aggregates
// them. The result is the one signature the dead CM would have produced, so a
// request still completes at most once. Pure: the node gathers, this judges.
import type { SharingParams } from '../sharing/index.js'
import type { Contribution, PartyMember } from '../wire/sign.js'
import { tagOf } from './judge.js'

export type SessionAssembly =
  | { kind: 'complete', sessionId: string, party: PartyMember[], contributions: Contribution[] }
  /** Some members sent no share to this session (they never will): it cannot be finished. */
  | { kind: 'incomplete', sessionId: string, missing: PartyMember[] }
  /** Members disagree about the session (party or commitments): someone lies; nothing to finish safely. */
  | { kind: 'inconsistent', sessionId: string, detail: string }

const sameMembers = (a: readonly PartyMember[], b: readonly PartyMember[]): boolean =>
  a.length === b.length && a.every((m, i) => m.peerId === b[i]?.peerId && m.committee === b[i]?.committee && m.member === b[i]?.member)

const commitmentKey = (c: Contribution['commitments'][number]): string => `${tagOf(c)}:${c.hiding}:${c.binding}`

/** Session ids reported by `contributions`, the most reported first (ties: first seen first). */
export function reportedSessions (contributions: readonly Contribution[]): string[] {
  const counts = new Map<string, number>()
  for (const c of contributions) counts.set(c.sessionId, (counts.get(c.sessionId) ?? 0) + 1)
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)
}

/**
 * Judges whether `byMember` (what each party member said it contributed to
 * `sessionId`, keyed by peer id) is one whole session: every member of the
 * party as the first report names it contributed to that session, all agree
 * on the party and on the commitment list, and each share is its sender's own.
 */
export function assembleSession (sessionId: string, byMember: ReadonlyMap<string, Contribution>): SessionAssembly {
  const reports = [...byMember.entries()].filter(([, c]) => c.sessionId === sessionId)
  const first = reports[0]?.[1]
  if (first === undefined) return { kind: 'inconsistent', sessionId, detail: 'no member reported this session' }
  const party = first.party
  const commitments = new Set(first.commitments.map(commitmentKey))
  if (commitments.size !== party.length || party.some(m => !first.commitments.some(c => tagOf(c) === tagOf(m)))) {
    return { kind: 'inconsistent', sessionId, detail: 'the commitment list does not match the party' }
  }
  for (const [peerId, c] of reports) {
    const self = party.find(m => m.peerId === peerId)
    if (self === undefined) return { kind: 'inconsistent', sessionId, detail: `${peerId} reported a share for a session it is not in` }
    if (!sameMembers(c.party, party)) return { kind: 'inconsistent', sessionId, detail: `${peerId} reports another party for this session` }
    if (c.commitments.length !== commitments.size || c.commitments.some(x => !commitments.has(commitmentKey(x)))) {
      return { kind: 'inconsistent', sessionId, detail: `${peerId} reports other round-1 commitments for this session` }
    }
    if (tagOf(c.share) !== tagOf(self)) return { kind: 'inconsistent', sessionId, detail: `${peerId} reports a share in another member's name` }
  }
  const missing = party.filter(m => byMember.get(m.peerId)?.sessionId !== sessionId)
  if (missing.length > 0) return { kind: 'incomplete', sessionId, missing }
  return { kind: 'complete', sessionId, party: [...party], contributions: party.map(m => byMember.get(m.peerId)!) }
}

/**
 * The sharing shape to finish a recovered session with, and whether this node can judge its
 * shares. A session begun before an epoch change (update_node_set) names the **earlier** epoch's
 * holders and member positions, which the active epoch may have renumbered or shrunk; its shares
 * are of that epoch's sharing. They still add up to a signature of the same group key: κ and the
 * flat identifiers depend only on the party's positions, so each committee is widened to the
 * highest position the party names. Its verifying shares are the earlier epoch's, unknown here:
 * `sameEpoch` false means a bad share can only be noticed (the signature fails), not named.
 */
export function recoveredSessionShape (
  params: SharingParams, holders: ReadonlyArray<readonly string[]>, party: readonly PartyMember[]
): { params: SharingParams, sameEpoch: boolean } {
  const sameEpoch = party.every(m => holders[m.committee - 1]?.[m.member - 1] === m.peerId)
  return sameEpoch ? { params, sameEpoch } : { params: widenedFor(params, party), sameEpoch }
}

/** `params` with each committee widened to the highest position `party` names in it (an earlier epoch's party). */
export function widenedFor (params: SharingParams, party: readonly PartyMember[]): SharingParams {
  const members = params.members.map((size, i) => Math.max(size, ...party.filter(m => m.committee === i + 1).map(m => m.member)))
  return { ...params, members }
}
