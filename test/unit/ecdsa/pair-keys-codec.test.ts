// Pair keys as the store keeps them (protocols/ecdsa/pair-keys-codec.ts), and the pair setup's
// wire form (protocols/wire/ecdsa-pair.ts): keys round-trip and still multiply with the other
// end's, a burnt setup is never encoded, and malformed bytes or messages are refused.
import { describe, expect, it } from 'vitest'
import { selectBackend } from '../../../protocols/frost/index.js'
import { decodePairKeys, encodePairKeys, PairKeysDecodeError } from '../../../protocols/ecdsa/pair-keys-codec.js'
import { OteSetupBurnedError } from '../../../protocols/ecdsa/ot-extension.js'
import { pairSetupStart } from '../../../protocols/ecdsa/pair-setup.js'
import {
  decodePairSetupMessage, EcdsaPairRequestSchema, EcdsaPairResponseSchema, encodePairSetupMessage, pairContextOf
} from '../../../protocols/wire/ecdsa-pair.js'
import { MAX_ECDSA_PAIR_MESSAGE_BYTES, PROTOCOL_VERSION } from '../../../protocols/constants.js'
import { seeded } from '../../helpers/deterministic.js'
import { freshPairKeys, setUpPairs } from '../../helpers/ecdsa-party.js'
import { pairMultiplies } from '../../helpers/ecdsa-pairs.js'

const group = selectBackend('auto').secp256k1
const context = pairContextOf('codec-net', 3)
const pairs = setUpPairs(group, ['peer-a', 'peer-b'], seeded('codec/pairs'), context)
const ab = pairs.get('peer-a')!.get('peer-b')!
const ba = pairs.get('peer-b')!.get('peer-a')!
const pairA = { context, me: 'peer-a', peer: 'peer-b' }

describe('pair keys codec', () => {
  it('round-trips: same id, zero seed, gadgets and secrets, and the decoded keys multiply with the other end', () => {
    const bytes = encodePairKeys(pairA, ab)
    const { pair, keys } = decodePairKeys(bytes)
    expect(pair).toEqual(pairA)
    expect(keys.id).toEqual(ab.id)
    expect(keys.zeroSeed).toEqual(ab.zeroSeed)
    expect(keys.alice.gadget).toEqual(ab.alice.gadget)
    expect(keys.bob.gadget).toEqual(ab.bob.gadget)
    expect(keys.alice.ote.expose()).toEqual(ab.alice.ote.expose())
    expect(keys.bob.ote.expose()).toEqual(ab.bob.ote.expose())
    // Decoding copies: wiping the bytes leaves the keys intact.
    bytes.fill(0)
    expect(pairMultiplies(keys, ba)).toBe(true)
  })

  it('is about 24.6 KB (256 + 256 + 256 seeds of 32 bytes and the rest)', () => {
    expect(encodePairKeys(pairA, ab).length).toBe(1 + 3 * 2 + context.length + 'peer-a'.length + 'peer-b'.length + 16 + 32 + 3 * 256 * 32 + 32)
  })

  it('never encodes a burnt setup', () => {
    const burnt = freshPairKeys(ab)
    burnt.alice.ote.burn()
    expect(() => encodePairKeys(pairA, burnt)).toThrow(OteSetupBurnedError)
  })

  it('refuses another version, cut bytes, extra bytes and names that are not UTF-8', () => {
    const bytes = encodePairKeys(pairA, ab)
    expect(() => decodePairKeys(Uint8Array.from([2, ...bytes.subarray(1)]))).toThrow(PairKeysDecodeError)
    expect(() => decodePairKeys(bytes.subarray(0, bytes.length - 1))).toThrow(PairKeysDecodeError)
    expect(() => decodePairKeys(Uint8Array.from([...bytes, 0]))).toThrow(PairKeysDecodeError)
    expect(() => decodePairKeys(bytes.subarray(0, 4))).toThrow(PairKeysDecodeError)
    const badName = Uint8Array.from(bytes)
    badName[3] = 0xff
    expect(() => decodePairKeys(badName)).toThrow(PairKeysDecodeError)
    expect(() => decodePairKeys(new Uint8Array())).toThrow(PairKeysDecodeError)
  })
})

describe('pair setup wire form', () => {
  const { message } = pairSetupStart(group, pairA, seeded('codec/wire'))
  const request = { v: PROTOCOL_VERSION, kind: 'ecdsa_pair_setup', context, message: encodePairSetupMessage(message) }

  it('round-trips a real setup message through JSON, within MAX_ECDSA_PAIR_MESSAGE_BYTES', () => {
    const json = JSON.stringify(request)
    expect(json.length).toBeLessThan(MAX_ECDSA_PAIR_MESSAGE_BYTES)
    expect(json.length).toBeGreaterThan(55_000)
    const parsed = EcdsaPairRequestSchema.parse(JSON.parse(json))
    expect(decodePairSetupMessage(parsed.message)).toEqual(message)
    expect(EcdsaPairResponseSchema.parse({ kind: 'accept', message: parsed.message }).kind).toBe('accept')
  })

  it('refuses a short base-OT message, non-canonical base64, a short zero seed, an unknown field and an empty context', () => {
    const m = request.message
    expect(EcdsaPairRequestSchema.safeParse({ ...request, message: { ...m, baseOtReceiver: m.baseOtReceiver.slice(4) } }).success).toBe(false)
    expect(EcdsaPairRequestSchema.safeParse({ ...request, message: { ...m, baseOtSender: m.baseOtSender.slice(0, -1) + '_' } }).success).toBe(false)
    expect(EcdsaPairRequestSchema.safeParse({ ...request, message: { ...m, zeroSeed: m.zeroSeed.slice(2) } }).success).toBe(false)
    expect(EcdsaPairRequestSchema.safeParse({ ...request, extra: 1 }).success).toBe(false)
    expect(EcdsaPairRequestSchema.safeParse({ ...request, context: '' }).success).toBe(false)
    expect(EcdsaPairResponseSchema.safeParse({ kind: 'accept', message: { ...m, zeroSeed: 'zz' } }).success).toBe(false)
  })
})
