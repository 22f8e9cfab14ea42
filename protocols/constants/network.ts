// How nodes talk and keep track of each other: the wire version, the gossipsub
// topics and direct protocols with their stream caps and size limits, liveness,
// dialing, roles and shutdown. Re-exported by protocols/constants.ts.

/** Wire format version carried in every signed message and topic name. */
export const PROTOCOL_VERSION = 1

// --- liveness (DESIGN section 4) ---
export const HEARTBEAT_INTERVAL_MS = 1_000
/** A peer is live if a heartbeat from it arrived within this window. */
export const LIVENESS_WINDOW_MS = 3_000
/** How long a stopping node waits for its goodbye to be handed to gossipsub before it goes on stopping. */
export const GOODBYE_PUBLISH_TIMEOUT_MS = 500

// --- gossipsub topics ---
export const TOPIC_HEARTBEAT = '/shardsig/1/heartbeat'
export const TOPIC_REGISTRY = '/shardsig/1/registry'
/** Membership updates and epoch entries (update_node_set, docs/protocols/lifecycle.md). */
export const TOPIC_MEMBERSHIP = '/shardsig/1/membership'
export function committeeTopic (committee: number): string {
  return `/shardsig/1/committee/${committee}`
}

// --- direct protocols ---
export const PROTOCOL_NEW_USER = '/shardsig/new-user/1.0.0'
export const PROTOCOL_PARTY = '/shardsig/party/1.0.0'
export const PROTOCOL_SIGN = '/shardsig/sign/1.0.0'
export const PROTOCOL_REGISTRY_SYNC = '/shardsig/registry-sync/1.0.0'
export const PROTOCOL_DKG = '/shardsig/dkg/1.0.0'
export const PROTOCOL_RESHARE = '/shardsig/reshare/1.0.0'
export const PROTOCOL_MEMBERSHIP_SYNC = '/shardsig/membership-sync/1.0.0'
/** DKLs23 pair setup: one exchange per pair of nodes and membership epoch (docs/protocols/ecdsa.md#pair-setup). */
export const PROTOCOL_ECDSA_PAIR = '/shardsig/ecdsa-pair/1.0.0'

// --- streams of the direct protocols (per connection, per protocol, each direction) ---
// A handler holds a stream until its answer or its deadline, and buffers at
// most one message of the protocol's size limit: these caps bound what one
// connection can tie up (streams × message bytes, for the handler deadline).
// Further inbound streams are reset by libp2p at once; the node itself never
// opens more than its peers accept.
/** new_party and completion notices: a CM runs ≤ MAX_CONCURRENT_SESSIONS_PER_CM sessions; notices are short. ≤ 8 MiB buffered. */
export const MAX_PARTY_STREAMS_PER_CONNECTION = 32
/** Round-1 commitments: one stream per session a pair of signers shares, from every CM's sessions. ≤ 8 MiB buffered. */
export const MAX_SIGN_STREAMS_PER_CONNECTION = 32
/** Deliveries from a CL: one stream per bundle being relayed. ≤ 8 MiB buffered. */
export const MAX_NEW_USER_STREAMS_PER_CONNECTION = 32
/** DKG commit and reveal requests from coordinating nodes: two short exchanges per session. ≤ 2 MiB buffered. */
export const MAX_DKG_STREAMS_PER_CONNECTION = 8
/** Resharing: a coordinator asks each quorum holder to deal and each new member to take its share, a few keys at a time. ≤ 4 MiB buffered. */
export const MAX_RESHARE_STREAMS_PER_CONNECTION = 16
/** Membership anti-entropy: one pull at a time per peer and direction. */
export const MAX_MEMBERSHIP_SYNC_STREAMS_PER_CONNECTION = 4
/** Anti-entropy runs one exchange at a time per peer and direction; messages are up to 4 MiB. ≤ 16 MiB buffered. */
export const MAX_REGISTRY_SYNC_STREAMS_PER_CONNECTION = 4
/** DKLs23 pair setup: a node runs at most one setup per peer at a time, so one stream each way and a spare. ≤ 256 KiB buffered. */
export const MAX_ECDSA_PAIR_STREAMS_PER_CONNECTION = 4

/** The stream cap of a direct protocol (above); libp2p's default (32 in, 64 out) for anything else. */
export function maxStreamsPerConnection (protocol: string): number | undefined {
  switch (protocol) {
    case PROTOCOL_PARTY: return MAX_PARTY_STREAMS_PER_CONNECTION
    case PROTOCOL_SIGN: return MAX_SIGN_STREAMS_PER_CONNECTION
    case PROTOCOL_NEW_USER: return MAX_NEW_USER_STREAMS_PER_CONNECTION
    case PROTOCOL_REGISTRY_SYNC: return MAX_REGISTRY_SYNC_STREAMS_PER_CONNECTION
    case PROTOCOL_DKG: return MAX_DKG_STREAMS_PER_CONNECTION
    case PROTOCOL_RESHARE: return MAX_RESHARE_STREAMS_PER_CONNECTION
    case PROTOCOL_MEMBERSHIP_SYNC: return MAX_MEMBERSHIP_SYNC_STREAMS_PER_CONNECTION
    case PROTOCOL_ECDSA_PAIR: return MAX_ECDSA_PAIR_STREAMS_PER_CONNECTION
    default: return undefined
  }
}

// --- size limits ---
export const MAX_HTTP_BODY_BYTES = 256 * 1024
export const MAX_GOSSIP_MESSAGE_BYTES = 64 * 1024
export const MAX_DIRECT_MESSAGE_BYTES = 256 * 1024
/**
 * One pair-setup message as JSON: its two base-OT messages as base64 (41,350 bytes binary,
 * 55,136 as base64), the zero-seed contribution and the context, about 55.4 KB in all.
 */
export const MAX_ECDSA_PAIR_MESSAGE_BYTES = 64 * 1024

// --- dialing ---
export const DIAL_BACKOFF_INITIAL_MS = 250
export const DIAL_BACKOFF_MAX_MS = 5_000
export const DIAL_TIMEOUT_MS = 5_000
/** How often the dialer checks that every genesis peer is connected. */
export const DIAL_CHECK_INTERVAL_MS = 250

// --- roles (DESIGN section 4) ---
/** Communication managers when the genesis does not set a number: ceil(n / 4). */
export function defaultManagerCount (nodeCount: number): number {
  return Math.max(1, Math.ceil(nodeCount / 4))
}

// --- process lifecycle ---
export const SHUTDOWN_TIMEOUT_MS = 10_000
/**
 * A CM that stops gracefully (SIGTERM, an epoch's activation) first lets the sign requests it
 * runs finish, this long at most: a request cut off by a restart is never run again by that CM
 * (sign.md, persistence), and when every manager restarts together nobody would finish it.
 * One session's deadline, well inside SHUTDOWN_TIMEOUT_MS.
 */
export const SIGN_DRAIN_TIMEOUT_MS = 5_000
