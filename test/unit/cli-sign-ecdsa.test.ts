// `shardsig sign` for an ecdsa-secp256k1 key (cli/commands/sign.ts, cli/client/sign.ts) against a
// node on 127.0.0.1 whose manager signs with noble (the key's secret is the test's) and answers through
// the API's own formatting (signResultBody): the digest sent is keccak-256 or SHA-256 of the message
// when asked, the output is r, s, v and the signature, --json has all four, and a result that does not
// check out (a v that recovers another key, high s, fields that are not the signature's) is refused.
// Misuse is refused before any request.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { SignatureInvalidError } from '../../cli/client/sign.js'
import { runSign } from '../../cli/commands/sign.js'
import { UsageError, type Io } from '../../cli/io.js'
import type { KeyFile } from '../../cli/key-file.js'
import { signResultBody } from '../../node/api/routes/sign.js'
import type { SignRequest, SignResult } from '../../protocols/wire/sign.js'
import { evenYSecret, keyFileFor, signRecoverable, WEB3_DIGEST, WEB3_MESSAGE, WEB3_SECRET, WEB3_SIGNATURE } from '../helpers/ecdsa-client-keys.js'

const N = secp256k1.Point.CURVE().n
type Tamper = (body: SignResult) => SignResult

let server: Server
let node: string
let dir: string
/** Every message (hex) a manager was asked to sign. */
const posted: string[] = []
let tamper: Tamper = body => body

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-sign-ecdsa-'))
  server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && req.url === '/who_cm') { send(200, { epoch: 0, managers: [{ peerId: 'peer-m', http: `${node}/m` }] }); return }
    let text = ''
    req.on('data', (c: Buffer) => { text += c.toString() })
    req.on('end', () => {
      const request = JSON.parse(text) as SignRequest
      posted.push(request.message)
      const key = keyFileFor('ecdsa-secp256k1', WEB3_SECRET)
      const signature = signRecoverable(WEB3_SECRET, hexToBytes(request.message))
      const result: SignResult = {
        requestId: request.requestId, keyId: request.keyId, status: 'completed', scheme: 'ecdsa-secp256k1', groupPublicKey: key.groupPublicKey,
        attempts: 1, signature, signers: [{ committee: 1, member: 1, peerId: 'peer-1' }, { committee: 2, member: 3, peerId: 'peer-6' }]
      }
      send(200, tamper(signResultBody(result)))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  node = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>(resolve => server.close(() => resolve()))
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => { posted.length = 0; tamper = body => body })

async function keyPath (key: KeyFile): Promise<string> {
  const path = join(dir, `${key.keyId}.json`)
  await writeFile(path, JSON.stringify(key))
  return path
}

async function sign (args: string[]): Promise<{ code: number, out: string[], progress: string[] }> {
  const out: string[] = []
  const progress: string[] = []
  const io: Io = { out: l => { out.push(l) }, progress: l => { progress.push(l) }, env: {}, signal: AbortSignal.timeout(20_000) }
  return { code: await runSign(args, io), out, progress }
}

describe('shardsig sign, ecdsa-secp256k1', () => {
  const key = keyFileFor('ecdsa-secp256k1', WEB3_SECRET)

  it('--keccak sends keccak-256 of the message and prints r, s, v, then the signature (the web3.js documentation\'s)', async () => {
    const res = await sign(['--key', await keyPath({ ...key, node }), '--message', bytesToHex(WEB3_MESSAGE), '--keccak'])
    expect(res.code).toBe(0)
    expect(posted).toEqual([WEB3_DIGEST])
    const signature = WEB3_SIGNATURE.r + WEB3_SIGNATURE.s + '01'
    expect(res.out).toEqual([`r ${WEB3_SIGNATURE.r}`, `s ${WEB3_SIGNATURE.s}`, 'v 1', `signature ${signature}`])
    expect(res.progress[0]).toBe(`digest ${WEB3_DIGEST} (keccak-256 of the message)`)
    expect(res.progress.at(-1)).toMatch(/: ecdsa-secp256k1 signature by 2 signers \(committees 1, 2\), verified$/)
  })

  it('--sha256 --json: signature, r, s, v and the digest, beside what --json printed before', async () => {
    const message = utf8ToBytes('withdraw 5 BTC')
    const res = await sign(['--key', await keyPath({ ...key, node }), '--message', bytesToHex(message), '--sha256', '--json'])
    expect(res.code).toBe(0)
    const digest = bytesToHex(sha256(message))
    expect(posted).toEqual([digest])
    const out = JSON.parse(res.out[0]!) as Record<string, unknown>
    const signature = signRecoverable(WEB3_SECRET, hexToBytes(digest))
    expect(out).toEqual({
      requestId: expect.any(String), status: 'completed', scheme: 'ecdsa-secp256k1', groupPublicKey: key.groupPublicKey,
      signature, digest, r: signature.slice(0, 64), s: signature.slice(64, 128), v: parseInt(signature.slice(128), 16)
    })
  })

  it('a 32-byte message without a flag is the digest, sent as is', async () => {
    expect((await sign(['--key', await keyPath({ ...key, node }), '--message', WEB3_DIGEST])).code).toBe(0)
    expect(posted).toEqual([WEB3_DIGEST])
  })

  it('refuses a result whose v recovers another key, whose s is high, whose r/s/v fields are not its signature\'s, or of 64 bytes', async () => {
    const path = await keyPath({ ...key, node })
    const flipV = (hex: string): string => hex.slice(0, 128) + (parseInt(hex.slice(128), 16) ^ 1).toString(16).padStart(2, '0')
    const tampers: Array<[Tamper, RegExp]> = [
      [b => ({ ...b, signature: flipV(b.signature!), v: b.v! ^ 1 }), /v = [01] recovers another key/],
      [b => {
        const s = (N - BigInt('0x' + b.s!)).toString(16).padStart(64, '0')
        return { ...b, signature: b.r! + s + flipV(b.signature!).slice(128), s, v: b.v! ^ 1 }
      }, /s is above n\/2/],
      [b => ({ ...b, v: b.v! ^ 1 }), /its v \([01]\) is not the signature's/],
      [b => ({ ...b, r: b.s! }), /its r \([0-9a-f]{64}\) is not the signature's/],
      [b => ({ ...b, signature: b.signature!.slice(0, 128) }), /an ECDSA result is 65 bytes r‖s‖v, got 64/]
    ]
    for (const [t, reason] of tampers) {
      tamper = t
      const refused = sign(['--key', path, '--message', WEB3_DIGEST])
      await expect(refused).rejects.toThrow(SignatureInvalidError)
      await expect(refused).rejects.toThrow(reason)
    }
  })

  it('refuses before any request: a message that is no digest, both flags; and --keccak for a FROST key', async () => {
    const path = await keyPath({ ...key, node })
    await expect(sign(['--key', path, '--message', '68656c6c6f'])).rejects.toThrow('--message is 5 bytes; an ecdsa-secp256k1 key signs a 32-byte digest: give the digest, or --keccak (Ethereum) or --sha256 to hash the message')
    await expect(sign(['--key', path, '--message', '68656c6c6f', '--keccak', '--sha256'])).rejects.toThrow('give --keccak or --sha256, not both')
    const frost = await keyPath({ ...keyFileFor('secp256k1', evenYSecret()), node })
    const refused = sign(['--key', frost, '--message', '68656c6c6f', '--keccak'])
    await expect(refused).rejects.toThrow(UsageError)
    await expect(refused).rejects.toThrow('--keccak hashes the message into the digest an ecdsa-secp256k1 key signs; this key is secp256k1, which signs the message itself')
    expect(posted).toEqual([])
  })
})
