// The genesis file: who is in the network, in which committee, and the sharing
// parameters. Parsed and checked here, once, at the edge.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { z } from 'zod'
import { canonicalJson } from './canonical.js'

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `expected ${bytes} bytes as lowercase hex`)

export const GenesisNodeSchema = z.strictObject({
  nodeId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'node ids are lowercase letters, digits and dashes'),
  peerId: z.string().min(1),
  multiaddrs: z.array(z.string().startsWith('/')).min(1),
  http: z.url(),
  /** X25519 public key that sub-shares for this node are sealed to (HPKE). */
  encryptionPublicKey: hex(32),
  /** 1-based committee index. */
  committee: z.int().min(1),
  /**
   * SHA-256 of the DER certificate this node serves HTTPS with, lowercase hex.
   * Clients accept that certificate and no other for `http` (which must then be
   * https://); docs/decisions/0015-https.md. Absent: no pin (plain HTTP, or a
   * certificate clients check against a CA). Optional, so a genesis without it
   * keeps its digest.
   */
  tlsFingerprint: hex(32).optional()
}).refine(n => n.tlsFingerprint === undefined || n.http.startsWith('https://'), {
  path: ['http'], message: 'a node with a tlsFingerprint must have an https:// URL'
})

/**
 * Bounds on a genesis's sizes. Genesis files also arrive from peers (inside a
 * membership update): without bounds a `committees` of 2^31 made the check
 * below loop, and add an issue, two billion times (a hostile reshare frame
 * ran a node out of memory).
 */
export const MAX_GENESIS_COMMITTEES = 256
export const MAX_GENESIS_NODES = 4_096

export const GenesisParamsSchema = z.strictObject({
  committees: z.int().min(1).max(MAX_GENESIS_COMMITTEES),
  /** Committees needed to sign (outer threshold). */
  tc: z.int().min(1).max(MAX_GENESIS_COMMITTEES),
  /** Members of each chosen committee needed to sign (inner threshold). */
  tm: z.int().min(1).max(MAX_GENESIS_NODES),
  /** Communication managers elected from the live nodes. */
  managers: z.int().min(1).max(MAX_GENESIS_NODES)
})

export const GenesisSchema = z.strictObject({
  version: z.literal(1),
  network: z.string().min(1).max(64),
  epoch: z.int().min(0),
  params: GenesisParamsSchema,
  nodes: z.array(GenesisNodeSchema).min(1).max(MAX_GENESIS_NODES),
  /**
   * Ed25519 public keys of the operators: one of them signs a membership update
   * (update_node_set, docs/protocols/lifecycle.md). Without it the membership is fixed.
   */
  operators: z.array(hex(32)).min(1).max(16).optional()
}).superRefine((g, ctx) => {
  // zod runs this even when a size is already out of bounds: never loop over an unbounded count.
  if (g.params.committees > MAX_GENESIS_COMMITTEES || g.nodes.length > MAX_GENESIS_NODES) return
  const seen = { nodeId: new Set<string>(), peerId: new Set<string>(), http: new Set<string>() }
  g.nodes.forEach((n, i) => {
    for (const field of ['nodeId', 'peerId', 'http'] as const) {
      if (seen[field].has(n[field])) ctx.addIssue({ code: 'custom', path: ['nodes', i, field], message: `duplicate ${field} ${n[field]}` })
      seen[field].add(n[field])
    }
    if (n.committee > g.params.committees) {
      ctx.addIssue({ code: 'custom', path: ['nodes', i, 'committee'], message: `committee ${n.committee} exceeds params.committees ${g.params.committees}` })
    }
  })
  if (g.params.tc > g.params.committees) {
    ctx.addIssue({ code: 'custom', path: ['params', 'tc'], message: `tc ${g.params.tc} exceeds committees ${g.params.committees}` })
  }
  const sizes = new Map<number, number>()
  for (const n of g.nodes) sizes.set(n.committee, (sizes.get(n.committee) ?? 0) + 1)
  for (let c = 1; c <= g.params.committees; c++) {
    const size = sizes.get(c) ?? 0
    if (size < g.params.tm) {
      ctx.addIssue({ code: 'custom', path: ['params', 'tm'], message: `committee ${c} has ${size} members, fewer than tm ${g.params.tm}` })
    }
  }
  if (g.params.managers > g.nodes.length) {
    ctx.addIssue({ code: 'custom', path: ['params', 'managers'], message: `managers ${g.params.managers} exceeds node count ${g.nodes.length}` })
  }
})

export type Genesis = z.infer<typeof GenesisSchema>
export type GenesisNode = z.infer<typeof GenesisNodeSchema>
export type GenesisParams = z.infer<typeof GenesisParamsSchema>

/** Members of committee `c` in genesis order; a member's position is its 1-based index here. */
export function committeeMembers (genesis: Genesis, committee: number): GenesisNode[] {
  return genesis.nodes.filter(n => n.committee === committee)
}

/**
 * Deterministic committee assignment used when a genesis is generated:
 * node i (0-based) goes to committee (i mod K) + 1, so committees differ in size by at most one.
 */
export function assignCommittee (index: number, committees: number): number {
  return (index % committees) + 1
}

/**
 * SHA-256 of "shardsig/v1/genesis\n" + JCS(genesis), lowercase hex. Key records
 * carry it, so a record dealt against any other membership (a swapped
 * encryption key, a fake member) is refused by every honest node.
 */
export function genesisDigest (genesis: Genesis): string {
  return bytesToHex(sha256(new TextEncoder().encode(`shardsig/v1/genesis\n${canonicalJson(genesis)}`)))
}
