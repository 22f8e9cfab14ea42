// Token-bucket quotas per HTTP client, per owner key and per peer on each
// direct protocol. Re-exported by protocols/constants.ts.

import {
  PROTOCOL_DKG, PROTOCOL_ECDSA_PAIR, PROTOCOL_MEMBERSHIP_SYNC, PROTOCOL_NEW_USER, PROTOCOL_PARTY, PROTOCOL_REGISTRY_SYNC, PROTOCOL_RESHARE, PROTOCOL_SIGN
} from './network.js'

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
/**
 * DKLs23 pair setups a peer may ask of a node: each costs the node ~150 ms of CPU (base OTs),
 * and an honest peer asks once per membership epoch, and again only after a failed check burnt
 * the pair's setup.
 */
export const ECDSA_PAIR_REQUESTS_PER_PEER: QuotaRate = { ratePerS: 1, burst: 10 }
/** Peers a node keeps a bucket for, per protocol (members, a pending update's nodes, removed ones catching up). */
export const MAX_QUOTA_PEERS = 1_024

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
    case PROTOCOL_ECDSA_PAIR: return ECDSA_PAIR_REQUESTS_PER_PEER
    default: return undefined
  }
}
