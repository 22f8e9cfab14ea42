// Every protocol id, topic, timeout and size limit of shardsig, in one place.
// Units are in the names; change a value here and nowhere else.

/** Wire format version carried in every signed message and topic name. */
export const PROTOCOL_VERSION = 1

// --- liveness (DESIGN section 4) ---
export const HEARTBEAT_INTERVAL_MS = 1_000
/** A peer is live if a heartbeat from it arrived within this window. */
export const LIVENESS_WINDOW_MS = 3_000
/** A heartbeat whose timestamp is further than this from our clock is ignored. */
export const HEARTBEAT_MAX_CLOCK_SKEW_MS = 30_000

// --- gossipsub topics ---
export const TOPIC_HEARTBEAT = '/shardsig/1/heartbeat'
export const TOPIC_REGISTRY = '/shardsig/1/registry'
export function committeeTopic (committee: number): string {
  return `/shardsig/1/committee/${committee}`
}

// --- direct protocols ---
export const PROTOCOL_NEW_USER = '/shardsig/new-user/1.0.0'
export const PROTOCOL_PARTY = '/shardsig/party/1.0.0'
export const PROTOCOL_SIGN = '/shardsig/sign/1.0.0'
export const PROTOCOL_REGISTRY_SYNC = '/shardsig/registry-sync/1.0.0'

// --- size limits ---
export const MAX_HTTP_BODY_BYTES = 256 * 1024
export const MAX_GOSSIP_MESSAGE_BYTES = 64 * 1024
export const MAX_DIRECT_MESSAGE_BYTES = 256 * 1024

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

// --- new_user (docs/protocols/new_user.md) ---
/** How long a member waits for the other members' digests in the verification game. */
export const GAME_TIMEOUT_MS = 2_000
/** How long game digests are remembered after the first one for a key. */
export const GAME_DIGEST_TTL_MS = 60_000
export const MAX_GAME_KEYS_TRACKED = 10_000
/** The CL's deadline for relaying a bundle to its members and collecting receipts. */
export const NEW_USER_RELAY_TIMEOUT_MS = 10_000
/** A member's deadline for handling one delivery (verify, persist, game, receipt). */
export const NEW_USER_MEMBER_TIMEOUT_MS = 8_000

// --- key registry ---
/** How many registry entries one anti-entropy answer carries at most. */
export const REGISTRY_SYNC_BATCH = 50
export const REGISTRY_SYNC_TIMEOUT_MS = 10_000
