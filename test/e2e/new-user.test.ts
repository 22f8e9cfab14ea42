// new_user with real node processes: the CLI deals a key through a 9-node
// devnet, every node registers it, and a member kill -9'd right after its
// receipt still holds its sub-share when it comes back.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeyFileSchema } from '../../cli/key-file.js'
import { callJson } from '../../cli/client/http.js'
import { KeyInfoSchema } from '../../protocols/new-user/registry-entry.js'
import { openStore } from '../../node/store/index.js'
import { shareKey, type StoredShare } from '../../node/engine/new-user/share-store.js'
import { runCli, useE2eDevnet } from '../helpers/e2e-devnet.js'

const net = useE2eDevnet('new-user-e2e', { basePortFrom: 18100 })

describe('new_user e2e: 9 node processes', () => {
  let keyId = ''

  it('`shardsig new-user` deals a key that every node registers, and writes a 0600 key file', async () => {
    const devnet = net.devnet()
    const out = join(net.dir(), 'alice.key.json')
    const res = await runCli(['new-user', '--node', devnet.node(5).http, '--scheme', 'secp256k1', '--out', out, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const printed = JSON.parse(res.stdout) as { keyId: string, scheme: string, groupPublicKey: string, committees: Array<{ receipts: number }> }
    expect(printed.scheme).toBe('secp256k1')
    expect(printed.committees.map(c => c.receipts)).toEqual([3, 3, 3])
    keyId = printed.keyId

    expect((await stat(out)).mode & 0o777).toBe(0o600)
    const keyFile = KeyFileSchema.parse(JSON.parse(await readFile(out, 'utf8')))
    expect(keyFile).toMatchObject({ keyId, scheme: 'secp256k1', groupPublicKey: printed.groupPublicKey })
    expect(keyFile.exportedSecret).toBeUndefined()

    for (const i of devnet.indices()) {
      const entry = await callJson('GET', `${devnet.node(i).http}/keys/${keyId}`, KeyInfoSchema)
      expect(entry.record.groupPublicKey, `node ${i}`).toBe(printed.groupPublicKey)
      expect(entry.record.ownerAuthKey).toBe(keyFile.owner.publicKey)
    }
  })

  it('a member kill -9\'d right after its receipt still holds its sub-share after restart', async () => {
    const devnet = net.devnet()
    const res = await runCli(['new-user', '--node', devnet.node(1).http, '--out', join(net.dir(), 'bob.key.json'), '--json'])
    expect(res.code, res.stderr).toBe(0)
    const bobKey = (JSON.parse(res.stdout) as { keyId: string }).keyId
    // The receipts are in the CLI's answer: the members have acked. Kill one at once.
    const victim = devnet.nodes().find(n => n.committee === 2)!.index
    await devnet.kill(victim)

    const node = devnet.node(victim)
    const passphrase = (await readFile(node.paths.passphrase, 'utf8')).trim()
    const store = await openStore({ path: join(node.paths.data, 'store'), passphrase })
    try {
      const share = await store.getJson<StoredShare>(shareKey(bobKey, 0))
      expect(share).toMatchObject({ keyId: bobKey, committee: 2, state: 'active', scheme: 'ed25519' })
      expect(share!.share).toMatch(/^[0-9a-f]{64}$/)
    } finally {
      await store.close()
    }

    await devnet.start(victim)
    const entry = await callJson('GET', `${devnet.node(victim).http}/keys/${bobKey}`, KeyInfoSchema)
    expect(entry.record.keyId).toBe(bobKey)
    // The earlier key survived the kill too.
    expect((await callJson('GET', `${devnet.node(victim).http}/keys/${keyId}`, KeyInfoSchema)).record.keyId).toBe(keyId)
  })

  it('`shardsig new-user` against a node that is not there fails with one clear line', async () => {
    const res = await runCli(['new-user', '--node', 'http://127.0.0.1:1', '--out', join(net.dir(), 'nobody.key.json')])
    expect(res.code).toBe(1)
    expect(res.stderr.trim().split('\n')).toHaveLength(2) // progress line + the error
    expect(res.stderr).toContain('unreachable')
  })
})
