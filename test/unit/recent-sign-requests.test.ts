import { describe, expect, it } from 'vitest'
import { RecentSignRequests } from '../../node/engine/sign/recent.js'
import { RECENT_SIGN_REQUESTS_COUNT } from '../../protocols/constants.js'
import type { SignResult } from '../../protocols/wire/sign.js'

function result (i: number, over: Partial<SignResult> = {}): SignResult {
  return {
    requestId: `request-${String(i).padStart(4, '0')}`, keyId: 'cd'.repeat(16), status: 'completed', scheme: 'secp256k1', groupPublicKey: '02' + '11'.repeat(32), attempts: 1,
    signature: 'ee'.repeat(64), signers: [{ committee: 1, member: 2, peerId: 'peer-4' }], ...over
  }
}

describe('the CM\'s recent sign requests (status page)', () => {
  it(`keeps the newest ${RECENT_SIGN_REQUESTS_COUNT}, newest first`, () => {
    const recent = new RecentSignRequests()
    for (let i = 1; i <= RECENT_SIGN_REQUESTS_COUNT + 7; i++) recent.add(result(i), 1_000 * i, 1_000 * i + i)
    const list = recent.list()
    expect(list).toHaveLength(RECENT_SIGN_REQUESTS_COUNT)
    expect(list[0]).toEqual({
      requestId: `request-${String(RECENT_SIGN_REQUESTS_COUNT + 7).padStart(4, '0')}`, keyId: 'cd'.repeat(16), scheme: 'secp256k1', status: 'completed', attempts: 1,
      latencyMs: RECENT_SIGN_REQUESTS_COUNT + 7, finishedAt: 1_000 * (RECENT_SIGN_REQUESTS_COUNT + 7) + RECENT_SIGN_REQUESTS_COUNT + 7, signers: [{ committee: 1, member: 2, peerId: 'peer-4' }]
    })
    expect(list.at(-1)!.requestId).toBe('request-0008')
  })

  it('ignores a pending result, lists a failed one without signers and with its reason shortened', () => {
    const recent = new RecentSignRequests(3)
    recent.add(result(1, { status: 'pending' }), 0, 10)
    expect(recent.list()).toEqual([])
    recent.add(result(2, { status: 'failed', signers: undefined, signature: undefined, reason: 'blamed: '.repeat(200), attempts: 4 }), 100, 5_100)
    const [failed] = recent.list()
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, latencyMs: 5_000, signers: [] })
    expect(failed!.reason!.length).toBeLessThanOrEqual(300)
    expect(failed!.reason!.endsWith('…')).toBe(true)
  })

  it('is a copy: a later change to the result or the list does not alter what was recorded', () => {
    const recent = new RecentSignRequests(3)
    const r = result(1)
    recent.add(r, 0, 1)
    r.signers![0]!.peerId = 'someone-else'
    recent.list().pop()
    expect(recent.list()[0]!.signers[0]!.peerId).toBe('peer-4')
  })
})
