// Signing in the simulator (DESIGN 10; issue 18): nine nodes of three committees, each running
// the signer machine and, as a manager, one coordinator machine per request it took
// (test/sim/sign/sign-host.ts), with real FROST on one dealt key. Clients hand requests to
// random managers, some to two managers at once (a failover); the network drops, delays,
// duplicates and partitions, nodes crash and restart with what their disks kept, and at
// times one node's signer sends corrupt shares. Invariants, checked as the run goes:
// - every completed signature verifies (noble's Ed25519, independent of our FROST);
// - a request id never completes with two different signatures, whichever managers ran it;
// - no signer sends shares of two sessions over one round-1 commitment (no nonce used twice);
// - every blame for misbehaviour names the faulty node, and without network faults or
//   crashes every blame does;
// - nothing runs past its request's deadline; without any fault, every request completes.
import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { PARTY_TIMEOUT_MS, ROUND_ONE_TIMEOUT_MS } from '../../../protocols/constants.js'
import { signAbandonment } from '../../../protocols/sign/dead-session.js'
import { frostProtocol, type FrostContribution, type FrostKey, type FrostProtocol } from '../../../protocols/sign/machine/frost-protocol.js'
import type { ThresholdProtocol } from '../../../protocols/sign/machine/threshold-protocol.js'
import type { SignRequest } from '../../../protocols/wire/sign.js'
import { testFrost } from '../../helpers/frost.js'
import { corruptingContributions, shareOffByOne } from '../../helpers/byzantine.js'
import type { KeyLookup } from '../../../protocols/sign/machine/signer-types.js'
import { toyProtocol, type ToyKey } from '../sign/toy-protocol.js'
import { selectBackend } from '../../../protocols/frost/index.js'
import { ecdsaProtocol, type EcdsaKey } from '../../../protocols/sign/machine/ecdsa-protocol.js'
import type { EcdsaContributionWire } from '../../../protocols/ecdsa/wire.js'
import type { PairKeys } from '../../../protocols/ecdsa/sign.js'
import { setUpPairs } from '../../helpers/ecdsa-party.js'
import { signFixture, type SignFixture } from '../../helpers/sign-fixture.js'
import { Prng } from '../prng.js'
import type { Scenario } from '../scenario.js'
import { applyCrashes, DEFAULT_LIMITS, drawSchedule, type Schedule, type ScheduleLimits } from '../schedule.js'
import { SIM_START_MS, Simulation } from '../simulation.js'
import { SIGN_HOST, signHost, type HostEffect, type HostState } from '../sign/sign-host.js'

const LIMITS: ScheduleLimits = { ...DEFAULT_LIMITS, quietStartMs: 500, faultsUntilMs: 12_000, maxCrashes: 2, maxDownMs: 4_000, maxPartitionMs: 5_000, gracefulShare: 0 }
/** Requests a run signs, and when clients hand them in (virtual ms into the run). */
const MAX_REQUESTS = 3
const SUBMIT_WITHIN_MS = 8_000
const REQUEST_LIFETIME_MS = 30_000
/** A client's second manager gets the request up to this long after the first: past a signer's lease (CLAIM_LEASE_MS), into the time a completion notice may have been lost. */
const SECOND_MANAGER_WITHIN_MS = 12_000
/** A first manager that dies does so within this of taking the request, and is down this long. */
const MANAGER_CRASH_WITHIN_MS = 1_500
const MANAGER_DOWN_MS = 2_000
/** How late after its expiry a request may still be running at a manager: its last session's answers. */
const DEADLINE_SLACK_MS = PARTY_TIMEOUT_MS + ROUND_ONE_TIMEOUT_MS
const RUN_MS = SUBMIT_WITHIN_MS + REQUEST_LIFETIME_MS + DEADLINE_SLACK_MS + 1_000
const MISBEHAVIOUR = new Set(['invalid-share', 'equivocated-commitments', 'misreported-commitments', 'malformed-answer', 'false-rejection'])

let fixture: SignFixture | undefined
/** One dealt key for every run (dealing is deterministic; the runs differ in everything else). */
function key (): SignFixture {
  fixture ??= signFixture({ seed: 'sim-sign', policy: { ratePerMinute: 1_000 } })
  return fixture
}

let ecdsaFixture: { fx: SignFixture, pairs: Map<string, Map<string, PairKeys>> } | undefined
/**
 * The ECDSA runs' key (secp256k1 shares, an ecdsa-secp256k1 record) and every node pair's DKLs23
 * pair keys, set up once for real (base OTs and all): the pair setup is a node's job outside the
 * signing machines (node/engine/ecdsa/), so the simulated nodes start with theirs.
 */
function ecdsaKey (): { fx: SignFixture, pairs: Map<string, Map<string, PairKeys>> } {
  if (ecdsaFixture === undefined) {
    const fx = signFixture({ scheme: 'secp256k1', seed: 'sim-sign-ecdsa', policy: { ratePerMinute: 1_000 } })
    const record = { ...fx.record, scheme: 'ecdsa-secp256k1' } as typeof fx.record
    const state = { ...fx.state, scheme: 'ecdsa-secp256k1' } as typeof fx.state
    ecdsaFixture = { fx: { ...fx, record, state }, pairs: setUpPairs(ECDSA_GROUP, fx.holders.flat(), new Prng(19).fork('pairs').random()) }
  }
  return ecdsaFixture
}

const ECDSA_GROUP = selectBackend('auto').secp256k1

/** A signer that adds one to every share it sends (its statement stays the honest one's): the coordinator must name it. */
export function corrupting (protocol: ThresholdProtocol<FrostKey, unknown, unknown, unknown>): ThresholdProtocol<FrostKey, unknown, unknown, unknown> {
  return corruptingContributions(protocol as unknown as FrostProtocol, (c, facts) => shareOffByOne(c, facts.key.params.scheme)) as unknown as ThresholdProtocol<FrostKey, unknown, unknown, unknown>
}

/** What a run's protocol brings: its values for honest and corrupt signers, the key as machines see it, and the checks. */
interface ProtocolWorld {
  honest: ThresholdProtocol<unknown, unknown, unknown, unknown>
  corrupt: ThresholdProtocol<unknown, unknown, unknown, unknown>
  key: unknown
  lookup: (peer: string) => KeyLookup<unknown, unknown>
  verifies: (message: Uint8Array, signature: Uint8Array) => boolean
  verifier: string
  /** The nonce a contribution was made over, when the protocol has one to check for reuse. */
  nonceOf: (contribution: unknown) => string | undefined
}

function frostWorld (fx: SignFixture): ProtocolWorld {
  const honest = frostProtocol({ frost: testFrost }) as unknown as ThresholdProtocol<FrostKey, unknown, unknown, unknown>
  return {
    honest: honest as never,
    corrupt: corrupting(honest) as never,
    key: fx.pub,
    lookup: peer => fx.lookup(peer) as KeyLookup<unknown, unknown>,
    verifies: (message, signature) => ed25519.verify(signature, message, fx.deal.groupPublicKey.toBytes()),
    verifier: "noble's Ed25519",
    nonceOf: c => (c as FrostContribution).commitment.hiding
  }
}

/** DKLs23 threshold ECDSA (two pairwise rounds) on the machines, checked by noble's secp256k1 (low-s) and public-key recovery. */
function ecdsaWorld (): ProtocolWorld {
  const { fx, pairs } = ecdsaKey()
  const honest = ecdsaProtocol({ group: ECDSA_GROUP })
  // A corrupt signer cheats one of two ways, by session: it sends a counterparty a round-2 message whose Γ^u does not
  // match its R_i (the counterparty refuses it and names it missing), or it adds one to its final share w (the
  // coordinator's evidence check names it).
  const cheatsInRound2 = (state: unknown): boolean => {
    const id = (state as { facts: { sessionId: string } }).facts.sessionId
    return id.charCodeAt(id.length - 1) % 2 === 0
  }
  const corrupt: typeof honest = {
    ...honest,
    advance: (state, round) => {
      const p = honest.advance(state, round)
      if (p.kind === 'round') {
        if (!cheatsInRound2(state)) return p
        const [first, ...rest] = p.out
        if (first === undefined) return p
        const payload = first.payload as { gammaU: string, gammaV: string }
        return { ...p, out: [{ ...first, payload: { ...payload, gammaU: payload.gammaV } }, ...rest] }
      }
      if (cheatsInRound2(state)) return p
      const c = p.contribution as EcdsaContributionWire
      const w = ((BigInt('0x' + c.w) + 1n) % secp256k1.Point.Fn.ORDER).toString(16).padStart(64, '0')
      return { ...p, contribution: { ...c, w } }
    }
  }
  const key: EcdsaKey = { params: fx.params, nested: fx.deal }
  const groupKey = fx.deal.groupPublicKey.toBytes(true)
  return {
    honest: honest as never,
    corrupt: corrupt as never,
    key,
    lookup: peer => {
      const secret = fx.secretOf(peer)
      return { kind: 'found', record: fx.record, state: fx.state, pub: key, secret: secret === undefined ? undefined : { ...secret, pairs: pairs.get(peer)! } } as KeyLookup<unknown, unknown>
    },
    verifies: (message, signature) => {
      if (signature.length !== 65 || !secp256k1.verify(signature.subarray(0, 64), message, groupKey, { prehash: false, lowS: true })) return false
      const recovered = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact').addRecoveryBit(signature[64]!).recoverPublicKey(message).toBytes(true)
      return recovered.every((b, i) => b === groupKey[i])
    },
    verifier: "noble's secp256k1 ECDSA (low-s) and public-key recovery",
    nonceOf: c => (c as EcdsaContributionWire).evidence.instancePoint
  }
}

/** The test-only three-round toy protocol (test/sim/sign/toy-protocol.ts): the machines run it unchanged. */
function toyWorld (fx: SignFixture): ProtocolWorld {
  const key: ToyKey = { secrets: new Map(fx.holders.flatMap((c, i) => c.map((peer, j) => [`${i + 1}/${j + 1}`, `secret-${peer}`] as const))), groupSecret: 'toy-group' }
  const corrupt: typeof toyProtocol = {
    ...toyProtocol,
    advance: (state, round) => {
      const p = toyProtocol.advance(state, round)
      return p.kind === 'contribute' ? { ...p, contribution: { ...(p.contribution as object), proof: 'corrupt' } } : p
    }
  }
  return {
    honest: toyProtocol as never,
    corrupt: corrupt as never,
    key,
    lookup: peer => ({ kind: 'found', record: fx.record, state: fx.state, pub: key, secret: `secret-${peer}` }),
    verifies: (message, signature) => toyProtocol.verify(key, message, signature),
    verifier: 'the toy protocol',
    nonceOf: () => undefined
  }
}

export interface SignRunOptions {
  limits?: Partial<ScheduleLimits>
  /** Whether a request's first manager may die mid-session (default: yes). */
  managerCrashes?: boolean
  /** Every signer's shell forgets the ledger (a broken build, to show the invariants catch it). */
  amnesiac?: boolean
  /** Whether one node signs corrupt shares (default: drawn). */
  faulty?: boolean
  /** The threshold protocol the machines drive: FROST (default), DKLs23 ECDSA, or the test-only three-round toy. */
  protocol?: 'frost' | 'ecdsa' | 'toy'
  traceLines?: number
}

export function runSign (seed: number, opts: SignRunOptions = {}): Simulation {
  const fx = opts.protocol === 'ecdsa' ? ecdsaKey().fx : key()
  const nodes = fx.holders.flat()
  const prng = new Prng(seed)
  const limits = { ...LIMITS, ...opts.limits }
  const schedule: Schedule = drawSchedule(prng.fork('schedule'), nodes, limits)
  const plan = prng.fork('plan')
  const faulty = (opts.faulty ?? plan.chance(0.3)) ? plan.pick(nodes) : undefined
  const sim = new Simulation({ seed, nodes, network: schedule.network, traceLines: opts.traceLines })
  const up = (): ReadonlySet<string> => new Set(nodes.filter(n => sim.node(n).up))

  const world = opts.protocol === 'toy' ? toyWorld(fx) : opts.protocol === 'ecdsa' ? ecdsaWorld() : frostWorld(fx)
  // ECDSA signs a 32-byte digest; the others any message.
  const messageBytes = opts.protocol === 'ecdsa' ? 32 : 8
  for (const peer of nodes) {
    const seedBytes = sim.prng.fork(`peer-seed/${peer}`).bytes(32)
    sim.node(peer).add({
      name: SIGN_HOST,
      machine: signHost({
        self: peer, nodes, live: up, protocol: (peer === faulty ? world.corrupt : world.honest) as never,
        lookup: world.lookup(peer),
        coordinatorKey: { record: fx.record, key: world.key, epoch: 0, tc: fx.params.tc, tm: fx.params.tm, holders: fx.holders },
        random: sim.prng.fork(`random/${peer}`).random(),
        signAbandonment: at => signAbandonment(at, seedBytes),
        amnesiac: opts.amnesiac
      }) as never
    })
  }

  // Clients: each request to a random manager, some also to a second one a little later.
  const requests: SignRequest[] = []
  let managerCrashes = false
  for (let i = plan.int(1, MAX_REQUESTS); i > 0; i--) {
    const atMs = plan.int(0, SUBMIT_WITHIN_MS)
    const request = fx.request({ requestId: `sim-${seed}-${i}`.padEnd(8, '0'), message: bytesToHex(plan.bytes(messageBytes)), expiresAt: SIM_START_MS + atMs + REQUEST_LIFETIME_MS })
    requests.push(request)
    // Now and then the first manager dies while its session runs, before its completion notices are out: the client then
    // hands the request to a second manager, which must finish it to the same signature.
    const crashes = opts.managerCrashes !== false && plan.chance(0.3)
    const first = plan.pick(nodes)
    const managers = [first, ...(crashes || plan.chance(0.3) ? [plan.pick(nodes.filter(n => n !== first))] : [])]
    if (crashes) {
      managerCrashes = true
      const crashAtMs = atMs + plan.int(1, MANAGER_CRASH_WITHIN_MS)
      sim.at(crashAtMs, `crash manager ${first}`, () => { sim.node(first).crash() })
      sim.at(crashAtMs + MANAGER_DOWN_MS, `restart manager ${first}`, () => { if (!sim.node(first).up) sim.node(first).boot() })
    }
    managers.forEach((cm, k) => {
      sim.at(atMs + k * plan.int(0, SECOND_MANAGER_WITHIN_MS), `client → ${cm}: ${request.requestId}`, () => {
        sim.node(cm).step(SIGN_HOST, { kind: 'client-request', request, nowMs: sim.nowMs } as { kind: string })
      })
    })
  }

  const signatures = new Map<string, string>()
  const commitmentUse = new Map<string, string>()
  const sharesOf = new Map<string, Set<string>>()
  const completeSession = new Map<string, string>()
  const answered = new Map<string, string>()
  const clean = !managerCrashes && schedule.crashes.length === 0 && schedule.network.partitions.length === 0 && schedule.network.links.length === 0 &&
    schedule.network.faults.dropRate === 0
  sim.onEffect((node, _machine, effect) => {
    const e = effect as HostEffect
    if (e.kind === 'client-answer') {
      const { result } = e
      answered.set(result.requestId, result.status)
      if (result.status !== 'completed') return
      const request = requests.find(r => r.requestId === result.requestId)!
      if (!world.verifies(hexToBytes(request.message), hexToBytes(result.signature!))) {
        sim.fail('every completed signature verifies', `${e.cm} completed ${result.requestId} with a signature that does not verify (${world.verifier})`)
      }
      const before = signatures.get(result.requestId)
      if (before !== undefined && before !== result.signature) sim.fail('one signature per request id', `${result.requestId} completed with ${before} and ${result.signature!}`)
      signatures.set(result.requestId, result.signature!)
    } else if (e.kind === 'share-sent') {
      const nonce = world.nonceOf(e.contribution)
      if (nonce !== undefined) {
        const use = `${e.signer}:${nonce}`
        const session = commitmentUse.get(use)
        if (session !== undefined && session !== e.sessionId) sim.fail('no nonce used twice', `${e.signer} sent shares of sessions ${session} and ${e.sessionId} over one round-1 commitment`)
        commitmentUse.set(use, e.sessionId)
      }
      // A session every member sent a valid share to has its signature decided, whoever aggregates it: one such session
      // per request id. (A session with the corrupt signer's share gives no signature: its coordinator may retry.)
      const senders = sharesOf.get(e.sessionId) ?? new Set<string>()
      senders.add(e.signer)
      sharesOf.set(e.sessionId, senders)
      if (senders.size === e.partySize && (faulty === undefined || !senders.has(faulty))) {
        const other = completeSession.get(e.requestId)
        if (other !== undefined && other !== e.sessionId) sim.fail('one signature per request id', `sessions ${other} and ${e.sessionId} of ${e.requestId} both got every member's share: two signatures can be made`)
        completeSession.set(e.requestId, e.sessionId)
      }
    } else if (e.kind === 'blame') {
      const { culprit, reason } = e.record
      if (culprit !== faulty && (MISBEHAVIOUR.has(reason) || clean)) {
        sim.fail('every blame names a faulty node', `${e.cm} blamed ${culprit} (${reason}: ${e.record.detail}); the faulty node is ${faulty ?? 'none'}`)
      }
    }
    void node
  })
  sim.invariant('nothing runs past its deadline', s => {
    for (const peer of nodes) {
      const state = s.node(peer).state<HostState>(SIGN_HOST)
      for (const [id, r] of state?.requests ?? []) {
        if (r.phase === 'running' && s.nowMs > r.run.request.expiresAt + DEADLINE_SLACK_MS) return `${peer} still runs ${id}, expired at ${r.run.request.expiresAt - SIM_START_MS} ms`
      }
    }
    return undefined
  })

  applyCrashes(sim, schedule)
  sim.start()
  sim.runUntil(RUN_MS)
  if (clean && faulty === undefined) {
    for (const r of requests) {
      if (answered.get(r.requestId) !== 'completed') sim.fail('without faults every request completes', `${r.requestId} ended ${answered.get(r.requestId) ?? 'unanswered'}`)
    }
  }
  return sim
}

export const signScenario: Scenario = {
  name: 'sign',
  description: 'FROST over nine nodes with drops, delays, duplicates, partitions, crashes and a corrupt signer: signatures verify, one per request id, no nonce reused, blame only for the faulty, nothing past its deadline',
  run: (seed, opts) => runSign(seed, { traceLines: opts.traceLines })
}

export const signToyScenario: Scenario = {
  name: 'sign-toy',
  description: 'the same faults with the test-only three-round toy protocol (a point-to-point round) in place of FROST: the machines drive it unchanged; outputs verify, one per request id, blame only for the faulty',
  run: (seed, opts) => runSign(seed, { traceLines: opts.traceLines, protocol: 'toy' })
}

export const signEcdsaScenario: Scenario = {
  name: 'sign-ecdsa',
  description: 'the same faults with DKLs23 threshold ECDSA (two pairwise rounds, identifiable final shares): signatures verify and recover the key, one per request id, blame only for the faulty, nothing past its deadline',
  run: (seed, opts) => runSign(seed, { traceLines: opts.traceLines, protocol: 'ecdsa' })
}

export const signCleanScenario: Scenario = {
  name: 'sign-clean',
  description: 'the same without network faults or crashes: every request completes, and every blame names the corrupt signer',
  run: (seed, opts) => runSign(seed, {
    traceLines: opts.traceLines,
    managerCrashes: false,
    limits: { maxDropRate: 0, maxDuplicateRate: 0, maxPartitions: 0, maxLinkFaults: 0, maxCrashes: 0 }
  })
}
