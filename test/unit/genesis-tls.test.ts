// tlsFingerprint in the genesis (protocols/wire/genesis.ts): optional, so a
// genesis written before it keeps its digest (key records, membership updates
// and pinned digests all carry that digest); when given it pins an https URL.
import { describe, expect, it } from 'vitest'
import { genesisDigest, GenesisSchema } from '../../protocols/wire/genesis.js'
import { tolerant } from '../../protocols/wire/tolerant.js'

/** A genesis file as `devnet up` wrote it before tlsFingerprint existed, byte for byte as JSON text. */
const OLD_GENESIS_TEXT = JSON.stringify({
  version: 1,
  network: 'devnet',
  epoch: 0,
  params: { committees: 1, tc: 1, tm: 2, managers: 1 },
  nodes: [1, 2, 3].map(i => ({
    nodeId: `node-${i}`,
    peerId: `12D3KooW${'ABC'[i - 1]!.repeat(3)}`,
    multiaddrs: [`/ip4/127.0.0.1/tcp/710${i}`],
    http: `http://127.0.0.1:720${i}`,
    encryptionPublicKey: `${i}${i}`.repeat(32),
    committee: 1
  })),
  operators: ['44'.repeat(32)]
}, null, 2)
/** Its digest, computed before this field was added (SHA-256 of "shardsig/v1/genesis\n" + JCS). */
const OLD_GENESIS_DIGEST = '033c58de915f56ee99c358ee69b2128b92bf799c9cc677e6ed6d83d6041bf17b'
const FINGERPRINT = 'ab'.repeat(32)

describe('genesis tlsFingerprint', () => {
  it('a genesis without fingerprints keeps the digest it had before the field existed', () => {
    const parsed = GenesisSchema.parse(JSON.parse(OLD_GENESIS_TEXT))
    expect(genesisDigest(parsed)).toBe(OLD_GENESIS_DIGEST)
    expect(parsed.nodes.every(n => !('tlsFingerprint' in n))).toBe(true)
    // As a peer reads it inside a membership update, too.
    expect(genesisDigest(tolerant(GenesisSchema).parse(JSON.parse(OLD_GENESIS_TEXT)))).toBe(OLD_GENESIS_DIGEST)
  })

  it('a fingerprint is part of the digest', () => {
    const old = JSON.parse(OLD_GENESIS_TEXT) as { nodes: Array<Record<string, unknown>> }
    old.nodes[0]!.http = 'https://127.0.0.1:7201'
    old.nodes[0]!.tlsFingerprint = FINGERPRINT
    const withPin = GenesisSchema.parse(old)
    expect(withPin.nodes[0]!.tlsFingerprint).toBe(FINGERPRINT)
    const other = GenesisSchema.parse({ ...old, nodes: [{ ...old.nodes[0], tlsFingerprint: 'cd'.repeat(32) }, ...old.nodes.slice(1)] })
    expect(genesisDigest(withPin)).not.toBe(genesisDigest(other))
  })

  it('refuses a fingerprint next to an http:// URL, and one that is not 32 bytes of lowercase hex', () => {
    const old = JSON.parse(OLD_GENESIS_TEXT) as { nodes: Array<Record<string, unknown>> }
    const withNode = (n: Record<string, unknown>): unknown => ({ ...old, nodes: [{ ...old.nodes[0], ...n }, ...old.nodes.slice(1)] })
    const plain = GenesisSchema.safeParse(withNode({ tlsFingerprint: FINGERPRINT }))
    expect(plain.success).toBe(false)
    expect(plain.error?.issues[0]).toMatchObject({ path: ['nodes', 0, 'http'], message: 'a node with a tlsFingerprint must have an https:// URL' })
    expect(GenesisSchema.safeParse(withNode({ http: 'https://127.0.0.1:7201', tlsFingerprint: 'AB'.repeat(32) })).success).toBe(false)
    expect(GenesisSchema.safeParse(withNode({ http: 'https://127.0.0.1:7201', tlsFingerprint: 'ab'.repeat(20) })).success).toBe(false)
    // https without a fingerprint: a certificate clients check against a CA (e.g. a TLS proxy in front).
    expect(GenesisSchema.safeParse(withNode({ http: 'https://node-1.example' })).success).toBe(true)
  })
})
