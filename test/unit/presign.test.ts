// Presignatures (docs/protocols/sign.md#presignatures): a signer's nonces made
// ahead are spent by the first session that names them, and by nothing else
// (another manager, key, epoch or commitment burns them); they expire and are
// capped per manager. A manager's stock hands out one per party member or none.
import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { PresignNonces } from '../../node/engine/sign/presign-nonces.js'
import { PresignPool, type PresignTransport } from '../../node/engine/sign/presign-pool.js'
import { encodeCommitments, type SignerKey } from '../../protocols/frost/index.js'
import { testFrost } from '../helpers/frost.js'
import { dealNested, publicPart, type Party, type SharingParams } from '../../protocols/sharing/index.js'
import type { PartyAnswer, PartyMember } from '../../protocols/wire/sign.js'

const { aggregate, createSession, signShare, verifyingShares, verifySignature } = testFrost

const params: SharingParams = { scheme: 'secp256k1', committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
const PARTY: Party = new Map([[1, [1, 2]], [2, [1, 2]]])
const KEY_ID = 'ab'.repeat(16)
const CM = 'peer-cm'

function dealt () {
  const deal = dealNested(params, n => new Uint8Array(randomBytes(n)))
  const keys: SignerKey[] = [...PARTY].flatMap(([c, ms]) => ms.map(m => ({ scheme: params.scheme, committee: c, member: m, share: deal.committees[c - 1]!.shares.find(s => s.member === m)!.share })))
  return { deal, keys }
}

describe('a signer\'s presignatures', () => {
  it('sign once: four members\' presignatures make a valid signature, and none can be taken again', () => {
    const { deal, keys } = dealt()
    const stores = keys.map(() => new PresignNonces({ frost: testFrost }))
    const made = keys.map((k, i) => stores[i]!.make(CM, KEY_ID, 0, k, 3)[1]!)
    const message = new TextEncoder().encode('presigned')
    const session = createSession(params, deal.groupPublicKey, PARTY)
    const commitments = made.map(m => m.commitments)
    const shares = keys.map((k, i) => {
      const round1 = stores[i]!.take(CM, made[i]!.id, KEY_ID, 0, encodeCommitments(made[i]!.commitments))
      expect(round1).toBeDefined()
      return signShare(session, k, round1!.nonces, commitments, message)
    })
    const signature = aggregate(session, verifyingShares(session, publicPart(deal).committees), commitments, message, shares)
    expect(verifySignature(params.scheme, deal.groupPublicKey, message, signature)).toBe(true)
    for (const [i, m] of made.entries()) {
      expect(stores[i]!.take(CM, m.id, KEY_ID, 0, encodeCommitments(m.commitments))).toBeUndefined()
      expect(stores[i]!.count(CM)).toBe(2)
    }
  })

  it('another manager, key, epoch, member or commitment gets nothing, and burns the presignature', () => {
    const { keys } = dealt()
    const store = new PresignNonces({ frost: testFrost })
    const made = store.make(CM, KEY_ID, 3, keys[0]!, 6)
    const wire = made.map(m => encodeCommitments(m.commitments))
    const other = encodeCommitments(store.make('peer-other', KEY_ID, 3, keys[0]!, 1)[0]!.commitments)
    expect(store.take('peer-other', made[0]!.id, KEY_ID, 3, wire[0]!)).toBeUndefined()
    expect(store.take(CM, made[1]!.id, 'cd'.repeat(16), 3, wire[1]!)).toBeUndefined()
    expect(store.take(CM, made[2]!.id, KEY_ID, 4, wire[2]!)).toBeUndefined()
    expect(store.take(CM, made[3]!.id, KEY_ID, 3, { ...wire[3]!, member: 3 })).toBeUndefined()
    expect(store.take(CM, made[4]!.id, KEY_ID, 3, { ...wire[4]!, hiding: other.hiding })).toBeUndefined()
    // The wrong manager asked for made[0] and got nothing; it is still CM's. The other four are burnt.
    expect(store.count(CM)).toBe(2)
    for (const i of [1, 2, 3, 4]) expect(store.take(CM, made[i]!.id, KEY_ID, 3, wire[i]!)).toBeUndefined()
    expect(store.take(CM, made[0]!.id, KEY_ID, 3, wire[0]!)).toBeDefined()
    expect(store.take(CM, made[5]!.id, KEY_ID, 3, wire[5]!)).toBeDefined()
    expect(store.count(CM)).toBe(0)
  })

  it('forgets presignatures after their time to live, and keeps at most the cap per manager (the newest)', () => {
    const { keys } = dealt()
    let now = 1_000_000
    const store = new PresignNonces({ frost: testFrost, ttlMs: 10_000, maxPerManager: 5, now: () => now })
    const old = store.make(CM, KEY_ID, 0, keys[0]!, 2)
    now += 6_000
    const newer = store.make(CM, KEY_ID, 0, keys[0]!, 2)
    expect(store.count(CM)).toBe(4)
    now += 5_000
    // The first two are 11 s old: gone; the next two are 5 s old: kept.
    expect(store.count(CM)).toBe(2)
    expect(store.take(CM, old[0]!.id, KEY_ID, 0, encodeCommitments(old[0]!.commitments))).toBeUndefined()
    const capped = store.make(CM, KEY_ID, 0, keys[0]!, 4)
    expect(store.count(CM)).toBe(5)
    expect(store.take(CM, newer[0]!.id, KEY_ID, 0, encodeCommitments(newer[0]!.commitments))).toBeUndefined()
    expect(store.take(CM, capped[3]!.id, KEY_ID, 0, encodeCommitments(capped[3]!.commitments))).toBeDefined()
  })
})

describe('the managers a member keeps presignatures for', () => {
  it('a manager that stopped asking (it lost its role) loses its expired presignatures when any manager asks again', () => {
    const { keys } = dealt()
    let now = 1_000_000
    const store = new PresignNonces({ frost: testFrost, ttlMs: 10_000, now: () => now })
    store.make('cm-gone', KEY_ID, 0, keys[0]!, 8)
    now += 11_000
    store.make(CM, KEY_ID, 0, keys[0]!, 2)
    expect(store.managers).toBe(1)
    expect(store.size).toBe(2)
  })

  it('keeps presignatures for at most its cap of managers: the least recently asked one\'s go, whatever their age', () => {
    const { keys } = dealt()
    const store = new PresignNonces({ frost: testFrost, maxManagers: 3, now: () => 1_000_000 })
    const first = store.make('cm-1', KEY_ID, 0, keys[0]!, 2)
    store.make('cm-2', KEY_ID, 0, keys[0]!, 2)
    store.make('cm-3', KEY_ID, 0, keys[0]!, 2)
    // cm-1 asks again: now cm-2 is the least recently asked.
    store.make('cm-1', KEY_ID, 0, keys[0]!, 1)
    store.make('cm-4', KEY_ID, 0, keys[0]!, 2)
    expect(store.managers).toBe(3)
    expect(store.count('cm-2')).toBe(0)
    expect(store.count('cm-1')).toBe(3)
    expect(store.size).toBe(7)
    expect(store.take('cm-1', first[0]!.id, KEY_ID, 0, encodeCommitments(first[0]!.commitments))).toBeDefined()
  })
})

describe('a manager\'s presignature stock', () => {
  const members: PartyMember[] = [{ committee: 1, member: 1, peerId: 'p11' }, { committee: 1, member: 2, peerId: 'p12' }, { committee: 2, member: 1, peerId: 'p21' }]
  const { keys } = dealt()
  const keyOf = (m: PartyMember): SignerKey => ({ ...keys[0]!, committee: m.committee, member: m.member })

  /** Members that answer presign from their own PresignNonces, except those in `silent`. */
  function signers (silent = new Set<string>()): { ask: PresignTransport, asked: string[] } {
    const stores = new Map(members.map(m => [m.peerId, new PresignNonces({ frost: testFrost })]))
    const asked: string[] = []
    const ask: PresignTransport = async (member, req) => {
      asked.push(member.peerId)
      if (silent.has(member.peerId)) throw new Error('no answer')
      const made = stores.get(member.peerId)!.make(CM, req.keyId, req.epoch, keyOf(member), req.count)
      return { kind: 'presigned', keyId: req.keyId, epoch: req.epoch, presigned: made.map(p => ({ id: p.id, commitment: encodeCommitments(p.commitments) })) } satisfies PartyAnswer
    }
    return { ask, asked }
  }
  const settle = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 20)) }
  const pool = (ask: PresignTransport, now?: () => number, maxKeys?: number): PresignPool =>
    new PresignPool({ frost: testFrost, ask, log: pino({ level: 'silent' }), signal: new AbortController().signal, batch: 3, lowWater: 2, now, maxKeys })

  it('hands out one per member or none, refills below the low-water mark, once at a time', async () => {
    const { ask, asked } = signers()
    const p = pool(ask)
    expect(p.take(KEY_ID, 0, 'secp256k1', members)).toBeUndefined()
    p.refill(KEY_ID, 0, members.slice(0, 2))
    p.refill(KEY_ID, 0, members.slice(0, 2))
    await settle()
    expect(asked).toEqual(['p11', 'p12'])
    // p21 has none yet: nothing is taken from the others either.
    expect(p.take(KEY_ID, 0, 'secp256k1', members)).toBeUndefined()
    expect(p.held(KEY_ID, 0, 'p11')).toBe(3)
    const two = p.take(KEY_ID, 0, 'secp256k1', members.slice(0, 2))!
    expect(two.wire.map(x => x.commitment.member)).toEqual([1, 2])
    expect(two.decoded.map(c => c.member)).toEqual([1, 2])
    expect(p.held(KEY_ID, 0, 'p11')).toBe(2)
    p.refill(KEY_ID, 0, members.slice(0, 2))
    await settle()
    expect(asked).toHaveLength(2)
    p.take(KEY_ID, 0, 'secp256k1', members.slice(0, 2))
    p.refill(KEY_ID, 0, members.slice(0, 2))
    await settle()
    expect(asked).toHaveLength(4)
    expect(p.held(KEY_ID, 0, 'p12')).toBe(4)
    // Another epoch is another stock.
    expect(p.take(KEY_ID, 1, 'secp256k1', members.slice(0, 2))).toBeUndefined()
    p.forget(KEY_ID, 0, 'p12')
    expect(p.take(KEY_ID, 0, 'secp256k1', members.slice(0, 2))).toBeUndefined()
  })

  it('checks points when a session takes them: a member whose presignature does not decode loses its stock, nothing is taken', async () => {
    const { ask } = signers()
    const broken: PresignTransport = async (member, req, signal) => {
      const answer = await ask(member, req, signal)
      if (member.peerId !== 'p12' || answer.kind !== 'presigned') return answer
      // x = 5 is not the x of any secp256k1 point: the first presignature does not decode.
      return { ...answer, presigned: answer.presigned.map((p, i) => i === 0 ? { ...p, commitment: { ...p.commitment, hiding: '02' + '00'.repeat(31) + '05' } } : p) }
    }
    const p = pool(broken)
    p.refill(KEY_ID, 0, members.slice(0, 2))
    await settle()
    expect(p.take(KEY_ID, 0, 'secp256k1', members.slice(0, 2))).toBeUndefined()
    expect([p.held(KEY_ID, 0, 'p11'), p.held(KEY_ID, 0, 'p12')]).toEqual([3, 0])
  })

  it('keeps stock for a bounded number of keys, dropping the least recently used', async () => {
    const { ask } = signers()
    const p = pool(ask, undefined, 2)
    const [k1, k2, k3, k4] = ['01', '02', '03', '04'].map(b => b.repeat(16))
    for (const k of [k1, k2, k3]) {
      p.refill(k!, 0, members.slice(0, 1))
      await settle()
    }
    expect(p.keys).toBe(2)
    expect(p.held(k1!, 0, 'p11')).toBe(0)
    // Taking from k2 makes it the most recently used: k3 goes next.
    expect(p.take(k2!, 0, 'secp256k1', members.slice(0, 1))).toBeDefined()
    p.refill(k4!, 0, members.slice(0, 1))
    await settle()
    expect([p.held(k2!, 0, 'p11'), p.held(k3!, 0, 'p11'), p.held(k4!, 0, 'p11')]).toEqual([2, 0, 3])
  })

  it('keeps nothing from a member that does not answer or answers for another member, and stops offering old ones', async () => {
    let now = 0
    const { ask } = signers(new Set(['p21']))
    const liar: PresignTransport = async (member, req, signal) => {
      const answer = await ask(members[0]!, req, signal)
      return member.peerId === 'p12' ? answer : await ask(member, req, signal)
    }
    const p = pool(liar, () => now)
    p.refill(KEY_ID, 0, members)
    await settle()
    expect([p.held(KEY_ID, 0, 'p11'), p.held(KEY_ID, 0, 'p12'), p.held(KEY_ID, 0, 'p21')]).toEqual([3, 0, 0])
    expect(p.take(KEY_ID, 0, 'secp256k1', members.slice(0, 1))?.wire).toHaveLength(1)
    now += 10 * 60_000
    expect(p.take(KEY_ID, 0, 'secp256k1', members.slice(0, 1))).toBeUndefined()
  })
})
