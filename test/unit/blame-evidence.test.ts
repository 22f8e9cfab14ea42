// Blame as evidence (issue #17; protocols/sign/share-statement.ts, protocols/sign/blame-evidence.ts):
// a signer signs the share it sends; a CM's invalid-share blame then carries
// that statement with the session's public data, and anyone holding the key's
// public material can redo the check. Real FROST sessions over nested shares,
// both schemes; attacks named after what the attacker tries.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { ownerPublicKey, signBody } from '../../protocols/crypto/owner-auth.js'
import { encodeCommitments, encodeSignatureShare } from '../../protocols/frost/index.js'
import { testFrost } from '../helpers/frost.js'
import { checkBlameEvidence, type EvidenceKey } from '../../protocols/sign/blame-evidence.js'
import { signShareStatement } from '../../protocols/sign/share-statement.js'
import { curveFor, dealNested, publicPart, CURVE_NAMES, type CurveName, type SharingParams } from '../../protocols/sharing/index.js'
import type { InvalidShareEvidence } from '../../protocols/wire/blame-evidence.js'
import type { BlameRecord } from '../../protocols/wire/http.js'
import type { KeyRecord } from '../../protocols/wire/key-record.js'
import { SIGN_REQUEST_KIND, type PartyMember } from '../../protocols/wire/sign.js'
import { seeded } from '../helpers/deterministic.js'
import { newOwner } from '../helpers/owner.js'

const { commit, createSession, decodeCommitments, signShare } = testFrost

const KEY_ID = 'ab'.repeat(16)
const PARTY = new Map([[1, [1, 2]], [2, [1, 3]]])

interface Case { key: EvidenceKey, blame: BlameRecord, evidence: InvalidShareEvidence, seeds: Map<string, Uint8Array> }

/** One session of a 3 × 3 key (tc = tm = 2); the signer at (1, 2) sends `corrupted` (share + 1) or its honest share. */
async function session (scheme: CurveName, corrupted: boolean): Promise<Case> {
  const params: SharingParams = { scheme, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
  const deal = dealNested(params, seeded(`evidence/${scheme}`))
  const owner = newOwner()
  const request = signBody(SIGN_REQUEST_KIND, { v: 1 as const, keyId: KEY_ID, message: bytesToHex(utf8ToBytes(`evidence ${scheme}`)), requestId: 'evidence-0001', expiresAt: 1_900_000_000_000 }, owner)
  const seeds = new Map<string, Uint8Array>()
  const party: PartyMember[] = []
  for (const [committee, members] of PARTY) {
    for (const member of members) {
      const key = await generateKeyPair('Ed25519')
      const peerId = peerIdFromPrivateKey(key).toString()
      seeds.set(peerId, key.raw.subarray(0, 32))
      party.push({ committee, member, peerId })
    }
  }
  const frost = createSession(params, deal.groupPublicKey, PARTY)
  const keys = party.map(m => ({ scheme, committee: m.committee, member: m.member, share: deal.committees[m.committee - 1]!.shares.find(s => s.member === m.member)!.share }))
  const round1 = keys.map(k => commit(k, seeded(`evidence/${scheme}/${k.committee}/${k.member}`)))
  const commitments = round1.map(r => decodeCommitments(scheme, JSON.parse(JSON.stringify(encodeCommitments(r.commitments)))))
  const message = utf8ToBytes(`evidence ${scheme}`)
  const shares = keys.map((k, i) => encodeSignatureShare(signShare(frost, k, round1[i]!.nonces, commitments, message)))
  const culprit = party[1]!
  const honest = shares[1]!
  const curve = curveFor(scheme)
  const sent = corrupted ? { ...honest, share: bytesToHex(curve.encodeScalar(curve.Fn.add(curve.decodeScalar(Buffer.from(honest.share, 'hex')), 1n))) } : honest
  const wire = commitments.map(encodeCommitments)
  const evidence: InvalidShareEvidence = {
    kind: 'invalid-share', request, sessionId: 'session-0001', party, commitments: wire, share: sent,
    statement: signShareStatement({ keyId: KEY_ID, requestId: request.requestId, sessionId: 'session-0001', peerId: culprit.peerId, share: sent, commitments: wire }, seeds.get(culprit.peerId)!)
  }
  return {
    key: { record: { keyId: KEY_ID, scheme, ownerAuthKey: ownerPublicKey(owner) } as KeyRecord, nested: publicPart(deal), params, epoch: 0 },
    blame: { at: 1, culprit: culprit.peerId, reason: 'invalid-share', flow: 'sign', keyId: KEY_ID, committee: 1, detail: 'does not verify', evidence },
    evidence,
    seeds
  }
}

describe.each(CURVE_NAMES)('invalid-share evidence (%s)', scheme => {
  it('proves a share that does not verify, signed by the signer that sent it', async () => {
    const c = await session(scheme, true)
    expect(checkBlameEvidence(testFrost, c.blame, c.key)).toMatchObject({ verdict: 'proven' })
  })

  it('false blame: a CM that blames an honest signer cannot prove it (its signed share verifies)', async () => {
    const c = await session(scheme, false)
    expect(checkBlameEvidence(testFrost, c.blame, c.key)).toMatchObject({ verdict: 'not-proven', detail: expect.stringMatching(/verifies/) })
  })

  it('framing: a made-up share with a statement the accused never signed is not proof', async () => {
    const c = await session(scheme, true)
    const other = [...c.seeds].find(([p]) => p !== c.blame.culprit)!
    const forged = signShareStatement({ keyId: KEY_ID, requestId: c.evidence.request.requestId, sessionId: c.evidence.sessionId, peerId: c.blame.culprit, share: c.evidence.share, commitments: c.evidence.commitments }, other[1])
    expect(checkBlameEvidence(testFrost, { ...c.blame, evidence: { ...c.evidence, statement: forged } }, c.key)).toMatchObject({ verdict: 'not-proven', detail: expect.stringMatching(/not signed/) })
  })

  it('framing: an honest statement moved to other commitments, another session or another signer is not proof', async () => {
    const c = await session(scheme, false)
    // The first two signers' hiding commitments swapped: a list the statement does not cover.
    const swapped = c.evidence.commitments.map((w, i) => i > 1 ? w : { ...w, hiding: c.evidence.commitments[1 - i]!.hiding })
    expect(checkBlameEvidence(testFrost, { ...c.blame, evidence: { ...c.evidence, commitments: swapped } }, c.key).verdict).toBe('not-proven')
    expect(checkBlameEvidence(testFrost, { ...c.blame, evidence: { ...c.evidence, sessionId: 'session-0002' } }, c.key).verdict).toBe('not-proven')
    expect(checkBlameEvidence(testFrost, { ...c.blame, culprit: c.evidence.party[0]!.peerId }, c.key).verdict).toBe('not-proven')
  })

  it('a request its owner did not sign, or a key the checker does not hold, proves nothing', async () => {
    const c = await session(scheme, true)
    const request = { ...c.evidence.request, message: 'ff' }
    expect(checkBlameEvidence(testFrost, { ...c.blame, evidence: { ...c.evidence, request } }, c.key)).toMatchObject({ verdict: 'not-proven', detail: expect.stringMatching(/owner/) })
    expect(checkBlameEvidence(testFrost, c.blame, undefined)).toMatchObject({ verdict: 'not-proven' })
  })
})

describe('what no signed message can show', () => {
  it('silence is unprovable, and says why', () => {
    const silent: BlameRecord = { at: 1, culprit: 'peer-1', reason: 'silent', flow: 'sign', detail: 'no answer', evidence: { kind: 'unprovable', why: 'silence leaves no signed message' } }
    expect(checkBlameEvidence(testFrost, silent, undefined)).toEqual({ verdict: 'unprovable', detail: 'silence leaves no signed message' })
    const older: BlameRecord = { at: 1, culprit: 'peer-1', reason: 'silent', flow: 'sign', detail: 'no answer' }
    expect(checkBlameEvidence(testFrost, older, undefined).verdict).toBe('unprovable')
  })
})
