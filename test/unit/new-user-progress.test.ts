// The client's new_user says what it waits for (issue #17: the CLI printed
// nothing for 16 s while a paused committee leader held its request). Real
// HTTP servers on 127.0.0.1: one node answers /who_cl, the committee's leader
// takes the bundle and never answers (as a paused process does), the backup
// refuses the connection.
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { sendBundles, SLOW_LEADER_NOTICE_MS } from '../../cli/client/new-user.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map(async s => { s.closeAllConnections(); await new Promise(resolve => s.close(resolve)) }))
})

async function serve (handle: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handle)
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('new_user progress while a committee leader is silent', () => {
  it(`names the silent leader after ${SLOW_LEADER_NOTICE_MS} ms and the backup it tries next`, async () => {
    const genesis = fakeGenesis(3, 1)
    // Real X25519 keys: the client seals each sub-share to its member.
    for (const n of genesis.nodes) n.encryptionPublicKey = bytesToHex(x25519.getPublicKey(x25519.utils.randomSecretKey()))
    const dealt = await deal(membershipOf(genesis), newOwner())
    let taken = 0
    const paused = await serve(() => { taken++ })
    // A port nothing listens on: its server was closed.
    const gone = await serve(() => {})
    await new Promise(resolve => servers.pop()!.close(resolve))
    const entry = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ epoch: 0, committees: [{ committee: 1, leader: { peerId: genesis.nodes[0]!.peerId, http: paused }, backup: { peerId: genesis.nodes[1]!.peerId, http: gone } }] }))
    })

    const lines: string[] = []
    const stop = new AbortController()
    const noticed = new Promise<void>(resolve => {
      const sending = sendBundles(dealt, {
        node: entry,
        signal: stop.signal,
        onProgress: line => { lines.push(line); if (line.includes('no answer')) resolve() }
      })
      sending.catch(() => {})
    })
    await noticed
    stop.abort(new Error('test done'))
    expect(taken).toBe(1)
    expect(lines).toEqual([`  committee 1: no answer from ${paused} after ${SLOW_LEADER_NOTICE_MS / 1000} s; waiting up to 15 s, then trying ${gone}`])
  })
})
