// Two-node registry set-ups for anti-entropy, shared by `npm run bench:registry`
// and test/unit/registry-sync.test.ts: a one-committee network whose members'
// keys the caller holds (so it can sign real receipts), real KeyRegistry
// instances on their own libp2p nodes on 127.0.0.1 and sealed LevelDB stores.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyRegistry } from '../node/engine/registry.js'
import { createLogger, type Logger } from '../node/log.js'
import type { RetentionMetrics } from '../node/metrics/index.js'
import { createShardsigLibp2p, type ShardsigLibp2p } from '../node/p2p/create-libp2p.js'
import { openStore, type KeyStore } from '../node/store/index.js'
import { PROTOCOL_VERSION } from '../protocols/constants.js'
import { signAsPeer } from '../protocols/crypto/peer-signature.js'
import { dealNewUser } from '../protocols/new-user/deal-bundles.js'
import { recordDigest, type RegistryEntry } from '../protocols/new-user/registry-entry.js'
import { assignCommittee, type Genesis } from '../protocols/wire/genesis.js'
import { DEFAULT_POLICY } from '../protocols/wire/key-record.js'
import { membershipOf, type Membership } from '../protocols/wire/membership.js'
import { RECEIPT_KIND, type Receipt } from '../protocols/wire/new-user.js'
import type { Tombstone } from '../protocols/wire/delete-user.js'

/** A cheap scrypt: these stores hold nothing secret. */
const FAST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 }
const STORE_BATCH = 1_000

export interface RegistryNetwork { genesis: Genesis, membership: Membership, seeds: Map<string, Uint8Array> }

export async function registryNetwork (members = 3): Promise<RegistryNetwork> {
  const seeds = new Map<string, Uint8Array>()
  const nodes: Genesis['nodes'] = []
  for (let i = 0; i < members; i++) {
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key).toString()
    seeds.set(peerId, key.raw.subarray(0, 32))
    nodes.push({
      nodeId: `node-${i + 1}`, peerId, multiaddrs: [`/ip4/127.0.0.1/tcp/${20_000 + i}`], http: `http://127.0.0.1:${21_000 + i}`,
      encryptionPublicKey: bytesToHex(x25519.getPublicKey(x25519.utils.randomSecretKey())), committee: assignCommittee(i, 1)
    })
  }
  const genesis: Genesis = { version: 1, network: 'registry-bench', epoch: 0, params: { committees: 1, tc: 1, tm: 1, managers: 1 }, nodes }
  return { genesis, membership: membershipOf(genesis), seeds }
}

/** A key dealt to the network with every member's signed receipt: an entry every check passes. */
export async function validEntry (net: RegistryNetwork): Promise<RegistryEntry> {
  const { record } = await dealNewUser({
    scheme: 'ed25519', membership: net.membership, ownerSecretKey: randomBytes(32), policy: { ...DEFAULT_POLICY }, nowMs: Date.now(), randomBytes: n => new Uint8Array(randomBytes(n))
  })
  const digest = recordDigest(record)
  const receipts = record.holders[0]!.map((peerId, i) => signAsPeer<Omit<Receipt, 'signature'>>(RECEIPT_KIND, {
    v: PROTOCOL_VERSION, keyId: record.keyId, committee: 1, member: i + 1, peerId, recordDigest: digest
  }, net.seeds.get(peerId)!))
  return { record, receipts }
}

/** `count` entries shaped like `template` under fresh key ids: what a node loads from its own store at start (unchecked there). */
export function entryCopies (template: RegistryEntry, count: number): RegistryEntry[] {
  return Array.from({ length: count }, () => {
    const keyId = randomBytes(16).toString('hex')
    return { record: { ...template.record, keyId }, receipts: template.receipts.map(r => ({ ...r, keyId })) }
  })
}

export interface RegistryNode {
  libp2p: ShardsigLibp2p
  store: KeyStore
  registry: KeyRegistry
  /** How long registry.start() took: loading every entry from the store and digesting it. */
  startMs: number
  stop: () => Promise<void>
}

export interface RegistryNodeOptions {
  /** Tombstones the store holds too (loaded as stored, unchecked, like the entries). */
  tombstones?: readonly Tombstone[]
  metrics?: RetentionMetrics
  maxKeys?: number
  log?: Logger
}

/** A registry whose store already holds `stored` (as after a restart), started on its own libp2p node. */
export async function startRegistryNode (net: RegistryNetwork, stored: readonly RegistryEntry[], opts: RegistryNodeOptions = {}): Promise<RegistryNode> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-registry-'))
  const store = await openStore({ path: join(dir, 'store'), passphrase: 'registry fixtures', scrypt: FAST_SCRYPT })
  for (let i = 0; i < stored.length; i += STORE_BATCH) {
    await store.batch(stored.slice(i, i + STORE_BATCH).map(e => ({ type: 'put' as const, key: `registry/${e.record.keyId}`, value: new TextEncoder().encode(JSON.stringify(e)) })))
  }
  for (const t of opts.tombstones ?? []) await store.putJson(`tombstone/${t.record.keyId}`, t)
  const libp2p = await createShardsigLibp2p({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
  const registry = new KeyRegistry({
    libp2p, store, memberships: { membershipAt: epoch => epoch === net.genesis.epoch ? net.membership : undefined }, peers: new Set(),
    log: opts.log ?? createLogger({ level: 'silent' }), metrics: opts.metrics, maxKeys: opts.maxKeys
  })
  const startedAt = performance.now()
  await registry.start()
  const startMs = Math.round((performance.now() - startedAt) * 10) / 10
  return {
    libp2p, store, registry, startMs,
    stop: async () => { await registry.stop(); await libp2p.stop(); await store.close(); await rm(dir, { recursive: true, force: true }) }
  }
}
