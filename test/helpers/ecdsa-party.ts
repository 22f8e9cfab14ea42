// A DKLs23 party for tests, built with the real pair setup (base OTs and all): additive
// shares of a random key, the pair keys of every pair, and a runner for the three rounds.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Element, GroupBackend } from '../../protocols/frost/group/types.js'
import type { Random } from '../../protocols/machine/types.js'
import { OteSenderSetup } from '../../protocols/ecdsa/ot-extension.js'
import { pairSetupFinish, pairSetupStart } from '../../protocols/ecdsa/pair-setup.js'
import { add, encodeScalar, randomScalar, sub } from '../../protocols/ecdsa/scalar.js'
import {
  answerRound1, checkRound2, finalShare, presignature, signRound1,
  type AliceKept, type BobChecked, type Dkls23Session, type FinalShare, type PairKeys, type Presignature, type Round1Message, type Round2Message
} from '../../protocols/ecdsa/sign.js'

export interface TestParty {
  members: string[]
  secretKey: bigint
  shares: Map<string, bigint>
  /** pairs.get(a).get(b): a's keys for its pair with b. */
  pairs: Map<string, Map<string, PairKeys>>
  publicKey: Element
  verifyingShares: Map<string, Element>
}

/** Every pair of `members` set up for real, once: the cost of a pair setup is the base OTs'. */
export function setUpPairs (group: GroupBackend, members: readonly string[], random: Random, context = 'test/epoch-0'): Map<string, Map<string, PairKeys>> {
  const pairs = new Map(members.map(m => [m, new Map<string, PairKeys>()]))
  for (const a of members) {
    for (const b of members) {
      if (a >= b) continue
      const sa = pairSetupStart(group, { context, me: a, peer: b }, random)
      const sb = pairSetupStart(group, { context, me: b, peer: a }, random)
      pairs.get(a)!.set(b, pairSetupFinish(group, sa.state, sb.message))
      pairs.get(b)!.set(a, pairSetupFinish(group, sb.state, sa.message))
    }
  }
  return pairs
}

/** A copy of pair keys with its own sender setup: an attack that burns it (a failed check) leaves the original usable. */
export function freshPairKeys (keys: PairKeys): PairKeys {
  const { correlation, seeds } = keys.alice.ote.expose()
  return { ...keys, alice: { ...keys.alice, ote: new OteSenderSetup(correlation, seeds) } }
}

export const freshPairs = (pairs: ReadonlyMap<string, PairKeys>): Map<string, PairKeys> => new Map([...pairs].map(([peer, keys]) => [peer, freshPairKeys(keys)]))

/** Additive shares of a random key (or of `secretKey`) over `members`. */
export function testParty (group: GroupBackend, members: readonly string[], random: Random, secretKey = randomScalar(random), pairs = setUpPairs(group, members, random)): TestParty {
  const shares = new Map<string, bigint>()
  let rest = secretKey
  members.forEach((m, i) => {
    const share = i === members.length - 1 ? rest : randomScalar(random)
    shares.set(m, share)
    rest = sub(rest, share)
  })
  const publicKey = group.mulBase(encodeScalar(secretKey))
  const verifyingShares = new Map([...shares].map(([m, s]) => [m, group.mulBase(encodeScalar(s))]))
  return { members: [...members], secretKey, shares, pairs, publicKey, verifyingShares }
}

export const sessionOf = (party: TestParty, sid: Uint8Array, withVerifyingShares = true): Dkls23Session => ({
  sid, parties: party.members, publicKey: party.publicKey, ...(withVerifyingShares ? { verifyingShares: party.verifyingShares } : {})
})

/** Messages of a round, keyed by recipient then sender. */
export type Inbox<M> = Map<string, Map<string, M>>

export function route<M> (outs: ReadonlyMap<string, ReadonlyMap<string, M>>): Inbox<M> {
  const inbox: Inbox<M> = new Map()
  for (const [from, out] of outs) {
    for (const [to, msg] of out) {
      if (!inbox.has(to)) inbox.set(to, new Map())
      inbox.get(to)!.set(from, msg)
    }
  }
  return inbox
}

export interface Tamper {
  round1?: (from: string, to: string, msg: Round1Message) => Round1Message
  round2?: (from: string, to: string, msg: Round2Message) => Round2Message
}

/** The three rounds for every member, each message handled as it would arrive; `tamper` rewrites messages in flight. */
export function presign (group: GroupBackend, party: TestParty, session: Dkls23Session, random: Random, tamper: Tamper = {}): Map<string, Presignature> {
  const r1 = new Map(party.members.map(m => [m, signRound1(group, session, m, party.shares.get(m)!, freshPairs(party.pairs.get(m)!), random)]))
  const out1 = new Map([...r1].map(([m, r]) => [m, new Map([...r.out].map(([to, msg]) => [to, tamper.round1?.(m, to, msg) ?? msg]))]))
  const in1 = route(out1)
  const alice = new Map<string, Map<string, AliceKept>>()
  const out2 = new Map<string, Map<string, Round2Message>>()
  for (const m of party.members) {
    alice.set(m, new Map())
    out2.set(m, new Map())
    for (const [from, msg] of in1.get(m) ?? new Map<string, Round1Message>()) {
      const { reply, kept } = answerRound1(group, r1.get(m)!.state, from, msg, random)
      alice.get(m)!.set(from, kept)
      out2.get(m)!.set(from, tamper.round2?.(m, from, reply) ?? reply)
    }
  }
  const in2 = route(out2)
  return new Map(party.members.map(m => {
    const bob = new Map<string, BobChecked>()
    for (const [from, msg] of in2.get(m) ?? new Map<string, Round2Message>()) {
      bob.set(from, checkRound2(group, r1.get(m)!.state, from, in1.get(m)!.get(from)!.commitment, msg))
    }
    return [m, presignature(group, r1.get(m)!.state, alice.get(m)!, bob, random)]
  }))
}

export function finalShares (pres: ReadonlyMap<string, Presignature>, digest: Uint8Array): Map<string, FinalShare> {
  return new Map([...pres].map(([m, p]) => [m, finalShare(p, digest)]))
}

/** The key's compressed public key (for noble). */
export const compressedKey = (party: TestParty): Uint8Array => secp256k1.getPublicKey(encodeScalar(party.secretKey), true)

export const sumShares = (xs: Iterable<bigint>): bigint => [...xs].reduce(add, 0n)
