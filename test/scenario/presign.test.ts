// Presignatures on three real in-process nodes (one committee, tc = 1, tm = 2,
// one manager; the manager is chosen last, so the party is the other two):
// once the manager holds its party's presignatures a session skips the
// round-1 exchange; a member that restarted has forgotten them, and the
// manager signs with an exchange instead, blaming nobody; a spent
// presignature signs nothing again (docs/protocols/sign.md#presignatures).
import { hexToBytes } from '@noble/hashes/utils.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSignRequest, newRequestId } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import type { ShardsigNode } from '../../node/node.js'
import { requestJson } from '../../node/p2p/direct.js'
import { PROTOCOL_PARTY } from '../../protocols/constants.js'
import { PartyAnswerSchema, type NewParty, type PartyAnswer, type PartyMember, type PresignedCommitment } from '../../protocols/wire/sign.js'
import { describeLiveness, startInProcessCluster, waitUntil, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { makeKey } from '../helpers/keys.js'
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js'
import { verifiesIndependently } from '../helpers/verify.js'

/** Requests signed until one runs on presignatures (the first only fills the manager's stock). */
const MAX_REQUESTS_UNTIL_PRESIGNED = 5

let cluster: InProcessCluster
let key: KeyFile

const manager = (): ShardsigNode => cluster.running().find(n => n.view.roles().managers.includes(n.identity.peerId))!
const members = (): ShardsigNode[] => cluster.running().filter(n => n !== manager())

async function sessions (round1: 'presigned' | 'exchanged'): Promise<number> {
  const text = await (await fetch(`${manager().http.url}/metrics`)).text()
  return valueOf(parsePrometheusText(text), 'shardsig_sign_sessions_total', { scheme: key.scheme, round1 })
}

/** One request at the manager, waited for. */
async function signAtManager (message: string): Promise<{ status: number, body: any }> {
  const request = buildSignRequest(key, hexToBytes(message), newRequestId(), Date.now() + 60_000)
  const res = await fetch(`${manager().http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=20' }, body: JSON.stringify(request) })
  return { status: res.status, body: await res.json() }
}

async function ask (to: ShardsigNode, body: unknown): Promise<PartyAnswer> {
  return await requestJson(manager().libp2p, to.identity.peerId, PROTOCOL_PARTY, body, PartyAnswerSchema, { signal: AbortSignal.timeout(10_000) })
}

beforeAll(async () => {
  cluster = await startInProcessCluster(3, { basePortFrom: 28700 })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  key = await makeKey(cluster.running()[0]!.http.url, 'secp256k1', { ratePerMinute: 1000 })
  await waitUntil(() => cluster.running().every(n => n.registry.size() >= 1), AbortSignal.timeout(5_000))
}, 60_000)

afterAll(async () => { await cluster?.close() })

describe('presignatures', () => {
  it('sessions skip the round-1 exchange once the manager holds presignatures; a member that restarted makes it exchange instead, blaming nobody', async () => {
    let presigned = 0
    for (let i = 0; i < MAX_REQUESTS_UNTIL_PRESIGNED && presigned === 0; i++) {
      const message = `0${i}`
      const { status, body } = await signAtManager(message)
      expect(status, JSON.stringify(body)).toBe(200)
      expect(body).toMatchObject({ status: 'completed', attempts: 1 })
      expect(verifiesIndependently(key, hexToBytes(message), body.signature)).toBe(true)
      presigned = await sessions('presigned')
    }
    expect(presigned).toBeGreaterThan(0)

    // A member restarts: it forgets its presignatures, the manager still holds some of its.
    const restarted = cluster.running().indexOf(members()[0]!)
    await cluster.stop(restarted)
    await cluster.start(restarted)
    await waitUntil(() => cluster.running().length === 3 && cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
    const [presignedBefore, exchangedBefore] = [await sessions('presigned'), await sessions('exchanged')]
    const { status, body } = await signAtManager('ff')
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ status: 'completed', attempts: 1 })
    expect(verifiesIndependently(key, hexToBytes('ff'), body.signature)).toBe(true)
    // One session offered presignatures, the member refused them, one session exchanged commitments.
    expect(await sessions('presigned')).toBe(presignedBefore + 1)
    expect(await sessions('exchanged')).toBe(exchangedBefore + 1)
    expect(manager().blame.recent().filter(b => b.flow === 'sign')).toEqual([])
  })

  it('a presignature signs once: a second session naming it is refused, and only managers get presignatures', async () => {
    // holders[0][m-1] is the committee's m-th node in the devnet's order (as the key's record has them).
    const holders = cluster.state.nodes.filter(n => n.committee === 1).map(n => n.peerId)
    const party: PartyMember[] = members().map(n => ({ committee: 1, member: holders.indexOf(n.identity.peerId) + 1, peerId: n.identity.peerId }))
      .sort((a, b) => a.member - b.member)
    const presigned: PresignedCommitment[] = []
    for (const n of members().sort((a, b) => holders.indexOf(a.identity.peerId) - holders.indexOf(b.identity.peerId))) {
      const answer = await ask(n, { kind: 'presign', keyId: key.keyId, epoch: 0, count: 1 })
      if (answer.kind !== 'presigned') throw new Error(`presign: ${JSON.stringify(answer)}`)
      presigned.push(answer.presigned[0]!)
    }
    presigned.sort((a, b) => a.commitment.member - b.commitment.member)
    const newParty = (sessionId: string, message: string): NewParty => ({
      kind: 'new_party', sessionId, epoch: 0, party, presigned,
      request: buildSignRequest(key, hexToBytes(message), newRequestId(), Date.now() + 60_000)
    })
    const first = await Promise.all(members().map(async n => await ask(n, newParty('presign-once-1', 'aa'))))
    expect(first.map(a => a.kind)).toEqual(['share', 'share'])
    // The same presignatures for another request: the nonces are spent.
    const second = await Promise.all(members().map(async n => await ask(n, newParty('presign-once-2', 'bb'))))
    for (const a of second) expect(a).toMatchObject({ kind: 'reject', code: 'presign-unknown' })

    // A member that is no manager asks a member for presignatures: refused.
    const stranger = members()[0]!
    const answer = await requestJson(stranger.libp2p, members()[1]!.identity.peerId, PROTOCOL_PARTY, { kind: 'presign', keyId: key.keyId, epoch: 0, count: 1 }, PartyAnswerSchema, { signal: AbortSignal.timeout(10_000) })
    expect(answer).toMatchObject({ kind: 'reject', code: 'not-a-manager' })
  })
})
