// Every protocol id, topic, timeout and size limit of shardsig, in one place.
// Units are in the names; change a value here and nowhere else.

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
/** Longest a member waits for the other members' records in the verification game. */
export const GAME_TIMEOUT_MS = 6_000
/**
 * Once tm members agree, how long a member still waits for the rest (to see a
 * late mismatch) before it signs its receipt; slow-but-honest members (cold
 * processes verify for ~1 s) then do not fail the game, and a member that is
 * down costs this, not GAME_TIMEOUT_MS.
 */
export const GAME_GRACE_MS = 500
/** How long game digests are remembered after the first one for a key. */
export const GAME_DIGEST_TTL_MS = 60_000
export const MAX_GAME_KEYS_TRACKED = 10_000
/** The CL's deadline for relaying a bundle to its members and collecting receipts. */
export const NEW_USER_RELAY_TIMEOUT_MS = 10_000
/** A member's deadline for handling one delivery (verify, persist, game, receipt). */
export const NEW_USER_MEMBER_TIMEOUT_MS = 8_000

// --- key registry ---
/** JSON bytes of entries one anti-entropy answer carries at most (one entry is ~3–5 KB). */
export const REGISTRY_SYNC_BATCH_BYTES = 512 * 1024
/** Size limit of a registry-sync message: the summary lists every key we hold (~110 bytes each). */
export const MAX_REGISTRY_SYNC_MESSAGE_BYTES = 4 * 1024 * 1024
export const REGISTRY_SYNC_TIMEOUT_MS = 10_000
/** Besides on every (re)connect, each node syncs with one random peer this often. */
export const REGISTRY_SYNC_INTERVAL_MS = 30_000

// --- new_user in DKG mode (docs/protocols/new_user.md#dkg) ---
/** A DKG request may not ask to stay valid for longer than this; dealers keep a session's reveal until then. */
export const MAX_DKG_REQUEST_LIFETIME_MS = 2 * 60_000
/** Clock skew tolerated between the owner and the dealers when judging a DKG request's expiry. */
export const DKG_CLOCK_SKEW_MS = 5_000
/** A node's deadline for one dealer's answer (commit or reveal). */
export const DKG_DEALER_TIMEOUT_MS = 5_000
/** POST /new_user/dkg's deadline: two dealer rounds. */
export const DKG_REQUEST_TIMEOUT_MS = 2 * DKG_DEALER_TIMEOUT_MS + 2_000
/** How long a client's DKG request stays valid (dealers keep their reveal that long). */
export const DKG_CLIENT_REQUEST_LIFETIME_MS = 60_000
/** DKG runs a client tries, each excluding the dealers the previous ones named. */
export const DKG_CLIENT_ATTEMPTS = 3
/** DKG sessions a dealer holds at once (each keeps one sealed reveal until its request expires). */
export const MAX_DKG_SESSIONS_PER_DEALER = 256

// --- update_node_set (docs/protocols/lifecycle.md) ---
/** A reshare coordinator's deadline for one holder's contribution. */
export const RESHARE_DEALER_TIMEOUT_MS = 5_000
/** A reshare coordinator's deadline for one new member's receipt. */
export const RESHARE_MEMBER_TIMEOUT_MS = 8_000
/** Keys a coordinator reshares at once. */
export const RESHARE_CONCURRENT_KEYS = 1
/**
 * After each key the coordinator rests this many times as long as the key took, so
 * resharing takes about 1/(1 + ratio) of the network's CPU and signing keeps the rest
 * (issue #9: signing during a reshare at most 2× as slow as without; docs/protocols/lifecycle.md#figures).
 */
export const RESHARE_REST_RATIO = 1
/** While an update is pending, each node pulls the update and missing epoch entries from one random peer this often (and on every (re)connect). */
export const MEMBERSHIP_SYNC_INTERVAL_MS = 5_000
/** Epoch-entry JSON bytes one membership-sync answer carries at most. */
export const MEMBERSHIP_SYNC_BATCH_BYTES = 512 * 1024
/** Quorums tried per key before the key is reported failed (each excludes the dealers named so far). */
export const RESHARE_QUORUM_ATTEMPTS = 3

// --- delete_user (docs/protocols/delete_user.md) ---
/** How long POST /delete_user waits for the holders' erasure receipts before it answers with what it has. */
export const DELETE_RECEIPTS_WAIT_MS = 5_000

// --- sign (docs/protocols/sign.md) ---
/** A request may not ask to stay valid for longer than this. */
export const MAX_SIGN_REQUEST_LIFETIME_MS = 5 * 60_000
/** Clock skew tolerated between client, CM and signers when judging expiry. */
export const SIGN_CLOCK_SKEW_MS = 5_000
/** How long a signer waits for every party member's round-1 commitment. */
export const ROUND_ONE_TIMEOUT_MS = 3_000
/**
 * What a signer at another epoch than the CM's (update_node_set's switch in
 * progress) tells the CM to wait before it asks again, and how often a CM
 * waits so for one request: the switch takes about a second per node.
 */
export const EPOCH_SWITCH_RETRY_MS = 1_000
export const MAX_EPOCH_SWITCH_WAITS = 8
/** How long a CM waits for a signer's round-2 share (new_party answer). */
export const PARTY_TIMEOUT_MS = 5_000
/**
 * A signer's claim for a coordinator before it sent a share: another CM may take
 * the request over after this (the first CM died mid-round). Longer than a session.
 */
export const CLAIM_LEASE_MS = PARTY_TIMEOUT_MS + ROUND_ONE_TIMEOUT_MS
/**
 * Sessions one CM runs at once; further requests wait for a slot (up to their
 * own expiry). Without a bound, a burst makes every signer slow, round 1 times
 * out and honest signers are blamed as silent. ~4 sessions × 4 signers keep two
 * cores busy on ed25519 with the current (noble) crypto.
 */
export const MAX_CONCURRENT_SESSIONS_PER_CM = 4
/**
 * Requests one CM holds unfinished (running or waiting for a slot); beyond it
 * the CM answers 429 with Retry-After and clients go to another manager. At
 * ~4 ed25519 signatures/s per CM this is ~30 s of queue, the default lifetime.
 */
export const MAX_PENDING_REQUESTS_PER_CM = 128
/** Retry-After a busy CM sends with its 429. */
export const CM_BUSY_RETRY_AFTER_S = 2
/**
 * How long a CM keeps looking for a valid party before it fails a request for
 * lack of one: after a restart (its own or the network's) liveness needs a
 * few heartbeats to fill in, and a party that is missing for a moment is not
 * a reason to fail. Two liveness windows.
 */
export const NO_PARTY_GRACE_MS = 2 * LIVENESS_WINDOW_MS
export const NO_PARTY_POLL_MS = 250
/** Most sessions a CM tries for one request before it fails it. */
export const MAX_SIGN_ATTEMPTS = 4
/** How often one request waits out another CM's lease (leased-by-other-coordinator) before it fails. */
export const MAX_LEASE_WAITS = 2
/** Added to a lease's retryAfterMs, so the next session comes after the lease has ended. */
export const LEASE_WAIT_SLACK_MS = 100
/** Random bytes of a session id (base64url on the wire): nobody can guess one and interfere with it. */
export const SESSION_ID_BYTES = 12
/** Most sessions one round of session recovery tries: the ones members reported, then ones their answers named. */
export const MAX_RECOVERED_SESSIONS = 4
/** Pause before a CM asks the members of another CM's session again, when some of them did not answer (they may be restarting). */
export const RECOVER_RETRY_PAUSE_MS = 1_000
/**
 * How long members may keep refusing a recover as `not-a-manager` while the CM
 * still counts itself a manager: longer than liveness views take to settle
 * (a restart, a node coming back), so a lasting refusal means they disagree.
 */
export const NOT_A_MANAGER_PATIENCE_MS = 2 * LIVENESS_WINDOW_MS
/**
 * Presignatures (docs/protocols/sign.md#presignatures): round-1 commitments a
 * signer makes ahead for one manager and key, whose nonces it keeps in memory
 * until one session uses them. A manager asks a member for PRESIGN_BATCH at a
 * time once it holds fewer than PRESIGN_LOW_WATER of that member's.
 */
export const PRESIGN_BATCH = 16
export const PRESIGN_LOW_WATER = 4
/** Most presignatures one presign request may ask for (the wire's limit). */
export const MAX_PRESIGN_BATCH = 64
/** A signer forgets unused presignature nonces after this; a manager stops offering them a minute earlier. */
export const PRESIGN_TTL_MS = 10 * 60_000
export const PRESIGN_OFFER_MARGIN_MS = 60_000
/** Unused presignatures a signer keeps for one manager, all keys together; the oldest go first. */
export const MAX_PRESIGNS_PER_MANAGER = 2_048
/**
 * Keys (at one epoch) a manager keeps presignature stock for; the least recently used go beyond it.
 * With ~20 per member and key, a member's MAX_PRESIGNS_PER_MANAGER covers about 100 keys.
 */
export const MAX_PRESIGN_STOCK_KEYS = 128
/** How long a manager waits for a member's presign answer. */
export const PRESIGN_TIMEOUT_MS = 5_000
/** Longest `Prefer: wait=N` a CM honours. */
export const MAX_PREFER_WAIT_S = 60
/** Rate limits count signatures in this window. */
export const RATE_WINDOW_MS = 60_000
/** How long a CM keeps finished request results in memory (they stay in its store). */
export const SIGN_RESULT_CACHE_MS = 10 * 60_000
/** Finished results a CM keeps in memory at most, beyond SIGN_RESULT_CACHE_MS's; the oldest go first (the store has them). */
export const MAX_CACHED_SIGN_RESULTS = 4_096
/** Presignature managers: a member keeps nonces for at most this many (the least recently asked go beyond it). */
export const MAX_PRESIGN_MANAGERS = 16

// --- retained state (docs/operations.md#retained-state; issue #17) ---
// What a node keeps about finished work, how long, and how much. A sign request
// can be signed until expiresAt + SIGN_CLOCK_SKEW_MS by every node's own clock
// (checkSignRequest); the ledger entries and CM results that keep it from
// completing twice go only well after that.
/**
 * Slack on top of a request's expiry and the clock skew before anything that
 * keeps it from being signed twice is forgotten: a node whose clock is stepped
 * back by less than this still refuses the request as expired after its entry
 * went. An hour: an RTC read as local time at boot, an NTP step after a long
 * suspend.
 */
export const SIGN_STATE_CLOCK_MARGIN_MS = 60 * 60_000
/** A signer deletes a ledger entry once its request's expiresAt + skew + margin has passed (docs/protocols/sign.md#retention). */
export const LEDGER_RETENTION_AFTER_EXPIRY_MS = SIGN_CLOCK_SKEW_MS + SIGN_STATE_CLOCK_MARGIN_MS
/**
 * Ledger entries a signer expects to hold at most. Never enforced by deleting: an
 * entry of a request that can still be signed is what keeps it from completing
 * twice. Beyond it the node reports (shardsig_retained_records over its _cap, a
 * warning each prune). ~1.5–2.4 KiB an entry on disk, so ~2 GiB; 250 claims/s held
 * for the entries' ~65 min lives (the bench's devnet peaks near 25 a signer).
 */
export const MAX_LEDGER_ENTRIES = 1_000_000
/**
 * A CM keeps a result this long after its request expired (+ skew), so that a
 * client can still GET it and a repeated POST gets the same answer; never less
 * than LEDGER_RETENTION_AFTER_EXPIRY_MS.
 */
export const SIGN_RESULT_RETENTION_AFTER_EXPIRY_MS = 24 * 60 * 60_000
/**
 * Results a CM keeps in its store: beyond it the oldest go first, but never one
 * whose request is within LEDGER_RETENTION_AFTER_EXPIRY_MS of its expiry (a
 * repeated POST of it would be run again). ~1 KiB a result on disk.
 */
export const MAX_SIGN_RESULTS = 500_000
/** How often a signer and a CM delete what the rules above let go. */
export const SIGN_STATE_PRUNE_INTERVAL_MS = 60_000
/** Records one prune deletes before it yields to other work. */
export const PRUNE_BATCH_RECORDS = 500
/** Blame records are kept this long, at most MAX_BLAME_RECORDS of them (the newest); the metrics count every blame for good. */
export const BLAME_RETENTION_MS = 30 * 24 * 60 * 60_000
export const MAX_BLAME_RECORDS = 10_000
/**
 * Keys (registered and deleted) a node expects to hold: each costs ~4 KB of
 * memory and its start-up digest (docs/performance.md#registry-anti-entropy).
 * Reported beyond it, never enforced: a tombstone stays for good.
 */
export const MAX_REGISTRY_KEYS = 100_000

// --- quotas (docs/protocols/http.md#quotas; node/api/quotas.ts, node/p2p/peer-quotas.ts) ---
// Token buckets (protocols/limits/token-bucket.ts): `ratePerS` tokens a second,
// at most `burst` at once; a request takes one, a request that finds none is
// refused (HTTP 429 with Retry-After; a direct protocol's own refusal). Every
// rate is per node: a sender spread over n nodes gets n times as much.

/** A token bucket's rate: tokens per second, and the most it holds. */
export interface QuotaRate { ratePerS: number, burst: number }

/**
 * The share of a manager's unfinished sign requests (limits.maxPendingSignRequests,
 * MAX_PENDING_REQUESTS_PER_CM) that one owner key may hold (rounded down, at
 * least 1); beyond it that owner gets 429 owner-busy while other owners still
 * get through. 1/4 of 128 is 32: the bench's concurrency 32 from one owner
 * spreads over every manager and stays far below it at each.
 */
export const OWNER_SHARE_OF_PENDING_SIGN_REQUESTS = 0.25
/**
 * Per client address (an IPv6 client by its /64) and node, one bucket per class of
 * routes (limits.http.perClient). `sign`: POST /sign_request; `read`: GET
 * /sign_request/:requestId, /keys/:keyId, /membership, /status, /status/stream;
 * `keys`: POST /new_user, /new_user/dkg, /delete_user; `operator`: POST /membership.
 * Discovery, /health, /metrics, /openapi.json and the page itself are not limited.
 * Honest peaks from one address: `npm run bench` signs at concurrency 32, about
 * 50 signatures/s on 2 cores spread over 3 managers, one POST each (Prefer: wait,
 * so polls are rare); a client dealing a key posts one bundle per committee.
 */
export const HTTP_CLIENT_QUOTAS = {
  sign: { ratePerS: 200, burst: 400 },
  read: { ratePerS: 500, burst: 1_000 },
  keys: { ratePerS: 50, burst: 200 },
  operator: { ratePerS: 5, burst: 20 }
} as const satisfies Record<string, QuotaRate>
/**
 * Per owner key and node (limits.http.perOwner), taken only once the owner's
 * signature verified, so nobody can drain another owner's bucket: new sign
 * requests (a re-post of a known request is not counted: anyone who saw it can
 * replay it), and delete requests.
 */
export const HTTP_OWNER_QUOTAS = {
  sign: { ratePerS: 200, burst: 400 },
  delete: { ratePerS: 10, burst: 50 }
} as const satisfies Record<string, QuotaRate>
/** Clients and owners one node keeps a bucket for, per class; the least recently seen go beyond it. */
export const MAX_QUOTA_CLIENTS = 10_000
export const MAX_QUOTA_OWNERS = 10_000
/**
 * Requests one peer may send a node on each direct protocol; the refusal is the
 * protocol's own (a party `reject` with code `peer-rate-limited` excludes the
 * member from that request unblamed). Only members connect (admission), so these
 * bound a member gone bad, far above honest load. Party: a manager runs at most
 * MAX_CONCURRENT_SESSIONS_PER_CM (4) sessions, each costing a member one
 * new_party and one completion notice, so 1,000/s would take 8 ms sessions
 * (the bench's are ~20–100 ms; presign batches add one per PRESIGN_BATCH
 * sessions). Sign: round-1 commitments, one per session two members share,
 * from every manager's sessions.
 */
export const PARTY_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 1_000, burst: 2_000 }
export const SIGN_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 2_000, burst: 4_000 }
/** Deliveries from a CL: one per new key and member. */
export const NEW_USER_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 200, burst: 400 }
/** DKG commit and reveal: two per DKG session and dealer. */
export const DKG_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 100, burst: 200 }
/** Resharing: one deal per key and quorum holder, one delivery per key and new member, a key at a time (RESHARE_CONCURRENT_KEYS) with rests. */
export const RESHARE_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 200, burst: 400 }
/** Anti-entropy: on every (re)connect and every REGISTRY_SYNC_INTERVAL_MS, one request per REGISTRY_SYNC_BATCH_BYTES page. */
export const REGISTRY_SYNC_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 50, burst: 200 }
/** Membership sync: on every (re)connect and every MEMBERSHIP_SYNC_INTERVAL_MS while an update is pending. */
export const MEMBERSHIP_SYNC_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 20, burst: 50 }
/** Peers a node keeps a bucket for, per protocol (members, a pending update's nodes, removed ones catching up). */
export const MAX_QUOTA_PEERS = 1_024

// Status page (GET /, /status, /status/stream).
/** Finished sign requests a CM keeps in memory for its status page, newest first. */
export const RECENT_SIGN_REQUESTS_COUNT = 50
/** Open status streams (SSE) one node serves at once; one more is answered 503. */
export const MAX_STATUS_STREAM_CLIENTS = 16
/** How often a status stream sends a snapshot. */
export const STATUS_STREAM_INTERVAL_MS = 1_000
/** A status stream is closed after this long (the browser reconnects), so no client holds a slot for ever. */
export const STATUS_STREAM_MAX_MS = 10 * 60_000
/** Retry-After of the 503 when every status stream slot is taken. */
export const STATUS_STREAM_BUSY_RETRY_AFTER_S = 5
/** The page polls GET /status this often when it cannot use the stream. */
export const STATUS_POLL_INTERVAL_MS = 2_000

// Health (GET /health, docs/protocols/http.md#get-health).
/**
 * How often a node reads every share record it holds to check that each still
 * authenticates (also once at start, before it serves HTTP). A scan opens each
 * record once: about 10 µs a share.
 */
export const SHARE_AUDIT_INTERVAL_MS = 5 * 60_000
/** How often a node reads its store's probe record, so that an idle node notices a store that fails. */
export const STORE_PROBE_INTERVAL_MS = 10_000
/** A store operation that failed keeps /health `degraded` (reason `store`) for this long after the failure. */
export const STORE_FAILURE_WINDOW_MS = 60_000
/** Key ids one `shares` reason of /health names at most; `keys` counts them all. */
export const MAX_HEALTH_KEY_IDS = 20

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
    default: return undefined
  }
}

/** The per-peer quota of a direct protocol (above); none for anything else. */
export function peerQuotaOf (protocol: string): QuotaRate | undefined {
  switch (protocol) {
    case PROTOCOL_PARTY: return PARTY_REQUESTS_PER_PEER
    case PROTOCOL_SIGN: return SIGN_REQUESTS_PER_PEER
    case PROTOCOL_NEW_USER: return NEW_USER_REQUESTS_PER_PEER
    case PROTOCOL_REGISTRY_SYNC: return REGISTRY_SYNC_REQUESTS_PER_PEER
    case PROTOCOL_DKG: return DKG_REQUESTS_PER_PEER
    case PROTOCOL_RESHARE: return RESHARE_REQUESTS_PER_PEER
    case PROTOCOL_MEMBERSHIP_SYNC: return MEMBERSHIP_SYNC_REQUESTS_PER_PEER
    default: return undefined
  }
}
