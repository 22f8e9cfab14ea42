// DKLs23 pair setup at a node: deadlines and the setups it runs ahead of signing
// (docs/protocols/ecdsa.md#pair-setup). Re-exported by protocols/constants.ts.

// --- ECDSA pair setup ---
/**
 * How long a node waits for one pair setup with a peer (dial, both base-OT batches, the
 * answer): the deadline of every keysFor that has to set a pair up. Each side spends
 * ~150 ms of CPU on it; the rest is slack for a busy peer.
 */
export const PAIR_SETUP_TIMEOUT_MS = 10_000
/**
 * How long a signer waits in a session's new_party for pair setups it had to start on the fly: the
 * rest of the coordinator's PARTY_TIMEOUT_MS (5 s) is for the two rounds. Past it the signer names
 * the members it has no pair with (round1-timeout) and the setups go on for the next session.
 */
export const PAIR_SETUP_IN_SESSION_MS = 3_000
/** When a signer's pair setups outlast PAIR_SETUP_IN_SESSION_MS, the coordinator asks the party again this much later (`pairs-pending`, nobody at fault). */
export const PAIR_SETUP_RETRY_MS = 1_000
/** How long a node answering a pair setup may take (its own base OTs and the synced write). */
export const PAIR_SETUP_ANSWER_TIMEOUT_MS = 8_000
/** Pair setups a node runs ahead at once, so that setting up every pair at start leaves its event loop room. */
export const PAIR_SETUPS_AHEAD_CONCURRENCY = 2
/** A node sets up its pairs ahead this long after it started (peers are dialled, heartbeats have begun) ... */
export const PAIR_SETUPS_AHEAD_DELAY_MS = 2_000
/** ... and looks again this often for a pair that is missing or burnt (a peer that was down, a failed check). */
export const PAIR_SETUPS_AHEAD_INTERVAL_MS = 30_000
