// Session recovery (docs/protocols/sign.md#session-recovery): a CM that died after its party's
// shares left leaves signers that sign this request for no other CM; another CM finishes that
// very session from what the members' ledgers kept (the coordinator machine,
// protocols/sign/machine/coordinator-recovery.ts). What is left here is the sharing shape of
// such a session begun before an epoch change. Pure.
import type { SharingParams } from '../sharing/index.js'
import type { PartyMember } from '../wire/sign.js'

/**
 * `params` with each committee widened to the highest position `party` names in it. A session
 * begun before an epoch change (update_node_set) names the earlier epoch's holders and member
 * positions, which the active epoch may have renumbered or shrunk; its shares still add up to a
 * signature of the same group key, since κ and the flat identifiers depend only on the party's
 * positions. Its verifying shares are the earlier epoch's, unknown here: a bad share can only be
 * noticed (the signature fails), not named.
 */
export function widenedFor (params: SharingParams, party: readonly PartyMember[]): SharingParams {
  const members = params.members.map((size, i) => Math.max(size, ...party.filter(m => m.committee === i + 1).map(m => m.member)))
  return { ...params, members }
}
