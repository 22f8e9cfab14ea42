// Direct-protocol requests over channels (node/p2p/channel.ts) between two real
// libp2p nodes on 127.0.0.1: many requests share one long-lived stream, answers
// match their requests, deadlines and junk frames end only what they should,
// and a peer without channels is still reached over plain streams.
import { lpStream } from '@libp2p/utils'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { connectNodes, useLibp2pNodes } from '../helpers/libp2p-nodes.js'
import { z } from 'zod'
import { FrameDecoder, PROTOCOL_CHANNEL } from '../../node/p2p/channel.js'
import { fastGossipMessageId, type ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { handleJson, notifyJson, requestJson } from '../../node/p2p/direct.js'
import { PROTOCOL_PARTY, PROTOCOL_SIGN } from '../../protocols/constants.js'

const log = pino({ level: 'silent' })
const Req = z.strictObject({ n: z.number(), delayMs: z.number().optional() })
const Ans = z.strictObject({ doubled: z.number(), from: z.string() })
const { start: node } = useLibp2pNodes()
const connect = connectNodes

/** Answers {n} with {doubled: 2n, from: <the sender's peer id>}, after delayMs. */
async function serveDoubling (n: ShardsigLibp2p, protocol = PROTOCOL_SIGN): Promise<void> {
  await handleJson({
    libp2p: n,
    protocol,
    requestSchema: Req,
    malformed: reason => ({ malformed: reason }),
    overQuota: reason => ({ overQuota: reason }),
    timeoutMs: 2_000,
    log,
    handle: async (req, { peerId }) => {
      if (req.delayMs !== undefined) await new Promise(resolve => setTimeout(resolve, req.delayMs))
      return { doubled: 2 * req.n, from: peerId }
    }
  })
}

function channelStreams (from: ShardsigLibp2p, to: ShardsigLibp2p): number {
  return from.getConnections(to.peerId).flatMap(c => c.streams).filter(s => s.protocol === PROTOCOL_CHANNEL && s.direction === 'outbound').length
}


describe('channels', () => {
  it('many requests, in parallel and in sequence, share one stream; each answer reaches its own request', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    const signal = (): AbortSignal => AbortSignal.timeout(5_000)
    // Later requests answer sooner: answers come back out of order.
    const parallel = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
      await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: i, delayMs: (20 - i) * 5 }, Ans, { signal: signal() })))
    expect(parallel.map(x => x.doubled)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i))
    expect(parallel.every(x => x.from === a.peerId.toString())).toBe(true)
    for (let i = 0; i < 5; i++) {
      expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 100 + i }, Ans, { signal: signal() })).toEqual({ doubled: 200 + 2 * i, from: a.peerId.toString() })
    }
    expect(channelStreams(a, b)).toBe(1)
    // No plain stream of the protocol stays or was left behind.
    expect(a.getConnections(b.peerId).flatMap(c => c.streams).filter(s => s.protocol === PROTOCOL_SIGN)).toHaveLength(0)
  })

  it('a request that fails the schema gets the protocol\'s malformed answer, as on a stream', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    const answer = await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 'one' }, z.object({ malformed: z.string() }), { signal: AbortSignal.timeout(5_000) })
    expect(answer.malformed).toMatch(/^n: /)
  })

  it('a request past its deadline fails alone; the channel keeps serving', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    const slow = requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 1, delayMs: 1_000 }, Ans, { signal: AbortSignal.timeout(100) })
    await expect(slow).rejects.toThrow(/deadline exceeded/)
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 2 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 4 })
    expect(channelStreams(a, b)).toBe(1)
  })

  it('junk on a channel closes that channel only; the sender\'s next request opens a new one', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    const junk = await a.dialProtocol(b.peerId, PROTOCOL_CHANNEL, { signal: AbortSignal.timeout(5_000) })
    const closed = new Promise(resolve => { junk.addEventListener('close', resolve, { once: true }) })
    const lp = lpStream(junk)
    await lp.write(new TextEncoder().encode('{not json'))
    await closed
    expect(junk.status).not.toBe('open')
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 3 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 6 })
  })

  it('a sender that keeps asking without reading its answers loses its channel; others are still served', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    const greedy = await a.dialProtocol(b.peerId, PROTOCOL_CHANNEL, { signal: AbortSignal.timeout(5_000) })
    const closed = new Promise(resolve => { greedy.addEventListener('close', resolve, { once: true }) })
    // Never read: answers pile up at b until the muxer's window is full.
    greedy.addEventListener('message', () => {})
    greedy.pause?.()
    const lp = lpStream(greedy)
    for (let i = 0; i < 20_000 && greedy.status === 'open'; i++) {
      await lp.write(new TextEncoder().encode(JSON.stringify({ i: i + 1, p: PROTOCOL_SIGN, b: { n: i } })))
      if (i % 500 === 0) await new Promise(resolve => setTimeout(resolve, 0))
    }
    await Promise.race([closed, new Promise(resolve => setTimeout(resolve, 5_000))])
    expect(greedy.status).not.toBe('open')
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 7 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 14 })
  })

  it('a peer that closed the connection is reached on a new channel', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 1 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 2 })
    await b.hangUp(a.peerId)
    await connect(a, b)
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 5 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 10 })
  })

  it('a node with open channels in both directions stops promptly, and so does its peer', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    await serveDoubling(b)
    await connect(a, b)
    await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 1 }, Ans, { signal: AbortSignal.timeout(5_000) })
    await requestJson(b, a.peerId.toString(), PROTOCOL_SIGN, { n: 1 }, Ans, { signal: AbortSignal.timeout(5_000) })
    const t = performance.now()
    await b.stop()
    await a.stop()
    expect(performance.now() - t).toBeLessThan(1_000)
  })

  it('a notification reaches the handler and no answer travels back; requests on the channel still pair up', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    const seen: number[] = []
    await handleJson({
      libp2p: b, protocol: PROTOCOL_SIGN, requestSchema: Req, malformed: reason => ({ malformed: reason }), overQuota: reason => ({ overQuota: reason }), timeoutMs: 2_000, log,
      handle: async (req, { peerId }) => { seen.push(req.n); return { doubled: 2 * req.n, from: peerId } }
    })
    await connect(a, b)
    // Count the frames that come back to a on its channel: answers only.
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 1 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 2 })
    const channel = a.getConnections(b.peerId).flatMap(c => c.streams).find(s => s.protocol === PROTOCOL_CHANNEL && s.direction === 'outbound')!
    let framesBack = 0
    channel.addEventListener('message', () => { framesBack++ })
    for (const n of [10, 11, 12]) await notifyJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n }, { signal: AbortSignal.timeout(5_000) })
    expect(await requestJson(a, b.peerId.toString(), PROTOCOL_SIGN, { n: 2 }, Ans, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ doubled: 4 })
    expect(seen).toEqual([1, 10, 11, 12, 2])
    expect(framesBack).toBe(1)
  })

  it('a peer without channels (a plain stream handler only) is asked over streams', async () => {
    const [a, b] = [await node(), await node()]
    await serveDoubling(a)
    // b answers PROTOCOL_PARTY the old way: one request per stream, no channel protocol.
    await b.handle(PROTOCOL_PARTY, async stream => {
      const lp = lpStream(stream)
      const req = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { n: number }
      await lp.write(new TextEncoder().encode(JSON.stringify({ doubled: 2 * req.n, from: 'plain' })))
      await stream.close()
    })
    await connect(a, b)
    for (const n of [1, 2]) {
      expect(await requestJson(a, b.peerId.toString(), PROTOCOL_PARTY, { n }, Ans, { signal: AbortSignal.timeout(5_000) })).toEqual({ doubled: 2 * n, from: 'plain' })
    }
  })
})

describe('channel frames', () => {
  const framed = (bytes: Uint8Array): Uint8Array => {
    const head: number[] = []
    let n = bytes.byteLength
    while (n >= 0x80) { head.push((n & 0x7f) | 0x80); n >>>= 7 }
    head.push(n)
    return Uint8Array.from([...head, ...bytes])
  }

  it('gives back every frame whichever way the bytes are cut, several per chunk or one over many', () => {
    const messages = [new Uint8Array(3).fill(1), new Uint8Array(300).fill(2), new Uint8Array(1).fill(3), new Uint8Array(20_000).fill(4)]
    const stream = Uint8Array.from(messages.flatMap(m => [...framed(m)]))
    for (const cut of [1, 2, 7, 129, 5_000, stream.byteLength]) {
      const d = new FrameDecoder(65_536)
      const out: Uint8Array[] = []
      for (let at = 0; at < stream.byteLength; at += cut) out.push(...d.push(stream.slice(at, at + cut)).map(f => f.slice()))
      expect(out).toEqual(messages)
    }
  })

  it('refuses a frame over the limit before buffering it', () => {
    const d = new FrameDecoder(100)
    expect(() => d.push(framed(new Uint8Array(101)).subarray(0, 3))).toThrow(/over the limit/)
  })
})

describe('gossip fast message id', () => {
  const msg = { topic: 't', from: new Uint8Array([1, 2]), seqno: new Uint8Array([3]), data: new Uint8Array([4, 5]), signature: new Uint8Array([6]), key: undefined }

  it('is the same for byte-identical copies and differs when any field differs', () => {
    expect(fastGossipMessageId({ ...msg })).toBe(fastGossipMessageId(msg))
    for (const changed of [
      { ...msg, topic: 'u' }, { ...msg, from: new Uint8Array([1, 3]) }, { ...msg, seqno: new Uint8Array([4]) },
      { ...msg, data: new Uint8Array([4, 6]) }, { ...msg, signature: new Uint8Array([7]) }, { ...msg, key: new Uint8Array([]) },
      // Bytes moved from one field into the next must not give the same id.
      { ...msg, from: new Uint8Array([1]), seqno: new Uint8Array([2, 3]) }
    ]) expect(fastGossipMessageId(changed)).not.toBe(fastGossipMessageId(msg))
  })
})
