// Ports, paths, timeouts and polling intervals of the devnet, in one place.
// Units are in the names.
import { SHUTDOWN_TIMEOUT_MS } from '../protocols/constants.js'

/** Folder the devnet lives in when `--dir` is not given (relative to the working directory). */
export const DEFAULT_DEVNET_DIR = '.devnet'
/** Node i (1-based) listens for p2p on BASE + i and for HTTP on BASE + HTTP_PORT_OFFSET + i. */
export const DEFAULT_BASE_PORT = 7100
export const HTTP_PORT_OFFSET = 100
/** More nodes would make the p2p range run into the HTTP range. */
export const MAX_DEVNET_NODES = HTTP_PORT_OFFSET - 1
/** Every devnet port is bound on loopback only. */
export const DEVNET_HOST = '127.0.0.1'
export const DEVNET_NETWORK = 'devnet'

/** Networks of at least this many nodes get DEFAULT_COMMITTEES_LARGE committees, smaller ones one. */
export const LARGE_NETWORK_NODES = 6
export const DEFAULT_COMMITTEES_LARGE = 3

/** scrypt cost for the devnet's identity files: cheap, since the passphrase sits next to the file. */
export const IDENTITY_SCRYPT_N = 2 ** 14

// --- waits ---
/** `up`: from spawning to every node healthy with roles agreed. */
export const UP_TIMEOUT_MS = 30_000
/** `restart`: from spawning the node to it answering /health with its own peer id. */
export const RESTART_TIMEOUT_MS = 30_000
/** `down` / `stop`: how long a node gets after SIGTERM before SIGKILL (the node's own shutdown bound). */
export const STOP_TIMEOUT_MS = SHUTDOWN_TIMEOUT_MS
/** After SIGKILL, how long to wait for the process to disappear. */
export const KILL_WAIT_MS = 3_000
/** How long a freshly stopped node's ports may take to become free again. */
export const PORT_RELEASE_TIMEOUT_MS = 3_000
/** Health and role polling while waiting. */
export const POLL_INTERVAL_MS = 200
/** Process-state polling while waiting for an exit. */
export const EXIT_POLL_INTERVAL_MS = 50
/** One HTTP request to a node; a paused node must not stall a poll round for longer. */
export const HTTP_REQUEST_TIMEOUT_MS = 1_000
export const MAX_HTTP_RESPONSE_BYTES = 1024 * 1024

// --- logs ---
/** Lines of a node's log shown when it fails to come up. */
export const LOG_TAIL_LINES = 10
/** `logs -f` checks the file for new bytes this often. */
export const LOG_FOLLOW_INTERVAL_MS = 250

/**
 * V8 flags for node processes. An 8 MiB young-generation semi-space (V8's default is
 * 16 MiB): 1 MiB saved ~11 MB of RSS per idle node but made a signing node scavenge
 * so often that GC was 8–10 % of its time (docs/decisions/0009-semi-space.md).
 */
export const NODE_V8_FLAGS = ['--max-semi-space-size=8']
