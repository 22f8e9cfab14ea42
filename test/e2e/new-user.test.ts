// new_user with real node processes: the CLI deals a key through a 9-node
// devnet, every node registers it, and a member kill -9'd right after its
// receipt still holds its sub-share when it comes back; a key deleted while
// a node is down is gone from every store once it returns.
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

describe('delete_user e2e: 9 node processes, one down during the delete', () => {
  it('`shardsig delete-user`: after the down node returns, no store holds a share, every node answers 410, signing is refused', async () => {
    const devnet = net.devnet()
    const keyPath = join(net.dir(), 'carol.key.json')
    const made = await runCli(['new-user', '--node', devnet.node(2).http, '--out', keyPath, '--json'])
    expect(made.code, made.stderr).toBe(0)
    const carol = (JSON.parse(made.stdout) as { keyId: string }).keyId
    const down = devnet.nodes().find(n => n.committee === 3)!.index
    await devnet.kill(down)

    const deleted = await runCli(['delete-user', '--key', keyPath, '--node', devnet.node(1).http, '--json'])
    expect(deleted.code, deleted.stderr).toBe(0)
    const result = JSON.parse(deleted.stdout) as { keyId: string, holders: Array<{ peerId: string, erased: boolean }> }
    expect(result.keyId).toBe(carol)
    expect(result.holders.find(h => h.peerId === devnet.node(down).peerId)?.erased).toBe(false)
    // A replay of the delete is answered with the deletion that took effect.
    const replay = await runCli(['delete-user', '--key', keyPath, '--node', devnet.node(4).http])
    expect(replay.stdout).toMatch(/was already deleted/)

    await devnet.start(down, { timeoutMs: 90_000 })
    // Every node, the one that was down included, answers 410 with all nine erasure receipts.
    for (const n of devnet.nodes()) {
      let body: { deletion?: { erased: number } } = {}
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        const res = await fetch(`${n.http}/keys/${carol}`)
        body = await res.json() as typeof body
        if (res.status === 410 && body.deletion?.erased === 9) break
        await new Promise(resolve => setTimeout(resolve, 250))
      }
      expect(body.deletion?.erased, `node ${n.index}`).toBe(9)
    }
    const signed = await runCli(['sign', '--key', keyPath, '--message', '00'])
    expect(signed.code).not.toBe(0)
    expect(signed.stderr).toMatch(/410|deleted/)

    // Look into every store (each node stopped first: LevelDB allows one process).
    for (const n of devnet.nodes()) {
      await devnet.stop(n.index)
      const passphrase = (await readFile(n.paths.passphrase, 'utf8')).trim()
      const store = await openStore({ path: join(n.paths.data, 'store'), passphrase })
      try {
        const left: string[] = []
        for await (const [k] of store.iterate(`share/${carol}/`)) left.push(k)
        expect(left, `node ${n.index}`).toEqual([])
        expect(await store.getJson(`tombstone/${carol}`), `node ${n.index}`).toBeDefined()
      } finally {
        await store.close()
      }
    }
  }, 240_000)
})
