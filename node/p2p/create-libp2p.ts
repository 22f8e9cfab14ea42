// Builds the libp2p instance every node runs: TCP + Noise + Yamux, identify,
// ping and gossipsub with strict signing. Settings come from NOTES-libp2p.md.
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createHash } from 'node:crypto'
import { committeeTopic, MAX_GOSSIP_MESSAGE_BYTES, TOPIC_HEARTBEAT, TOPIC_MEMBERSHIP, TOPIC_REGISTRY } from '../../protocols/constants.js'

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
  /**
   * A node of a network: which committee topics to score, and who may connect
   * (node/p2p/admission.ts). Absent: a client or a test's attacker, which
   * connects to anyone and scores nothing.
   */
  network?: { committees: number, gater: ConnectionGater }
}

/**
 * Gossipsub peer scoring counts only what our topic validators say: each
 * message they reject (or one with a bad signature) adds 1 to the sender's
 * invalid-delivery counter on that topic, and the topic adds
 * INVALID_MESSAGE_WEIGHT × counter² to its score. With gossipsub's default
 * thresholds (gossip −10, publish −50, graylist −80): 1 rejected message costs
 * −10 (still served), 2 cost −40 (no gossip exchanged with it), 3 cost −90 and
 * the peer is graylisted: everything it sends is dropped unread. The counter
 * decays ×INVALID_MESSAGE_DECAY every second (halves in ~6.6 s), so a one-off
 * is forgiven within seconds, while a flood of n messages keeps the sender out
 * for about log(2.8 / n) / log(0.9) s (n = 1,000: ~56 s) — and once it is
 * graylisted, its further messages are not even counted.
 *
 * Every other score component is off (weight 0): honest nodes never send what
 * our validators reject (they are deterministic, and a message from another
 * epoch or a second record is ignored, not rejected), and mesh-delivery
 * penalties would punish quiet committee topics. So honest peers stay at 0.
 *
 * The same-IP penalty is off too: only members are admitted (admission.ts),
 * and members may share a host (a devnet runs them all on 127.0.0.1). With it
 * on, −5·(peers on the IP − threshold)² once counted the departed identities
 * gossipsub retains for an hour, and a handful of outsiders that connected
 * and left pushed every member below the publish threshold: nodes stopped
 * relaying each other's heartbeats (issue #17).
 */
// The package does not export its score types; take them from the options.
type PeerScoreParams = NonNullable<NonNullable<Parameters<typeof gossipsub>[0]>['scoreParams']>
type TopicScoreParams = NonNullable<PeerScoreParams['topics']>[string]

const INVALID_MESSAGE_WEIGHT = -10
const INVALID_MESSAGE_DECAY = 0.9

function scoredTopic (): Partial<TopicScoreParams> {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0,
    firstMessageDeliveriesWeight: 0,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: INVALID_MESSAGE_WEIGHT,
    invalidMessageDeliveriesDecay: INVALID_MESSAGE_DECAY
  }
}

/** Every topic a node subscribes to, each scored alike. */
export function scoredTopics (committees: number): string[] {
  return [TOPIC_HEARTBEAT, TOPIC_REGISTRY, TOPIC_MEMBERSHIP, ...Array.from({ length: committees }, (_, i) => committeeTopic(i + 1))]
}

function scoreParams (network: NonNullable<Libp2pInit['network']>): Partial<PeerScoreParams> {
  return {
    topics: Object.fromEntries(scoredTopics(network.committees).map(t => [t, scoredTopic() as TopicScoreParams])),
    IPColocationFactorWeight: 0
  }
}

/** The fields of a gossiped message as it arrives, before any check (gossipsub's RPC.Message). */
export interface RawGossipMessage { topic: string, from?: Uint8Array, seqno?: Uint8Array, data?: Uint8Array, signature?: Uint8Array, key?: Uint8Array }

/**
 * Gossipsub's "fast message id": without one, every copy of a message (a
 * 9-node mesh delivers each heartbeat from up to D peers) has its signature
 * verified before the duplicate check, and that was the largest single cost
 * of an idle node (docs/performance.md). The id is a SHA-256 over every field
 * of the message as received, length-prefixed, so only a byte-identical copy
 * shares it; gossipsub caches it only for messages that passed validation, so
 * a forged or altered copy is still validated (and rejected) on its own.
 */
export function fastGossipMessageId (msg: RawGossipMessage): string {
  const h = createHash('sha256')
  const field = (bytes: Uint8Array | undefined): void => {
    const len = Buffer.allocUnsafe(5)
    // An absent field and an empty one differ (flag byte), so no two layouts collide.
    len.writeUInt8(bytes === undefined ? 0 : 1, 0)
    len.writeUInt32BE(bytes?.byteLength ?? 0, 1)
    h.update(len)
    if (bytes !== undefined) h.update(bytes)
  }
  field(Buffer.from(msg.topic, 'utf8'))
  field(msg.from)
  field(msg.seqno)
  field(msg.data)
  field(msg.signature)
  field(msg.key)
  return h.digest('base64')
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
    ...(init.network !== undefined ? { connectionGater: init.network.gater } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictSign',
        // Topics may have no other subscriber yet (first node up, or a lone committee member).
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: MAX_GOSSIP_MESSAGE_BYTES * 4,
        fastMsgIdFn: fastGossipMessageId,
        ...(init.network !== undefined ? { scoreParams: scoreParams(init.network) } : {})
      })
    }
  })
}
