// One row of `devnet status` (table.ts prints it): a node's process state and,
// for a running one, what its /health says, asked under the devnet's deadline.
import { deadline } from '../node/deadline.js'
import { JoiningHealthSchema } from '../protocols/wire/http.js'
import type { DevnetNode } from './api.js'
import { HTTP_REQUEST_TIMEOUT_MS } from './constants.js'
import { HEALTH_STATUSES, HealthSchema } from './health.js'
import { getJson } from './http.js'
import type { NodeRow } from './table.js'

export async function nodeStatus (n: DevnetNode, signal?: AbortSignal): Promise<NodeRow> {
  const row: NodeRow = { index: n.index, peerId: n.peerId, committee: n.committee, roles: undefined, http: n.http, pid: undefined, state: 'down' }
  if (n.process === 'down') return row
  row.pid = n.pid
  if (n.process === 'paused') return { ...row, state: 'paused' }
  try {
    const body = await getJson(`${n.http}/health`, {
      signal: deadline(HTTP_REQUEST_TIMEOUT_MS, signal), acceptStatuses: HEALTH_STATUSES, ...(n.tlsFingerprint !== undefined ? { tlsFingerprint: n.tlsFingerprint } : {})
    })
    const health = HealthSchema.safeParse(body)
    if (health.success) {
      if (health.data.peerId !== n.peerId) return { ...row, state: 'starting' }
      const state = ({ ok: 'healthy', starting: 'starting', degraded: 'degraded' } as const)[health.data.status]
      return { ...row, roles: health.data.roles, state, reasons: health.data.reasons ?? [] }
    }
    return JoiningHealthSchema.safeParse(body).data?.peerId === n.peerId ? { ...row, state: 'joining' } : { ...row, state: 'starting' }
  } catch {
    return { ...row, state: 'starting' }
  }
}
