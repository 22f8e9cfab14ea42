// Admission on 9 real node processes (issue #17): throwaway identities, made
// with the project's own libp2p packages and in no genesis, dial every node
// again and again. Before admission, six such rounds left every node counting
// only itself live and claiming every role for an hour (gossipsub's same-IP
// penalty counted the departed identities). Now each is refused before any
// protocol runs, reads no gossip, and the network stays whole and signs.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { createShardsigLibp2p, scoredTopics, type ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { PROTOCOL_PARTY, PROTOCOL_REGISTRY_SYNC } from '../../protocols/constants.js'
import { runCli, useE2eDevnet } from '../helpers/e2e-devnet.js'
import { scrape, valueOf } from '../helpers/prometheus.js'

const net = useE2eDevnet('admission-e2e', { basePortFrom: 30900 })

/** Rounds of fresh identities: six broke the network before admission. */
const ROUNDS = 8
const DIAL_TIMEOUT_MS = 10_000
const SETTLE_TIMEOUT_MS = 30_000
const E2E_TIMEOUT_MS = 180_000
const POLL_INTERVAL_MS = 100

async function stranger (): Promise<ShardsigLibp2p> {
  return await createShardsigLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
}

async function until (what: string, condition: () => Promise<boolean> | boolean, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs)
  while (!(await condition())) {
    if (signal.aborted) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(POLL_INTERVAL_MS)
  }
}

describe('admission e2e: 9 node processes and throwaway identities', () => {
  it(`${ROUNDS} rounds of fresh identities dialing every node are refused, read no gossip, and the network stays whole and signs`, async () => {
    const devnet = net.devnet()
    const addrs = devnet.indices().map(i => multiaddr(`${devnet.node(i).multiaddr}/p2p/${devnet.node(i).peerId}`))
    const refusedAt = async (i: number): Promise<number> => valueOf(await scrape(devnet.node(i).http), 'shardsig_p2p_connections_refused_total', { direction: 'inbound' })
    const refusedBefore = await Promise.all(devnet.indices().map(refusedAt))

    for (let round = 1; round <= ROUNDS; round++) {
      const outsider = await stranger()
      let gossipRead = 0
      outsider.services.pubsub.addEventListener('message', () => { gossipRead++ })
      for (const topic of scoredTopics(3)) outsider.services.pubsub.subscribe(topic)
      try {
        for (const addr of addrs) {
          // The dial may resolve (Noise's initiator finishes first); the node closes it before any stream.
          await outsider.dial(addr, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).catch(() => {})
          for (const protocol of [PROTOCOL_PARTY, PROTOCOL_REGISTRY_SYNC]) {
            await expect(outsider.dialProtocol(addr, protocol, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }), `round ${round}, ${addr.toString()}, ${protocol}`).rejects.toThrow()
          }
        }
        await until(`round ${round}: the outsider holds no connection`, () => outsider.getConnections().length === 0)
        expect(gossipRead, `round ${round}: gossip messages the outsider read`).toBe(0)
      } finally {
        await outsider.stop()
      }
    }

    // Every node refused at least one connection per round, and counted it.
    const refusedAfter = await Promise.all(devnet.indices().map(refusedAt))
    for (const [k, i] of devnet.indices().entries()) expect(refusedAfter[k]! - refusedBefore[k]!, `node ${i} refused`).toBeGreaterThanOrEqual(ROUNDS)
    // The network is whole: every node counts all nine live, and they agree on the roles.
    await until('every node counts all nodes live', async () => (await Promise.all(devnet.indices().map(async i => (await devnet.health(i)).peers.live))).every(live => live === devnet.size))
    const agreement = await devnet.waitForAgreement({ timeoutMs: SETTLE_TIMEOUT_MS })
    expect(agreement.agreed).toBe(true)

    // And it deals and signs.
    const keyPath = join(net.dir(), 'admission.key.json')
    const made = await runCli(['new-user', '--node', devnet.node(1).http, '--scheme', 'ed25519', '--out', keyPath], 60_000)
    expect(made.code, made.stderr).toBe(0)
    const signed = await runCli(['sign', '--key', keyPath, '--message', '61646d6974'], 60_000)
    expect(signed.code, signed.stderr).toBe(0)
    expect(signed.stderr).toMatch(/verified/)
  }, E2E_TIMEOUT_MS)
})
