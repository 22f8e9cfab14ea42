// One DKLs23 signature (protocols/ecdsa/sign.ts) for a party in one process, each member's
// calls timed on their own, every message through its JSON wire form (protocols/ecdsa/wire.ts),
// and one pair setup (pair-setup.ts) timed per side. Used by bench/ecdsa.ts.
// Everything runs on one thread, so a member's CPU time is the sum of the windows of its own calls.
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { GroupBackend } from '../protocols/frost/group/types.js'
import type { Random } from '../protocols/machine/types.js'
import { combineShares, encodeSignature, normalise, verifyEcdsa } from '../protocols/ecdsa/ecdsa-signature.js'
import { pairSetupFinish, pairSetupStart, type PairSetupMessage } from '../protocols/ecdsa/pair-setup.js'
import { encodeScalar } from '../protocols/ecdsa/scalar.js'
import {
  answerRound1, checkRound2, finalShare, presignature, signRound1,
  type AliceKept, type BobChecked, type Dkls23Session, type FinalShare, type Presignature, type Round1Message, type Round1State, type Round2Message
} from '../protocols/ecdsa/sign.js'
import {
  decodeContribution, decodeRound1, decodeRound2, EcdsaContributionSchema, encodeContribution, encodeRound1, encodeRound2, Round1PayloadSchema, Round2PayloadSchema
} from '../protocols/ecdsa/wire.js'
import type { TestParty } from '../test/helpers/ecdsa-party.js'
import { median, monotonicUs, round1, round2 } from './stats.js'

export const random: Random = n => new Uint8Array(nodeRandomBytes(n))

/** The steps a member runs: rounds 1–3 make the presignature, `online` is its final share. */
export const STEPS = ['round1', 'round2', 'round3', 'online'] as const
export type Step = typeof STEPS[number]

export interface SignatureRun {
  /** CPU ms per member and step: signRound1; its answerRound1 calls; its checkRound2 calls and presignature; finalShare. */
  cpuMs: Map<string, Record<Step, number>>
  /** The coordinator: combineShares + low-s + encoding, and verifyEcdsa (noble, as the code base verifies). */
  combineMs: number
  verifyMs: number
  /** CPU ms per member of its wire work: encode + JSON.stringify of what it sends; JSON.parse + schema + decode of what it receives. */
  wireMs: Map<string, number>
  /** The coordinator's: JSON.parse + schema + decode of the contributions. */
  coordinatorWireMs: number
  /**
   * JSON bytes each member sent: round 1 and round 2 (to all counterparties), its contribution (R, the
   * final share and the evidence that fixes it, wire.ts EcdsaContributionSchema) and, for comparison,
   * the final share alone (u and w as hex).
   */
  bytes: Map<string, { round1: number, round2: number, contribution: number, finalShareOnly: number }>
}

/** Rounded to 0.001: the online steps take microseconds. */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000
const sum = (xs: Iterable<number>): number => [...xs].reduce((a, b) => a + b, 0)
export const mean = (xs: readonly number[]): number => sum(xs) / xs.length
export const perSigner = (run: SignatureRun, steps: readonly Step[]): number[] => [...run.cpuMs.values()].map(s => sum(steps.map(k => s[k])))
const maxOver = (run: SignatureRun, step: Step): number => Math.max(...[...run.cpuMs.values()].map(s => s[step]))

/** Rounds run in parallel across nodes: the slowest member of each round, then the coordinator. */
const criticalPath = (run: SignatureRun, steps: readonly Step[], coordinator: boolean): number =>
  sum(steps.map(s => maxOver(run, s))) + (coordinator ? run.combineMs + run.verifyMs : 0)

export interface Figures { perSignerCpuMs: number, criticalPathMs: number, cpuPerSignatureMs: number, bytesPerSigner: number, bytesInAll: number }

type SentBytes = SignatureRun['bytes'] extends Map<string, infer B> ? B : never

/** Medians over `runs` of `steps`, with the coordinator's work unless it is the presignature alone (bench/ecdsa.ts, bench/sign-ecdsa.ts). */
export function figures (runs: SignatureRun[], steps: readonly Step[], bytesOf: (b: SentBytes) => number, coordinator = true): Figures {
  const coordinatorMs = (r: SignatureRun): number => coordinator ? r.combineMs + r.verifyMs : 0
  const last = runs[runs.length - 1]!
  const bytes = [...last.bytes.values()].map(bytesOf)
  return {
    perSignerCpuMs: round3(median(runs.map(r => mean(perSigner(r, steps))))),
    criticalPathMs: round2(median(runs.map(r => criticalPath(r, steps, coordinator)))),
    cpuPerSignatureMs: round2(median(runs.map(r => sum(perSigner(r, steps)) + coordinatorMs(r)))),
    bytesPerSigner: round1(mean(bytes)),
    bytesInAll: sum(bytes)
  }
}

/** Observes the calls: `enter(who)` before each call of member `who` (or 'coordinator'), `leave()` after it. */
export interface Observer {
  enter: (who: string) => void
  leave: () => void
}

const idle: Observer = { enter: () => {}, leave: () => {} }

function cpuOf (f: () => void): number {
  const start = process.cpuUsage()
  f()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1000
}

/** Final share as the wire would carry it: two 32-byte scalars as hex. */
const finalShareJson = (s: FinalShare): string => JSON.stringify({ u: bytesToHex(encodeScalar(s.u)), w: bytesToHex(encodeScalar(s.w)) })

/** One signature by every member of `party` on `digest`; throws when it does not verify. */
export function signOnce (group: GroupBackend, party: TestParty, compressedKey: Uint8Array, digest: Uint8Array, observer: Observer = idle): SignatureRun {
  const session: Dkls23Session = { sid: random(32), parties: party.members, publicKey: party.publicKey, verifyingShares: party.verifyingShares }
  const members = party.members
  const cpuMs = new Map(members.map(m => [m, { round1: 0, round2: 0, round3: 0, online: 0 }]))
  const wireMs = new Map(members.map(m => [m, 0]))
  const bytes = new Map(members.map(m => [m, { round1: 0, round2: 0, contribution: 0, finalShareOnly: 0 }]))
  const as = (who: string, step: Step, f: () => void): void => {
    observer.enter(who)
    cpuMs.get(who)![step] += cpuOf(f)
    observer.leave()
  }
  const wire = (who: string, f: () => void): void => { wireMs.set(who, wireMs.get(who)! + cpuOf(f)) }

  // Round 1: each member's Bob messages, out through JSON, in through the schema.
  const states = new Map<string, Round1State>()
  const inbox1 = new Map(members.map(m => [m, new Map<string, Round1Message>()]))
  for (const m of members) {
    let out!: Map<string, Round1Message>
    as(m, 'round1', () => {
      const r = signRound1(group, session, m, party.shares.get(m)!, party.pairs.get(m)!, random)
      states.set(m, r.state)
      out = r.out
    })
    for (const [to, msg] of out) {
      let text = ''
      wire(m, () => { text = JSON.stringify(encodeRound1(msg, party.pairs.get(m)!.get(to)!.id)) })
      bytes.get(m)!.round1 += text.length
      wire(to, () => { inbox1.get(to)!.set(m, decodeRound1(Round1PayloadSchema.parse(JSON.parse(text)))) })
    }
  }
  // Round 2: each member answers every round-1 message as it arrives.
  const kept = new Map(members.map(m => [m, new Map<string, AliceKept>()]))
  const inbox2 = new Map(members.map(m => [m, new Map<string, Round2Message>()]))
  for (const m of members) {
    for (const [from, msg] of inbox1.get(m)!) {
      let reply!: Round2Message
      as(m, 'round2', () => {
        const answer = answerRound1(group, states.get(m)!, from, msg, random)
        kept.get(m)!.set(from, answer.kept)
        reply = answer.reply
      })
      let text = ''
      wire(m, () => { text = JSON.stringify(encodeRound2(reply)) })
      bytes.get(m)!.round2 += text.length
      wire(from, () => { inbox2.get(from)!.set(m, decodeRound2(Round2PayloadSchema.parse(JSON.parse(text)))) })
    }
  }
  // Round 3: every check, then the presignature.
  const pres = new Map<string, Presignature>()
  for (const m of members) {
    as(m, 'round3', () => {
      const checked = new Map<string, BobChecked>()
      for (const [from, msg] of inbox2.get(m)!) checked.set(from, checkRound2(group, states.get(m)!, from, inbox1.get(m)!.get(from)!.commitment, msg))
      pres.set(m, presignature(group, states.get(m)!, kept.get(m)!, checked, random))
    })
  }
  // Online: the final shares, sent as contributions, then the coordinator (which checks the evidence
  // only when the signature does not verify: protocols/sign/machine/ecdsa-protocol.ts).
  const shares: FinalShare[] = []
  const contributions: string[] = []
  for (const m of members) {
    let share!: FinalShare
    as(m, 'online', () => { share = finalShare(pres.get(m)!, digest) })
    shares.push(share)
    const pre = pres.get(m)!
    wire(m, () => { contributions.push(JSON.stringify(encodeContribution(pre.instancePoint, share, pre.evidence))) })
    bytes.get(m)!.contribution = contributions[contributions.length - 1]!.length
    bytes.get(m)!.finalShareOnly = finalShareJson(share).length
  }
  const coordinatorWireMs = cpuOf(() => { for (const c of contributions) decodeContribution(EcdsaContributionSchema.parse(JSON.parse(c))) })
  const instancePoint = pres.get(members[0]!)!.instancePoint
  let signature!: Uint8Array
  observer.enter('coordinator')
  const combineMs = cpuOf(() => {
    signature = encodeSignature(normalise(instancePoint, combineShares(shares.map(s => s.u), shares.map(s => s.w))))
  })
  let ok = false
  const verifyMs = cpuOf(() => { ok = verifyEcdsa(compressedKey, digest, signature) })
  observer.leave()
  if (!ok) throw new Error('the DKLs23 signature does not verify')
  return { cpuMs, combineMs, verifyMs, wireMs, coordinatorWireMs, bytes }
}

/** Observer that records CLOCK_MONOTONIC spans of one member's calls (for bench/profile-summary.ts --windows). */
export function spansOf (member: string, into: Array<[number, number]>): Observer {
  let open: number | undefined
  return {
    enter: who => { open = who === member ? monotonicUs() : undefined },
    leave: () => { if (open !== undefined) into.push([open, monotonicUs()]); open = undefined }
  }
}

export interface PairSetupRun {
  /** CPU ms of one side: pairSetupStart + pairSetupFinish (the mean of the two sides). */
  sideMs: number
  /** Both sides. */
  pairMs: number
  /** One side's message, binary (base-OT sender + base-OT receiver + zero seed), and as base64 in JSON. */
  messageBytes: number
  messageBase64Bytes: number
}

const messageBytes = (m: PairSetupMessage): number => m.baseOtSender.length + m.baseOtReceiver.length + m.zeroSeed.length

/** One pair setup between two fresh node ids, both sides timed. */
export function pairSetupOnce (group: GroupBackend, context: string): PairSetupRun {
  const a = { context, me: 'node-a', peer: 'node-b' }
  const b = { context, me: 'node-b', peer: 'node-a' }
  let sa!: ReturnType<typeof pairSetupStart>
  let sb!: ReturnType<typeof pairSetupStart>
  const startA = cpuOf(() => { sa = pairSetupStart(group, a, random) })
  const startB = cpuOf(() => { sb = pairSetupStart(group, b, random) })
  const finishA = cpuOf(() => { pairSetupFinish(group, sa.state, sb.message) })
  const finishB = cpuOf(() => { pairSetupFinish(group, sb.state, sa.message) })
  const bytes = messageBytes(sa.message)
  // No JSON form of the pair-setup message exists yet; base64 of its three fields is what one would carry.
  const base64 = [sa.message.baseOtSender, sa.message.baseOtReceiver, sa.message.zeroSeed].reduce((n, f) => n + 4 * Math.ceil(f.length / 3), 0)
  return { sideMs: (startA + finishA + startB + finishB) / 2, pairMs: startA + finishA + startB + finishB, messageBytes: bytes, messageBase64Bytes: base64 }
}
