// The signer machine (protocols/sign/machine/signer-machine.ts) driven by hand: four party
// members' machines with real FROST (frost-protocol.ts) and a perfect network that delivers
// in order, the CM played by the test. Refusals, the ledger's guarantees and crash/restart
// are checked on the effects; signatures are verified independently (noble).
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { signAbandonment } from '../../protocols/sign/dead-session.js'
import { frostProtocol, type FrostKey } from '../../protocols/sign/machine/frost-protocol.js'
import type { SignerAnswer, SignMachineMessage } from '../../protocols/sign/machine/messages.js'
import { signerMachine } from '../../protocols/sign/machine/signer-machine.js'
import type { KeyLookup, SignerEffect, SignerEvent, SignerState } from '../../protocols/sign/machine/signer-types.js'
import { memberTag, type ThresholdProtocol } from '../../protocols/sign/machine/threshold-protocol.js'
import { toyProtocol, type ToyKey } from '../sim/sign/toy-protocol.js'
import type { LedgerEntry } from '../../protocols/sign/ledger-rules.js'
import type { SignerKey } from '../../protocols/frost/index.js'
import type { NewParty, PartyMember } from '../../protocols/wire/sign.js'
import { seeded } from '../helpers/deterministic.js'
import { testFrost } from '../helpers/frost.js'
import { FIXTURE_T0, signFixture, type SignFixture } from '../helpers/sign-fixture.js'

const CM = 'cm-1'
const PEER_SEED = new Uint8Array(32).fill(7)

/** One node's signer machine with its store: synced writes and the ones a crash may lose. */
class Node {
  readonly machine
  state: SignerState<unknown>
  readonly store = new Map<string, unknown>()
  /** Persist tokens not yet reported back (the test decides when a write completes). */
  readonly writes: Array<{ key: string, value: unknown, sync: boolean, token: string }> = []
  rateAvailable = true
  rateTaken = 0

  constructor (readonly peerId: string, readonly fx: SignFixture, readonly protocol: ThresholdProtocol<unknown, unknown, unknown, unknown> = frostProtocol({ frost: testFrost, peerKey: PEER_SEED }) as never, readonly lookup = fx.lookup as (peerId: string) => KeyLookup<unknown, unknown>) {
    this.machine = signerMachine<unknown, unknown, unknown, unknown>({
      self: peerId, protocol, random: seeded(peerId),
      signAbandonment: at => signAbandonment(at, PEER_SEED)
    })
    this.state = this.machine.restore(new Map(), FIXTURE_T0).state
  }

  stored (keyId: string, requestId: string): LedgerEntry | undefined {
    return this.store.get(`signed/${keyId}/${requestId}`) as LedgerEntry | undefined
  }

  step (event: SignerEvent<unknown, unknown> | SignerEvent<FrostKey, SignerKey>): SignerEffect[] {
    const { state, effects } = this.machine.step(this.state, event as never)
    this.state = state
    for (const e of effects) {
      if (e.kind === 'persist') this.writes.push(e)
      if (e.kind === 'take-rate-token') this.rateTaken++
    }
    return effects
  }

  /** Completes the oldest pending write. */
  complete (nowMs: number): SignerEffect[] {
    const w = this.writes.shift()
    if (w === undefined) return []
    if (w.value === undefined) this.store.delete(w.key)
    else this.store.set(w.key, w.value)
    // The store has it now and the test looks nothing up meanwhile: the machine may let go of its copy.
    return [...this.step({ kind: 'persisted', token: w.token, nowMs }), ...this.step({ kind: 'forget', key: w.key, nowMs })]
  }

  newParty (np: NewParty, nowMs: number, from = CM): SignerEffect[] {
    return this.step({
      kind: 'new-party', from, np, key: this.lookup(this.peerId), stored: this.stored(np.request.keyId, np.request.requestId),
      members: new Set(this.fx.holders.flat()), rateAvailable: this.rateAvailable, nowMs
    })
  }
}

/** Delivers every send among `nodes` in order and completes every write at once; answers to CMs are collected. */
function pump (nodes: Map<string, Node>, first: Array<{ from: string, effects: SignerEffect[] }>, nowMs: number): Array<{ from: string, to: string, answer: SignerAnswer }> {
  const answers: Array<{ from: string, to: string, answer: SignerAnswer }> = []
  const queue = [...first]
  while (queue.length > 0) {
    const { from, effects } = queue.shift()!
    for (const e of effects) {
      if (e.kind !== 'send') continue
      const msg = e.msg as SignMachineMessage
      if (msg.kind === 'answer') { answers.push({ from, to: e.to, answer: msg.answer }); continue }
      const to = nodes.get(e.to)
      if (to !== undefined) queue.push({ from: e.to, effects: to.step({ kind: 'message', from, msg, nowMs }) })
    }
    const node = nodes.get(from)!
    while (node.writes.length > 0) queue.push({ from, effects: node.complete(nowMs) })
  }
  return answers
}

function setup (fx = signFixture()): { fx: SignFixture, party: PartyMember[], nodes: Map<string, Node> } {
  const party = [fx.member(1, 1), fx.member(1, 2), fx.member(2, 1), fx.member(2, 3)]
  return { fx, party, nodes: new Map(party.map(p => [p.peerId, new Node(p.peerId, fx)])) }
}

const newPartyOf = (fx: SignFixture, party: PartyMember[], sessionId = 'session-1', requestId?: string): NewParty =>
  ({ kind: 'new_party', sessionId, request: fx.request({ requestId }), party, epoch: 0 })

function combine (fx: SignFixture, np: NewParty, answers: Array<{ from: string, answer: SignerAnswer }>): string {
  const protocol = frostProtocol({ frost: testFrost })
  const contributions = new Map(answers.map(a => {
    if (a.answer.kind !== 'share') throw new Error(`${a.from} answered ${a.answer.kind}`)
    const member = np.party.find(p => p.peerId === a.from)!
    return [memberTag(member), a.answer.contribution]
  }))
  const combined = protocol.combine({ sessionId: np.sessionId, request: np.request, message: hexToBytes(np.request.message), party: np.party, key: fx.pub }, contributions)
  if (combined.kind !== 'signature') throw new Error(JSON.stringify(combined.culprits))
  return bytesToHex(combined.signature)
}

describe('the signer machine with FROST', () => {
  it('runs round 1 with the party and hands over a share only after its contribution is durable; the shares make a signature noble verifies', () => {
    const { fx, party, nodes } = setup()
    const np = newPartyOf(fx, party)
    const started = party.map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0) }))
    // Nothing is answered before round 1 completes and the write is back.
    expect(started.flatMap(s => s.effects).filter(e => e.kind === 'send' && (e.msg as SignMachineMessage).kind === 'answer')).toEqual([])
    const answers = pump(nodes, started, FIXTURE_T0 + 10)
    expect(answers.map(a => a.answer.kind)).toEqual(['share', 'share', 'share', 'share'])
    for (const p of party) {
      const entry = nodes.get(p.peerId)!.stored(np.request.keyId, np.request.requestId)
      expect(entry).toMatchObject({ coordinator: CM, contributed: true, contribution: { sessionId: 'session-1' } })
      expect(nodes.get(p.peerId)!.rateTaken).toBe(1)
    }
    const signature = combine(fx, np, answers)
    expect(ed25519.verify(hexToBytes(signature), hexToBytes(np.request.message), fx.deal.groupPublicKey.toBytes())).toBe(true)
  })

  it('answers round1-timeout naming the member it never heard from, and sends no share', () => {
    const { fx, party, nodes } = setup()
    const np = newPartyOf(fx, party)
    const absent = party[3]!
    const started = party.filter(p => p !== absent).map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0) }))
    expect(pump(nodes, started, FIXTURE_T0 + 10)).toEqual([])
    const timer = started[0]!.effects.find(e => e.kind === 'set-timer')!
    const timedOut = nodes.get(party[0]!.peerId)!.step({ kind: 'timer', timer: (timer as { timer: string }).timer, nowMs: FIXTURE_T0 + 3_000 })
    const answer = timedOut.find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }
    expect(answer.msg.answer).toMatchObject({ kind: 'reject', code: 'round1-timeout', missing: [absent] })
  })

  it('refuses a second coordinator while the first one\'s lease runs, and after a share went out hands that share over', () => {
    const { fx, party, nodes } = setup()
    const np = newPartyOf(fx, party)
    const node = nodes.get(party[0]!.peerId)!
    node.newParty(np, FIXTURE_T0)
    const leased = node.newParty({ ...np, sessionId: 'session-2' }, FIXTURE_T0 + 1, 'cm-2').find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }
    expect(leased.msg.answer).toMatchObject({ kind: 'reject', code: 'leased-by-other-coordinator', retryAfterMs: 7_999 })
    pump(nodes, party.slice(1).map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0) })), FIXTURE_T0 + 2)
    pump(nodes, [{ from: node.peerId, effects: [] }], FIXTURE_T0 + 2)
    const handed = node.newParty({ ...np, sessionId: 'session-3' }, FIXTURE_T0 + 60_000 - 31_000, 'cm-2').find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }
    expect(handed.msg.answer).toMatchObject({ kind: 'contributed', contribution: { sessionId: 'session-1', coordinator: CM } })
  })

  it('over the key\'s rate limit: refuses and undoes its claim, so the request is free again', () => {
    const { fx, party, nodes } = setup()
    const node = nodes.get(party[0]!.peerId)!
    node.rateAvailable = false
    const np = newPartyOf(fx, party)
    const effects = node.newParty(np, FIXTURE_T0)
    expect((effects.find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }).msg.answer).toMatchObject({ kind: 'reject', code: 'rate-limited' })
    expect(effects.filter(e => e.kind === 'persist').map(e => (e as { value: unknown }).value)).toEqual([expect.objectContaining({ coordinator: CM }), undefined])
    expect(node.rateTaken).toBe(0)
  })

  it('a recover before its share: the session is abandoned for good (synced) with the signer\'s signed word, and its share never leaves', () => {
    const { fx, party, nodes } = setup()
    const np = newPartyOf(fx, party)
    const node = nodes.get(party[0]!.peerId)!
    const recovered = node.step({ kind: 'recover', from: 'cm-2', req: { kind: 'recover', request: np.request, sessionId: np.sessionId }, key: fx.lookup(node.peerId), stored: undefined, nowMs: FIXTURE_T0 })
    const answer = (recovered.find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }).msg.answer
    expect(answer).toMatchObject({ kind: 'reject', code: 'no-contribution' })
    // Signed with this node's libp2p key (Ed25519, deterministic): exactly what it signs for that session.
    expect(answer.kind === 'reject' && answer.abandoned).toEqual(signAbandonment({ keyId: np.request.keyId, requestId: np.request.requestId, sessionId: np.sessionId, peerId: node.peerId }, PEER_SEED))
    expect(recovered.find(e => e.kind === 'persist')).toMatchObject({ sync: true, value: { abandoned: [np.sessionId] } })
    const answers = pump(nodes, party.map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0 + 1) })), FIXTURE_T0 + 1)
    expect(answers.find(a => a.from === node.peerId)?.answer).toMatchObject({ kind: 'reject', code: 'session-abandoned' })
  })

  it('after a crash it knows only what its store kept: a durable contribution is handed over, the lost session\'s lease holds nothing', () => {
    const { fx, party, nodes } = setup()
    const np = newPartyOf(fx, party)
    pump(nodes, party.map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0) })), FIXTURE_T0)
    const before = nodes.get(party[0]!.peerId)!
    const restarted = new Node(before.peerId, fx)
    restarted.state = restarted.machine.restore(before.store, FIXTURE_T0 + 100).state
    for (const [k, v] of before.store) restarted.store.set(k, v)
    const handed = restarted.newParty({ ...np, sessionId: 'session-2' }, FIXTURE_T0 + 200, 'cm-2').find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }
    expect(handed.msg.answer).toMatchObject({ kind: 'contributed', contribution: { sessionId: 'session-1' } })

    // Another request: claimed (a lease, unsynced) but the node crashed before any share. The restarted node serves another CM at once.
    const second = newPartyOf(fx, party, 'session-9', 'request-0002')
    const node = nodes.get(party[1]!.peerId)!
    node.newParty(second, FIXTURE_T0)
    node.complete(FIXTURE_T0)
    const after = new Node(node.peerId, fx)
    after.state = after.machine.restore(node.store, FIXTURE_T0 + 10).state
    for (const [k, v] of node.store) after.store.set(k, v)
    const effects = after.newParty({ ...second, sessionId: 'session-10' }, FIXTURE_T0 + 20, 'cm-2')
    expect(effects.filter(e => e.kind === 'send').map(e => ((e as { msg: SignMachineMessage }).msg as { kind: string }).kind)).toEqual(['round', 'round', 'round'])
  })

  it('keeps a completion notice only when its signature verifies', () => {
    const { fx, party, nodes } = setup()
    const np = newPartyOf(fx, party)
    const answers = pump(nodes, party.map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0) })), FIXTURE_T0)
    const signature = combine(fx, np, answers)
    const node = nodes.get(party[0]!.peerId)!
    const notice = (sig: string): SignerEffect[] => node.step({
      kind: 'completed', from: CM, msg: { kind: 'completed', keyId: np.request.keyId, requestId: np.request.requestId, signature: sig }, key: fx.lookup(node.peerId), stored: node.stored(np.request.keyId, np.request.requestId), nowMs: FIXTURE_T0
    })
    expect(notice('00'.repeat(64)).filter(e => e.kind === 'persist')).toEqual([])
    expect(notice(signature).find(e => e.kind === 'persist')).toMatchObject({ sync: false, value: { signature } })
    node.complete(FIXTURE_T0)
    const again = node.newParty({ ...np, sessionId: 'session-2' }, FIXTURE_T0 + 1, 'cm-2').find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } }
    expect(again.msg.answer).toEqual({ kind: 'completed-before', sessionId: 'session-2', signature })
  })

  it('refuses what it cannot sign: a party naming a slot wrongly, a member without a share, an expired request, another epoch', () => {
    const { fx, party, nodes } = setup()
    const node = nodes.get(party[0]!.peerId)!
    const code = (effects: SignerEffect[]): string | undefined => ((effects.find(e => e.kind === 'send') as { msg: { answer: SignerAnswer } } | undefined)?.msg.answer as { code?: string })?.code
    const np = newPartyOf(fx, party)
    expect(code(node.newParty({ ...np, party: [party[1]!, ...party.slice(1)] }, FIXTURE_T0))).toBe('invalid-party')
    expect(code(node.newParty({ ...np, epoch: 3 }, FIXTURE_T0))).toBe('wrong-epoch')
    expect(code(node.newParty(np, FIXTURE_T0 + 10 * 60_000))).toBe('expired')
    const bare = node.step({
      kind: 'new-party', from: CM, np, key: { ...fx.lookup(node.peerId), secret: undefined } as never, stored: undefined, members: new Set(), rateAvailable: true, nowMs: FIXTURE_T0
    })
    expect(code(bare)).toBe('no-share')
    expect(code(node.newParty({ ...np, presigned: [{ id: 'x'.repeat(16), commitment: { committee: 1, member: 1, hiding: '00', binding: '00' } }] }, FIXTURE_T0))).toBe('presign-unknown')
  })
})

describe('the signer machine with another protocol', () => {
  it('runs a three-round protocol with point-to-point messages (test/sim/sign/toy-protocol.ts) unchanged, and the contributions combine', () => {
    const fx = signFixture()
    const party = [fx.member(1, 1), fx.member(1, 2), fx.member(3, 1), fx.member(3, 2)]
    const key: ToyKey = { secrets: new Map(party.map(p => [memberTag(p), `secret-${p.peerId}`])), groupSecret: 'group' }
    const lookup = (peerId: string): KeyLookup<unknown, unknown> => ({ kind: 'found', record: fx.record, state: fx.state, pub: key, secret: `secret-${peerId}` })
    const nodes = new Map(party.map(p => [p.peerId, new Node(p.peerId, fx, toyProtocol as never, lookup)]))
    const np = newPartyOf(fx, party)
    const started = party.map(p => ({ from: p.peerId, effects: nodes.get(p.peerId)!.newParty(np, FIXTURE_T0) }))
    // Round 2 is point-to-point: each member sends one message to each other member, not one to all.
    const answers = pump(nodes, started, FIXTURE_T0 + 1)
    expect(answers.map(a => a.answer.kind)).toEqual(['share', 'share', 'share', 'share'])
    const contributions = new Map(answers.map(a => [memberTag(party.find(p => p.peerId === a.from)!), (a.answer as { contribution: unknown }).contribution]))
    const facts = { sessionId: np.sessionId, request: np.request, message: hexToBytes(np.request.message), party, key }
    const combined = toyProtocol.combine(facts, contributions)
    expect(combined.kind === 'signature' && toyProtocol.verify(key, facts.message, combined.signature)).toBe(true)
    // A member whose proof is wrong is named.
    const tampered = new Map(contributions).set(memberTag(party[2]!), { ...(contributions.get(memberTag(party[2]!)) as object), proof: 'bad' })
    expect(toyProtocol.combine(facts, tampered)).toMatchObject({ kind: 'culprits', culprits: [{ member: party[2], reason: 'invalid-share' }] })
  })
})
