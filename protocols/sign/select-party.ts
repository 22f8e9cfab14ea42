// Party selection by a communication manager (DESIGN 5, sign step 3): exactly
// tc committees × tm members, preferring live and lightly loaded members, ties
// broken by hashing the requestId with the peer id — never the message, so
// who signs cannot be steered by choosing what to sign. Only holders that
// confirmed the key (signed a receipt for their share) are ever chosen.
import { sha256 } from '@noble/hashes/sha2.js'
import { compareBytes, encodeRoleHashInput } from '../roles/index.js'
import type { PartyMember } from '../wire/sign.js'

export interface SelectPartyInput {
  requestId: string
  tc: number
  tm: number
  /** holders[c-1][m-1] = peer id of member m of committee c. */
  holders: readonly (readonly string[])[]
  /**
   * Holders that confirmed the key (confirmedHolders of its receipts): no other is
   * chosen, since a holder without a receipt may hold no share (it refused a bad
   * sub-share) and would answer no-share in every party. Omitted: every holder
   * confirmed (a test predicting the party of a key dealt to all).
   */
  confirmed?: ReadonlySet<string>
  live: ReadonlySet<string>
  /** Sessions each signer is in right now, as this CM knows it. */
  load: ReadonlyMap<string, number>
  /** Signers blamed during this request: never chosen again for it. */
  excluded: ReadonlySet<string>
}

export type PartySelection =
  | { ok: true, party: PartyMember[] }
  | { ok: false, reason: string }

export const PARTY_HASH_DOMAIN = 'party'

/** A receipt for a share, as far as selection cares: new_user's or a reshare's, already checked against its record. */
export interface HolderReceipt { committee: number, member: number, peerId: string }

/** The holders whose receipt names their own slot: the ones known to hold a share of the key. */
export function confirmedHolders (holders: readonly (readonly string[])[], receipts: readonly HolderReceipt[]): Set<string> {
  return new Set(receipts.filter(r => holders[r.committee - 1]?.[r.member - 1] === r.peerId).map(r => r.peerId))
}

function tieBreak (requestId: string, ...fields: string[]): Uint8Array {
  return sha256(encodeRoleHashInput([PARTY_HASH_DOMAIN, requestId, ...fields]))
}

export function selectParty (input: SelectPartyInput): PartySelection {
  const { requestId, tc, tm } = input
  const load = (p: string): number => input.load.get(p) ?? 0
  const isConfirmed = (p: string): boolean => input.confirmed === undefined || input.confirmed.has(p)
  const candidates = input.holders.map((members, i) => {
    const committee = i + 1
    const eligible = members
      .map((peerId, j) => ({ committee, member: j + 1, peerId, weight: tieBreak(requestId, peerId) }))
      .filter(m => isConfirmed(m.peerId) && input.live.has(m.peerId) && !input.excluded.has(m.peerId))
      .sort((a, b) => load(a.peerId) - load(b.peerId) || compareBytes(a.weight, b.weight))
    const chosen = eligible.slice(0, tm)
    const unconfirmed = members.filter(p => !isConfirmed(p)).length
    return { committee, eligible: eligible.length, unconfirmed, chosen, load: chosen.reduce((n, m) => n + load(m.peerId), 0), weight: tieBreak(requestId, String(committee)) }
  })
  const usable = candidates.filter(c => c.eligible >= tm)
  if (usable.length < tc) {
    // Unconfirmed holders are counted apart: no liveness or blame would ever make them usable.
    const why = candidates.map(c => `committee ${c.committee} has ${c.eligible} usable member${c.eligible === 1 ? '' : 's'}${c.unconfirmed > 0 ? ` (${c.unconfirmed} never confirmed the key)` : ''}`).join(', ')
    return { ok: false, reason: `no valid party: ${tc} committees with ${tm} live, unblamed members each are needed; ${why}` }
  }
  const committees = usable.sort((a, b) => a.load - b.load || compareBytes(a.weight, b.weight)).slice(0, tc)
  const party = committees
    .flatMap(c => c.chosen.map(({ committee, member, peerId }) => ({ committee, member, peerId })))
    .sort((a, b) => a.committee - b.committee || a.member - b.member)
  return { ok: true, party }
}
