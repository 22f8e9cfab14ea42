// DKG's pure part (protocols/new-user/dkg.ts): the dealers' commit and reveal,
// the transcript checks every client and member runs, the record it sums to,
// and a member's sub-share sum. Each tampering is caught and names its dealer.
import { beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { ownerPublicKey, signBody } from '../../protocols/crypto/owner-auth.js'
import { signAsPeer } from '../../protocols/crypto/peer-signature.js'
import { checkRecord, DealerFault, NewUserRejection } from '../../protocols/new-user/check-record.js'
import { ethereumAddress } from '../../protocols/keys/eth-address.js'
import { sharingCurveOf } from '../../protocols/keys/key-scheme.js'
import {
  checkDealerSet, checkDkgRequest, chooseDealers, contributionDigest, dealContribution, openDkgShare, recordFromTranscript,
  verifyTranscript, checkRecordMatchesTranscript, type DealerOutput
} from '../../protocols/new-user/dkg.js'
import { curveFor, partyCoefficients, pointFromHex, scalarToHex } from '../../protocols/sharing/index.js'
import { DKG_COMMITMENT_KIND, DKG_CONTRIBUTION_KIND, DKG_REQUEST_KIND, type DkgRequest, type DkgTranscript } from '../../protocols/wire/dkg.js'
import { DEFAULT_POLICY, KEY_RECORD_KIND, KEY_SCHEMES, type KeyScheme } from '../../protocols/wire/key-record.js'
import type { Membership } from '../../protocols/wire/membership.js'
import { flipHexByte, newOwner } from '../helpers/owner.js'
import { seeded } from '../helpers/deterministic.js'

interface TestNode { peerId: string, seed: Uint8Array, encryptionSecret: Uint8Array }
const NOW = 1_800_000_000_000
let nodes: TestNode[][]
let membership: Membership

beforeAll(async () => {
  // 3 committees × 3 members with real libp2p Ed25519 identities and X25519 encryption keys.
  nodes = await Promise.all([1, 2, 3].map(async () => await Promise.all([1, 2, 3].map(async () => {
    const key = await generateKeyPair('Ed25519')
    return { peerId: peerIdFromPrivateKey(key).toString(), seed: key.raw.subarray(0, 32), encryptionSecret: x25519.utils.randomSecretKey() }
  }))))
  membership = {
    network: 'dkg-unit', genesisDigest: 'ab'.repeat(32), epoch: 0, params: { committees: 3, tc: 2, tm: 2 },
    committees: nodes.map((c, ci) => c.map((n, mi) => ({
      nodeId: `node-${ci * 3 + mi + 1}`, peerId: n.peerId, http: 'http://127.0.0.1:1', encryptionPublicKey: bytesToHex(x25519.getPublicKey(n.encryptionSecret))
    })))
  }
})

function request (scheme: KeyScheme, owner: Uint8Array, extra: Partial<DkgRequest> = {}): DkgRequest {
  return signBody(DKG_REQUEST_KIND, {
    v: 1 as const, session: 'cd'.repeat(16), scheme, ownerAuthKey: ownerPublicKey(owner), network: membership.network,
    genesisDigest: membership.genesisDigest, epoch: 0, expiresAt: NOW + 30_000, ...extra
  }, owner) as DkgRequest
}

async function runDealers (scheme: KeyScheme, req: DkgRequest, seed: string = scheme): Promise<{ dealers: TestNode[], outputs: DealerOutput[], transcript: DkgTranscript }> {
  const dealers = [nodes[0]![0]!, nodes[1]![1]!, nodes[2]![2]!]
  const outputs = await Promise.all(dealers.map(async (d, i) => await dealContribution(req, membership, d.peerId, d.seed, seeded(`${seed}/${i}`))))
  return { dealers, outputs, transcript: { session: req.session, commitments: outputs.map(o => o.commitment), contributions: outputs.map(o => o.contribution) } }
}

/** A dealer re-signs its (tampered) reveal and a matching commit: only the checks that do not rest on signatures can catch it. */
function resigned (dealer: TestNode, output: DealerOutput, change: (c: DealerOutput['contribution']) => DealerOutput['contribution']): DealerOutput {
  const { signature: _s, ...unsigned } = change(output.contribution)
  const contribution = signAsPeer(DKG_CONTRIBUTION_KIND, unsigned, dealer.seed)
  const { signature: _c, ...commit } = output.commitment
  return { contribution, commitment: signAsPeer(DKG_COMMITMENT_KIND, { ...commit, contributionDigest: contributionDigest(contribution) }, dealer.seed) }
}

describe.each(KEY_SCHEMES)('%s DKG transcript', (scheme) => {
  const curveName = sharingCurveOf(scheme)

  it('verifies, sums to a record members accept, and every member\'s share sum fits it (two parties reconstruct one key)', async () => {
    const owner = newOwner()
    const { transcript } = await runDealers(scheme, request(scheme, owner))
    const verified = verifyTranscript(transcript, membership, scheme)
    const record = signBody(KEY_RECORD_KIND, recordFromTranscript({ scheme, membership, ownerAuthKey: ownerPublicKey(owner), policy: DEFAULT_POLICY, createdAt: NOW }, verified), owner)
    checkRecordMatchesTranscript(record, verified)
    expect(() => checkRecord(record, membership)).not.toThrow()
    if (curveName === 'secp256k1') expect(record.groupPublicKey).toMatch(/^02[0-9a-f]{64}$/)
    // The address is the record's for ecdsa-secp256k1, and nobody else's.
    expect(record.address).toBe(scheme === 'ecdsa-secp256k1' ? ethereumAddress(hexToBytes(record.groupPublicKey)) : undefined)

    const shares = new Map<string, bigint>()
    for (const [ci, c] of nodes.entries()) {
      for (const [mi, n] of c.entries()) {
        const share = await openDkgShare(transcript, verified, membership, { committee: ci + 1, member: mi + 1, peerId: n.peerId }, n.encryptionSecret)
        shares.set(`${ci + 1}/${mi + 1}`, share.expose())
      }
    }
    const curve = curveFor(curveName)
    const params = { scheme: curveName, committees: 3, tc: 2, tm: 2, members: [3, 3, 3] }
    const xs = [new Map([[1, [1, 2]], [3, [2, 3]]]), new Map([[2, [1, 3]], [3, [1, 2]]])].map(party =>
      partyCoefficients(params, party).reduce((x, s) => curve.Fn.add(x, curve.Fn.mul(s.kappa, shares.get(`${s.committee}/${s.member}`)!)), 0n))
    expect(xs[0]).toBe(xs[1])
    expect(curve.pointEquals(curve.mulBase(xs[0]!), pointFromHex(curveName, record.groupPublicKey))).toBe(true)
  })

  it.runIf(curveName === 'secp256k1')('a sum with odd Y is negated into an even-Y key every node accepts', async () => {
    const owner = newOwner()
    // Half of all sums have odd Y: the first of a few seeded sessions that does is the case.
    for (let k = 0; k < 16; k++) {
      const { transcript } = await runDealers(scheme, request(scheme, owner), `${scheme}/odd/${k}`)
      const verified = verifyTranscript(transcript, membership, scheme)
      if (!verified.negated) continue
      const record = signBody(KEY_RECORD_KIND, recordFromTranscript({ scheme, membership, ownerAuthKey: ownerPublicKey(owner), policy: DEFAULT_POLICY, createdAt: NOW }, verified), owner)
      expect(record.groupPublicKey.startsWith('02')).toBe(true)
      expect(() => checkRecord(record, membership)).not.toThrow()
      return
    }
    throw new Error('no seeded session summed to an odd-Y key')
  })

  it('names the dealer whose reveal differs from its commit, whose proof fails, or whose reveal someone else signed', async () => {
    const { dealers, outputs, transcript } = await runDealers(scheme, request(scheme, newOwner()))
    const bad = dealers[1]!.peerId
    const expectFault = (t: DkgTranscript, pattern: RegExp): void => {
      try {
        verifyTranscript(t, membership, scheme)
        throw new Error('no fault found')
      } catch (err) {
        expect(err).toBeInstanceOf(DealerFault)
        expect((err as DealerFault).dealer).toBe(bad)
        expect((err as Error).message).toMatch(pattern)
      }
    }
    // A reveal changed after the commit (the commit is the one it signed before).
    const swapped = { ...transcript, contributions: transcript.contributions.map((c, i) => i === 1 ? resigned(dealers[1]!, outputs[1]!, x => ({ ...x, proof: { ...x.proof, response: scalarToHex(curveName, 1n) } })).contribution : c) }
    expectFault(swapped, /differs from what the dealer committed to/)
    // A consistent commit and reveal whose proof of knowledge fails (e.g. a commitment copied from another dealer).
    const badProof = resigned(dealers[1]!, outputs[1]!, x => ({ ...x, proof: { ...x.proof, response: scalarToHex(curveName, 1n) } }))
    expectFault({ ...transcript, commitments: transcript.commitments.map((c, i) => i === 1 ? badProof.commitment : c), contributions: transcript.contributions.map((c, i) => i === 1 ? badProof.contribution : c) }, /proof of knowledge/)
    // Commitments that do not fit one another.
    const inconsistent = resigned(dealers[1]!, outputs[1]!, x => ({ ...x, commitments: { ...x.commitments, inner: [x.commitments.inner[1]!, x.commitments.inner[0]!, x.commitments.inner[2]!] } }))
    expectFault({ ...transcript, commitments: transcript.commitments.map((c, i) => i === 1 ? inconsistent.commitment : c), contributions: transcript.contributions.map((c, i) => i === 1 ? inconsistent.contribution : c) }, /committee 1/)
    // A reveal signed by someone else.
    const forged = { ...transcript, contributions: transcript.contributions.map((c, i) => i === 1 ? { ...c, signature: flipHexByte(c.signature) } : c) }
    expectFault(forged, /not signed by the dealer/)
  })

  it('a sub-share that does not match its dealer\'s commitments is refused by its member, naming the dealer', async () => {
    const { dealers, outputs, transcript } = await runDealers(scheme, request(scheme, newOwner()))
    // Dealer 3 seals member (2, 1) the sub-share meant for (2, 2): it opens for nobody else, so it is swapped under a re-seal.
    const target = nodes[1]![0]!
    const { sealShare } = await import('../../protocols/crypto/share-seal.js')
    const { dealerSlot } = await import('../../protocols/crypto/dealer-seal.js')
    const { hexToBytes } = await import('@noble/hashes/utils.js')
    const bogus = await sealShare(hexToBytes(membership.committees[1]![0]!.encryptionPublicKey), dealerSlot({ keyId: transcript.session, network: membership.network, epoch: 0 }, dealers[2]!.peerId, 2, 1, target.peerId), new Uint8Array(32).fill(7))
    const tampered = resigned(dealers[2]!, outputs[2]!, x => ({ ...x, shares: x.shares.map((row, c) => row.map((s, m) => c === 1 && m === 0 ? bogus : s)) }))
    const t = { ...transcript, commitments: transcript.commitments.map((c, i) => i === 2 ? tampered.commitment : c), contributions: transcript.contributions.map((c, i) => i === 2 ? tampered.contribution : c) }
    const verified = verifyTranscript(t, membership, scheme)
    await expect(openDkgShare(t, verified, membership, { committee: 2, member: 1, peerId: target.peerId }, target.encryptionSecret))
      .rejects.toMatchObject({ dealer: dealers[2]!.peerId, code: 'bad-dealer-share' })
    // Every other member is unaffected.
    const other = nodes[1]![1]!
    await expect(openDkgShare(t, verified, membership, { committee: 2, member: 2, peerId: other.peerId }, other.encryptionSecret)).resolves.toBeDefined()
  })
})

describe('DKG requests and dealer sets', () => {
  it('checks the owner signature, the network and the lifetime', () => {
    const owner = newOwner()
    expect(() => { checkDkgRequest(request('ed25519', owner), membership, NOW) }).not.toThrow()
    const code = (r: DkgRequest, now = NOW): string => { try { checkDkgRequest(r, membership, now); return 'ok' } catch (err) { return (err as NewUserRejection).code } }
    expect(code({ ...request('ed25519', owner), signature: flipHexByte(request('ed25519', owner).signature) })).toBe('bad-owner-signature')
    expect(code(request('ed25519', owner), NOW + 60_000)).toBe('expired')
    expect(code(request('ed25519', owner, { expiresAt: NOW + 10 * 60_000 }))).toBe('lifetime-too-long')
    expect(code(request('ed25519', owner, { network: 'other' }))).toBe('wrong-network')
    expect(code(request('ed25519', owner, { genesisDigest: '00'.repeat(32) }))).toBe('wrong-genesis')
    expect(code(request('ed25519', owner, { epoch: 1 }))).toBe('wrong-epoch')
  })

  it('needs one dealer from every committee, distinct members, none excluded', () => {
    const [a, b, c] = [nodes[0]![0]!.peerId, nodes[1]![0]!.peerId, nodes[2]![0]!.peerId]
    expect(() => { checkDealerSet([a, b, c], membership) }).not.toThrow()
    expect(() => { checkDealerSet([a, b], membership) }).toThrow(/at least 3/)
    expect(() => { checkDealerSet([a, nodes[0]![1]!.peerId, b], membership) }).toThrow(/every one of 1..3/)
    expect(() => { checkDealerSet([a, a, b], membership) }).toThrow(/twice/)
    expect(() => { checkDealerSet([a, b, 'stranger'], membership) }).toThrow(/not a member/)
    expect(() => { checkDealerSet([a, b, c], membership, [b]) }).toThrow(/excluded/)
  })

  it('chooses the first candidate per committee the owner did not exclude, two from a single committee', () => {
    expect(chooseDealers([['a1', 'a2'], ['b1'], ['c1', 'c2']])).toEqual(['a1', 'b1', 'c1'])
    expect(chooseDealers([['a1', 'a2'], ['b1'], ['c1', 'c2']], ['a1', 'c1'])).toEqual(['a2', 'b1', 'c2'])
    expect(chooseDealers([['a1'], ['b1']], ['b1'])).toBeUndefined()
    expect(chooseDealers([['a1', 'a2', 'a3']])).toEqual(['a1', 'a2'])
  })
})
