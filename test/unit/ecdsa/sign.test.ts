// DKLs23 signing (protocols/ecdsa/sign.ts) end to end over real pair setups: every
// signature checked by noble (low-s verify, public-key recovery), and the attacks
// named after what they do, each caught and pinned on its member.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { combineShares, encodeRecoverable, encodeSignature, normalise, verifyEcdsa } from '../../../protocols/ecdsa/ecdsa-signature.js'
import { taggedHash, utf8 } from '../../../protocols/ecdsa/hash.js'
import { add, encodeScalar, mul, inv, ORDER } from '../../../protocols/ecdsa/scalar.js'
import { Dkls23Abort, PresignatureReusedError } from '../../../protocols/ecdsa/sign.js'
import { seeded } from '../../helpers/deterministic.js'
import { compressedKey, finalShares, presign, sessionOf, testParty } from '../../helpers/ecdsa-party.js'

const group = selectBackend('auto').secp256k1
const sid = (label: string): Uint8Array => taggedHash('test/sid', [utf8(label)])

function signWith (party: ReturnType<typeof testParty>, digest: Uint8Array, label: string, random = seeded(`sign/${label}`)) {
  const pres = presign(group, party, sessionOf(party, sid(label)), random)
  const R = [...pres.values()][0]!.instancePoint
  for (const p of pres.values()) expect(p.instancePoint).toEqual(R)
  const shares = [...finalShares(pres, digest).values()]
  return normalise(R, combineShares(shares.map(s => s.u), shares.map(s => s.w)))
}

describe('DKLs23 signing (Protocol 3.6)', () => {
  const random = seeded('dkls23/party-3')
  const party = testParty(group, ['1/1', '1/2', '2/1'], random)

  it('signs a digest: noble verifies it (low-s) and recovers the key from r‖s‖v', () => {
    for (let i = 0; i < 3; i++) {
      const digest = taggedHash('test/digest', [utf8(`m${i}`)])
      const sig = signWith(party, digest, `ok-${i}`)
      const compact = encodeSignature(sig)
      expect(verifyEcdsa(compressedKey(party), digest, compact)).toBe(true)
      expect(secp256k1.verify(compact, digest, compressedKey(party), { prehash: false, lowS: true })).toBe(true)
      expect(sig.s <= ORDER / 2n).toBe(true)
      const recovered = secp256k1.Signature.fromBytes(compact, 'compact').addRecoveryBit(sig.recovery).recoverPublicKey(digest).toBytes(true)
      expect(recovered).toEqual(compressedKey(party))
      expect(encodeRecoverable(sig)[64]).toBe(sig.recovery)
    }
  })

  it('u and w are shares of r·φ and (H(m) + r_x·sk)·φ: the equations of step 10', () => {
    const digest = taggedHash('test/digest', [utf8('eq')])
    const pres = presign(group, party, sessionOf(party, sid('eq')), seeded('eq'))
    const shares = [...finalShares(pres, digest).values()]
    const u = shares.reduce((a, s) => add(a, s.u), 0n)
    const w = shares.reduce((a, s) => add(a, s.w), 0n)
    // w/u = (H(m) + r_x·sk)/r, the ECDSA s for nonce r (before low-s).
    const s = mul(w, inv(u))
    const sig = normalise([...pres.values()][0]!.instancePoint, s)
    expect(verifyEcdsa(compressedKey(party), digest, encodeSignature(sig))).toBe(true)
  })

  it('a presignature makes one final share: a second digest under the same R is refused', () => {
    const pres = presign(group, party, sessionOf(party, sid('once')), seeded('once'))
    finalShares(pres, taggedHash('test/digest', [utf8('first')]))
    expect(() => finalShares(pres, taggedHash('test/digest', [utf8('second')]))).toThrow(PresignatureReusedError)
  })

  it('a party of one member signs alone', () => {
    const alone = testParty(group, ['1/1'], seeded('alone'))
    const digest = taggedHash('test/digest', [utf8('alone')])
    expect(verifyEcdsa(compressedKey(alone), digest, encodeSignature(signWith(alone, digest, 'alone')))).toBe(true)
  })
})

describe('DKLs23 signing: attacks', () => {
  const party = testParty(group, ['1/1', '1/2', '2/1'], seeded('dkls23/attacks'))
  const session = sessionOf(party, sid('attacks'))
  const caught = (f: () => unknown): Dkls23Abort => {
    try {
      f()
    } catch (err) {
      if (err instanceof Dkls23Abort) return err
      throw err
    }
    throw new Error('no abort')
  }

  it('equivocated commitment: R_i opened to another point than committed is pinned on its sender', () => {
    const other = group.encode(group.mulBase(encodeScalar(12345n)))
    const err = caught(() => presign(group, party, session, seeded('equivocate'), {
      round2: (from, _to, msg) => from === '1/2' ? { ...msg, instancePoint: other } : msg
    }))
    expect(err.culprit).toBe('1/2')
    expect(err.reason).toBe('commitment')
  })

  it('wrong zero-share: a member that adds another fragment for a pair is pinned on it', () => {
    const err = caught(() => presign(group, party, session, seeded('zero'), {
      round2: (from, _to, msg) => from === '2/1' ? { ...msg, zeroFragments: msg.zeroFragments.map((f, i) => i === 0 ? group.encode(group.mulBase(encodeScalar(7n))) : f) } : msg
    }))
    expect(err.culprit).toBe('2/1')
    expect(['zero-share', 'public-share']).toContain(err.reason)
  })

  it('wrong public share: pk_i not Y_i + ζ_i·G is pinned on its sender', () => {
    const shifted = group.encode(group.sum([group.decode(group.encode(party.verifyingShares.get('1/1')!)), group.mulBase(encodeScalar(1n))]))
    const err = caught(() => presign(group, party, session, seeded('pk'), {
      round2: (from, _to, msg) => from === '1/1' ? { ...msg, publicShare: shifted } : msg
    }))
    expect(err.culprit).toBe('1/1')
    expect(err.reason).toBe('public-share')
  })

  it('Alice multiplies another input than her R_i: the Γ^u check pins her', () => {
    const err = caught(() => presign(group, party, session, seeded('gamma-u'), {
      round2: (from, _to, msg) => from === '1/2' ? { ...msg, gammaU: group.encode(group.mulBase(encodeScalar(99n))) } : msg
    }))
    expect(err.culprit).toBe('1/2')
    expect(err.reason).toBe('gamma-u')
  })

  it('Alice changes her sk_i input (Γ^v): pinned on her', () => {
    const err = caught(() => presign(group, party, session, seeded('gamma-v'), {
      round2: (from, _to, msg) => from === '2/1' ? { ...msg, gammaV: group.encode(group.mulBase(encodeScalar(98n))) } : msg
    }))
    expect(err.culprit).toBe('2/1')
    expect(err.reason).toBe('gamma-v')
  })

  it('inconsistent multiplication: Alice shifting her OT payloads fails Bob\'s check and is pinned', () => {
    const err = caught(() => presign(group, party, session, seeded('selective'), {
      round2: (from, to, msg) => from === '1/1' && to === '2/1'
        ? { ...msg, mul: { ...msg.mul, tau: msg.mul.tau.map((row, w) => w === 0 ? row.map(t => add(t, 1n)) : row) } }
        : msg
    }))
    expect(err.culprit).toBe('1/1')
    expect(err.reason).toBe('multiplication')
  })

  it('bad OT-extension consistency check: a Bob whose u rows disagree is pinned by Alice', () => {
    const err = caught(() => presign(group, party, session, seeded('ote'), {
      round1: (from, to, msg) => {
        if (from !== '1/2' || to !== '1/1') return msg
        const u = Uint8Array.from(msg.ote.u)
        u[3]! ^= 0x10
        return { ...msg, ote: { ...msg.ote, u } }
      }
    }))
    expect(err.culprit).toBe('1/2')
    expect(err.reason).toBe('multiplication')
  })

  it('replayed round-2 message from another session: the commitment pins its sender', () => {
    const other = sessionOf(party, sid('attacks-other'))
    const captured = new Map<string, unknown>()
    presign(group, party, other, seeded('replay-a'), { round2: (from, to, msg) => { captured.set(`${from}>${to}`, msg); return msg } })
    const err = caught(() => presign(group, party, session, seeded('replay-b'), {
      round2: (from, to, msg) => from === '2/1' ? captured.get(`${from}>${to}`) as typeof msg : msg
    }))
    expect(err.culprit).toBe('2/1')
  })
})
