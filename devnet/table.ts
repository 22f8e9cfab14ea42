// The node table printed by `up`, `status` and `restart`, and its JSON form
// for scripts. Pure formatting; the rows come from api.ts.
import { formatColumns } from '../cli/table.js'
import type { HealthReason } from '../protocols/wire/http.js'
import type { Role } from './health.js'

/**
 * healthy: /health says ok; degraded: /health says degraded (reasons in the row);
 * joining: a new node that no epoch names yet (devnet add-node); starting: process runs but does
 * not answer (yet), or answers `starting` (it has not heard enough peers in its first seconds);
 * paused: SIGSTOPped; down: no process.
 */
export type NodeState = 'healthy' | 'degraded' | 'joining' | 'starting' | 'paused' | 'down'

export interface NodeRow {
  index: number
  peerId: string
  committee: number
  /** The roles the node reports for itself; undefined when it does not answer. */
  roles: Role[] | undefined
  http: string
  pid: number | undefined
  state: NodeState
  /** Why /health is not ok (degraded or starting); absent or empty otherwise. */
  reasons?: HealthReason[]
}

/** All peer ids of Ed25519 keys start with 12D3KooW; the tail tells them apart. */
export function shortPeerId (peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 4)}…${peerId.slice(-8)}` : peerId
}

function rolesText (row: NodeRow): string {
  if (row.roles === undefined) return row.state === 'starting' ? '?' : '-'
  return row.roles.length > 0 ? row.roles.join(',') : '-'
}

function stateText (row: NodeRow): string {
  const codes = (row.reasons ?? []).map(r => r.code)
  return codes.length > 0 ? `${row.state} (${codes.join(', ')})` : row.state
}

/** The table, then one line per reason of each node that is not ok (its sentence). */
export function formatTable (rows: readonly NodeRow[]): string {
  const header = ['node', 'peer id', 'committee', 'roles', 'http', 'pid', 'state']
  const body = rows.map(r => [
    String(r.index), shortPeerId(r.peerId), String(r.committee), rolesText(r), r.http, r.pid !== undefined ? String(r.pid) : '-', stateText(r)
  ])
  const reasons = rows.flatMap(r => (r.reasons ?? []).map(reason => `node ${r.index} ${r.state}: ${reason.code}: ${reason.detail}`))
  return [formatColumns(header, body), ...reasons].join('\n')
}

export interface NodeJson {
  index: number
  pid: number | null
  peerId: string
  committee: number
  roles: Role[]
  http: string
  state: NodeState
  /** Why /health is not ok, as the node says it (code, detail, figures); [] when ok or unknown. */
  reasons: HealthReason[]
}

/** The `--json` form: one object per node; pid null when down, roles [] when unknown. */
export function toJson (rows: readonly NodeRow[]): NodeJson[] {
  return rows.map(r => ({
    index: r.index,
    pid: r.pid ?? null,
    peerId: r.peerId,
    committee: r.committee,
    roles: r.roles ?? [],
    http: r.http,
    state: r.state,
    reasons: r.reasons ?? []
  }))
}
