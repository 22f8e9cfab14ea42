// A node's status page and stream, and what /health checks and how often.
// Re-exported by protocols/constants.ts.

// --- Status page (GET /, /status, /status/stream) ---
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

// --- Health (GET /health, docs/protocols/http.md#get-health) ---
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
