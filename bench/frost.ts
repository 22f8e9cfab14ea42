// FROST benchmark (`npm run bench:frost`, issue #8): for the devnet's default party (2 of 3
// committees × 2 of 3 members = 4 signers), per scheme, the median critical path (commit + one
// signer's share + aggregate + verify) and CPU per signature of protocols/frost on the chosen
// backend and on noble (bench/crypto-floor.ts: the calls the nodes make), of noble's FROST as
// shardsig used it before (test/helpers/noble-frost.ts), and of the bare group operations the
// rounds need, in one run, in process CPU time. Our path and the floor are measured back to back
// in short rounds and compared round by round, so that a busy machine hits both alike.
// Process CPU time counts every thread: `npm run bench:frost` runs node with
// --no-concurrent-recompilation, so that V8's optimising compiler works on the main thread, inside
// the window of the code it compiles, and not on a helper thread whose CPU time lands in whatever
// window is open then (it added ~0.2 ms to our measured secp256k1 path and little to the floor's).
// Prints a table; writes bench/results/frost.json.
import '../node/polyfills.js'
import { generateKeyPairSync, getRandomValues, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import { createRequire } from 'node:module'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr } from '@noble/curves/secp256k1.js'
import { createFrost, selectBackend, type Frost } from '../protocols/frost/index.js'
import { cryptoBackendPreference } from '../node/crypto-backend.js'
import type { Element, GroupBackend } from '../protocols/frost/group/types.js'
import {
  curveFor, dealNested, publicPart, xOnlyPublicKey, type Party, type RandomBytes, type CurveName, type SharingParams
} from '../protocols/sharing/index.js'
import { nobleAggregate, nobleCommit, nobleSignShare } from '../test/helpers/noble-frost.js'
import { measureCryptoFloor } from './crypto-floor.js'
import { median, round1, round2 } from './stats.js'

const CURVE_NAMES: CurveName[] = ['ed25519', 'secp256k1']
const SHAPE = { committees: 3, tc: 2, tm: 2, members: [3, 3, 3] } as const
const PARTY: Party = new Map([[1, [1, 2]], [2, [1, 2]]])
const SIGNERS = 4
const MESSAGE_BYTES = 32
/** Iterations per measurement: enough for a stable median, short enough for a ≤ 60 s run on a busy machine. */
/** Rounds per scheme; our path and the floor run in every round, the slow paths every SLOW_EVERY-th. */
const ROUNDS = 40
const SLOW_EVERY = 8
/** Signatures (or floor paths) per round: a ≤ 60 s run on a busy machine, medians stable to a few %. */
const PER_ROUND = { ours: 12, floor: 25, noble: 4, reference: 3 }
const WARMUP = 2
/** Untimed signatures (and floor paths) per scheme before the first round. */
const JIT_WARMUP_SIGNATURES = 60
const TARGET_RATIO = 1.5

const randomBytes: RandomBytes = n => getRandomValues(new Uint8Array(n))

/**
 * A full collection before each measurement (`node --expose-gc`, as `npm run bench:frost` runs it),
 * so that one measurement's garbage (noble's BigInts) is not collected inside another's timings.
 */
function settle (): void {
  (globalThis as { gc?: () => void }).gc?.()
}

/** CPU time (user + system) of `f` in ms, and its result. */
function cpu<T> (f: () => T): [T, number] {
  const start = process.cpuUsage()
  const out = f()
  const used = process.cpuUsage(start)
  return [out, (used.user + used.system) / 1000]
}

interface PathFigures { criticalPathMs: number, cpuPerSignatureMs: number }

/** noble's FROST as shardsig used it before issue #8 (κ/λ_flat-scaled shares, noble's verifiers). */
function measureNobleFrost (frost: Frost, scheme: CurveName, iterations: number): PathFigures {
  const params: SharingParams = { scheme, ...SHAPE, members: [...SHAPE.members] }
  const deal = dealNested(params, randomBytes)
  const committees = publicPart(deal).committees
  const session = frost.createSession(params, deal.groupPublicKey, PARTY)
  const shareOf = (c: number, m: number): bigint => deal.committees[c - 1]!.shares.find(s => s.member === m)!.share.expose()
  const critical: number[] = []
  const total: number[] = []
  for (let i = 0; i < WARMUP + iterations; i++) {
    const message = randomBytes(MESSAGE_BYTES)
    const round1 = session.signers.map(s => cpu(() => nobleCommit(scheme, shareOf(s.committee, s.member), randomBytes)))
    const commitments = session.signers.map((s, j) => ({ committee: s.committee, member: s.member, hiding: round1[j]![0].hiding, binding: round1[j]![0].binding }))
    const shares = session.signers.map((s, j) => cpu(() => ({ committee: s.committee, member: s.member,
      share: nobleSignShare(session, s, shareOf(s.committee, s.member), round1[j]![0].nonces, commitments, message) })))
    const [signature, aggregateMs] = cpu(() => nobleAggregate(session, committees, commitments, message, shares.map(s => s[0])))
    const [ok, verifyMs] = cpu(() => scheme === 'ed25519'
      ? ed25519.verify(signature, message, deal.groupPublicKey.toBytes(), { zip215: false })
      : schnorr.verify(signature, message, xOnlyPublicKey(deal.groupPublicKey)))
    if (!ok) throw new Error(`${scheme}: noble's signature does not verify`)
    if (i < WARMUP) continue
    const sum = (xs: Array<[unknown, number]>): number => xs.reduce((a, [, ms]) => a + ms, 0)
    critical.push((sum(round1) + sum(shares)) / SIGNERS + aggregateMs + verifyMs)
    total.push(sum(round1) + sum(shares) + aggregateMs + verifyMs)
  }
  return { criticalPathMs: round2(median(critical)), cpuPerSignatureMs: round2(median(total)) }
}

/** The addons as the bench loads them itself, to time their calls bare. */
const require = createRequire(import.meta.url)
interface SodiumRaw {
  crypto_scalarmult_ed25519_base_noclamp (q: Uint8Array, n: Uint8Array): void
  crypto_scalarmult_ed25519_noclamp (q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  crypto_core_ed25519_add (r: Uint8Array, p: Uint8Array, q: Uint8Array): void
}
interface Secp256k1Raw {
  publicKeyCreate (k: Uint8Array, compressed: boolean): Uint8Array
  publicKeyTweakMul (p: Uint8Array, k: Uint8Array, compressed: boolean): Uint8Array
  publicKeyTweakAdd (p: Uint8Array, k: Uint8Array, compressed: boolean): Uint8Array
  publicKeyCombine (ps: Uint8Array[], compressed: boolean): Uint8Array
  publicKeyConvert (p: Uint8Array, compressed: boolean): Uint8Array
}

/**
 * One critical path's group operations, bare, on `group`'s library: a signer's commit (2 base
 * multiplies); the group commitment R = Σ D_j + ρ_j·E_j, computed by the signer and again by the
 * coordinator (4 multiplies and the sum, each); two signature verifications (the coordinator's and
 * the client's: node:crypto for Ed25519; e·P, then s·G + Q for BIP340). No hashing, no scalar
 * work, no encoding: inputs are made beforehand, straight in the library's formats.
 */
function floorPath (group: GroupBackend): () => void {
  const curve = curveFor(group.scheme)
  const scalar = (): Uint8Array => curve.encodeScalar(curve.randomScalar(randomBytes))
  const points = (n: number): Uint8Array[] => Array.from({ length: n }, () => group.encode(group.mulBase(scalar())).slice())
  const message = randomBytes(MESSAGE_BYTES)
  const [d, e] = [scalar(), scalar()]
  const rhos = Array.from({ length: SIGNERS }, scalar)
  const [Ds, Es] = [points(SIGNERS), points(SIGNERS)]
  if (group.name === 'sodium-native') {
    const sodium = require('sodium-native') as SodiumRaw
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    const sig = nodeSign(null, message, privateKey)
    const out = Array.from({ length: 2 * SIGNERS + 2 }, () => new Uint8Array(32))
    const groupCommitment = (): void => {
      for (let j = 0; j < SIGNERS; j++) sodium.crypto_scalarmult_ed25519_noclamp(out[j]!, rhos[j]!, Es[j]!)
      sodium.crypto_core_ed25519_add(out[SIGNERS]!, Ds[0]!, out[0]!)
      for (let j = 1; j < SIGNERS; j++) {
        sodium.crypto_core_ed25519_add(out[SIGNERS]!, out[SIGNERS]!, Ds[j]!)
        sodium.crypto_core_ed25519_add(out[SIGNERS]!, out[SIGNERS]!, out[j]!)
      }
    }
    return () => {
      sodium.crypto_scalarmult_ed25519_base_noclamp(out[SIGNERS + 1]!, d)
      sodium.crypto_scalarmult_ed25519_base_noclamp(out[SIGNERS + 1]!, e)
      groupCommitment()
      groupCommitment()
      nodeVerify(null, message, publicKey, sig)
      nodeVerify(null, message, publicKey, sig)
    }
  }
  if (group.name === 'secp256k1-native') {
    const secp = require('secp256k1/bindings') as Secp256k1Raw
    // Uncompressed points in and out: the library's cheapest form (no square root per parse), as
    // the backend keeps its elements.
    const uncompressed = (ps: Uint8Array[]): Uint8Array[] => ps.map(p => secp.publicKeyConvert(p, false))
    const [P] = uncompressed(points(1))
    const [DsU, EsU] = [uncompressed(Ds), uncompressed(Es)]
    const [c, z] = [scalar(), scalar()]
    const groupCommitment = (): Uint8Array => secp.publicKeyCombine([...DsU, ...EsU.map((E, j) => secp.publicKeyTweakMul(E, rhos[j]!, false))], false)
    const verify = (): Uint8Array => secp.publicKeyTweakAdd(secp.publicKeyTweakMul(P!, c, false), z, false)
    return () => {
      secp.publicKeyCreate(d, false)
      secp.publicKeyCreate(e, false)
      groupCommitment()
      groupCommitment()
      verify()
      verify()
    }
  }
  // noble: through the backend interface, whose cost next to noble's arithmetic is negligible.
  const el = (b: Uint8Array): Element => group.decode(b)
  const [dE, eE, P] = [d, e, points(1)[0]!]
  const DsE = Ds.map(el)
  const EsE = Es.map(el)
  const rhoValues = rhos.map(r => curve.decodeScalar(r))
  const [c, z] = [curve.randomScalar(randomBytes), curve.randomScalar(randomBytes)]
  const groupCommitment = (): Element => group.sum([...DsE, ...EsE.map((E, j) => group.mul(E, rhoValues[j]!))])
  const verify = (): Element => group.addBase(group.mul(el(P), c), z)
  return () => {
    group.mulBase(dE)
    group.mulBase(eE)
    groupCommitment()
    groupCommitment()
    verify()
    verify()
  }
}

function measureFloor (path: () => void, iterations: number): number {
  const samples: number[] = []
  for (let i = 0; i < WARMUP + iterations; i++) {
    const [, ms] = cpu(path)
    if (i >= WARMUP) samples.push(ms)
  }
  return median(samples)
}

interface SchemeResult {
  criticalPathMs: number
  cpuPerSignatureMs: number
  floorCriticalPathMs: number
  nobleCriticalPathMs: number
  backend: string
  /** Extra detail: our path per group backend measured, noble's CPU per signature, critical path ÷ floor (median of the rounds' ratios). */
  byBackend: Record<string, PathFigures>
  nobleCpuPerSignatureMs: number
  ratioToFloor: number
}

async function main (): Promise<void> {
  const cores = cpus().length
  process.stderr.write(`load average at start: ${loadavg().map(round1).join(' ')} on ${cores} cpus\n`)
  const startedAt = Date.now()
  if (!process.execArgv.includes('--no-concurrent-recompilation')) {
    process.stderr.write('note: run through `npm run bench:frost` (node --no-concurrent-recompilation): background compilation adds to the measured CPU times\n')
  }
  // The backend a node would choose here (SHARDSIG_CRYPTO_BACKEND, node/crypto-backend.ts), and noble.
  const chosen = selectBackend(cryptoBackendPreference(process.env))
  const ours = createFrost(chosen)
  if (chosen.notes.length > 0) process.stderr.write(`backend notes: ${chosen.notes.join('; ')}\n`)
  const noble = createFrost(selectBackend('noble'))
  const results: Partial<Record<CurveName, SchemeResult>> = {}
  for (const scheme of CURVE_NAMES) {
    // Short rounds, each measuring our path on the chosen backend and the floor back to back, so
    // that a change in the machine's load hits both alike; the ratio is the median of the rounds'.
    // The slow paths (our rounds on noble, noble's FROST) are measured every SLOW_EVERY rounds.
    const mine: PathFigures[] = []
    const onNoble: PathFigures[] = []
    const reference: PathFigures[] = []
    const floors: number[] = []
    const ratios: number[] = []
    const floor = floorPath(chosen[scheme])
    const fallback = chosen[scheme].name !== 'noble'
    // A node signs for hours: measure the optimised steady state, not V8's first compilations.
    measureCryptoFloor(scheme, { frost: ours, iterations: JIT_WARMUP_SIGNATURES, warmup: 0, cores, frostOnly: true })
    measureFloor(floor, JIT_WARMUP_SIGNATURES)
    for (let round = 0; round < ROUNDS; round++) {
      settle()
      const f = measureCryptoFloor(scheme, { frost: ours, iterations: PER_ROUND.ours, warmup: 1, cores, frostOnly: true })
      settle()
      const floorMs = measureFloor(floor, PER_ROUND.floor)
      mine.push({ criticalPathMs: f.criticalPathMs, cpuPerSignatureMs: f.cpuPerSignatureMs })
      floors.push(floorMs)
      ratios.push(f.criticalPathMs / floorMs)
      if (round % SLOW_EVERY !== 0) continue
      process.stderr.write(`${scheme}: round ${round + 1} of ${ROUNDS} ...\n`)
      if (fallback) {
        settle()
        const n = measureCryptoFloor(scheme, { frost: noble, iterations: PER_ROUND.noble, warmup: 1, cores, frostOnly: true })
        onNoble.push({ criticalPathMs: n.criticalPathMs, cpuPerSignatureMs: n.cpuPerSignatureMs })
      }
      settle()
      reference.push(measureNobleFrost(ours, scheme, PER_ROUND.reference))
    }
    const mid = (xs: PathFigures[]): PathFigures => ({
      criticalPathMs: round2(median(xs.map(x => x.criticalPathMs))), cpuPerSignatureMs: round2(median(xs.map(x => x.cpuPerSignatureMs)))
    })
    const result = mid(mine)
    const byBackend: SchemeResult['byBackend'] = { [chosen[scheme].name]: result }
    if (fallback) byBackend.noble = mid(onNoble)
    const nobleFrost = mid(reference)
    results[scheme] = {
      criticalPathMs: result.criticalPathMs,
      cpuPerSignatureMs: result.cpuPerSignatureMs,
      floorCriticalPathMs: round2(median(floors)),
      nobleCriticalPathMs: nobleFrost.criticalPathMs,
      backend: chosen[scheme].name,
      byBackend,
      nobleCpuPerSignatureMs: nobleFrost.cpuPerSignatureMs,
      ratioToFloor: round2(median(ratios))
    }
  }

  const rows: string[][] = [['scheme', 'path', 'critical path ms', 'CPU/signature ms', '× floor']]
  for (const scheme of CURVE_NAMES) {
    const r = results[scheme]!
    for (const [name, f] of Object.entries(r.byBackend)) rows.push([scheme, `protocols/frost on ${name}`, String(f.criticalPathMs), String(f.cpuPerSignatureMs), String(name === r.backend ? r.ratioToFloor : round2(f.criticalPathMs / r.floorCriticalPathMs))])
    rows.push([scheme, "noble's FROST (before #8)", String(r.nobleCriticalPathMs), String(r.nobleCpuPerSignatureMs), String(round2(r.nobleCriticalPathMs / r.floorCriticalPathMs))])
    rows.push([scheme, `group-operation floor (${r.backend})`, String(r.floorCriticalPathMs), '', '1'])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)))
  for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n')
  for (const scheme of CURVE_NAMES) {
    const r = results[scheme]!
    process.stdout.write(`${scheme}: critical path ${r.criticalPathMs} ms = ${r.ratioToFloor}× the floor (target ≤ ${TARGET_RATIO}×): ${r.ratioToFloor <= TARGET_RATIO ? 'met' : 'NOT met'}\n`)
  }
  process.stderr.write(`took ${round1((Date.now() - startedAt) / 1000)} s; load average at end: ${loadavg().map(round1).join(' ')}\n`)

  const dir = join(process.cwd(), 'bench', 'results')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'frost.json'), JSON.stringify(results, null, 2) + '\n')
  process.stderr.write(`wrote ${join(dir, 'frost.json')}\n`)
}

await main()
