// The client's manager directory over real HTTP on 127.0.0.1: one `who_cm`
// answer serves requests for a while, a manager that fails (or an empty
// answer) makes the next request ask again, and sign() without a directory
// asks before every request as before.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterEach, describe, expect, it } from 'vitest'
import { ManagerDirectory } from '../../cli/client/managers.js'
import { managerOrder, sign } from '../../cli/client/sign.js'
import type { KeyFile } from '../../cli/key-file.js'

interface FakeNode { url: string, whoCmCalls: () => number, posts: (path: string) => number, close: () => Promise<void> }

/**
 * A node's HTTP surface as far as a client's sign sees it: `who_cm` names two managers on this
 * server (`/a`, `/b`); a manager in `failing` answers 503, the others take the request (202 pending).
 */
async function fakeNode (opts: { managers?: string[], failing?: Set<string> } = {}): Promise<FakeNode> {
  let whoCm = 0
  const posted = new Map<string, number>()
  let url = ''
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? ''
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && path === '/who_cm') {
      whoCm++
      send(200, { epoch: 0, managers: (opts.managers ?? ['a', 'b']).map(m => ({ peerId: `peer-${m}`, http: `${url}/${m}` })) })
      return
    }
    const manager = /^\/([a-z])\/sign_request$/.exec(path)?.[1]
    if (req.method === 'POST' && manager !== undefined) {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        posted.set(manager, (posted.get(manager) ?? 0) + 1)
        if (opts.failing?.has(manager) === true) {
          send(503, { type: 'about:blank', title: 'Coordinator restarted', status: 503, code: 'coordinator-restarted' })
          return
        }
        const request = JSON.parse(body) as { requestId: string, keyId: string }
        send(202, { requestId: request.requestId, keyId: request.keyId, status: 'pending', scheme: 'ed25519', groupPublicKey: '00'.repeat(32), attempts: 0 })
      })
      return
    }
    send(404, { type: 'about:blank', title: 'Not found', status: 404 })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    whoCmCalls: () => whoCm,
    posts: (m: string) => posted.get(m) ?? 0,
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}

function keyFile (): KeyFile {
  const owner = ed25519.utils.randomSecretKey()
  return {
    version: 1, keyId: 'ab'.repeat(16), scheme: 'ed25519', groupPublicKey: '00'.repeat(32), network: 'test', node: '',
    owner: { publicKey: bytesToHex(ed25519.getPublicKey(owner)), secretKey: bytesToHex(owner) }, createdAt: new Date().toISOString()
  }
}

let node: FakeNode | undefined
afterEach(async () => { await node?.close(); node = undefined })

describe('ManagerDirectory', () => {
  it('reuses one who_cm answer until it is stale or forgotten', async () => {
    node = await fakeNode()
    const directory = new ManagerDirectory(node.url, 200)
    const first = await directory.managers()
    expect(first.map(m => m.peerId)).toEqual(['peer-a', 'peer-b'])
    await directory.managers()
    await directory.managers()
    expect(node.whoCmCalls()).toBe(1)
    directory.forget()
    await directory.managers()
    expect(node.whoCmCalls()).toBe(2)
    await sleep(250)
    await directory.managers()
    expect(node.whoCmCalls()).toBe(3)
  })

  it('asks every time with reuseMs 0, and never keeps an empty answer', async () => {
    node = await fakeNode({ managers: [] })
    const directory = new ManagerDirectory(node.url)
    expect(await directory.managers()).toEqual([])
    expect(await directory.managers()).toEqual([])
    expect(node.whoCmCalls()).toBe(2)
    const asksAlways = new ManagerDirectory(node.url, 0)
    await asksAlways.managers()
    await asksAlways.managers()
    expect(node.whoCmCalls()).toBe(4)
    expect(() => new ManagerDirectory(node!.url, -1)).toThrow(RangeError)
    expect(() => new ManagerDirectory(node!.url, Number.NaN)).toThrow(RangeError)
  })
})

describe('sign() with a directory', () => {
  // Request ids; their manager order (a hash of the id) starts at one manager or the other.
  const ids = ['req-dir-000004', 'req-dir-000005', 'req-dir-000006', 'req-dir-000008']

  it('asks who_cm once for many requests while every manager answers', async () => {
    node = await fakeNode()
    const managers = new ManagerDirectory(node.url)
    const key = keyFile()
    for (const requestId of ids) {
      const result = await sign({ node: node.url, managers, key, message: new Uint8Array(8), requestId, wait: false })
      expect(result.status).toBe('pending')
    }
    expect(node.whoCmCalls()).toBe(1)
    expect(node.posts('a') + node.posts('b')).toBe(ids.length)
  })

  it('asks again after a manager failed, and fails over to the next one', async () => {
    node = await fakeNode({ failing: new Set(['a']) })
    const managers = new ManagerDirectory(node.url)
    const key = keyFile()
    let failovers = 0
    for (const requestId of ids) {
      const result = await sign({ node: node.url, managers, key, message: new Uint8Array(8), requestId, wait: false, onFailover: () => { failovers++ } })
      expect(result.status).toBe('pending')
    }
    // Each request offered to the failing manager first failed over; the next request asked again.
    const startsAtA = ids.map(id => managerOrder(['a', 'b'], id)[0] === 'a')
    expect(startsAtA).toEqual([true, false, true, false])
    expect(failovers).toBe(startsAtA.filter(Boolean).length)
    expect(node.posts('a')).toBe(failovers)
    // Asked for the first request and after each of the two failovers.
    expect(node.whoCmCalls()).toBe(3)
  })

  it('without a directory, asks who_cm before every request', async () => {
    node = await fakeNode()
    const key = keyFile()
    for (const requestId of ids) await sign({ node: node.url, key, message: new Uint8Array(8), requestId, wait: false })
    expect(node.whoCmCalls()).toBe(ids.length)
  })
})
