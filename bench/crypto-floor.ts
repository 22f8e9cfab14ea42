// The in-process crypto floor of one signature for the devnet's party (2 of 3
// committees × 2 of 3 members = 4 signers): the same protocols/frost calls the
// nodes make, with no network, HTTP, store or logging. Used by bench/sign.ts.
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  aggregate, commit, createSession, decodeCommitments, decodeSignatureShare, encodeCommitments, encodeSignatureShare,
  signShare, verifyingShares, verifySignature, type SignerKey
} from '../protocols/frost/index.js'
import { verifyBody } from '../protocols/crypto/owner-auth.js'
import { dealNested, publicPart, type Party, type RandomBytes, type Scheme, type SharingParams } from '../protocols/sharing/index.js'
import { buildSignRequest } from '../cli/client/sign.js'
import { SIGN_REQUEST_KIND } from '../protocols/wire/sign.js'
import type { KeyFile } from '../cli/key-file.js'
import { median, round1 } from './stats.js'

/** The devnet's sharing shape (devnet/params.ts for 9 nodes) and the party every session uses. */
const DEVNET_SHAPE = { committees: 3, tc: 2, tm: 2, members: [3, 3, 3] } as const
const PARTY: Party = new Map([[1, [1, 2]], [2, [1, 2]]])
const MESSAGE_BYTES = 32

const randomBytes: RandomBytes = n => new Uint8Array(nodeRandomBytes(n))

/** Median ms of each step, per call (one signer's, or the coordinator's, or the client's). */
export interface FloorOps {
  /** createSession: party coefficients; every signer and the CM compute it once per session. */
  createSession: number
  /** One signer's round 1. */
  commit: number
  /** One signer's round 2. */
  signShare: number
  /** CM: (κ/λ_flat)·Y for the 4 signers. */
  verifyingShares: number
  /** CM: RFC 9591 aggregate, which already checks the result with the ordinary verifier. */
  aggregate: number
  /** Client: its own check of the returned signature. */
  verify: number
  /** One signer decoding the other 3 round-1 commitments from the wire (point checks). */
  signerWireDecode: number
  /** CM decoding 4 commitments and 4 shares from the signers' answers. */
  coordinatorWireDecode: number
  /** Client: the owner's Ed25519 signature on the request. */
  ownerSign: number
  /** Checking the owner signature; the CM and each of the 4 signers do it. */
  ownerVerify: number
}

export interface CryptoFloor {
  scheme: Scheme
  iterations: number
  signers: number
  ops: FloorOps
  /** Median over iterations of: one signer's createSession + commit + signShare, then the CM's createSession + verifyingShares + aggregate, then the client's verify. */
  criticalPathMs: number
  /** Median over iterations of all of it on one core: 4 signers' rounds, the CM's work and the client's verify. */
  cpuPerSignatureMs: number
  /** cpuPerSignatureMs plus wire decoding and the owner signature (1 sign, 5 verifies): closer to what the nodes compute. */
  cpuWithWireAndAuthMs: number
  /** 1000 / cpuPerSignatureMs × cores: what the floor alone would allow on this machine. */
  ceilingSignaturesPerS: number
}

function timed<T> (samples: number[], f: () => T): T {
  const t = performance.now()
  const out = f()
  samples.push(performance.now() - t)
  return out
}

/** Runs `iterations` full signings of one fresh key (after `warmup` untimed ones) and returns medians. */
export function measureCryptoFloor (scheme: Scheme, opts: { iterations: number, warmup: number, cores: number }): CryptoFloor {
  const params: SharingParams = { scheme, ...DEVNET_SHAPE, members: [...DEVNET_SHAPE.members] }
  const deal = dealNested(params, randomBytes)
  const committees = publicPart(deal).committees
  const keys: SignerKey[] = [...PARTY].flatMap(([committee, members]) => members.map(member => {
    const share = deal.committees[committee - 1]?.shares.find(s => s.member === member)?.share
    if (share === undefined) throw new Error(`no share for committee ${committee} member ${member}`)
    return { scheme, committee, member, share }
  }))
  // A key file only for buildSignRequest: the owner signs, the group key is not read.
  const owner = ed25519.utils.randomSecretKey()
  const ownerPublic = bytesToHex(ed25519.getPublicKey(owner))
  const keyFile: KeyFile = {
    version: 1, keyId: '00'.repeat(16), scheme, groupPublicKey: '', network: 'bench', node: '',
    owner: { publicKey: ownerPublic, secretKey: bytesToHex(owner) }, createdAt: new Date().toISOString()
  }

  const s: Record<keyof FloorOps, number[]> = {
    createSession: [], commit: [], signShare: [], verifyingShares: [], aggregate: [], verify: [],
    signerWireDecode: [], coordinatorWireDecode: [], ownerSign: [], ownerVerify: []
  }
  const critical: number[] = []
  const cpu: number[] = []
  const cpuAll: number[] = []
  for (let i = 0; i < opts.warmup + opts.iterations; i++) {
    const message = randomBytes(MESSAGE_BYTES)
    const it: Record<keyof FloorOps, number[]> = {
      createSession: [], commit: [], signShare: [], verifyingShares: [], aggregate: [], verify: [],
      signerWireDecode: [], coordinatorWireDecode: [], ownerSign: [], ownerVerify: []
    }
    const request = timed(it.ownerSign, () => buildSignRequest(keyFile, message, `bench-${i}-floor`, Date.now() + 60_000))
    for (let v = 0; v < 1 + keys.length; v++) {
      if (!timed(it.ownerVerify, () => verifyBody(SIGN_REQUEST_KIND, request, ownerPublic))) throw new Error('owner signature does not verify')
    }
    // Each signer builds its own session, as the nodes do.
    const sessions = keys.map(() => timed(it.createSession, () => createSession(params, deal.groupPublicKey, PARTY)))
    const round1 = keys.map(k => timed(it.commit, () => commit(k)))
    const wire = round1.map(r => encodeCommitments(r.commitments))
    for (let j = 0; j < keys.length; j++) {
      timed(it.signerWireDecode, () => wire.filter((_, o) => o !== j).map(w => decodeCommitments(scheme, w)))
    }
    const commitments = round1.map(r => r.commitments)
    const shares = keys.map((k, j) => timed(it.signShare, () => signShare(sessions[j]!, k, round1[j]!.nonces, commitments, message)))
    const shareWire = shares.map(encodeSignatureShare)
    timed(it.coordinatorWireDecode, () => [wire.map(w => decodeCommitments(scheme, w)), shareWire.map(w => decodeSignatureShare(scheme, w))])
    const cmSession = timed(it.createSession, () => createSession(params, deal.groupPublicKey, PARTY))
    const vs = timed(it.verifyingShares, () => verifyingShares(cmSession, committees))
    const signature = timed(it.aggregate, () => aggregate(cmSession, vs, commitments, message, shares))
    if (!timed(it.verify, () => verifySignature(scheme, deal.groupPublicKey, message, signature))) throw new Error(`${scheme}: the aggregated signature does not verify`)
    if (i < opts.warmup) continue

    for (const k of Object.keys(s) as Array<keyof FloorOps>) s[k].push(...it[k])
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
    // Signers' sessions are it.createSession[0..3], the CM's is the last one.
    const signerRounds = sum(it.createSession.slice(0, keys.length)) + sum(it.commit) + sum(it.signShare)
    const coordinator = it.createSession[keys.length]! + it.verifyingShares[0]! + it.aggregate[0]!
    critical.push(signerRounds / keys.length + coordinator + it.verify[0]!)
    cpu.push(signerRounds + coordinator + it.verify[0]!)
    cpuAll.push(signerRounds + coordinator + it.verify[0]! + sum(it.signerWireDecode) + it.coordinatorWireDecode[0]! + it.ownerSign[0]! + sum(it.ownerVerify))
  }
  const ops = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round1(median(v))])) as unknown as FloorOps
  const cpuMs = median(cpu)
  return {
    scheme,
    iterations: opts.iterations,
    signers: keys.length,
    ops,
    criticalPathMs: round1(median(critical)),
    cpuPerSignatureMs: round1(cpuMs),
    cpuWithWireAndAuthMs: round1(median(cpuAll)),
    ceilingSignaturesPerS: round1(1000 / cpuMs * opts.cores)
  }
}
