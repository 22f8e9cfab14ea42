// Making, keeping, resharing and deleting keys: new_user (dealt and DKG), the
// key registry, update_node_set and delete_user. Re-exported by protocols/constants.ts.

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
