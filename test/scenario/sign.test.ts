// sign on nine real in-process nodes, for what only the real stack shows: both schemes'
// signatures over real HTTP checked by independent verifiers, the route's contract (the same
// request id again, bad requests refused with a clear 4xx), blame evidence through GET /blame
// and the CLI, rate limits through HTTP, the client's failover between real managers, and a
// CM's process shut down and started again. What the signing machines decide (session
// recovery, blame, a signer's own checks, expiry, no valid party) is scripted on the
// simulator: test/sim/sign-cases.test.ts and test/sim/sign-recovery.test.ts.
import { hexToBytes } from '@noble/hashes/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSignRequest, managerOrder, newRequestId, sign } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import type { ShardsigNode } from '../../node/node.js'
import { corruptShares } from '../helpers/byzantine.js'
import { requestJson } from '../../node/p2p/direct.js'
import { PROTOCOL_PARTY } from '../../protocols/constants.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { PartyAnswerSchema, type PartyMember, type SignRequest } from '../../protocols/wire/sign.js'
import { callRoute } from '../../cli/client/http.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { describeLiveness, startInProcessCluster, waitUntil, waitUntilKeyHeld, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { makeKey } from '../helpers/keys.js'
import { rawRequest } from '../helpers/raw-http.js'
import { flipHexByte } from '../helpers/owner.js'
import { verifiesIndependently } from '../helpers/verify.js'
import { runCli } from '../helpers/e2e-devnet.js'

/** Node index (0-based) whose signer corrupts every share it sends (a Byzantine node: test/helpers/byzantine.ts). */
const FAULTY = 4
/** Requests tried until the CM's party includes the faulty signer. */
const MAX_TRIES_FOR_FAULTY_PARTY = 5

let cluster: InProcessCluster
let edKey: KeyFile
let btcKey: KeyFile
let ecdsaKey: KeyFile

const url = (i = 0): string => cluster.running()[i]!.http.url
const managers = (): ShardsigNode[] => cluster.running()[0]!.view.roles().managers.map(p => cluster.running().find(n => n.identity.peerId === p)!)
const faultyPeer = (): string => cluster.state.nodes[FAULTY]!.peerId
const holders = (): string[][] => [1, 2, 3].map(c => cluster.state.nodes.filter(n => n.committee === c).map(n => n.peerId))
const everyoneLive = async (): Promise<void> => {
  await waitUntil(() => cluster.running().length === 9 && cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
}

/** A request id whose first party (all live, nobody loaded) includes — or avoids — the faulty signer. */
function requestIdWhoseParty (includesFaulty: boolean): string {
  for (;;) {
    const requestId = newRequestId()
    const sel = selectParty({ requestId, tc: 2, tm: 2, holders: holders(), live: new Set(cluster.state.nodes.map(n => n.peerId)), load: new Map(), excluded: new Set() })
    if (sel.ok && sel.party.some(p => p.peerId === faultyPeer()) === includesFaulty) return requestId
  }
}

async function post (node: ShardsigNode, body: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(`${node.http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'wait=20' }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

beforeAll(async () => {
  cluster = await startInProcessCluster(9, { basePortFrom: 25100, byzantine: new Map([[FAULTY, corruptShares()]]) })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  edKey = await makeKey(url(), 'ed25519', { messagePrefix: undefined })
  btcKey = await makeKey(url(), 'secp256k1', { maxMessageBytes: 64, messagePrefix: 'cafe', ratePerMinute: 1000 })
  ecdsaKey = await makeKey(url(), 'ecdsa-secp256k1', { messagePrefix: undefined, ratePerMinute: 1000 })
  await waitUntil(() => cluster.running().every(n => n.registry.size() >= 3), AbortSignal.timeout(5_000))
}, 90_000)

afterAll(async () => { await cluster?.close() })

describe('sign', () => {
  it('signs with an ed25519 key: the signature verifies with node:crypto', async () => {
    const message = new TextEncoder().encode('pay 10 to bob')
    const result = await sign({ node: url(), key: edKey, message, requestId: requestIdWhoseParty(false) })
    // (Not necessarily in one attempt: the first signature of a fresh cluster can meet a cold signer.)
    expect(result).toMatchObject({ status: 'completed', scheme: 'ed25519' })
    expect(result.signers).toHaveLength(4)
    expect(verifiesIndependently(edKey, message, result.signature!)).toBe(true)
    expect(verifiesIndependently(edKey, new TextEncoder().encode('pay 99 to bob'), result.signature!)).toBe(false)
  })

  it('signs with a BIP340 key: the signature verifies with schnorr.verify', async () => {
    const message = hexToBytes('cafe' + 'ab'.repeat(30))
    const result = await sign({ node: url(3), key: btcKey, message, requestId: requestIdWhoseParty(false) })
    expect(result.status).toBe('completed')
    expect(verifiesIndependently(btcKey, message, result.signature!)).toBe(true)
  })

  it('a corrupt signer\'s invalid-share blame is evidence: GET /blame carries its signed share, and another node checks it proven (and the CLI through it)', async () => {
    // A request whose party includes the faulty signer, until one needed a second party: the CM's own view (load,
    // liveness) may pick another party first, and then the request completes at once. (Its blame and replacement are
    // the simulator's: sign-cases.test.ts.)
    let result: Awaited<ReturnType<typeof sign>> | undefined
    for (let i = 0; i < MAX_TRIES_FOR_FAULTY_PARTY && (result?.attempts ?? 1) < 2; i++) {
      result = await sign({ node: url(), key: edKey, message: new TextEncoder().encode(`corrupted share test ${i}`), requestId: requestIdWhoseParty(true) })
      expect(result.status, result.reason).toBe('completed')
    }
    expect(result).toMatchObject({ status: 'completed', attempts: 2 })
    const records = (await Promise.all(managers().map(async m => ({ cm: m, list: (await callRoute(m.http.url, HTTP_API.blame)).blame })))).flatMap(({ cm, list }) => list.map(r => ({ cm, r })))
    const found = records.find(({ r }) => r.culprit === faultyPeer() && r.reason === 'invalid-share')
    expect(found, 'an invalid-share blame of the faulty signer at a manager').toBeDefined()
    expect(found!.r.evidence).toMatchObject({ kind: 'invalid-share', share: { committee: expect.any(Number) }, statement: expect.stringMatching(/^[0-9a-f]{128}$/) })
    // A node that is neither the blaming CM nor the culprit redoes the check with its own copy of the key.
    const checker = cluster.running().find(n => n !== found!.cm && n.identity.peerId !== faultyPeer())!
    expect(await callRoute(checker.http.url, HTTP_API.blameVerify, { body: found!.r })).toMatchObject({ verdict: 'proven' })
    // Tampered (the share replaced by an honest-looking one), the same record proves nothing.
    const tampered = { ...found!.r, evidence: { ...found!.r.evidence!, share: { ...(found!.r.evidence as { share: { committee: number, member: number, share: string } }).share, share: '00'.repeat(32) } } }
    expect(await callRoute(checker.http.url, HTTP_API.blameVerify, { body: tampered })).toMatchObject({ verdict: 'not-proven' })
    const cli = await runCli(['blame', 'verify', '--node', checker.http.url, '--from', found!.cm.http.url])
    expect(cli.stdout).toMatch(new RegExp(`^proven +invalid-share by ${faultyPeer()}`, 'm'))
  })

  it('answers the same request id again with the same signature, and refuses it for another message (409)', async () => {
    const requestId = requestIdWhoseParty(false)
    const message = new TextEncoder().encode('idempotent')
    const first = await sign({ node: url(), key: edKey, message, requestId })
    const again = await sign({ node: url(), key: edKey, message, requestId })
    expect(again.signature).toBe(first.signature)
    const cm = managerOrder(managers(), requestId)[0]!
    const other = await post(cm, buildSignRequest(edKey, new TextEncoder().encode('something else'), requestId, Date.now() + 30_000))
    expect(other.status).toBe(409)
  })
})

describe('a CM refuses bad sign requests with a clear 4xx', () => {
  const fresh = (key: KeyFile, message = 'cafe01', expiresInMs = 30_000): SignRequest =>
    buildSignRequest(key, hexToBytes(message), newRequestId(), Date.now() + expiresInMs)

  it.each([
    ['expired', () => fresh(btcKey, 'cafe01', -60_000), 400, 'expired'],
    ['asking for too long a lifetime', () => fresh(btcKey, 'cafe01', 3_600_000), 400, 'lifetime-too-long'],
    ['wrongly signed', () => ({ ...fresh(btcKey), signature: flipHexByte(fresh(btcKey).signature) }), 403, 'bad-owner-signature'],
    ['over the key\'s message size', () => fresh(btcKey, 'cafe' + '00'.repeat(100)), 400, 'message-too-large'],
    ['without the required prefix', () => fresh(btcKey, 'beef01'), 400, 'prefix-mismatch'],
    ['for an unknown key', () => ({ ...fresh(btcKey), keyId: '00'.repeat(16) }), 404, 'unknown-key']
  ])('%s', async (_name, body, status, code) => {
    const res = await post(managers()[0]!, body())
    expect(res.status).toBe(status)
    expect(res.body.code).toBe(code)
  })

  it('malformed, oversized or sent to a node that is no manager', async () => {
    const cm = managers()[0]!
    expect((await post(cm, { v: 1, keyId: 'zz' })).status).toBe(400)
    expect((await post(cm, { ...fresh(btcKey), extra: 1 })).status).toBe(400)
    const big = await rawRequest(`${cm.http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(400_000) }) })
    expect(big.status).toBe(413)
    const notCm = cluster.running().find(n => !managers().includes(n))!
    const res = await post(notCm, fresh(btcKey))
    expect(res.status).toBe(421)
    expect(res.body.roles.managers.map((m: { peerId: string }) => m.peerId)).toEqual(managers().map(m => m.identity.peerId))
  })
})

describe('rate limits through HTTP', () => {
  it('a CM enforces the key\'s rate limit', async () => {
    const limited = await makeKey(url(), 'secp256k1', { ratePerMinute: 2 })
    await waitUntilKeyHeld(cluster.running(), limited.keyId, AbortSignal.timeout(10_000))
    // One CM sees all three; each node enforces the limit on its own share of the work.
    const cm = managers()[0]!
    // Parties without the faulty signer: a retry would spend the honest signers' own tokens twice.
    for (let i = 0; i < 2; i++) {
      const res = await post(cm, buildSignRequest(limited, hexToBytes(`0${i}`), requestIdWhoseParty(false), Date.now() + 30_000))
      expect(res.body.status, res.body.reason).toBe('completed')
    }
    const third = await post(cm, buildSignRequest(limited, hexToBytes('02'), newRequestId(), Date.now() + 30_000))
    expect(third.status).toBe(429)
  })
})

describe('the client', () => {
  it('spreads requests over all managers, and keeps one order per request id', () => {
    const firsts = new Set(Array.from({ length: 60 }, (_, i) => managerOrder(['a', 'b', 'c'], `req-${String(i).padStart(8, '0')}`)[0]))
    expect(firsts).toEqual(new Set(['a', 'b', 'c']))
    expect(managerOrder(['a', 'b', 'c'], 'req-00000042')).toEqual(managerOrder(['a', 'b', 'c'], 'req-00000042'))
  })

  it('fails over to the next manager with the same request id when the first one is gone', async () => {
    // The manager this request id tries first.
    const requestId = newRequestId()
    const first = managerOrder(managers(), requestId)[0]!
    const index = cluster.nodes.indexOf(first)
    const asker = cluster.running().find(n => n !== first)!
    await cluster.stop(index)
    // Within the liveness window every node still lists the stopped manager.
    const failovers: string[] = []
    const result = await sign({ node: asker.http.url, key: btcKey, message: hexToBytes('cafe10'), requestId, onFailover: from => { failovers.push(from) } })
    expect(failovers).toEqual([first.http.url])
    expect(result).toMatchObject({ status: 'completed', requestId })
    await cluster.start(index)
    await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 9), AbortSignal.timeout(15_000), () => describeLiveness(cluster))
  })
})

describe('a party member stopped', () => {
  // FROST and DKLs23 alike: the CM's first party has the stopped node in it (it still counts as live within the
  // liveness window); its new_party fails, the member is left out, and another party signs.
  for (const scheme of ['secp256k1', 'ecdsa-secp256k1'] as const) {
    it(`${scheme}: the request completes with another party, without the stopped node`, async () => {
      await everyoneLive()
      const key = scheme === 'ecdsa-secp256k1' ? ecdsaKey : btcKey
      const message = scheme === 'ecdsa-secp256k1' ? keccak_256(new TextEncoder().encode('signed with a node down')) : hexToBytes('cafe5709')
      // The first party (the CM picks itself last) avoids the faulty signer; the node stopped is one of its members.
      let requestId = ''
      let stopped: ShardsigNode | undefined
      while (stopped === undefined) {
        requestId = requestIdWhoseParty(false)
        const cm = managerOrder(managers(), requestId)[0]!
        const sel = selectParty({ requestId, tc: 2, tm: 2, holders: holders(), live: new Set(cluster.state.nodes.map(n => n.peerId)), load: new Map([[cm.identity.peerId, Number.MAX_SAFE_INTEGER]]), excluded: new Set() })
        const member = sel.ok ? sel.party.find(p => p.peerId !== cm.identity.peerId && p.peerId !== faultyPeer()) : undefined
        stopped = cluster.running().find(n => n.identity.peerId === member?.peerId && n !== cluster.running()[0])
      }
      const index = cluster.nodes.indexOf(stopped)
      await cluster.stop(index)
      try {
        const result = await sign({ node: url(), key, message, requestId })
        expect(result.status, result.reason).toBe('completed')
        expect(result.signers!.map(s => s.peerId)).not.toContain(stopped.identity.peerId)
        expect(verifiesIndependently(key, message, result.signature!)).toBe(true)
      } finally {
        await cluster.start(index)
      }
      await everyoneLive()
    }, 60_000)
  }
})

describe('a CM\'s process shut down', () => {
  /** A valid party of the key (tc = 2 committees of tm = 2 members) with `peerId` in it. */
  function partyWith (peerId: string): PartyMember[] {
    const { committee } = cluster.state.nodes.find(n => n.peerId === peerId)!
    const mate = cluster.state.nodes.find(n => n.committee === committee && n.peerId !== peerId)!
    const others = cluster.state.nodes.filter(n => n.committee === committee % 3 + 1).slice(0, 2)
    const sel = selectParty({ requestId: 'lease', tc: 2, tm: 2, holders: holders(), live: new Set([peerId, mate.peerId, ...others.map(n => n.peerId)]), load: new Map(), excluded: new Set() })
    if (!sel.ok) throw new Error(sel.reason)
    return sel.party
  }

  it('a CM shut down mid-request blames no one, and after its restart sends the request on (503) to a manager that finishes it', async () => {
    await everyoneLive()
    const requestId = requestIdWhoseParty(false)
    const cm = managerOrder(managers(), requestId)[0]!
    const cmIndex = cluster.nodes.indexOf(cm)
    const request = buildSignRequest(btcKey, hexToBytes('cafe25'), requestId, Date.now() + 60_000)
    // Pending at the CM without a fault: another node first leases the request at every other holder, with a
    // new_party of a session only that holder gets. Each waits out round 1 (its answer, round1-timeout, shows the
    // lease taken) and stays leased for CLAIM_LEASE_MS, so the CM's sessions meet leases and wait for them to end.
    const lessor = cluster.running().find(n => n !== cm && !managers().includes(n))!
    const leased = cluster.running().filter(n => n !== cm && n !== lessor).map(n => n.identity.peerId)
    const leases = await Promise.all(leased.map(async (peerId, i) => await requestJson(lessor.libp2p, peerId, PROTOCOL_PARTY, { kind: 'new_party', sessionId: `lease-${i}-${requestId}`, request, party: partyWith(peerId) }, PartyAnswerSchema, { signal: AbortSignal.timeout(15_000) })))
    expect(leases.map(a => a.kind === 'reject' ? a.code : a.kind)).toEqual(leased.map(() => 'round1-timeout'))
    const first = await fetch(`${cm.http.url}/sign_request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })
    expect(first.status).toBe(202)
    await cluster.stop(cmIndex)
    const restarted = await cluster.start(cmIndex)
    expect(restarted.blame.recent().filter(b => b.detail.includes(requestId))).toEqual([])
    const again = await post(restarted, request)
    expect(again.status).toBe(503)
    expect(again.body).toMatchObject({ code: 'coordinator-restarted' })
    const result = await sign({ node: url(), key: btcKey, message: hexToBytes('cafe25'), requestId })
    expect(result.status, result.reason).toBe('completed')
    expect(verifiesIndependently(btcKey, hexToBytes('cafe25'), result.signature!)).toBe(true)
    await everyoneLive()
  })
})
