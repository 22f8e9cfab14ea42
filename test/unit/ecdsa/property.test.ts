// DKLs23 through the signing engine's protocol (protocols/sign/machine/ecdsa-protocol.ts) on random
// nested shapes (up to 3 committees of up to 2 members), random parties of them, random keys (dealt
// or given) and random 32-byte digests: every signature verifies with noble (low-s) and recovers
// the key, whichever party signed. Pair keys come from real pair setups, made once for the six
// nodes the shapes draw their holders from.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { ecdsaProtocol, type EcdsaKey } from '../../../protocols/sign/machine/ecdsa-protocol.js'
import { memberTag, type SignerProgress } from '../../../protocols/sign/machine/threshold-protocol.js'
import { dealNested, publicPart, SecretScalar, type SharingParams } from '../../../protocols/sharing/index.js'
import type { PartyMember, SignRequest } from '../../../protocols/wire/sign.js'
import { seeded } from '../../helpers/deterministic.js'
import { setUpPairs } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const protocol = ecdsaProtocol({ group })
/** Holder of committee c member m: node `n{c}{m}`. */
const holder = (c: number, m: number): string => `n${c}${m}`
const NODES = [1, 2, 3].flatMap(c => [1, 2].map(m => holder(c, m)))
const pairs = setUpPairs(group, NODES, seeded('property/pairs'))

const caseArb = fc.record({
  seed: fc.string({ minLength: 1, maxLength: 12 }),
  sizes: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 3 }),
  tcPick: fc.nat(),
  tmPick: fc.nat(),
  digest: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  secret: fc.option(fc.bigInt({ min: 1n, max: secp256k1.Point.Fn.ORDER - 1n }), { nil: undefined })
})

function partyOf (p: SharingParams, seed: string): PartyMember[] {
  const random = seeded(`party/${seed}`)
  const pick = (n: number, k: number): number[] => {
    const order = Array.from({ length: n }, (_, i) => ({ i: i + 1, r: random(4).reduce((a, b) => a * 256 + b, 0) }))
    return order.sort((a, b) => a.r - b.r).slice(0, k).map(x => x.i).sort((a, b) => a - b)
  }
  return pick(p.committees, p.tc).flatMap(c => pick(p.members[c - 1]!, p.tm).map(m => ({ committee: c, member: m, peerId: holder(c, m) })))
}

type Round = Extract<SignerProgress<unknown>, { kind: 'round' }>

describe('DKLs23 on random nested shapes, parties, keys and digests', () => {
  it('every signature verifies with noble (low-s) and recovers the key', () => {
    fc.assert(fc.property(caseArb, c => {
      const committees = c.sizes.length
      const params: SharingParams = { scheme: 'secp256k1', committees, tc: 1 + (c.tcPick % committees), tm: 1 + (c.tmPick % Math.min(...c.sizes)), members: c.sizes }
      const deal = dealNested({ ...params, ...(c.secret !== undefined ? { secret: new SecretScalar(c.secret) } : {}) }, seeded(`deal/${c.seed}`))
      const key: EcdsaKey = { params, nested: publicPart(deal) }
      const party = partyOf(params, c.seed)
      const facts = { sessionId: `s-${c.seed}`, request: { keyId: 'ab'.repeat(16), requestId: `r-${c.seed}` } as SignRequest, message: c.digest, party, key }
      const secretOf = (m: PartyMember) => ({
        committee: m.committee, member: m.member,
        share: deal.committees[m.committee - 1]!.shares.find(s => s.member === m.member)!.share,
        pairs: pairs.get(m.peerId)!
      })
      let progress = new Map(party.map(m => [m.peerId, protocol.begin(facts, m, secretOf(m), seeded(`run/${c.seed}/${m.peerId}`))]))
      for (const round of [1, 2]) {
        if ([...progress.values()].every(p => p.kind === 'contribute')) break
        const rounds = new Map([...progress].map(([peer, p]) => [peer, p as Round]))
        progress = new Map(party.map(m => {
          let state = rounds.get(m.peerId)!.state as never
          for (const o of party) {
            if (o.peerId === m.peerId) continue
            const accepted = protocol.accept(state, round, o, rounds.get(o.peerId)!.out.find(x => x.to === memberTag(m))!.payload)
            if ('refused' in (accepted as object)) throw new Error((accepted as { refused: string }).refused)
            state = accepted as never
          }
          return [m.peerId, protocol.advance(state, round)]
        }))
      }
      const contributions = new Map(party.map(m => [memberTag(m), (progress.get(m.peerId) as { contribution: unknown }).contribution]))
      const combined = protocol.combine(facts, contributions)
      expect(combined.kind).toBe('signature')
      const sig = (combined as { signature: Uint8Array }).signature
      const groupKey = deal.groupPublicKey.toBytes(true)
      expect(secp256k1.verify(sig.subarray(0, 64), c.digest, groupKey, { prehash: false, lowS: true })).toBe(true)
      expect(secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact').addRecoveryBit(sig[64]!).recoverPublicKey(c.digest).toBytes(true)).toEqual(groupKey)
      expect(protocol.verify(key, c.digest, sig)).toBe(true)
    }), { numRuns: 30, seed: 19 })
  }, 120_000)
})
