// Reading a newer minor version (protocols/wire/tolerant.ts, docs/protocols/versioning.md):
// peers' messages keep fields this build does not know, at every depth, and
// still pass every check this build makes; clients' bodies stay strict.
import { bytesToHex } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ownerPublicKey, signBody, verifyBody } from '../../protocols/crypto/owner-auth.js'
import { GenesisSchema } from '../../protocols/wire/genesis.js'
import { MembershipGossipSchema } from '../../protocols/wire/lifecycle.js'
import { RegistryGossipSchema } from '../../protocols/wire/registry-sync.js'
import { PartyRequestSchema, SIGN_REQUEST_KIND } from '../../protocols/wire/sign.js'
import { gossipDecoder, tolerant } from '../../protocols/wire/tolerant.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { newOwner } from '../helpers/owner.js'

const owner = newOwner()
const keyId = bytesToHex(randomBytes(16))

/** A new_party as a newer build might send it: an optional field at the top, in the owner-signed request, and in a party member. */
function newerNewParty (): Record<string, unknown> {
  const request = signBody(SIGN_REQUEST_KIND, { v: 1, keyId, message: 'abcd', requestId: 'newer-build-01', expiresAt: 1_900_000_000_000, memo: 'a field of a newer minor version' }, owner)
  return {
    kind: 'new_party',
    sessionId: 'ab'.repeat(12),
    request,
    party: [{ committee: 1, member: 1, peerId: 'peer-1', weight: 3 }, { committee: 2, member: 1, peerId: 'peer-2' }],
    hint: { preferPresigned: true }
  }
}

describe('tolerant(schema)', () => {
  it('the strict schema refuses a newer build\'s fields; the tolerant one keeps them at every depth', () => {
    const body = newerNewParty()
    expect(PartyRequestSchema.safeParse(body).success).toBe(false)
    const parsed = tolerant(PartyRequestSchema).parse(body) as unknown as Record<string, unknown> & { request: Record<string, unknown>, party: Array<Record<string, unknown>> }
    expect(parsed.hint).toEqual({ preferPresigned: true })
    expect(parsed.request.memo).toBe('a field of a newer minor version')
    expect(parsed.party[0]!.weight).toBe(3)
  })

  it('an owner signature over a newer build\'s fields still verifies on what was parsed (nothing stripped)', () => {
    const parsed = tolerant(PartyRequestSchema).parse(newerNewParty()) as unknown as { request: Record<string, unknown> & { signature: string } }
    expect(verifyBody(SIGN_REQUEST_KIND, parsed.request, ownerPublicKey(owner))).toBe(true)
  })

  it('keeps every check on the fields it knows (types, ranges, refinements)', () => {
    const body = newerNewParty()
    expect(tolerant(PartyRequestSchema).safeParse({ ...body, sessionId: 7 }).success).toBe(false)
    expect(tolerant(PartyRequestSchema).safeParse({ ...body, party: [{ committee: 0, member: 1, peerId: 'p' }] }).success).toBe(false)
    // GenesisSchema's superRefine (committee numbering, unique ids) still runs.
    const genesis = fakeGenesis(3, 1)
    const broken = { ...genesis, nodes: [genesis.nodes[0], genesis.nodes[0], genesis.nodes[2]], future: 1 }
    expect(GenesisSchema.safeParse(broken).success).toBe(false)
    expect(tolerant(GenesisSchema).safeParse(broken).success).toBe(false)
    expect(tolerant(GenesisSchema).safeParse({ ...genesis, future: 1 }).success).toBe(true)
  })

  it('is a pure function of its schema: made again, it reads a message the same way (protocols/ keeps no memo of it)', () => {
    const message = { kind: 'recover', sessionId: 's', request: { v: 1, keyId: '00'.repeat(16), message: 'ab', requestId: 'r'.repeat(16), expiresAt: 1, ownerSignature: '00', futureField: 1 } }
    expect(tolerant(PartyRequestSchema)).not.toBe(tolerant(PartyRequestSchema))
    expect(tolerant(PartyRequestSchema).safeParse(message)).toEqual(tolerant(PartyRequestSchema).safeParse(message))
  })
})

describe('gossipDecoder', () => {
  const decodeGossip = <T>(schema: Parameters<typeof gossipDecoder<T>>[0], data: Uint8Array): ReturnType<ReturnType<typeof gossipDecoder<T>>> => gossipDecoder(schema)(data)
  const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

  it('tells a kind of a newer minor version (ignored) from junk (rejected)', () => {
    expect(decodeGossip(RegistryGossipSchema, bytes({ v: 1, kind: 'key-digest', root: 'ab' }))).toEqual({ kind: 'unknown-kind' })
    expect(decodeGossip(MembershipGossipSchema, bytes({ v: 1, kind: 'rollback-notice' }))).toEqual({ kind: 'unknown-kind' })
    // A known kind that is wrong, another major version, no kind, not JSON: junk.
    expect(decodeGossip(RegistryGossipSchema, bytes({ v: 1, kind: 'key', entry: 5 }))).toEqual({ kind: 'invalid' })
    expect(decodeGossip(RegistryGossipSchema, bytes({ v: 2, kind: 'key-digest' }))).toEqual({ kind: 'invalid' })
    expect(decodeGossip(RegistryGossipSchema, bytes({ v: 1 }))).toEqual({ kind: 'invalid' })
    expect(decodeGossip(RegistryGossipSchema, new Uint8Array([0x7b]))).toEqual({ kind: 'invalid' })
  })
})
