// The in-process crypto floor of one signature for the devnet's party (2 of 3
// committees × 2 of 3 members = 4 signers): the same protocols/frost calls the
// nodes make, with no network, HTTP, store or logging. Used by bench/sign.ts.
// Each call is timed in process CPU time as well as wall time: on a shared,
// busy machine wall time also counts the time other processes held the core.
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeSignatureShare, encodeCommitments, encodeSignatureShare, type Frost, type SignerKey } from '../protocols/frost/index.js'
import { verifyBody } from '../protocols/crypto/owner-auth.js'
import { dealNested, publicPart, type Party, type RandomBytes, type CurveName, type SharingParams } from '../protocols/sharing/index.js'
import { buildSignRequest } from '../cli/client/sign.js'
import { SigningContext } from '../cli/client/signing-context.js'
import { SIGN_REQUEST_KIND } from '../protocols/wire/sign.js'
import type { KeyFile } from '../cli/key-file.js'
import { median, round1, round2 } from './stats.js'

/** The devnet's sharing shape (devnet/params.ts for 9 nodes) and the party every session uses. */
const DEVNET_SHAPE = { committees: 3, tc: 2, tm: 2, members: [3, 3, 3] } as const
const PARTY: Party = new Map([[1, [1, 2]], [2, [1, 2]]])
const MESSAGE_BYTES = 32

const randomBytes: RandomBytes = n => new Uint8Array(nodeRandomBytes(n))

/** Median ms of each step, per call (one signer's, or the coordinator's, or the client's), in CPU time. */
export interface FloorOps {
  /** createSession: party coefficients; every signer and the CM compute it once per session. */
  createSession: number
  /** One signer's round 1. */
  commit: number
  /** One signer's round 2. */
  signShare: number
  /** CM: the 4 signers' verifying shares Y_{c,m} (computed once per key record and member, then cached). */
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
  scheme: CurveName
  iterations: number
  signers: number
  ops: FloorOps
  /** The same steps in wall time: higher than `ops` by what other processes took from this one. */
  opsWallMs: FloorOps
  /** Median over iterations (CPU time) of: one signer's createSession + commit + signShare, then the CM's createSession + verifyingShares + aggregate, then the client's verify. */
  criticalPathMs: number
  /** Median over iterations (CPU time) of all of it on one core: 4 signers' rounds, the CM's work and the client's verify. */
  cpuPerSignatureMs: number
  /** cpuPerSignatureMs plus wire decoding and the owner signature (1 sign, 5 verifies): closer to what the nodes compute. */
  cpuWithWireAndAuthMs: number
  /** The three figures above in wall time. */
  wallMs: { criticalPath: number, perSignature: number, withWireAndAuth: number }
  /** 1000 / cpuPerSignatureMs × cores: what the floor alone would allow on this machine. */
  ceilingSignaturesPerS: number
}

interface Timings { cpu: Record<keyof FloorOps, number[]>, wall: Record<keyof FloorOps, number[]> }

function emptyTimings (): Timings {
  const empty = (): Record<keyof FloorOps, number[]> => ({
    createSession: [], commit: [], signShare: [], verifyingShares: [], aggregate: [], verify: [],
    signerWireDecode: [], coordinatorWireDecode: [], ownerSign: [], ownerVerify: []
  })
  return { cpu: empty(), wall: empty() }
}

/** Runs `f`, adding its CPU time (user + system of this process) and wall time to `op`'s samples. */
function timed<T> (into: Timings, op: keyof FloorOps, f: () => T): T {
  const cpu = process.cpuUsage()
  const t = performance.now()
  const out = f()
  into.wall[op].push(performance.now() - t)
  const used = process.cpuUsage(cpu)
  into.cpu[op].push((used.user + used.system) / 1000)
  return out
}

/**
 * Runs `iterations` full signings of one fresh key (after `warmup` untimed ones) and returns medians.
 * `frostOnly` leaves out the owner signature and the wire decoding (their medians are then NaN), so
 * that their garbage is not collected inside the FROST steps' timings (bench/frost.ts). `frost` is the
 * backend measured; keep one across calls, as a node keeps one for its life.
 */
export function measureCryptoFloor (scheme: CurveName, opts: { frost: Frost, iterations: number, warmup: number, cores: number, frostOnly?: boolean }): CryptoFloor {
  const { aggregate, commit, createSession, decodeCommitments, signShare, verifyingShares, verifySignature } = opts.frost
  const withAuth = opts.frostOnly !== true
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

  // Made once, as a client signing many requests keeps it: the owner key object is not rebuilt per request.
  const context = new SigningContext(opts.frost)
  const all = emptyTimings()
  const totals = { cpu: emptyTotals(), wall: emptyTotals() }
  for (let i = 0; i < opts.warmup + opts.iterations; i++) {
    const message = randomBytes(MESSAGE_BYTES)
    const t = emptyTimings()
    if (withAuth) {
      const request = timed(t, 'ownerSign', () => buildSignRequest(keyFile, message, `bench-${i}-floor`, Date.now() + 60_000, context))
      for (let v = 0; v < 1 + keys.length; v++) {
        if (!timed(t, 'ownerVerify', () => verifyBody(SIGN_REQUEST_KIND, request, ownerPublic))) throw new Error('owner signature does not verify')
      }
    }
    // Each signer builds its own session, as the nodes do.
    const sessions = keys.map(() => timed(t, 'createSession', () => createSession(params, deal.groupPublicKey, PARTY)))
    const round1 = keys.map(k => timed(t, 'commit', () => commit(k)))
    const wire = round1.map(r => encodeCommitments(r.commitments))
    for (let j = 0; j < keys.length && withAuth; j++) {
      timed(t, 'signerWireDecode', () => wire.filter((_, o) => o !== j).map(w => decodeCommitments(scheme, w)))
    }
    const commitments = round1.map(r => r.commitments)
    const shares = keys.map((k, j) => timed(t, 'signShare', () => signShare(sessions[j]!, k, round1[j]!.nonces, commitments, message)))
    const shareWire = shares.map(encodeSignatureShare)
    if (withAuth) timed(t, 'coordinatorWireDecode', () => [wire.map(w => decodeCommitments(scheme, w)), shareWire.map(w => decodeSignatureShare(scheme, w))])
    const cmSession = timed(t, 'createSession', () => createSession(params, deal.groupPublicKey, PARTY))
    const vs = timed(t, 'verifyingShares', () => verifyingShares(cmSession, committees))
    const signature = timed(t, 'aggregate', () => aggregate(cmSession, vs, commitments, message, shares))
    if (!timed(t, 'verify', () => verifySignature(scheme, deal.groupPublicKey, message, signature))) throw new Error(`${scheme}: the aggregated signature does not verify`)
    if (i < opts.warmup) continue

    for (const k of Object.keys(all.cpu) as Array<keyof FloorOps>) {
      all.cpu[k].push(...t.cpu[k])
      all.wall[k].push(...t.wall[k])
    }
    addTotals(totals.cpu, t.cpu, keys.length)
    addTotals(totals.wall, t.wall, keys.length)
  }
  const medians = (x: Record<keyof FloorOps, number[]>): FloorOps => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round2(median(v))])) as unknown as FloorOps
  const cpuMs = median(totals.cpu.perSignature)
  return {
    scheme,
    iterations: opts.iterations,
    signers: keys.length,
    ops: medians(all.cpu),
    opsWallMs: medians(all.wall),
    criticalPathMs: round2(median(totals.cpu.criticalPath)),
    cpuPerSignatureMs: round2(cpuMs),
    cpuWithWireAndAuthMs: round2(median(totals.cpu.withWireAndAuth)),
    wallMs: { criticalPath: round2(median(totals.wall.criticalPath)), perSignature: round2(median(totals.wall.perSignature)), withWireAndAuth: round2(median(totals.wall.withWireAndAuth)) },
    ceilingSignaturesPerS: round1(1000 / cpuMs * opts.cores)
  }
}

interface Totals { criticalPath: number[], perSignature: number[], withWireAndAuth: number[] }

function emptyTotals (): Totals {
  return { criticalPath: [], perSignature: [], withWireAndAuth: [] }
}

/** One signature's totals from its per-call times (`signers` createSession entries first, the CM's last). */
function addTotals (into: Totals, it: Record<keyof FloorOps, number[]>, signers: number): void {
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
  const signerRounds = sum(it.createSession.slice(0, signers)) + sum(it.commit) + sum(it.signShare)
  const coordinator = it.createSession[signers]! + it.verifyingShares[0]! + it.aggregate[0]!
  into.criticalPath.push(signerRounds / signers + coordinator + it.verify[0]!)
  into.perSignature.push(signerRounds + coordinator + it.verify[0]!)
  into.withWireAndAuth.push(signerRounds + coordinator + it.verify[0]! + sum(it.signerWireDecode) + it.coordinatorWireDecode[0]! + it.ownerSign[0]! + sum(it.ownerVerify))
}
