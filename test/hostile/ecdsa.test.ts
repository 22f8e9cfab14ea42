// Hostile input on the DKLs23 wire (issue 19 item 6), from real libp2p peers on 127.0.0.1
// against three real nodes holding an ecdsa-secp256k1 key: pair-setup requests on
// /shardsig/ecdsa-pair/1.0.0 and DKLs23 round messages on /shardsig/sign/1.0.0 from an attacker
// holding node-3's identity (node-3 is stopped meanwhile; a stranger is refused before any
// protocol, test/hostile/direct.test.ts), and dkls23-share answers from a party member that
// changes its final share before it goes out (test/helpers/byzantine.ts). Each is refused with
// a reason and changes nothing: the victim's pair states stay as they were, and a signature
// made meanwhile completes. The generated frames of direct.test.ts cover the pair protocol too.
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { managerOrder, newRequestId, sign } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'
import { pairRecordKey } from '../../node/engine/ecdsa/pair-store.js'
import { readIdentityFile } from '../../node/identity.js'
import type { ShardsigNode } from '../../node/node.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { PeerQuotas, usePeerQuotas } from '../../node/p2p/peer-quotas.js'
import { MAX_DIRECT_MESSAGE_BYTES, MAX_ECDSA_PAIR_MESSAGE_BYTES, PROTOCOL_ECDSA_PAIR, PROTOCOL_SIGN } from '../../protocols/constants.js'
import { pairSetupStart } from '../../protocols/ecdsa/pair-setup.js'
import { ORDER } from '../../protocols/ecdsa/scalar.js'
import type { EcdsaContributionWire } from '../../protocols/ecdsa/wire.js'
import { nobleSecp256k1 } from '../../protocols/frost/group/noble.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { ECDSA_PAIR_SETUP_KIND, encodePairSetupMessage, pairContextOf, type EcdsaPairRequest } from '../../protocols/wire/ecdsa-pair.js'
import { changingEcdsaContributions } from '../helpers/byzantine.js'
import { describeLiveness, startInProcessCluster, waitUntil, waitUntilKeyHeld, type InProcessCluster } from '../helpers/in-process-cluster.js'
import { makeKey } from '../helpers/keys.js'
import { verifiesIndependently } from '../helpers/verify.js'
import { connect, exchange, frame, startAttacker, type Outcome } from './p2p-attacker.js'
import { oversizeFrame } from './direct-frames.js'
import { figure } from './support.js'

/** node-3 (index 2): its identity is the attacker's while it is stopped. */
const BORROWED = 2
/** node-2 (index 1): a signer whose dkls23-share is changed by `cheat` while it is set. */
const CHEATER = 1
const EXCHANGE_TIMEOUT_MS = 20_000
/** Requests tried until the CM's first party includes the cheater. */
const MAX_TRIES_FOR_CHEATER_PARTY = 5

let cheat: ((c: EcdsaContributionWire) => unknown) | undefined
let cluster: InProcessCluster
let victim: ShardsigNode
let victimPeer: PeerId
let key: KeyFile
let attacker: ShardsigLibp2p
let context: string
let borrowedPeer: string

const hexOf = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : bytesToHex(b)
/** What the victim holds of its pair with `peer`: the setup id in memory and the sealed record's bytes. */
async function pairStateWith (peer: string): Promise<{ id?: string, record?: string }> {
  return { id: hexOf(victim.ecdsaPairs.keysWith(peer)?.id), record: hexOf(await victim.store.get(pairRecordKey(context, peer))) }
}

const send = async (protocol: string, body: unknown, maxReplyBytes = MAX_DIRECT_MESSAGE_BYTES): Promise<Outcome> =>
  await exchange(attacker, victimPeer, protocol, body instanceof Uint8Array ? body : frame(JSON.stringify(body)), { timeoutMs: EXCHANGE_TIMEOUT_MS, maxReplyBytes })

/** A correct setup request from node-3's identity to the victim (node-3's own message, made here). */
function validPairRequest (): EcdsaPairRequest {
  const { message } = pairSetupStart(nobleSecp256k1(), { context, me: borrowedPeer, peer: victim.identity.peerId }, n => new Uint8Array(randomBytes(n)))
  return { v: 1, kind: ECDSA_PAIR_SETUP_KIND, context, message: encodePairSetupMessage(message) }
}

/** Canonical base64 of `b64`'s bytes with one byte changed (still of the right length and canonical). */
function flipByte (b64: string, at: number): string {
  const bytes = Buffer.from(b64, 'base64')
  bytes[at] = bytes[at]! ^ 0x01
  return bytes.toString('base64')
}

/** The same bytes in a non-canonical base64: the last character before the padding gets a padding bit set. */
function nonCanonical (b64: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const at = b64.replace(/=+$/, '').length - 1
  const s = b64.split('')
  s[at] = alphabet[alphabet.indexOf(s[at]!) ^ 0x01]!
  const out = s.join('')
  expect(Buffer.from(out, 'base64').equals(Buffer.from(b64, 'base64')), 'the same bytes').toBe(true)
  return out
}

beforeAll(async () => {
  cluster = await startInProcessCluster(3, { basePortFrom: 26900, byzantine: new Map([[CHEATER, changingEcdsaContributions(c => cheat?.(c) ?? c)]]) })
  await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
  victim = cluster.nodes[0]!
  victimPeer = peerIdFromString(victim.identity.peerId)
  // The named cases below send more setups than the pair protocol's quota (1 a second, burst 10) lets
  // through: lifted, so that each reaches the check it is about (the quota's own test: test/unit/peer-quotas.test.ts).
  usePeerQuotas(victim.libp2p, new PeerQuotas({ rateOf: () => undefined }))
  key = await makeKey(victim.http.url, 'ecdsa-secp256k1')
  await waitUntilKeyHeld(cluster.running(), key.keyId, AbortSignal.timeout(10_000))
  context = pairContextOf(victim.genesis.network, victim.genesis.epoch)
  borrowedPeer = cluster.state.nodes[BORROWED]!.peerId
  // The victim's pairs with the other two exist before the attack, so "nothing changed" compares states.
  await victim.ecdsaPairs.keysFor(cluster.state.nodes.map(n => n.peerId), AbortSignal.timeout(20_000))

  const borrowedKey = (await readIdentityFile(cluster.configs[BORROWED]!.identityFile, cluster.configs[BORROWED]!.passphrase)).libp2pKey
  await cluster.stop(BORROWED)
  attacker = await startAttacker(borrowedKey)
  await connect(attacker, victim)
}, 120_000)

afterAll(async () => {
  await attacker?.stop()
  await cluster?.close()
})

describe('/shardsig/ecdsa-pair/1.0.0 from a member: refused with a code and a reason, no pair state written', () => {
  // One made once (a setup message costs ~150 ms of CPU); each case changes a copy. None of them is accepted.
  let made: EcdsaPairRequest | undefined
  const base = (): EcdsaPairRequest => structuredClone(made ??= validPairRequest())
  const cases: Array<{ name: string, body: () => unknown, code: string, reason: RegExp }> = [
    { name: 'not JSON', body: () => frame('{"v":1,"kind":'), code: 'malformed', reason: /./ },
    { name: 'JSON of another shape', body: () => ({ kind: 'round', sessionId: 'x', round: 1, payload: {} }), code: 'malformed', reason: /v|kind/ },
    { name: 'another version', body: () => ({ ...base(), v: 2 }), code: 'malformed', reason: /^v:/ },
    // Unknown fields are kept, not refused (peers are read tolerantly, docs/protocols/versioning.md), and get nothing past the checks.
    { name: 'an unknown field in the request, with another context', body: () => ({ ...base(), peer: 'someone-else', context: pairContextOf(victim.genesis.network, victim.genesis.epoch + 1) }), code: 'wrong-context', reason: /this node runs/ },
    { name: 'an unknown field in the message, with a proof that does not verify', body: () => { const r = base(); return { ...r, message: { ...r.message, extra: '00', baseOtSender: flipByte(r.message.baseOtSender, 90) } } }, code: 'invalid-message', reason: /./ },
    { name: 'baseOtSender one byte short (wrong-length base64)', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtSender: Buffer.from(r.message.baseOtSender, 'base64').subarray(1).toString('base64') } } }, code: 'malformed', reason: /message\.baseOtSender: expected 99 bytes as base64/ },
    { name: 'baseOtReceiver one byte long (wrong-length base64)', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtReceiver: Buffer.concat([Buffer.from(r.message.baseOtReceiver, 'base64'), Buffer.of(0)]).toString('base64') } } }, code: 'malformed', reason: /message\.baseOtReceiver: expected 41251 bytes as base64/ },
    { name: 'baseOtReceiver in non-canonical base64 (padding bits set)', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtReceiver: nonCanonical(r.message.baseOtReceiver) } } }, code: 'malformed', reason: /message\.baseOtReceiver: expected canonical base64/ },
    // Node's decoder takes base64url's '-' as '+': the same bytes, but not their canonical form.
    { name: 'baseOtSender with a base64url character', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtSender: '-' + r.message.baseOtSender.slice(1) } } }, code: 'malformed', reason: /message\.baseOtSender: expected canonical base64/ },
    { name: 'zeroSeed in uppercase hex', body: () => { const r = base(); return { ...r, message: { ...r.message, zeroSeed: r.message.zeroSeed.toUpperCase().replace(/^[0-9]/, 'A') } } }, code: 'malformed', reason: /message\.zeroSeed: expected 32 bytes as lowercase hex/ },
    { name: 'zeroSeed of 31 bytes', body: () => { const r = base(); return { ...r, message: { ...r.message, zeroSeed: r.message.zeroSeed.slice(2) } } }, code: 'malformed', reason: /message\.zeroSeed/ },
    { name: 'a context over 128 characters', body: () => ({ ...base(), context: 'x'.repeat(129) }), code: 'malformed', reason: /context/ },
    { name: 'another epoch (wrong context)', body: () => ({ ...base(), context: pairContextOf(victim.genesis.network, victim.genesis.epoch + 1) }), code: 'wrong-context', reason: /this node runs/ },
    { name: 'another network (wrong context)', body: () => ({ ...base(), context: pairContextOf(`${victim.genesis.network}-other`, victim.genesis.epoch) }), code: 'wrong-context', reason: /this node runs/ },
    // Well formed, but the base OTs' checks fail: Schnorr proof of the sender message, a receiver point, its OR-proof.
    { name: 'a base-OT sender proof that does not verify', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtSender: flipByte(r.message.baseOtSender, 90) } } }, code: 'invalid-message', reason: /./ },
    { name: 'a base-OT receiver point not on the curve', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtReceiver: flipByte(r.message.baseOtReceiver, 40) } } }, code: 'invalid-message', reason: /./ },
    { name: 'a base-OT receiver OR-proof that does not verify', body: () => { const r = base(); return { ...r, message: { ...r.message, baseOtReceiver: flipByte(r.message.baseOtReceiver, 35 + 33 + 100) } } }, code: 'invalid-message', reason: /./ }
  ]

  for (const c of cases) {
    it(`${c.name}: ${c.code}`, async () => {
      const before = await pairStateWith(borrowedPeer)
      expect(before.id).toBeDefined()
      const o = await send(PROTOCOL_ECDSA_PAIR, c.body(), MAX_ECDSA_PAIR_MESSAGE_BYTES)
      expect(o).toMatchObject({ kind: 'reply', json: { kind: 'reject', code: c.code } })
      const reason = (o as { json: { reason: string } }).json.reason
      expect(reason).toMatch(c.reason)
      expect(reason.length).toBeGreaterThan(0)
      expect(await pairStateWith(borrowedPeer)).toEqual(before)
    })
  }

  it('a frame over 64 KiB, and a length prefix over it: the stream is reset before the body is read, no state written', async () => {
    const before = await pairStateWith(borrowedPeer)
    expect(await send(PROTOCOL_ECDSA_PAIR, oversizeFrame(MAX_ECDSA_PAIR_MESSAGE_BYTES + 1), MAX_ECDSA_PAIR_MESSAGE_BYTES)).toMatchObject({ kind: 'reset' })
    // A whole correct request padded past the limit with spaces (valid JSON once parsed, but too long).
    const padded = JSON.stringify(validPairRequest()).padEnd(MAX_ECDSA_PAIR_MESSAGE_BYTES + 10, ' ')
    expect(await send(PROTOCOL_ECDSA_PAIR, frame(padded), MAX_ECDSA_PAIR_MESSAGE_BYTES)).toMatchObject({ kind: 'reset' })
    expect(await pairStateWith(borrowedPeer)).toEqual(before)
  })
})

describe('DKLs23 round messages on /shardsig/sign/1.0.0 from a member', () => {
  const sessionId = 'hostile-ecdsa/1'
  const round1 = { pair: 'ab'.repeat(16), commitment: 'cd'.repeat(32), ote: Buffer.alloc(256 * 78 + 26 + 256 * 26).toString('base64') }
  const edge: Array<{ name: string, body: unknown, reason: RegExp }> = [
    { name: 'round 0', body: { kind: 'round', sessionId, round: 0, payload: round1 }, reason: /round/ },
    { name: 'round 9', body: { kind: 'round', sessionId, round: 9, payload: round1 }, reason: /round/ },
    { name: 'a payload that is an array', body: { kind: 'round', sessionId, round: 1, payload: [round1] }, reason: /payload/ },
    { name: 'a payload that is a string', body: { kind: 'round', sessionId, round: 1, payload: JSON.stringify(round1) }, reason: /payload/ },
    { name: 'a session id over 80 characters', body: { kind: 'round', sessionId: 's'.repeat(81), round: 1, payload: round1 }, reason: /sessionId/ },
    { name: 'a kind no protocol has', body: { kind: 'round2', sessionId, round: 2, payload: round1 }, reason: /kind/ },
    { name: 'a round number that is not an integer', body: { kind: 'round', sessionId, round: 1.5, payload: round1 }, reason: /round/ }
  ]
  for (const c of edge) {
    it(`${c.name}: reject with a reason naming the field`, async () => {
      const o = await send(PROTOCOL_SIGN, c.body)
      expect(o).toMatchObject({ kind: 'reply', json: { kind: 'reject' } })
      expect((o as { json: { reason: string } }).json.reason).toMatch(c.reason)
    })
  }

  it('an unknown field beside the payload is kept, not refused (peers are read tolerantly, docs/protocols/versioning.md): ack', async () => {
    expect(await send(PROTOCOL_SIGN, { kind: 'round', sessionId, round: 1, payload: round1, from: '1/1' })).toMatchObject({ kind: 'reply', json: { kind: 'ack' } })
  })

  it('a round message over the direct message limit: closed without an answer (reset or end of stream)', async () => {
    expect((await send(PROTOCOL_SIGN, oversizeFrame(MAX_DIRECT_MESSAGE_BYTES + 1))).kind).toMatch(/^(reset|eof)$/)
  })

  // The payload of a `round` message is checked at the edge against its round's DKLs23 form
  // (protocols/wire/sign.ts RoundMessageSchema), not only inside its session: its sender hears why.
  const payloadCases: Array<{ name: string, round: number, payload: unknown }> = [
    { name: 'ote one byte short (wrong-length base64)', round: 1, payload: { ...round1, ote: Buffer.from(round1.ote, 'base64').subarray(1).toString('base64') } },
    { name: 'ote in non-canonical base64', round: 1, payload: { ...round1, ote: nonCanonical(round1.ote) } },
    { name: 'pair id in uppercase hex', round: 1, payload: { ...round1, pair: 'AB'.repeat(16) } },
    { name: 'a round-2 payload with psi not below n', round: 2, payload: { psi: ORDER.toString(16) } },
    { name: 'round 3 (DKLs23 has two rounds)', round: 3, payload: round1 }
  ]
  for (const c of payloadCases) {
    it(`${c.name}: rejected at the edge, with the reason`, async () => {
      const o = await send(PROTOCOL_SIGN, { kind: 'round', sessionId, round: c.round, payload: c.payload })
      expect(o).toMatchObject({ kind: 'reply', json: { kind: 'reject' } })
    })
  }

  it('a flood of them, while the victim signs: the signature completes and verifies, and no pair state changes', async () => {
    const pairsBefore = await Promise.all(cluster.state.nodes.slice(1).map(async n => await pairStateWith(n.peerId)))
    const digest = keccak_256(new TextEncoder().encode('hostile ecdsa: signed while flooded'))
    let flooding = true
    let sent = 0
    const bodies = [...edge.map(c => c.body), ...payloadCases.map(c => ({ kind: 'round', sessionId: `hostile-${sent}`, round: c.round, payload: c.payload }))]
    const flood = (async () => {
      while (flooding) {
        await Promise.all(Array.from({ length: 8 }, async (_, i) => {
          const body = bodies[(sent + i) % bodies.length] as { sessionId?: string }
          // Unknown session ids, and some random ones (the attacker is in no party, so none is its own).
          await send(PROTOCOL_SIGN, { ...body, ...(i % 2 === 0 && typeof body.sessionId === 'string' ? { sessionId: bytesToHex(randomBytes(12)) } : {}) })
        }))
        sent += 8
      }
    })()
    const started = performance.now()
    const result = await sign({ node: victim.http.url, key, message: digest, requestId: newRequestId() }).finally(() => { flooding = false })
    await flood
    figure('ecdsa sign under a round-message flood', { sent, seconds: (performance.now() - started) / 1000 })
    expect(sent).toBeGreaterThan(0)
    expect(result).toMatchObject({ status: 'completed', scheme: 'ecdsa-secp256k1' })
    expect(result.signers?.map(s => s.peerId)).not.toContain(borrowedPeer)
    expect(verifiesIndependently(key, digest, result.signature!)).toBe(true)
    expect(await Promise.all(cluster.state.nodes.slice(1).map(async n => await pairStateWith(n.peerId)))).toEqual(pairsBefore)
  }, 60_000)

  it('control: a correct setup request from the same peer is accepted and replaces the pair (so the refusals above were the checks)', async () => {
    const before = await pairStateWith(borrowedPeer)
    const o = await send(PROTOCOL_ECDSA_PAIR, validPairRequest(), MAX_ECDSA_PAIR_MESSAGE_BYTES)
    expect(o).toMatchObject({ kind: 'reply', json: { kind: 'accept' } })
    const after = await pairStateWith(borrowedPeer)
    expect(after.id).toBeDefined()
    expect(after.id).not.toBe(before.id)
    // node-3 comes back with its own (older) setup: the victim drops the attacker's, and sets the pair up with node-3
    // once it is back (below), before any session. (Left as it is, the first session between them meets the known bug
    // of test/unit/judge.test.ts: both ends refuse the other's round 1 and both are blamed.)
    await victim.ecdsaPairs.forget(borrowedPeer)
  }, 30_000)
})

describe('dkls23-share answers the coordinator refuses', () => {
  const cheaterPeer = (): string => cluster.state.nodes[CHEATER]!.peerId
  const holders = (): string[][] => [cluster.state.nodes.map(n => n.peerId)]

  beforeAll(async () => {
    await attacker.stop()
    await cluster.start(BORROWED)
    await waitUntil(() => cluster.running().every(n => n.view.liveSet().size === 3), AbortSignal.timeout(20_000), () => describeLiveness(cluster))
    await victim.ecdsaPairs.keysFor([borrowedPeer], AbortSignal.timeout(20_000))
  }, 60_000)
  afterAll(() => { cheat = undefined })

  /**
   * A request id whose first party includes the cheater: the manager the client asks first is another node (a CM
   * picks itself last), and its first party (everyone live, nobody else loaded) has the cheater in it.
   */
  function requestIdWithCheater (): string {
    const { tc, tm } = victim.genesis.params
    const managers = victim.view.roles().managers
    for (;;) {
      const requestId = newRequestId()
      const cm = managerOrder(managers, requestId)[0]!
      if (cm === cheaterPeer()) continue
      const sel = selectParty({ requestId, tc, tm, holders: holders(), live: new Set(cluster.state.nodes.map(n => n.peerId)), load: new Map([[cm, Number.MAX_SAFE_INTEGER]]), excluded: new Set() })
      if (sel.ok && sel.party.some(p => p.peerId === cheaterPeer())) return requestId
    }
  }

  const withEvidence = (c: EcdsaContributionWire, e: Partial<EcdsaContributionWire['evidence']>): EcdsaContributionWire => ({ ...c, evidence: { ...c.evidence, ...e } })
  const forms: Array<{ name: string, change: (c: EcdsaContributionWire) => unknown, blamed: RegExp }> = [
    { name: 'u one more than its own (well formed; its evidence does not fix it)', change: c => ({ ...c, u: ((BigInt('0x' + c.u) + 1n) % ORDER).toString(16).padStart(64, '0') }), blamed: /^invalid-share: .*its final share is not the one its evidence fixes/ },
    // Refused by the answer's schema at the CM's edge: the member's answer counts as none, blamed silent with the schema's reason.
    { name: 'w not below n', change: c => ({ ...c, w: ORDER.toString(16) }), blamed: /^silent: .*malformed response: scalar not below the group order/ },
    { name: 'phi of 32 bytes (wrong length)', change: c => withEvidence(c, { phi: c.evidence.phi.slice(2) }), blamed: /^silent: .*malformed response: expected 33 bytes as lowercase hex/ },
    { name: 'instancePoint in uppercase hex', change: c => ({ ...c, instancePoint: c.instancePoint.toUpperCase() }), blamed: /^silent: .*malformed response: expected 33 bytes as lowercase hex/ },
    // Kept by the tolerant edge, refused by the coordinator's strict reading of the share.
    { name: 'an unknown field in the evidence', change: c => withEvidence(c, { extra: '00' } as never), blamed: /^malformed-answer: .*no well-formed DKLs23 share: .*extra/ }
  ]
  for (const f of forms) {
    it(`${f.name}: the cheater is blamed and left out, and the request completes with another party`, async () => {
      cheat = f.change
      // The CM's first party is the one selectParty gives when all are live and unloaded; a CM that saw otherwise may
      // pick a party without the cheater, which then signs at once: try another request id.
      let requestId = ''
      let digest = new Uint8Array()
      let result
      try {
        for (let tries = 0; tries < MAX_TRIES_FOR_CHEATER_PARTY; tries++) {
          requestId = requestIdWithCheater()
          digest = keccak_256(new TextEncoder().encode(`hostile dkls23-share ${requestId}`))
          result = await sign({ node: victim.http.url, key, message: digest, requestId })
          if (result.attempts > 1 || result.status !== 'completed') break
          expect(result.signers?.map(s => s.peerId), 'a one-attempt signature with the cheater in it').not.toContain(cheaterPeer())
        }
      } finally {
        cheat = undefined
      }
      if (result === undefined) throw new Error('no request made')
      expect(result, JSON.stringify(result)).toMatchObject({ status: 'completed' })
      expect(result.attempts, JSON.stringify(result)).toBeGreaterThanOrEqual(2)
      expect(result.signers?.map(s => s.peerId)).not.toContain(cheaterPeer())
      expect(verifiesIndependently(key, digest, result.signature!)).toBe(true)
      const blamed = cluster.running().flatMap(n => n.blame.recent()).filter(b => b.culprit === cheaterPeer() && b.detail.includes(requestId))
      expect(blamed.length, 'a blame record of the cheater for this request').toBeGreaterThan(0)
      expect(blamed.map(b => `${b.reason}: ${b.detail}`).join('\n')).toMatch(f.blamed)
      // Nobody honest is blamed for it.
      expect(cluster.running().flatMap(n => n.blame.recent()).filter(b => b.detail.includes(requestId) && b.culprit !== cheaterPeer())).toEqual([])
    }, 60_000)
  }
})
