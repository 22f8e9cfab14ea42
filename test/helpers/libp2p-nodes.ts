// Real libp2p nodes on 127.0.0.1 for unit tests of the p2p layer, built with
// the nodes' own factory and stopped after each test.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach } from 'vitest'
import { createShardsigLibp2p, type Libp2pInit, type ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'

/** Registers an afterEach that stops every node `start` made during the test. */
export function useLibp2pNodes (): { start: (network?: Libp2pInit['network']) => Promise<ShardsigLibp2p> } {
  const started: ShardsigLibp2p[] = []
  afterEach(async () => { await Promise.all(started.splice(0).map(async n => { await n.stop() })) })
  return {
    start: async (network) => {
      const node = await createShardsigLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], ...(network !== undefined ? { network } : {}) })
      started.push(node)
      return node
    }
  }
}

export async function connectNodes (a: ShardsigLibp2p, b: ShardsigLibp2p): Promise<void> {
  await a.dial(b.getMultiaddrs().map(m => multiaddr(m.toString())), { signal: AbortSignal.timeout(10_000) })
}
