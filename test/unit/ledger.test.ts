// A signer's ledger on a real store: one coordinator per request, a lease that
// a second coordinator can take over only while no share was sent.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LEDGER_PREFIX, SignLedger, type LedgerEntry } from '../../node/engine/sign/ledger.js'
import type { Contribution } from '../../protocols/wire/sign.js'
import { openStore, type BatchOp, type KeyStore } from '../../node/store/index.js'

let dir: string
let store: KeyStore
let ledger: SignLedger
const T0 = 1_000_000

const contributionTo = (coordinator: string, sessionId = 'session-1'): Contribution => ({
  sessionId, coordinator, party: [{ committee: 1, member: 1, peerId: 'p1' }],
  commitments: [{ committee: 1, member: 1, hiding: 'aa', binding: 'bb' }], share: { committee: 1, member: 1, share: '11'.repeat(32) }
})

const claimBy = (coordinator: string, over: Partial<LedgerEntry> = {}): Omit<LedgerEntry, 'contributed' | 'signature' | 'contribution'> =>
  ({ requestId: 'req-00000001', keyId: 'ab'.repeat(16), requestDigest: 'd1', coordinator, leaseUntil: T0 + 8_000, expiresAt: T0 + 60_000, message: '00', ...over })

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-ledger-'))
  store = await openStore({ path: dir, passphrase: 'test', scrypt: { N: 2 ** 10 } })
  ledger = new SignLedger(store)
})
afterEach(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

describe('SignLedger', () => {
  it('gives a request to one coordinator at a time: a second one is told about the lease', async () => {
    expect(await ledger.claim(claimBy('cm-a'), T0)).toMatchObject({ kind: 'claimed', first: true })
    expect(await ledger.claim(claimBy('cm-b'), T0 + 1_000)).toEqual({ kind: 'leased', by: 'cm-a', until: T0 + 8_000 })
    expect(await ledger.claim(claimBy('cm-a'), T0 + 1_000)).toMatchObject({ kind: 'claimed', first: false })
  })

  it('drops a lease taken before a restart (its nonces died with the process), never a share sent before it', async () => {
    await ledger.claim(claimBy('cm-a'), T0)
    const restarted = new SignLedger(store)
    expect(await restarted.claim(claimBy('cm-b'), T0 + 1_000)).toMatchObject({ kind: 'claimed', entry: { coordinator: 'cm-b' } })
    // Leases the restarted ledger takes itself hold as before.
    expect(await restarted.claim(claimBy('cm-c'), T0 + 2_000)).toMatchObject({ kind: 'leased', by: 'cm-b' })
    const claim = await restarted.claim(claimBy('cm-b'), T0 + 2_000)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    expect(await restarted.recordContribution(claim.entry, contributionTo('cm-b'))).toBe('recorded')
    expect(await new SignLedger(store).claim(claimBy('cm-c'), T0 + 3_000)).toMatchObject({ kind: 'held', by: 'cm-b' })
  })

  it('lets another coordinator take over a lease that ended with no share sent (the first CM died)', async () => {
    await ledger.claim(claimBy('cm-a'), T0)
    const taken = await ledger.claim(claimBy('cm-b', { leaseUntil: T0 + 20_000 }), T0 + 9_000)
    expect(taken).toMatchObject({ kind: 'claimed', entry: { coordinator: 'cm-b' } })
  })

  it('never hands a request to a second coordinator once a share went to the first, but tells it which session got the share', async () => {
    const claim = await ledger.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    expect(await ledger.recordContribution(claim.entry, contributionTo('cm-a'))).toBe('recorded')
    expect(await ledger.claim(claimBy('cm-b'), T0 + 60_000)).toEqual({ kind: 'held', by: 'cm-a', contribution: contributionTo('cm-a') })
    // The contribution survives a retry by the same coordinator until it contributes again.
    expect(await ledger.claim(claimBy('cm-a'), T0 + 1_000)).toMatchObject({ kind: 'claimed', entry: { contributed: true, contribution: contributionTo('cm-a') } })
  })

  it('hands a sent share to a recover, and abandons a session it sent nothing to for good', async () => {
    const claim = await ledger.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    const template = claimBy('cm-a')
    // Asked before its share was ready: the session is abandoned here, and the share never recorded.
    expect(await ledger.recoverOrAbandon(template, 'session-1')).toEqual({ kind: 'abandoned' })
    expect(await ledger.recordContribution(claim.entry, contributionTo('cm-a', 'session-1'))).toBe('abandoned')
    // Another session of the same coordinator is not affected, and a recover then gets its share.
    expect(await ledger.recordContribution(claim.entry, contributionTo('cm-a', 'session-2'))).toBe('recorded')
    expect(await ledger.recoverOrAbandon(template, 'session-2')).toEqual({ kind: 'contributed', contribution: contributionTo('cm-a', 'session-2') })
    expect(await ledger.recoverOrAbandon({ ...template, requestDigest: 'other' }, 'session-2')).toEqual({ kind: 'conflict' })
  })

  it('a recover for a request it never saw leaves a mark, not a claim: the first real claim still takes a rate token', async () => {
    expect(await ledger.recoverOrAbandon(claimBy('cm-a'), 'session-x')).toEqual({ kind: 'abandoned' })
    const claim = await ledger.claim(claimBy('cm-b'), T0)
    expect(claim).toMatchObject({ kind: 'claimed', first: true, entry: { coordinator: 'cm-b', abandoned: ['session-x'] } })
  })

  it('refuses to record a share for a claim another coordinator took over meanwhile', async () => {
    const slow = await ledger.claim(claimBy('cm-a'), T0)
    if (slow.kind !== 'claimed') throw new Error('no claim')
    await ledger.claim(claimBy('cm-b', { leaseUntil: T0 + 20_000 }), T0 + 9_000)
    expect(await ledger.recordContribution(slow.entry, contributionTo('cm-a'))).toBe('lost')
  })

  it('answers a completed request with its signature, another message under the id with conflict', async () => {
    const claim = await ledger.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    await ledger.recordContribution(claim.entry, contributionTo('cm-a'))
    await ledger.recordCompletion(claim.entry.keyId, claim.entry.requestId, 'ff'.repeat(64))
    expect(await ledger.claim(claimBy('cm-b'), T0)).toEqual({ kind: 'completed', signature: 'ff'.repeat(64) })
    expect(await ledger.claim(claimBy('cm-a', { requestDigest: 'other' }), T0)).toEqual({ kind: 'conflict' })
  })

  it('scopes request ids by key', async () => {
    await ledger.claim(claimBy('cm-a'), T0)
    expect(await ledger.claim(claimBy('cm-b', { keyId: 'cd'.repeat(16) }), T0)).toMatchObject({ kind: 'claimed', first: true })
  })

  it('releases a first claim that led nowhere, and two concurrent claims never both win', async () => {
    const claim = await ledger.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    await ledger.release(claim.entry)
    const [x, y] = await Promise.all([ledger.claim(claimBy('cm-x'), T0), ledger.claim(claimBy('cm-y'), T0)])
    expect([x.kind, y.kind].sort()).toEqual(['claimed', 'leased'])
  })

  it('syncs what keeps one request from two signatures (contribution, abandoned marks) and nothing else; a new ledger on the same store reads it all back', async () => {
    const writes: Array<{ sync: boolean, contributed: boolean, abandoned: boolean, signature: boolean }> = []
    const noted = (value: unknown, opts?: { sync?: boolean }): void => {
      const e = value as LedgerEntry
      writes.push({ sync: opts?.sync === true, contributed: e.contributed, abandoned: (e.abandoned?.length ?? 0) > 0, signature: e.signature !== undefined })
    }
    const spy = {
      getJson: async (key: string) => await store.getJson(key),
      delete: async (key: string, opts?: { sync?: boolean }) => { await store.delete(key, opts) },
      putJson: async (key: string, value: unknown, opts?: { sync?: boolean }) => {
        noted(value, opts)
        await store.putJson(key, value, opts)
      },
      // A new entry is written with its expiry index record (retention), in one batch.
      batch: async (ops: BatchOp[], opts?: { sync?: boolean }) => {
        for (const op of ops) if (op.type === 'put' && op.key.startsWith(LEDGER_PREFIX)) noted(JSON.parse(new TextDecoder().decode(op.value)), opts)
        await store.batch(ops, opts)
      }
    } as unknown as KeyStore
    const spied = new SignLedger(spy)
    const claim = await spied.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    await spied.recordContribution(claim.entry, contributionTo('cm-a'))
    await spied.recordCompletion(claim.entry.keyId, claim.entry.requestId, 'ff'.repeat(64))
    await spied.recoverOrAbandon({ requestId: 'req-00000002', keyId: 'ab'.repeat(16), requestDigest: 'd2', expiresAt: T0 + 60_000, message: '00' }, 'session-x')
    expect(writes).toEqual([
      { sync: false, contributed: false, abandoned: false, signature: false }, // the claim: a lease
      { sync: true, contributed: true, abandoned: false, signature: false }, // before the share leaves
      { sync: false, contributed: true, abandoned: false, signature: true }, // the completion
      { sync: true, contributed: false, abandoned: true, signature: false } // before the recover is answered
    ])
    const fresh = new SignLedger(store)
    expect(await fresh.get(claim.entry.keyId, claim.entry.requestId)).toMatchObject({ contributed: true, signature: 'ff'.repeat(64), coordinator: 'cm-a' })
    expect(await fresh.claim(claimBy('cm-b', { requestId: 'req-00000002', requestDigest: 'd2' }), T0)).toMatchObject({ kind: 'claimed' })
  })

  it('answers a claim before its store write ends, and never lets that write land after the contribution that follows', async () => {
    let releaseClaimWrite = (): void => {}
    const gate = new Promise<void>(resolve => { releaseClaimWrite = resolve })
    const order: string[] = []
    const gated = async (value: unknown, write: () => Promise<void>): Promise<void> => {
      const contributed = (value as LedgerEntry).contributed
      order.push(`start ${contributed ? 'contribution' : 'claim'}`)
      if (!contributed) await gate
      await write()
      order.push(`end ${contributed ? 'contribution' : 'claim'}`)
    }
    const spy = {
      getJson: async (key: string) => await store.getJson(key),
      delete: async (key: string, opts?: { sync?: boolean }) => { await store.delete(key, opts) },
      putJson: async (key: string, value: unknown, opts?: { sync?: boolean }) => { await gated(value, async () => { await store.putJson(key, value, opts) }) },
      // A new entry is written with its expiry index record (retention), in one batch.
      batch: async (ops: BatchOp[], opts?: { sync?: boolean }) => {
        const entry = ops.find(op => op.type === 'put' && op.key.startsWith(LEDGER_PREFIX))
        await gated(entry?.type === 'put' ? JSON.parse(new TextDecoder().decode(entry.value)) : {}, async () => { await store.batch(ops, opts) })
      }
    } as unknown as KeyStore
    const spied = new SignLedger(spy)
    const claim = await spied.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    // The claim was answered while its write is still held at the gate.
    expect(order).toEqual(['start claim'])
    const recording = spied.recordContribution(claim.entry, contributionTo('cm-a'))
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(order).toEqual(['start claim'])
    releaseClaimWrite()
    expect(await recording).toBe('recorded')
    expect(order).toEqual(['start claim', 'end claim', 'start contribution', 'end contribution'])
    expect(await new SignLedger(store).get(claim.entry.keyId, claim.entry.requestId)).toMatchObject({ contributed: true })
  })
})
