// Generators of malformed frames for the direct protocols
// (/shardsig/{party,sign,new-user,dkg,reshare,membership-sync,registry-sync,ecdsa-pair}/1.0.0,
// framing in docs/protocols/new_user.md): bytes that are not frames, lengths that lie,
// JSON of the wrong shape, and well-formed messages at the wrong time.
import { fc } from '@fast-check/vitest'
import type { z } from 'zod'
import {
  MAX_DIRECT_MESSAGE_BYTES, MAX_ECDSA_PAIR_MESSAGE_BYTES, MAX_REGISTRY_SYNC_MESSAGE_BYTES, PROTOCOL_DKG, PROTOCOL_ECDSA_PAIR, PROTOCOL_MEMBERSHIP_SYNC, PROTOCOL_NEW_USER, PROTOCOL_PARTY, PROTOCOL_REGISTRY_SYNC, PROTOCOL_RESHARE, PROTOCOL_SIGN
} from '../../protocols/constants.js'
import { DkgDealerResponseSchema } from '../../protocols/wire/dkg.js'
import { EcdsaPairResponseSchema } from '../../protocols/wire/ecdsa-pair.js'
import { MembershipSyncResponseSchema, ReshareResponseSchema } from '../../protocols/wire/lifecycle.js'
import { DeliverResponseSchema } from '../../protocols/wire/new-user.js'
import { SyncResponseSchema } from '../../protocols/wire/registry-sync.js'
import { PartyAnswerSchema, RoundOneAckSchema } from '../../protocols/wire/sign.js'
import { nearMiss, wrongValue } from './http-cases.js'
import { frame, varint } from './p2p-attacker.js'

export interface FrameCase {
  category: string
  /** What goes on the stream, framing included (or not). */
  bytes: Uint8Array
  /** Instead of `bytes`: a frame of this many bytes of JSON-ish filler, built when sent (too big to keep in a counterexample). */
  oversize?: number
}

export interface ProtocolUnderTest {
  protocol: string
  maxBytes: number
  answer: z.ZodType<unknown>
  /** Correct-looking messages for near misses (each must already be refused by the victim, e.g. by a bad owner signature). */
  templates: unknown[]
  /** Well-formed messages the victim must answer with a refusal or a harmless ack. */
  wrongTime: fc.Arbitrary<unknown>
}

const hex = (bytes: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map(b => Buffer.from(b).toString('hex'))

export function protocolsUnderTest (t: {
  keyId: string
  victimPeerId: string
  /** A new_party whose request carries a bad owner signature. */
  newParty: unknown
  /** A deliver whose bundle carries a bad owner signature. */
  deliver: unknown
  /** A DKG commit whose request carries a bad owner signature. */
  dkgCommit: unknown
  /** A reshare deal whose membership update carries a bad operator signature. */
  reshareDeal: unknown
  /**
   * A DKLs23 pair-setup request for another membership (wrong-context, refused before any work). Right-context
   * requests cost the victim a setup's CPU each (~150 ms) and are named cases in test/hostile/ecdsa.test.ts.
   */
  ecdsaPair: { context: string } & Record<string, unknown>
}): ProtocolUnderTest[] {
  const sessionId = fc.stringMatching(/^[A-Za-z0-9_/-]{1,80}$/)
  const requestId = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/)
  const commitment = fc.record({ committee: fc.integer({ min: 1, max: 64 }), member: fc.integer({ min: 1, max: 64 }), hiding: fc.oneof(hex(32), hex(33)), binding: fc.oneof(hex(32), hex(33)) })
  const partyMember = fc.record({ committee: fc.integer({ min: 1, max: 64 }), member: fc.integer({ min: 1, max: 64 }), peerId: fc.oneof(fc.constant(t.victimPeerId), fc.string({ minLength: 1, maxLength: 60 })) })
  const signRequest = fc.record({ v: fc.constant(1), keyId: fc.oneof(fc.constant(t.keyId), hex(16)), message: fc.uint8Array({ maxLength: 64 }).map(b => Buffer.from(b).toString('hex')), requestId, expiresAt: fc.nat(), signature: hex(64) })
  return [
    {
      protocol: PROTOCOL_PARTY,
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      answer: PartyAnswerSchema,
      templates: [
        t.newParty, { kind: 'completed', keyId: t.keyId, requestId: 'hostile-0001', signature: 'ab'.repeat(64) },
        { kind: 'presign', keyId: t.keyId, epoch: 0, count: 64 }
      ],
      // new_party for unknown keys, unknown sessions, badly signed requests, presignatures nobody made; completion
      // notices for requests never seen; presign for any key and epoch (from members that are no manager, mostly)
      wrongTime: fc.oneof(
        fc.record({ kind: fc.constant('new_party'), sessionId, request: signRequest, party: fc.array(partyMember, { minLength: 1, maxLength: 6 }) }),
        fc.record({
          kind: fc.constant('new_party'), sessionId, request: signRequest, party: fc.array(partyMember, { minLength: 1, maxLength: 6 }),
          presigned: fc.array(fc.record({ id: fc.stringMatching(/^[A-Za-z0-9_-]{16}$/), commitment }), { minLength: 1, maxLength: 6 })
        }),
        fc.record({ kind: fc.constant('completed'), keyId: fc.oneof(fc.constant(t.keyId), hex(16)), requestId, signature: hex(64) }),
        fc.record({ kind: fc.constant('presign'), keyId: fc.oneof(fc.constant(t.keyId), hex(16)), epoch: fc.nat(3), count: fc.integer({ min: 1, max: 64 }) })
      )
    },
    {
      protocol: PROTOCOL_SIGN,
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      answer: RoundOneAckSchema,
      templates: [{ kind: 'round1', sessionId: 'hostile-0001/1', commitment: { committee: 1, member: 1, hiding: 'ab'.repeat(32), binding: 'cd'.repeat(32) } }],
      // round-1 commitments for sessions that do not exist
      wrongTime: fc.record({ kind: fc.constant('round1'), sessionId, commitment })
    },
    {
      protocol: PROTOCOL_NEW_USER,
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      answer: DeliverResponseSchema,
      templates: [t.deliver],
      wrongTime: fc.constant(t.deliver)
    },
    {
      protocol: PROTOCOL_DKG,
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      answer: DkgDealerResponseSchema,
      templates: [t.dkgCommit],
      // commits with a badly signed request; reveals for sessions never committed, with made-up commits
      wrongTime: fc.oneof(
        fc.constant(t.dkgCommit),
        fc.record({
          kind: fc.constant('reveal'), session: hex(16),
          commitments: fc.array(fc.record({ v: fc.constant(1), session: hex(16), dealer: fc.oneof(fc.constant(t.victimPeerId), fc.string({ minLength: 1, maxLength: 60 })), contributionDigest: hex(32), signature: hex(64) }), { minLength: 2, maxLength: 4 })
        })
      )
    },
    {
      protocol: PROTOCOL_RESHARE,
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      answer: ReshareResponseSchema,
      templates: [t.reshareDeal],
      // deals and deliveries under an update no operator signed
      wrongTime: fc.oneof(fc.constant(t.reshareDeal), fc.constant({ ...(t.reshareDeal as object), kind: 'deliver', contributions: [] }))
    },
    {
      protocol: PROTOCOL_MEMBERSHIP_SYNC,
      maxBytes: MAX_DIRECT_MESSAGE_BYTES,
      answer: MembershipSyncResponseSchema,
      templates: [{ kind: 'summary', pending: 'ab'.repeat(32), count: 1, digest: 'cd'.repeat(32) }, { kind: 'get', pending: 'ab'.repeat(32), keyIds: [t.keyId] }],
      // summaries and gets for pending epochs nobody has, with any keys
      wrongTime: fc.oneof(
        fc.record({ kind: fc.constant('summary'), pending: fc.option(hex(32), { nil: undefined }), count: fc.nat(), digest: hex(32) }),
        fc.record({ kind: fc.constant('get'), pending: hex(32), keyIds: fc.array(fc.oneof(fc.constant(t.keyId), hex(16)), { minLength: 1, maxLength: 200 }) })
      )
    },
    {
      protocol: PROTOCOL_ECDSA_PAIR,
      maxBytes: MAX_ECDSA_PAIR_MESSAGE_BYTES,
      answer: EcdsaPairResponseSchema,
      templates: [t.ecdsaPair],
      // the same message for any other membership: a network and epoch nobody runs
      wrongTime: fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,64}$/), fc.nat()).filter(([network, epoch]) => `${network}/epoch-${epoch}` !== t.ecdsaPair.context)
        .map(([network, epoch]) => ({ ...t.ecdsaPair, context: `${network}/epoch-${epoch}` }))
    },
    {
      protocol: PROTOCOL_REGISTRY_SYNC,
      maxBytes: MAX_REGISTRY_SYNC_MESSAGE_BYTES,
      answer: SyncResponseSchema,
      templates: [{ kind: 'summary', have: [{ keyId: t.keyId, recordDigest: 'ab'.repeat(32), receipts: 1 }] }],
      // summaries of keys nobody has, or of the real key with any count
      wrongTime: fc.record({
        kind: fc.constant('summary'),
        have: fc.array(fc.record({ keyId: fc.oneof(fc.constant(t.keyId), hex(16)), recordDigest: hex(32), receipts: fc.nat() }), { maxLength: 200 })
      })
    }
  ]
}

/** Frames for one protocol; `category` says which kind of malformation. */
export function frameCase (p: ProtocolUnderTest): fc.Arbitrary<FrameCase> {
  const c = (category: string) => (bytes: Uint8Array): FrameCase => ({ category, bytes })
  // A complete message the victim must answer, unless it came out over the protocol's limit (the pair protocol's is
  // 64 KiB, less than some generated values): then it is an over-limit frame.
  const framed = (category: string) => (body: string | Uint8Array): FrameCase =>
    ({ category: (typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) > p.maxBytes ? 'over-limit' : category, bytes: frame(body) })
  const json = (category: string) => (v: unknown): FrameCase => framed(category)(JSON.stringify(v) ?? 'null')
  return fc.oneof(
    // not a frame: random bytes, which read as some length prefix and then too few bytes, or too many
    { weight: 12, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map(c('garbage')) },
    // a length prefix that never ends (continuation bit set on every byte)
    { weight: 8, arbitrary: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 12 }).map(b => Uint8Array.from(b)).map(c('truncated-prefix')) },
    // a length over the limit, then a few bytes
    { weight: 8, arbitrary: fc.tuple(fc.integer({ min: p.maxBytes + 1, max: 2 ** 40 }), fc.uint8Array({ maxLength: 64 })).map(([n, tail]) => Buffer.concat([varint(n), tail])).map(c('oversized-prefix')) },
    // a length that promises more than comes before the end of the stream
    { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 2, max: 100_000 }), fc.uint8Array({ maxLength: 1_000 })).filter(([n, b]) => b.byteLength < n).map(([n, b]) => Buffer.concat([varint(n), b])).map(c('short-body')) },
    // a zero-length frame, and frames of bytes that are not JSON (or not UTF-8)
    { weight: 8, arbitrary: fc.oneof(fc.constant(new Uint8Array([0])), fc.uint8Array({ maxLength: 2_000 }).map(b => frame(b))).map(c('not-json')) },
    // JSON, but not the protocol's message
    { weight: 12, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 5 }), wrongValue).map(json('json-wrong-shape')) },
    // deep nesting and long arrays inside a frame under the limit
    { weight: 4, arbitrary: fc.integer({ min: 100, max: 20_000 }).map(d => '['.repeat(d) + ']'.repeat(d)).map(framed('deep-nesting')) },
    // a correct-looking message with one place broken
    { weight: 16, arbitrary: fc.constantFrom(...p.templates).chain(t => nearMiss(t)).map(framed('near-miss')) },
    // well-formed, at the wrong time: unknown keys, sessions, parties, requests
    { weight: 16, arbitrary: p.wrongTime.map(json('wrong-time')) },
    // a real frame just over the limit (rare: each is a full message's worth of bytes; the oversized
    // prefix above is the same check without the bytes). Not on registry sync: 4 MiB each.
    { weight: p.maxBytes > MAX_DIRECT_MESSAGE_BYTES ? 0 : 1, arbitrary: fc.integer({ min: 1, max: 1_024 }).map(extra => ({ category: 'over-limit', bytes: new Uint8Array(0), oversize: p.maxBytes + extra })) }
  )
}

/** The bytes of an over-limit frame: a correct prefix for `size` bytes, then that many bytes of JSON filler. */
export function oversizeFrame (size: number): Uint8Array {
  const body = new Uint8Array(size).fill(0x20)
  body[0] = 0x5b // '['
  body[size - 1] = 0x5d // ']'
  return frame(body)
}
