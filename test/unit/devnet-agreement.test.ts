// The devnet's "all nodes agree on the roles" check, on hand-made views.
import { describe, expect, it } from 'vitest'
import { assessAgreement, type Health, type NodeRef, type NodeView, type WhoCl, type WhoCm } from '../../devnet/health.js'

const nodes: NodeRef[] = [1, 2, 3, 4].map(index => ({ index, peerId: `peer-${index}`, http: `http://127.0.0.1:${7200 + index}` }))
const ep = (i: number): { peerId: string, http: string } => ({ peerId: `peer-${i}`, http: `http://127.0.0.1:${7200 + i}` })

function whoCl (leader: number | null, backup: number | null = null): WhoCl {
  return { epoch: 0, committees: [{ committee: 1, leader: leader === null ? null : ep(leader), backup: backup === null ? null : ep(backup) }] }
}
function whoCm (...managers: number[]): WhoCm {
  return { epoch: 0, managers: managers.map(ep) }
}
function health (index: number, peerId = `peer-${index}`): Health {
  return { status: 'ok', nodeId: `node-${index}`, peerId, committee: 1, epoch: 0, uptimeMs: 1, peers: { live: 4, connected: 3, total: 4 }, roles: [], keys: 0, blame: [] }
}
function view (index: number, cl: WhoCl, cm: WhoCm, peerId?: string): NodeView {
  // Fresh copies, so agreement is judged on content and not on object identity.
  const rawCl = structuredClone(cl)
  const rawCm = structuredClone(cm)
  return { index, health: health(index, peerId), whoCl: rawCl, whoCm: rawCm, rawWhoCl: rawCl, rawWhoCm: rawCm }
}

describe('assessAgreement', () => {
  it('agrees when every node is healthy and reports the same roles', () => {
    const views = nodes.map(n => view(n.index, whoCl(1, 2), whoCm(3)))
    const a = assessAgreement(views, nodes)
    expect(a).toMatchObject({ agreed: true, healthy: 4, total: 4 })
    expect(a.whoCl?.committees[0]?.leader?.peerId).toBe('peer-1')
  })

  it('does not agree while a node does not answer, and names it', () => {
    const views = nodes.map(n => n.index === 3 ? { index: 3, error: 'connect ECONNREFUSED' } : view(n.index, whoCl(1), whoCm(2)))
    const a = assessAgreement(views, nodes)
    expect(a).toMatchObject({ agreed: false, healthy: 3, total: 4, reason: 'node 3 not healthy' })
    expect(a.unhealthy).toEqual([{ index: 3, reason: 'connect ECONNREFUSED' }])
  })

  it('treats a node answering under another peer id as unhealthy', () => {
    const views = nodes.map(n => view(n.index, whoCl(1), whoCm(2), n.index === 2 ? 'peer-x' : undefined))
    expect(assessAgreement(views, nodes).unhealthy[0]?.reason).toMatch(/answers as peer peer-x, expected peer-2/)
  })

  it('does not agree when two nodes see different leaders or managers', () => {
    const cl = nodes.map(n => view(n.index, whoCl(n.index === 4 ? 2 : 1), whoCm(2)))
    expect(assessAgreement(cl, nodes)).toMatchObject({ agreed: false, reason: 'node 1 and node 4 disagree on who_cl' })
    const cm = nodes.map(n => view(n.index, whoCl(1), n.index === 2 ? whoCm(3, 2) : whoCm(2, 3)))
    expect(assessAgreement(cm, nodes)).toMatchObject({ agreed: false, reason: 'node 1 and node 2 disagree on who_cm' })
  })

  it('with requireOk (devnet up), a node whose /health is starting or degraded is not healthy yet, and the reason says why', () => {
    const views = nodes.map(n => view(n.index, whoCl(1, 2), whoCm(3)))
    const reason = { code: 'peers' as const, detail: 'this node sees 1 member of its committee 1 live', committee: 1, committeeLive: 1, committeesReady: 0, tm: 2, tc: 1 }
    views[1]!.health = { ...views[1]!.health!, status: 'degraded', reasons: [reason] }
    // Without requireOk it answers and elects roles: it takes part in the agreement.
    expect(assessAgreement(views, nodes)).toMatchObject({ agreed: true, healthy: 4 })
    const a = assessAgreement(views, nodes, nodes, { requireOk: true })
    expect(a).toMatchObject({ agreed: false, healthy: 3, reason: 'node 2 not healthy' })
    expect(a.unhealthy).toEqual([{ index: 2, reason: '/health degraded: peers (this node sees 1 member of its committee 1 live)' }])
  })

  it('does not agree while a committee has no leader', () => {
    const views = nodes.map(n => view(n.index, whoCl(null), whoCm(1)))
    expect(assessAgreement(views, nodes)).toMatchObject({ agreed: false, reason: 'committee 1 has no leader' })
  })

  it('does not agree while a killed node still holds a role in the common view', () => {
    // Node 1 was killed; the other three still list it as leader until its liveness expires.
    const remaining = nodes.filter(n => n.index !== 1)
    const stale = remaining.map(n => view(n.index, whoCl(1, 2), whoCm(3)))
    expect(assessAgreement(stale, remaining, nodes)).toMatchObject({ agreed: false, reason: 'node 1 still holds a role but is not among the running nodes' })
    const staleManager = remaining.map(n => view(n.index, whoCl(2, 3), whoCm(1)))
    expect(assessAgreement(staleManager, remaining, nodes).agreed).toBe(false)
    const settled = remaining.map(n => view(n.index, whoCl(2, 3), whoCm(4)))
    expect(assessAgreement(settled, remaining, nodes).agreed).toBe(true)
  })

  it('does not agree on an empty set of nodes', () => {
    expect(assessAgreement([], [])).toMatchObject({ agreed: false, reason: 'no node is running' })
  })
})
