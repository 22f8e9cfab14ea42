// How long a node keeps ledger entries, sign results and blame records, and how
// many keys it expects to hold. Re-exported by protocols/constants.ts.

import { SIGN_CLOCK_SKEW_MS } from './sign.js'

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
