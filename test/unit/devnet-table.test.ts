// The devnet's node table and its JSON form.
import { describe, expect, it } from 'vitest'
import { formatTable, shortPeerId, toJson, type NodeRow } from '../../devnet/table.js'
import type { HealthReason } from '../../protocols/wire/http.js'

const peer = '12D3KooWNC9hD1aZmDJxSJ3JJniSWoR4KtCvk2dgD9hbrWrRCVgW'
const rows: NodeRow[] = [
  { index: 1, peerId: peer, committee: 1, roles: ['leader', 'manager'], http: 'http://127.0.0.1:7201', pid: 4242, state: 'healthy' },
  { index: 2, peerId: peer.replace('W', 'X'), committee: 2, roles: undefined, http: 'http://127.0.0.1:7202', pid: undefined, state: 'down' },
  { index: 10, peerId: peer, committee: 3, roles: undefined, http: 'http://127.0.0.1:7210', pid: 99, state: 'starting' }
]

describe('node table', () => {
  it('shortens peer ids to the common prefix and a distinguishing tail', () => {
    expect(shortPeerId(peer)).toBe('12D3…rWrRCVgW')
    expect(shortPeerId('short')).toBe('short')
  })

  it('aligns columns and marks down and unknown nodes', () => {
    expect(formatTable(rows).split('\n')).toEqual([
      'node  peer id        committee  roles           http                   pid   state',
      '1     12D3…rWrRCVgW  1          leader,manager  http://127.0.0.1:7201  4242  healthy',
      '2     12D3…rWrRCVgW  2          -               http://127.0.0.1:7202  -     down',
      '10    12D3…rWrRCVgW  3          ?               http://127.0.0.1:7210  99    starting'
    ])
  })

  it('gives scripts null for a missing pid and [] for unknown roles', () => {
    expect(toJson(rows)[1]).toEqual({ index: 2, pid: null, peerId: peer.replace('W', 'X'), committee: 2, roles: [], http: 'http://127.0.0.1:7202', state: 'down', reasons: [] })
  })

  it('shows a degraded node\'s reason codes in its state, and each reason\'s sentence under the table', () => {
    const keyId = 'ab'.repeat(16)
    const reasons: HealthReason[] = [{ code: 'shares', detail: `1 share record of 1 key does not authenticate (${keyId}): this node cannot sign with that key`, keys: 1, keyIds: [keyId] }]
    const degraded: NodeRow[] = [rows[0]!, { ...rows[0]!, index: 3, roles: [], state: 'degraded', reasons }]
    expect(formatTable(degraded).split('\n')).toEqual([
      'node  peer id        committee  roles           http                   pid   state',
      '1     12D3…rWrRCVgW  1          leader,manager  http://127.0.0.1:7201  4242  healthy',
      '3     12D3…rWrRCVgW  1          -               http://127.0.0.1:7201  4242  degraded (shares)',
      `node 3 degraded: shares: 1 share record of 1 key does not authenticate (${keyId}): this node cannot sign with that key`
    ])
    expect(toJson(degraded)[1]).toMatchObject({ state: 'degraded', reasons })
  })
})
