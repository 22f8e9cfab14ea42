// Who is committee leader, backup and communication manager in an epoch, from
// the membership and one node's view of who is live (DESIGN section 4).
import { clWeight, cmWeight, rankByRendezvous } from './rendezvous.js'

export interface Member { peerId: string, committee: number }

export interface RoleInput {
  epoch: number
  /** The epoch's membership; only these peers can hold a role. */
  members: readonly Member[]
  /** Peer ids this node currently considers live; ids that are not members are ignored. */
  live: ReadonlySet<string>
  /** Number of committees; members' committees are 1-based and at most this. */
  committees: number
  /** k, how many communication managers to elect. */
  managers: number
}

export interface CommitteeRoles { committee: number, leader: string | null, backup: string | null }

export interface Roles {
  epoch: number
  /** One entry per committee, in committee order 1..committees. */
  committees: CommitteeRoles[]
  /** Up to k managers in rank order (first is the highest weight). */
  managers: string[]
}

export type Role = 'leader' | 'backup' | 'manager'

function checkInput (input: RoleInput): void {
  const { epoch, committees, managers, members } = input
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be an integer >= 0, got ${epoch}`)
  if (!Number.isSafeInteger(committees) || committees < 1) throw new RangeError(`committees must be an integer >= 1, got ${committees}`)
  if (!Number.isSafeInteger(managers) || managers < 0) throw new RangeError(`managers must be an integer >= 0, got ${managers}`)
  const seen = new Set<string>()
  for (const m of members) {
    if (seen.has(m.peerId)) throw new RangeError(`member ${m.peerId} is listed twice`)
    seen.add(m.peerId)
    if (!Number.isSafeInteger(m.committee) || m.committee < 1 || m.committee > committees) {
      throw new RangeError(`member ${m.peerId} has committee ${m.committee}, outside 1..${committees}`)
    }
  }
}

/** Elects every role from one view. Pure: equal inputs (in any order) give equal outputs. */
export function electRoles (input: RoleInput): Roles {
  checkInput(input)
  const { epoch } = input
  const liveMembers = input.members.filter(m => input.live.has(m.peerId))

  const committees: CommitteeRoles[] = []
  for (let c = 1; c <= input.committees; c++) {
    const ranked = rankByRendezvous(
      liveMembers.filter(m => m.committee === c).map(m => m.peerId),
      peerId => clWeight(epoch, c, peerId)
    )
    committees.push({ committee: c, leader: ranked[0] ?? null, backup: ranked[1] ?? null })
  }

  const managers = rankByRendezvous(liveMembers.map(m => m.peerId), peerId => cmWeight(epoch, peerId))
    .slice(0, input.managers)

  return { epoch, committees, managers }
}

/** The roles `peerId` holds in `roles`: committee roles first, then 'manager'. */
export function rolesOf (roles: Roles, peerId: string): Role[] {
  const held: Role[] = []
  for (const c of roles.committees) {
    if (c.leader === peerId) held.push('leader')
    if (c.backup === peerId) held.push('backup')
  }
  if (roles.managers.includes(peerId)) held.push('manager')
  return held
}

/** Same epoch, same leader and backup per committee, same managers in the same rank order. */
export function rolesEqual (a: Roles, b: Roles): boolean {
  return a.epoch === b.epoch &&
    a.committees.length === b.committees.length &&
    a.committees.every((ca, i) => {
      const cb = b.committees[i]
      return cb !== undefined && ca.committee === cb.committee && ca.leader === cb.leader && ca.backup === cb.backup
    }) &&
    a.managers.length === b.managers.length &&
    a.managers.every((m, i) => m === b.managers[i])
}
