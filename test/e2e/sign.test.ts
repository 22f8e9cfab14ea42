// sign with real node processes: the CLI signs with both schemes (checked here
// with independent verifiers), and a request completes although one party
// member was kill -9'd and another SIGSTOPped, with both blamed.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { managerOrder, newRequestId, sign } from '../../cli/client/sign.js'
import { KeyFileSchema, type KeyFile } from '../../cli/key-file.js'
import { callJson, callRoute } from '../../cli/client/http.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { WhoCmSchema } from '../../protocols/wire/http.js'
import { runCli, useE2eDevnet } from '../helpers/e2e-devnet.js'
import { verifiesIndependently } from '../helpers/verify.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { newUserDkg } from '../../cli/client/new-user-dkg.js'
import { verifyTranscript } from '../../protocols/new-user/dkg.js'
import { curveFor, pointFromHex } from '../../protocols/sharing/index.js'
import { GenesisSchema } from '../../protocols/wire/genesis.js'
import { membershipOf } from '../../protocols/wire/membership.js'

const net = useE2eDevnet('sign-e2e', { basePortFrom: 20100 })
const keys: Partial<Record<'ed25519' | 'secp256k1', KeyFile>> = {}


describe('sign e2e: 9 node processes', () => {
  for (const scheme of ['ed25519', 'secp256k1'] as const) {
    it(`\`shardsig new-user\` then \`shardsig sign\` (${scheme}); the signature verifies independently`, async () => {
      const devnet = net.devnet()
      const keyPath = join(net.dir(), `${scheme}.key.json`)
      const made = await runCli(['new-user', '--node', devnet.node(2).http, '--scheme', scheme, '--out', keyPath])
      expect(made.code, made.stderr).toBe(0)
      const key = KeyFileSchema.parse(JSON.parse(await readFile(keyPath, 'utf8')))
      keys[scheme] = key
      const message = '5349474e2074686973'
      const res = await runCli(['sign', '--key', keyPath, '--message', message, '--json'])
      expect(res.code, res.stderr).toBe(0)
      const out = JSON.parse(res.stdout) as { status: string, signature: string, scheme: string, groupPublicKey: string }
      expect(out).toMatchObject({ status: 'completed', scheme, groupPublicKey: key.groupPublicKey })
      expect(verifiesIndependently(key, hexToBytes(message), out.signature)).toBe(true)
      const verified = await runCli(['verify', '--key', keyPath, '--message', message, '--signature', out.signature])
      expect(verified.stdout.trim()).toBe('valid')
    })
  }

  it('`shardsig new-user --scheme ecdsa-secp256k1`, `shardsig sign --keccak`, `shardsig verify --keccak`: noble verifies r‖s‖v on keccak-256 of the message and recovers the key file\'s address', async () => {
    const devnet = net.devnet()
    const keyPath = join(net.dir(), 'ecdsa-secp256k1.key.json')
    const made = await runCli(['new-user', '--node', devnet.node(2).http, '--scheme', 'ecdsa-secp256k1', '--out', keyPath])
    expect(made.code, made.stderr).toBe(0)
    const key = KeyFileSchema.parse(JSON.parse(await readFile(keyPath, 'utf8')))
    expect(key.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    // A raw message (not a digest): the CLI hashes it with keccak-256 and the network signs the digest.
    const message = Buffer.from('shardsig e2e: pay 1 wei to vitalik.eth').toString('hex')
    const res = await runCli(['sign', '--key', keyPath, '--message', message, '--keccak', '--json'], 60_000)
    expect(res.code, res.stderr).toBe(0)
    const out = JSON.parse(res.stdout) as { status: string, scheme: string, signature: string, digest: string, r: string, s: string, v: number }
    expect(out).toMatchObject({ status: 'completed', scheme: 'ecdsa-secp256k1' })

    // Outside the project: @noble/hashes' keccak-256 and @noble/curves' ECDSA, nothing of shardsig's.
    const digest = keccak_256(hexToBytes(message))
    expect(out.digest).toBe(bytesToHex(digest))
    const signature = hexToBytes(out.signature)
    expect(signature.length).toBe(65)
    expect(bytesToHex(signature.subarray(0, 32))).toBe(out.r)
    expect(bytesToHex(signature.subarray(32, 64))).toBe(out.s)
    expect(signature[64]).toBe(out.v)
    expect(secp256k1.verify(signature.subarray(0, 64), digest, hexToBytes(key.groupPublicKey), { prehash: false, lowS: true })).toBe(true)
    const recovered = secp256k1.Signature.fromBytes(signature.subarray(0, 64), 'compact').addRecoveryBit(out.v).recoverPublicKey(digest).toBytes(false)
    const address = '0x' + bytesToHex(keccak_256(recovered.subarray(1)).subarray(12))
    expect(address).toBe(key.address!.toLowerCase())

    const verified = await runCli(['verify', '--key', keyPath, '--keccak', '--message', message, '--signature', out.signature])
    expect(verified.stdout.trim(), verified.stderr).toBe('valid')
    expect(verified.code).toBe(0)
    const other = await runCli(['verify', '--key', keyPath, '--keccak', '--message', message + '00', '--signature', out.signature])
    expect(other.stdout.trim()).toMatch(/^invalid: /)
    expect(other.code).toBe(1)
  }, 120_000)

  for (const scheme of ['ed25519', 'secp256k1'] as const) {
    it(`\`shardsig new-user --dkg\` (${scheme}): dealers nobody trusts make a key that signs; no dealer's own value is the key`, async () => {
      const devnet = net.devnet()
      const keyPath = join(net.dir(), `dkg-${scheme}.key.json`)
      const made = await runCli(['new-user', '--dkg', '--node', devnet.node(5).http, '--scheme', scheme, '--out', keyPath, '--json'])
      expect(made.code, made.stderr).toBe(0)
      const out = JSON.parse(made.stdout) as { keyId: string, dkg: { session: string, dealers: string[] } }
      expect(new Set(out.dkg.dealers).size).toBe(3)
      const key = KeyFileSchema.parse(JSON.parse(await readFile(keyPath, 'utf8')))
      expect(key.exportedSecret).toBeUndefined()
      const message = '444b47206b6579'
      const res = await runCli(['sign', '--key', keyPath, '--message', message, '--json'])
      expect(res.code, res.stderr).toBe(0)
      expect(verifiesIndependently(key, hexToBytes(message), (JSON.parse(res.stdout) as { signature: string }).signature)).toBe(true)

      // Every dealer's published messages, as the client collected them: X is their sum and none of them alone.
      const result = await newUserDkg({ node: devnet.node(7).http, scheme, ownerSecretKey: ed25519.utils.randomSecretKey() })
      const membership = membershipOf(await callJson('GET', `${devnet.node(1).http}/genesis`, GenesisSchema))
      const verified = verifyTranscript(result.dkg.transcript, membership, scheme)
      const curve = curveFor(scheme)
      const X = pointFromHex(scheme, result.record.groupPublicKey)
      expect(curve.pointEquals(verified.sum.outer[0]!, X)).toBe(true)
      for (const [dealer, c] of verified.contributions) {
        expect(curve.pointEquals(c.outer[0]!, X), `dealer ${dealer} dealt the key itself`).toBe(false)
        expect(curve.pointEquals(curve.mulPublic(c.outer[0]!, curve.Fn.neg(1n)), X), `dealer ${dealer} dealt the key's negation`).toBe(false)
      }
    })
  }

  it('completes although one party member is kill -9\'d and one paused, and blames both', async () => {
    const devnet = net.devnet()
    const key = keys.ed25519!
    const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
    let cm = ''
    // Choose a request id whose first party has, in each of its two committees, a member that is not its CM.
    const holders = [1, 2, 3].map(c => devnet.nodes().filter(n => n.committee === c).map(n => n.peerId))
    const live = new Set(devnet.nodes().map(n => n.peerId))
    let requestId = ''
    let victims: string[] = []
    for (;;) {
      requestId = newRequestId()
      cm = managerOrder(managers, requestId)[0]!.peerId
      const sel = selectParty({ requestId, tc: 2, tm: 2, holders, live, load: new Map(), excluded: new Set() })
      if (!sel.ok) continue
      const committees = [...new Set(sel.party.map(p => p.committee))]
      victims = committees.map(c => sel.party.find(p => p.committee === c && p.peerId !== cm)?.peerId).filter((p): p is string => p !== undefined)
      if (victims.length === 2) break
    }
    const [killed, paused] = victims.map(p => devnet.indexOfPeer(p)!)
    // Ask a node that stays up: the CM itself.
    const entry = devnet.nodes().find(n => n.peerId === cm)!.http
    await devnet.kill(killed!)
    await devnet.pause(paused!)
    try {
      const message = new TextEncoder().encode('signers crash and stall')
      const started = Date.now()
      const result = await sign({ node: entry, key, message, requestId })
      console.info(`sign e2e: completed after a kill -9 and a SIGSTOP in ${Date.now() - started} ms, ${result.attempts} attempts`)
      expect(result.status, result.reason).toBe('completed')
      expect(result.attempts).toBeGreaterThanOrEqual(2)
      expect(result.signers!.map(s => s.peerId)).not.toContain(victims[0])
      expect(result.signers!.map(s => s.peerId)).not.toContain(victims[1])
      expect(verifiesIndependently(key, message, result.signature!)).toBe(true)
      const cmNode = devnet.nodes().find(n => n.peerId === cm)!
      const health = await callRoute(cmNode.http, HTTP_API.health)
      const culprits = health.blame.filter(b => b.flow === 'sign' && b.detail.includes(requestId)).map(b => b.culprit)
      expect(new Set(culprits)).toEqual(new Set(victims))
      // `shardsig status` shows the killed node down and the blame its CM recorded.
      const table = await runCli(['status', '--node', entry])
      expect(table.code, table.stderr).toBe(0)
      const killedRow = table.stdout.split('\n').find(l => l.startsWith(`${devnet.node(killed!).nodeId} `))
      expect(killedRow).toMatch(/DOWN/)
      const json = await runCli(['status', '--node', entry, '--json'])
      const status = NetworkStatusJson.parse(JSON.parse(json.stdout))
      expect(status.nodes).toHaveLength(9)
      expect(status.nodes.find(n => n.peerId === victims[0])).toMatchObject({ live: false, answers: false })
      expect(status.nodes.filter(n => n.roles.includes('manager')).length).toBe(devnet.params.managers)
      expect(status.nodes.find(n => n.peerId === cm)?.lastBlame?.flow).toBe('sign')
    } finally {
      await devnet.resume(paused!)
      await devnet.start(killed!)
    }
  })
})

/** The parts of `shardsig status --json` this test reads. */
const NetworkStatusJson = z.object({
  nodes: z.array(z.object({ peerId: z.string(), live: z.boolean(), answers: z.boolean(), roles: z.array(z.string()), lastBlame: z.object({ flow: z.string() }).optional() }))
})
