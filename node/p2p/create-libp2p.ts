// Builds the libp2p instance every node runs: TCP + Noise + Yamux, identify,
// ping and gossipsub with strict signing. Settings come from NOTES-libp2p.md.
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { MAX_GOSSIP_MESSAGE_BYTES } from '../../protocols/constants.js'

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
export type Services = {
  pubsub: GossipSub
  identify: Identify
  ping: Ping
}

export type ShardsigLibp2p = Libp2p<Services>

/**
 * Inbound connections per second per host. libp2p's default (5) makes a
 * 9-node mesh on 127.0.0.1 reset its own dials (ECONNRESET).
 */
const INBOUND_CONNECTIONS_PER_SECOND = 1_000

export interface Libp2pInit {
  privateKey: PrivateKey
  listen: string[]
}

export async function createShardsigLibp2p (init: Libp2pInit): Promise<ShardsigLibp2p> {
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictSign',
        // Topics may have no other subscriber yet (first node up, or a lone committee member).
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: MAX_GOSSIP_MESSAGE_BYTES * 4
      })
    }
  })
}
