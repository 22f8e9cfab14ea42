// Per-peer quotas on the direct protocols (node/p2p/peer-quotas.ts, taken by
// handleJson in node/p2p/direct.ts) between real libp2p nodes on 127.0.0.1: a
// peer that floods one protocol gets the protocol's own refusal once its
// bucket is empty, on a channel (party, sign) and on plain streams alike,
// while another peer is served and the flooder's other protocols are not
// touched. The quotas' clock is the test's: nothing waits for a bucket to refill.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { connectNodes, useLibp2pNodes } from '../helpers/libp2p-nodes.js'
import { z } from 'zod'
import { channelsOf } from '../../node/p2p/channel.js'
import type { ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { handleJson, requestJson } from '../../node/p2p/direct.js'
import { PeerQuotas, usePeerQuotas } from '../../node/p2p/peer-quotas.js'
import { PARTY_REQUESTS_PER_PEER, peerQuotaOf, PROTOCOL_DKG, PROTOCOL_PARTY, PROTOCOL_SIGN } from '../../protocols/constants.js'

const log = pino({ level: 'silent' })
const Req = z.strictObject({ n: z.number() })
const Answer = z.union([
  z.strictObject({ kind: z.literal('served'), n: z.number() }),
  z.strictObject({ kind: z.literal('reject'), code: z.literal('peer-rate-limited'), retryAfterMs: z.number() })
])
const { start: node } = useLibp2pNodes()
const connect = connectNodes


/** b answers `protocol`, counting what its handler saw; over quota it answers as the party protocol does. */
async function serve (b: ShardsigLibp2p, protocol: string, handled: number[]): Promise<void> {
  await handleJson({
    libp2p: b,
    protocol,
    requestSchema: Req,
    malformed: reason => ({ kind: 'malformed', reason }),
    overQuota: (_reason, retryAfterMs) => ({ kind: 'reject', code: 'peer-rate-limited', retryAfterMs }),
    timeoutMs: 2_000,
    log,
    handle: async req => { handled.push(req.n); return { kind: 'served', n: req.n } }
  })
}

async function ask (from: ShardsigLibp2p, to: ShardsigLibp2p, protocol: string, n: number): Promise<z.infer<typeof Answer>> {
  return await requestJson(from, to.peerId.toString(), protocol, { n }, Answer, { signal: AbortSignal.timeout(5_000) })
}

describe('per-peer quotas on the direct protocols', () => {
  it('refuse a flooding peer with the protocol\'s answer, on a channel and on streams, while another peer is served', async () => {
    const [flooder, honest, b] = [await node(), await node(), await node()]
    let clockMs = 0
    const refused: string[] = []
    usePeerQuotas(b, new PeerQuotas({ now: () => clockMs, rateOf: () => ({ ratePerS: 2, burst: 3 }), onRefused: p => { refused.push(p) } }))
    const handled: number[] = []
    await serve(b, PROTOCOL_SIGN, handled)
    await serve(b, PROTOCOL_DKG, handled)
    await connect(flooder, b)
    await connect(honest, b)

    // Sign goes over the channel: 3 served (the burst), then refused; the handler never sees the refused ones.
    const flood = await Promise.all([1, 2, 3, 4, 5].map(async n => await ask(flooder, b, PROTOCOL_SIGN, n)))
    expect(flood.filter(x => x.kind === 'served')).toHaveLength(3)
    const refusals = flood.filter(x => x.kind === 'reject')
    expect(refusals).toHaveLength(2)
    // One token short at 2 per second.
    for (const r of refusals) expect(r).toMatchObject({ code: 'peer-rate-limited', retryAfterMs: 500 })
    expect(handled.sort((x, y) => x - y)).toEqual(flood.flatMap(x => x.kind === 'served' ? [x.n] : []).sort((x, y) => x - y))

    // Another peer has its own bucket; the flooder's bucket on another protocol (DKG, plain streams) is its own too.
    expect(await ask(honest, b, PROTOCOL_SIGN, 100)).toEqual({ kind: 'served', n: 100 })
    const overStreams = []
    for (const n of [11, 12, 13, 14]) overStreams.push(await ask(flooder, b, PROTOCOL_DKG, n))
    expect(overStreams.map(x => x.kind)).toEqual(['served', 'served', 'served', 'reject'])
    expect(refused).toEqual([PROTOCOL_SIGN, PROTOCOL_SIGN, PROTOCOL_DKG])

    // Half a second later the flooder has one token again: one request passes, the next does not.
    expect((await ask(flooder, b, PROTOCOL_SIGN, 6)).kind).toBe('reject')
    clockMs += 500
    expect(await ask(flooder, b, PROTOCOL_SIGN, 7)).toEqual({ kind: 'served', n: 7 })
    expect((await ask(flooder, b, PROTOCOL_SIGN, 8)).kind).toBe('reject')
  })

  it('a node\'s default quotas let an honest burst through: 200 party requests from one manager at once, 16 in flight', async () => {
    const [cm, signer] = [await node(), await node()]
    // The manager's requests go over its channel, as a node's do.
    channelsOf(cm, log)
    const handled: number[] = []
    await serve(signer, PROTOCOL_PARTY, handled)
    await connect(cm, signer)
    const answers: Array<z.infer<typeof Answer>> = []
    for (let batch = 0; batch < 200; batch += 16) {
      answers.push(...await Promise.all(Array.from({ length: Math.min(16, 200 - batch) }, async (_, i) => await ask(cm, signer, PROTOCOL_PARTY, batch + i))))
    }
    expect(answers).toHaveLength(200)
    expect(answers.every(a => a.kind === 'served')).toBe(true)
    expect(peerQuotaOf(PROTOCOL_PARTY)).toBe(PARTY_REQUESTS_PER_PEER)
    expect(PARTY_REQUESTS_PER_PEER.burst).toBeGreaterThan(200)
  })
})
