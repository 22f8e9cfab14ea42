// The genesis chain a node runs on (decisions/0008): the config's genesis, then
// every membership update this node activated, kept synced under
// `membership/epoch/<n>` and checked link by link when the node starts. The
// last link is the active epoch; older links stay so that records and
// tombstones made in an earlier epoch can still be checked against the
// membership that made them.
import { checkMembershipUpdate } from '../../../protocols/lifecycle/membership-update.js'
import type { Genesis } from '../../../protocols/wire/genesis.js'
import type { MembershipUpdate } from '../../../protocols/wire/lifecycle.js'
import { membershipOf, type Membership } from '../../../protocols/wire/membership.js'
import type { KeyStore } from '../../store/index.js'

export const ACTIVATED_UPDATE_PREFIX = 'membership/epoch/'

export function activatedUpdateKey (epoch: number): string {
  return `${ACTIVATED_UPDATE_PREFIX}${epoch}`
}

export class EpochChain {
  private readonly memberships = new Map<number, Membership>()

  /** `updates[i]` moved `geneses[i]` to `geneses[i + 1]`. */
  constructor (readonly geneses: readonly Genesis[], readonly updates: readonly MembershipUpdate[] = []) {
    if (geneses.length === 0) throw new TypeError('an epoch chain needs at least one genesis')
    for (const g of geneses) this.memberships.set(g.epoch, membershipOf(g))
  }

  get active (): Genesis { return this.geneses.at(-1)! }
  /** The update this node activated last (into the active epoch), if any. */
  get lastUpdate (): MembershipUpdate | undefined { return this.updates.at(-1) }
  get activeMembership (): Membership { return this.memberships.get(this.active.epoch)! }

  /** The membership of `epoch`, when this node knows it (undefined for a later or unknown epoch). */
  membershipAt (epoch: number): Membership | undefined {
    return this.memberships.get(epoch)
  }
}

/**
 * The chain from `base` (the config's genesis) through the activated updates in
 * `store`. A stored link that no longer checks (a corrupted or foreign store) is
 * an error, never skipped: the node would otherwise run an epoch it left.
 */
export async function loadEpochChain (store: KeyStore, base: Genesis): Promise<EpochChain> {
  const geneses = [base]
  const updates: MembershipUpdate[] = []
  for (;;) {
    const current = geneses.at(-1)!
    const update = await store.getJson<MembershipUpdate>(activatedUpdateKey(current.epoch + 1))
    if (update === undefined) break
    geneses.push(checkMembershipUpdate(update, current))
    updates.push(update)
  }
  return new EpochChain(geneses, updates)
}
