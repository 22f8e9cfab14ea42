// Signing: request lifetimes, round and party deadlines, a manager's sessions
// and queue, presignatures and results. Re-exported by protocols/constants.ts.

import { LIVENESS_WINDOW_MS } from './network.js'

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
