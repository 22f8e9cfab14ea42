// The signer's ledger transitions as pure rules (protocols/sign/ledger-rules.ts): what each
// decides and which of its writes are synced (decisions/0011-ledger-durability.md).
import { describe, expect, it } from 'vitest'
import {
  claimRule, completionRule, contributionRule, recoverRule, releaseDeadRule, releaseRule, type ClaimCandidate, type LedgerEntry
} from '../../protocols/sign/ledger-rules.js'
import type { Contribution } from '../../protocols/wire/sign.js'

const NOW = 1_000_000
const candidate = (coordinator: string, over: Partial<ClaimCandidate> = {}): ClaimCandidate => ({
  requestId: 'req-00000001', keyId: 'k1', requestDigest: 'd1', coordinator, leaseUntil: NOW + 5_000, expiresAt: NOW + 60_000, message: 'ab', ...over
})
const contribution = (sessionId: string, coordinator: string): Contribution => ({
  sessionId, coordinator, party: [{ committee: 1, member: 1, peerId: 'p1' }],
  commitments: [{ committee: 1, member: 1, hiding: '00', binding: '00' }], share: { committee: 1, member: 1, share: '00'.repeat(32) }
})
const claimed = (coordinator: string, instance = 'i1'): LedgerEntry => {
  const r = claimRule(undefined, candidate(coordinator), NOW, instance).result
  if (r.kind !== 'claimed') throw new Error('not claimed')
  return r.entry
}

describe('claimRule', () => {
  it('claims a new request with an unsynced lease of this instance', () => {
    const { result, write } = claimRule(undefined, candidate('cm-a'), NOW, 'i1')
    expect(result).toMatchObject({ kind: 'claimed', first: true, entry: { coordinator: 'cm-a', leasedIn: 'i1', contributed: false } })
    expect(write?.sync).toBe(false)
  })

  it('refuses another message under the same request id as a conflict, and writes nothing', () => {
    expect(claimRule(claimed('cm-a'), candidate('cm-a', { requestDigest: 'd2' }), NOW, 'i1')).toEqual({ result: { kind: 'conflict' } })
  })

  it('keeps another coordinator out while this instance\'s lease runs, and lets it in after, or after a restart', () => {
    const entry = claimed('cm-a', 'i1')
    expect(claimRule(entry, candidate('cm-b'), NOW + 1, 'i1').result).toEqual({ kind: 'leased', by: 'cm-a', until: NOW + 5_000 })
    expect(claimRule(entry, candidate('cm-b'), NOW + 5_000, 'i1').result).toMatchObject({ kind: 'claimed', first: false })
    // The lease was taken by an earlier process (its nonces are gone): it holds nothing.
    expect(claimRule(entry, candidate('cm-b'), NOW + 1, 'i2').result).toMatchObject({ kind: 'claimed' })
  })

  it('holds a request whose share went to a coordinator for good, and hands that share over', () => {
    const entry = { ...claimed('cm-a'), contributed: true, contribution: contribution('s1', 'cm-a'), leaseUntil: 0 }
    expect(claimRule(entry, candidate('cm-b'), NOW + 10 ** 9, 'i9').result).toEqual({ kind: 'held', by: 'cm-a', contribution: entry.contribution })
    // The same coordinator retrying keeps what it got.
    expect(claimRule(entry, candidate('cm-a'), NOW, 'i1').result).toMatchObject({ kind: 'claimed', entry: { contributed: true, contribution: entry.contribution } })
  })

  it('answers a completed request with its signature, and a later expiry is kept synced even when refused', () => {
    const entry = { ...claimed('cm-a'), signature: 'ff' }
    const { result, write } = claimRule(entry, candidate('cm-b', { expiresAt: NOW + 90_000 }), NOW, 'i1')
    expect(result).toEqual({ kind: 'completed', signature: 'ff' })
    expect(write).toEqual({ entry: { ...entry, expiresAt: NOW + 90_000 }, sync: true })
  })
})

describe('contributionRule', () => {
  it('records the contribution synced; refuses when the claim was lost or the session abandoned', () => {
    const entry = claimed('cm-a')
    const c = contribution('s1', 'cm-a')
    expect(contributionRule(entry, entry, c)).toEqual({ result: 'recorded', write: { entry: { ...entry, contributed: true, contribution: c }, sync: true } })
    expect(contributionRule(claimed('cm-b'), entry, c)).toEqual({ result: 'lost' })
    expect(contributionRule(undefined, entry, c)).toEqual({ result: 'lost' })
    expect(contributionRule({ ...entry, abandoned: ['s1'] }, entry, c)).toEqual({ result: 'abandoned' })
  })
})

describe('recoverRule', () => {
  it('hands over the share of that session, or marks the session abandoned, synced, before answering', () => {
    const c = contribution('s1', 'cm-a')
    const entry = { ...claimed('cm-a'), contributed: true, contribution: c }
    expect(recoverRule(entry, entry, 's1')).toEqual({ result: { kind: 'contributed', contribution: c } })
    const other = recoverRule(entry, entry, 's2')
    expect(other.result).toEqual({ kind: 'abandoned' })
    expect(other.write).toMatchObject({ sync: true, entry: { abandoned: ['s2'] } })
    // Nothing here yet: an empty claim any coordinator may take, carrying the mark.
    expect(recoverRule(undefined, candidate('x'), 's3').write).toMatchObject({ sync: true, entry: { coordinator: '', leaseUntil: 0, abandoned: ['s3'] } })
  })
})

describe('releaseDeadRule, releaseRule, completionRule', () => {
  it('frees a share from a dead session and never takes that session up again', () => {
    const entry = { ...claimed('cm-a'), contributed: true, contribution: contribution('s1', 'cm-a') }
    expect(releaseDeadRule(entry, () => false)).toEqual({ result: 'kept' })
    const { result, write } = releaseDeadRule(entry, c => c.sessionId === 's1')
    expect(result).toBe('released')
    expect(write).toMatchObject({ sync: true, entry: { coordinator: '', contributed: false, contribution: undefined, abandoned: ['s1'] } })
    expect(contributionRule(write!.entry, { ...write!.entry!, coordinator: '' }, contribution('s1', '')).result).toBe('abandoned')
  })

  it('undoes a first claim by deleting it, or keeps its abandoned marks', () => {
    const entry = claimed('cm-a')
    expect(releaseRule(entry, entry).write).toEqual({ entry: undefined, sync: false })
    expect(releaseRule({ ...entry, abandoned: ['s0'] }, entry).write).toMatchObject({ entry: { coordinator: '', abandoned: ['s0'] }, sync: true })
    expect(releaseRule({ ...entry, contributed: true }, entry).write).toBeUndefined()
  })

  it('keeps the first completion, unsynced', () => {
    const entry = claimed('cm-a')
    expect(completionRule(entry, 'aa').write).toEqual({ entry: { ...entry, signature: 'aa' }, sync: false })
    expect(completionRule({ ...entry, signature: 'aa' }, 'bb').write).toBeUndefined()
  })
})
