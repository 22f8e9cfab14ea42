// `shardsig verify` (cli/commands/verify.ts, cli/client/check-signature.ts) on real signatures made by
// noble, never by shardsig: ECDSA r‖s and r‖s‖v (the web3.js documentation's published one among
// them), Ed25519 and BIP340; and what it refuses: a v that recovers another key, high s, another
// digest or key, wrong lengths, misused flags. A key id is looked up at a node that must not lie.
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkSignature } from '../../cli/client/check-signature.js'
import { KeyIdMismatchError } from '../../cli/client/key-ref.js'
import { runVerify } from '../../cli/commands/verify.js'
import { UsageError, type Io } from '../../cli/io.js'
import type { KeyFile } from '../../cli/key-file.js'
import { scalarToHex } from '../../protocols/sharing/index.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { evenYSecret, keyFileFor, signFrost, signRecoverable, WEB3_DIGEST, WEB3_MESSAGE, WEB3_SECRET, WEB3_SIGNATURE } from '../helpers/ecdsa-client-keys.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'

const N = secp256k1.Point.CURVE().n
let dir: string

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'shardsig-verify-')) })
afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

async function keyPath (key: KeyFile): Promise<string> {
  const path = join(dir, `${key.keyId}.json`)
  await writeFile(path, JSON.stringify(key))
  return path
}

async function verify (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number, out: string[] }> {
  const out: string[] = []
  const io: Io = { out: l => { out.push(l) }, progress: () => {}, env, signal: AbortSignal.timeout(10_000) }
  return { code: await runVerify(args, io), out }
}

/** The same signature with s replaced by n - s and the parity flipped: valid ECDSA, but high-s. */
function highS (signatureHex: string): string {
  const s = N - BigInt('0x' + signatureHex.slice(64, 128))
  const v = parseInt(signatureHex.slice(128, 130), 16) ^ 1
  return signatureHex.slice(0, 64) + s.toString(16).padStart(64, '0') + v.toString(16).padStart(2, '0')
}

describe('shardsig verify, ecdsa-secp256k1', () => {
  const key = keyFileFor('ecdsa-secp256k1', WEB3_SECRET)
  const published = WEB3_SIGNATURE.r + WEB3_SIGNATURE.s + '01'

  it('the web3.js documentation\'s signature of "Some data": valid from the message with --keccak, or from the digest, 65 or 64 bytes', async () => {
    const path = await keyPath(key)
    expect(await verify(['--key', path, '--message', bytesToHex(WEB3_MESSAGE), '--keccak', '--signature', '0x' + published])).toEqual({ code: 0, out: ['valid'] })
    expect(await verify(['--key', path, '--message', WEB3_DIGEST, '--signature', published])).toEqual({ code: 0, out: ['valid'] })
    expect(await verify(['--key', path, '--message', WEB3_DIGEST, '--signature', published.slice(0, 128)])).toEqual({ code: 0, out: ['valid'] })
  })

  it('a fresh key and digest, --sha256: valid; --json says so with the digest', async () => {
    const secret = evenYSecret()
    const fresh = keyFileFor('ecdsa-secp256k1', secret)
    const message = utf8ToBytes('pay 1 ETH to bob')
    const digest = sha256(message)
    const signature = signRecoverable(secret, digest)
    const res = await verify(['--key', await keyPath(fresh), '--message', bytesToHex(message), '--sha256', '--signature', signature, '--json'])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.out[0]!)).toEqual({ valid: true, keyId: fresh.keyId, scheme: 'ecdsa-secp256k1', groupPublicKey: fresh.groupPublicKey, digest: bytesToHex(digest) })
  })

  it('refuses a v that recovers another key, high s, another digest, another key, r or s out of range, and wrong lengths, saying why', async () => {
    const path = await keyPath(key)
    const other = keyFileFor('ecdsa-secp256k1', evenYSecret())
    const cases: Array<[string, string, RegExp, string?]> = [
      [WEB3_DIGEST, published.slice(0, 128) + '00', /^invalid: v = 0 recovers another key \(0[23][0-9a-f]{64}\)$/],
      [WEB3_DIGEST, published.slice(0, 128) + '04', /^invalid: v = 4 is no recovery id/],
      [WEB3_DIGEST, highS(published), /^invalid: s is above n\/2: not low-s/],
      [WEB3_DIGEST, highS(published).slice(0, 128), /^invalid: s is above n\/2/],
      ['00'.repeat(32), published, /^invalid: the ECDSA signature does not verify for this key and digest$/],
      [WEB3_DIGEST, '00'.repeat(64) + '01', /^invalid: r or s is not in \[1, n-1\]$/],
      [WEB3_DIGEST, N.toString(16) + WEB3_SIGNATURE.s, /^invalid: r or s is not in \[1, n-1\]$/],
      [WEB3_DIGEST, published + '00', /^invalid: an ecdsa-secp256k1 signature is 64 \(r‖s\) or 65 \(r‖s‖v\) bytes, this one is 66$/],
      [WEB3_DIGEST, 'zz', /^invalid: the signature is not hex$/],
      [WEB3_DIGEST, published, /^invalid: the ECDSA signature does not verify/, await keyPath(other)]
    ]
    for (const [digest, signature, expected, otherPath] of cases) {
      const res = await verify(['--key', otherPath ?? path, '--message', digest, '--signature', signature])
      expect(res.code, signature).toBe(1)
      expect(res.out, signature).toHaveLength(1)
      expect(res.out[0], signature).toMatch(expected)
    }
  })

  it('the recovery ids 2 and 3 (x(R) ≥ n) are checked by recovery like 0 and 1: here they recover no key', () => {
    for (const v of ['02', '03']) {
      const verdict = checkSignature(key, hexToBytes(WEB3_DIGEST), published.slice(0, 128) + v)
      expect(verdict.valid).toBe(false)
    }
  })

  it('usage errors before anything is checked: an ECDSA message that is no digest, both flags, a missing signature', async () => {
    const path = await keyPath(key)
    await expect(verify(['--key', path, '--message', bytesToHex(WEB3_MESSAGE), '--signature', published])).rejects.toThrow('--message is 36 bytes; an ecdsa-secp256k1 key signs a 32-byte digest')
    await expect(verify(['--key', path, '--message', '00', '--keccak', '--sha256', '--signature', published])).rejects.toThrow(UsageError)
    await expect(verify(['--key', path, '--message', WEB3_DIGEST])).rejects.toThrow('--signature is required')
    await expect(verify(['--message', WEB3_DIGEST, '--signature', published])).rejects.toThrow('--key is required')
  })
})

describe('shardsig verify, FROST keys (independent verifiers: OpenSSL for ed25519, noble for BIP340)', () => {
  for (const scheme of ['ed25519', 'secp256k1'] as const) {
    it(`${scheme}: a noble signature is valid; a flipped bit, another message or a 65-byte one is not; --keccak is a usage error`, async () => {
      const secret = scheme === 'ed25519' ? ed25519.utils.randomSecretKey() : evenYSecret()
      const key = keyFileFor(scheme, secret)
      const path = await keyPath(key)
      const message = utf8ToBytes(`hello ${scheme}`)
      const signature = signFrost(scheme, secret, message)
      expect(await verify(['--key', path, '--message', bytesToHex(message), '--signature', signature])).toEqual({ code: 0, out: ['valid'] })
      const flipped = signature.slice(0, 10) + (parseInt(signature[10]!, 16) ^ 1).toString(16) + signature.slice(11)
      expect((await verify(['--key', path, '--message', bytesToHex(message), '--signature', flipped])).code).toBe(1)
      expect(await verify(['--key', path, '--message', '00', '--signature', signature])).toEqual({ code: 1, out: [`invalid: the ${scheme === 'ed25519' ? 'Ed25519 signature does not verify (RFC 8032)' : 'BIP340 signature does not verify'}`] })
      expect((await verify(['--key', path, '--message', bytesToHex(message), '--signature', signature + '00'])).out[0]).toBe(`invalid: ${scheme === 'ed25519' ? 'an' : 'a'} ${scheme} signature is 64 bytes, this one is 65`)
      await expect(verify(['--key', path, '--message', bytesToHex(message), '--keccak', '--signature', signature])).rejects.toThrow(`--keccak hashes the message into the digest an ecdsa-secp256k1 key signs; this key is ${scheme}`)
    })
  }
})

describe('shardsig verify --key KEY_ID', () => {
  let server: Server
  let node: string
  const answers = new Map<string, unknown>()

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = answers.get(req.url ?? '')
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': body === undefined ? 'application/problem+json' : 'application/json' })
      res.end(JSON.stringify(body ?? { type: 'https://shardsig.dev/problems/not-found', title: 'Not Found', status: 404 }))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    node = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) })

  it('takes the scheme and group key from the node\'s record, and refuses a record of another key', async () => {
    const genesis = fakeGenesis(9, 3)
    // Real X25519 keys, so that a real key can be dealt against this genesis.
    for (const n of genesis.nodes) n.encryptionPublicKey = bytesToHex(x25519.getPublicKey(x25519.utils.randomSecretKey()))
    const membership = membershipOf(genesis)
    const [dealt, other] = [await deal(membership, newOwner(), 'ecdsa-secp256k1'), await deal(membership, newOwner(), 'ecdsa-secp256k1')]
    const info = (record: typeof dealt.record): unknown => ({ record, receipts: [], confirmedCommittees: [1, 2, 3], usable: true, current: { epoch: 0, holders: record.holders } })
    answers.set(`/keys/${dealt.record.keyId}`, info(dealt.record))
    const secret = hexToBytes(scalarToHex('secp256k1', dealt.secret.expose()))
    const signature = signRecoverable(secret, hexToBytes(WEB3_DIGEST))
    expect(await verify(['--key', dealt.record.keyId, '--node', node, '--message', WEB3_DIGEST, '--signature', signature])).toEqual({ code: 0, out: ['valid'] })
    expect(await verify(['--key', dealt.record.keyId, '--message', WEB3_DIGEST, '--signature', signature], { SHARDSIG_NODE: node })).toEqual({ code: 0, out: ['valid'] })

    // A node that answers for this key id with another key's record (whose signature this would then be).
    answers.set(`/keys/${dealt.record.keyId}`, info(other.record))
    await expect(verify(['--key', dealt.record.keyId, '--node', node, '--message', WEB3_DIGEST, '--signature', signature])).rejects.toThrow(KeyIdMismatchError)
    await expect(verify(['--key', 'ab'.repeat(16), '--node', node, '--message', WEB3_DIGEST, '--signature', signature])).rejects.toThrow(/404/)
  })
})
