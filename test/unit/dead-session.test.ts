// Dead sessions (protocols/sign/dead-session.ts): a member's signed word that it
// never contributes to a session frees the members whose share went there —
// only for that session, that request, and a signer of that session's party.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { beforeAll, describe, expect, it } from 'vitest'
import { isAbandonmentOf, provesSessionDead, signAbandonment } from '../../protocols/sign/dead-session.js'
import { SessionAbandonedSchema, type Contribution } from '../../protocols/wire/sign.js'
import { flipHexByte } from '../helpers/owner.js'

const KEY = '0123456789abcdef0123456789abcdef'
const REQUEST = 'request-0001'
let member: { peerId: string, seed: Uint8Array }
let stranger: { peerId: string, seed: Uint8Array }
let contribution: Contribution

async function ident (): Promise<{ peerId: string, seed: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  return { peerId: peerIdFromPrivateKey(key).toString(), seed: key.raw.subarray(0, 32) }
}

beforeAll(async () => {
  member = await ident()
  stranger = await ident()
  contribution = {
    sessionId: 's1', coordinator: 'dead-cm',
    party: [{ committee: 1, member: 1, peerId: 'us' }, { committee: 1, member: 2, peerId: member.peerId }],
    commitments: [{ committee: 1, member: 1, hiding: '02'.padEnd(66, '0'), binding: '02'.padEnd(66, '0') }],
    share: { committee: 1, member: 1, share: '00'.repeat(32) }
  }
})

describe('dead sessions', () => {
  it('a party member\'s signed abandonment of the session proves it dead, and passes the wire schema', () => {
    const proof = signAbandonment({ keyId: KEY, requestId: REQUEST, sessionId: 's1', peerId: member.peerId }, member.seed)
    expect(SessionAbandonedSchema.parse(proof)).toEqual(proof)
    expect(isAbandonmentOf(proof, KEY, REQUEST)).toBe(true)
    expect(provesSessionDead(proof, contribution, KEY, REQUEST)).toBe(true)
  })

  it('proves nothing for another session, another request or key, a forged signature, or a signer outside the session\'s party', () => {
    const of = (sessionId: string, who = member): ReturnType<typeof signAbandonment> => signAbandonment({ keyId: KEY, requestId: REQUEST, sessionId, peerId: who.peerId }, who.seed)
    expect(provesSessionDead(of('s2'), contribution, KEY, REQUEST)).toBe(false)
    expect(provesSessionDead(of('s1'), contribution, KEY, 'request-0002')).toBe(false)
    expect(provesSessionDead(of('s1'), contribution, 'f'.repeat(32), REQUEST)).toBe(false)
    expect(provesSessionDead({ ...of('s1'), signature: flipHexByte(of('s1').signature) }, contribution, KEY, REQUEST)).toBe(false)
    // Signed by one peer in another's name.
    expect(provesSessionDead({ ...of('s1', stranger), peerId: member.peerId }, contribution, KEY, REQUEST)).toBe(false)
    // A valid statement, but by a node that was not in that session.
    expect(provesSessionDead(of('s1', stranger), contribution, KEY, REQUEST)).toBe(false)
  })
})
