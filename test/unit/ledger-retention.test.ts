// How long a signer's ledger keeps an entry (docs/protocols/sign.md#retention),
// on a real store with the clock passed in: an entry goes once its request
// expired more than SIGN_CLOCK_SKEW_MS + SIGN_STATE_CLOCK_MARGIN_MS ago (every
// node refuses the request as expired by then), never earlier, whatever the
// cap; a later copy of the request keeps it longer; entries of a build before
// the expiry index are filed once at start.
import { x25519 } from '@noble/curves/ed25519.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LEDGER_EXPIRY_PREFIX, LEDGER_INDEX_VERSION_KEY, LEDGER_PREFIX, SignLedger, type LedgerEntry } from '../../node/engine/sign/ledger.js'
import { createNodeMetrics, type NodeMetrics } from '../../node/metrics/index.js'
import { openStore, type KeyStore } from '../../node/store/index.js'
import { LEDGER_RETENTION_AFTER_EXPIRY_MS, MAX_SIGN_REQUEST_LIFETIME_MS, PROTOCOL_VERSION, SIGN_CLOCK_SKEW_MS } from '../../protocols/constants.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { checkSignRequest, requestIdentity, SignRejection } from '../../protocols/sign/check-request.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { SIGN_REQUEST_KIND, type Contribution, type SignRequest } from '../../protocols/wire/sign.js'
import { fakeGenesis } from '../helpers/genesis.js'
import { deal, newOwner } from '../helpers/owner.js'
import { parsePrometheusText, valueOf } from '../helpers/prometheus.js'

const T0 = 1_800_000_000_000
const EXPIRES = T0 + 60_000
const KEY_ID = 'ab'.repeat(16)

let dir: string
let store: KeyStore
const ledgers: SignLedger[] = []
const metricSets: NodeMetrics[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shardsig-ledger-retention-'))
  store = await openStore({ path: dir, passphrase: 'test', scrypt: { N: 2 ** 10 } })
})
afterEach(async () => {
  for (const l of ledgers.splice(0)) l.stop()
  for (const m of metricSets.splice(0)) m.stop()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

/** A started ledger on the shared store, its clock at `now()`, its warnings in `warnings`. */
async function ledgerAt (now: () => number, opts: { maxEntries?: number, metrics?: NodeMetrics, warnings?: string[] } = {}): Promise<SignLedger> {
  const log = pino({ level: 'warn' }, { write: (line: string) => { opts.warnings?.push(line) } })
  const ledger = new SignLedger(store, { now, log, metrics: opts.metrics, maxEntries: opts.maxEntries })
  await ledger.start()
  ledgers.push(ledger)
  return ledger
}

const claimBy = (coordinator: string, over: Partial<LedgerEntry> = {}): Omit<LedgerEntry, 'contributed' | 'signature' | 'contribution' | 'abandoned' | 'leasedIn'> =>
  ({ requestId: 'req-00000001', keyId: KEY_ID, requestDigest: 'd1', coordinator, leaseUntil: T0 + 8_000, expiresAt: EXPIRES, message: '00', ...over })

const contributionTo = (coordinator: string): Contribution => ({
  sessionId: 'session-1', coordinator, party: [{ committee: 1, member: 1, peerId: 'p1' }],
  commitments: [{ committee: 1, member: 1, hiding: 'aa', binding: 'bb' }], share: { committee: 1, member: 1, share: '11'.repeat(32) }
})

async function contributed (ledger: SignLedger, over: Partial<LedgerEntry> = {}): Promise<LedgerEntry> {
  const claim = await ledger.claim(claimBy('cm-a', over), T0)
  if (claim.kind !== 'claimed') throw new Error(`no claim: ${claim.kind}`)
  expect(await ledger.recordContribution(claim.entry, contributionTo('cm-a'))).toBe('recorded')
  return claim.entry
}

async function keysUnder (prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const [key] of store.iterate(prefix)) keys.push(key)
  return keys
}

describe('ledger retention', () => {
  it('keeps an entry until its request expired more than skew + margin ago, then deletes it and its index record', async () => {
    const ledger = await ledgerAt(() => T0)
    await contributed(ledger)
    expect(await ledger.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS - 1)).toBe(0)
    expect(await ledger.get(KEY_ID, 'req-00000001')).toMatchObject({ contributed: true })
    expect(await ledger.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(1)
    expect(await ledger.get(KEY_ID, 'req-00000001')).toBeUndefined()
    expect(ledger.size).toBe(0)
    expect(await keysUnder(LEDGER_PREFIX)).toEqual([])
    expect(await keysUnder(LEDGER_EXPIRY_PREFIX)).toEqual([])
    // Gone for good, not only from this instance's cache.
    expect(await new SignLedger(store).get(KEY_ID, 'req-00000001')).toBeUndefined()
  })

  it('a ledger entry of a request that can still be signed is never pruned, even over the cap; the cap is reported', async () => {
    const metrics = createNodeMetrics({ version: 'test', nodeId: 'node-1', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } })
    metricSets.push(metrics)
    const warnings: string[] = []
    const ledger = await ledgerAt(() => T0, { maxEntries: 3, metrics, warnings })
    for (let i = 0; i < 10; i++) await contributed(ledger, { requestId: `req-${String(i).padStart(8, '0')}` })
    // Still signable (expired at most skew + margin ago): none goes, though ten is over three.
    expect(await ledger.prune(EXPIRES + SIGN_CLOCK_SKEW_MS)).toBe(0)
    expect(await ledger.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS - 1)).toBe(0)
    expect(ledger.size).toBe(10)
    expect((await keysUnder(LEDGER_PREFIX)).length).toBe(10)
    expect(warnings.join('\n')).toMatch(/more entries of requests that can still be signed than its cap/)
    let scrape = parsePrometheusText(await metrics.registry.metrics())
    expect(valueOf(scrape, 'shardsig_retained_records', { kind: 'ledger_entries' })).toBe(10)
    expect(valueOf(scrape, 'shardsig_retained_records_cap', { kind: 'ledger_entries' })).toBe(3)
    // Once no one can sign them, all go.
    expect(await ledger.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(10)
    scrape = parsePrometheusText(await metrics.registry.metrics())
    expect(valueOf(scrape, 'shardsig_retained_records', { kind: 'ledger_entries' })).toBe(0)
    expect(valueOf(scrape, 'shardsig_retained_records_pruned_total', { kind: 'ledger_entries' })).toBe(10)
  })

  it('a replayed request after pruning is still refused because it has expired', async () => {
    const owner = newOwner()
    const genesis = fakeGenesis(9, 3)
    for (const n of genesis.nodes) n.encryptionPublicKey = Buffer.from(x25519.getPublicKey(x25519.utils.randomSecretKey())).toString('hex')
    const { record } = await deal(membershipOf(genesis), owner)
    const request = signBody(SIGN_REQUEST_KIND, { v: PROTOCOL_VERSION, keyId: record.keyId, message: 'cafe', requestId: 'replayed-0001', expiresAt: EXPIRES }, owner) as SignRequest
    const ledger = await ledgerAt(() => T0)
    await contributed(ledger, { keyId: record.keyId, requestId: request.requestId, requestDigest: requestIdentity(request), expiresAt: request.expiresAt })
    // The last moment a signer takes the request: its entry is still there.
    expect(() => { checkSignRequest(request, record, EXPIRES + SIGN_CLOCK_SKEW_MS) }).not.toThrow()
    expect(await ledger.prune(EXPIRES + SIGN_CLOCK_SKEW_MS)).toBe(0)
    // The first moment the entry may go: every signer refuses the replay itself, before its ledger is asked.
    const forgotten = EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS
    expect(await ledger.prune(forgotten)).toBe(1)
    expect(() => { checkSignRequest(request, record, forgotten) }).toThrow(SignRejection)
    expect(() => { checkSignRequest(request, record, forgotten) }).toThrow(/expired/)
  })

  it('a copy of the request signed again with a later expiry keeps its entry until then, across a restart; an earlier copy shortens nothing', async () => {
    const ledger = await ledgerAt(() => T0)
    await contributed(ledger)
    const later = EXPIRES + MAX_SIGN_REQUEST_LIFETIME_MS
    // Another CM with a later copy: refused (the share went to cm-a), and the entry now lives as long as the copy can be signed.
    expect(await ledger.claim(claimBy('cm-b', { expiresAt: later }), T0 + 1_000)).toMatchObject({ kind: 'held', by: 'cm-a' })
    // The same CM with an earlier copy again.
    expect(await ledger.claim(claimBy('cm-a', { expiresAt: EXPIRES - 30_000 }), T0 + 2_000)).toMatchObject({ kind: 'claimed', entry: { expiresAt: later } })
    const restarted = await ledgerAt(() => T0 + 3_000)
    expect(await restarted.get(KEY_ID, 'req-00000001')).toMatchObject({ expiresAt: later, contributed: true })
    expect(restarted.size).toBe(1)
    expect(await restarted.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(0)
    expect(await restarted.prune(later + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(1)
    expect(await keysUnder(LEDGER_EXPIRY_PREFIX)).toEqual([])
  })

  it('a first claim released again (the key\'s rate limit) leaves neither entry nor index record', async () => {
    const ledger = await ledgerAt(() => T0)
    const claim = await ledger.claim(claimBy('cm-a'), T0)
    if (claim.kind !== 'claimed') throw new Error('no claim')
    await ledger.release(claim.entry)
    expect(ledger.size).toBe(0)
    expect(await keysUnder(LEDGER_PREFIX)).toEqual([])
    expect(await keysUnder(LEDGER_EXPIRY_PREFIX)).toEqual([])
  })

  it('files the entries of an earlier build by their expiry at start, once; one without an expiry is kept as if its request were taken just before', async () => {
    const entry = (requestId: string, expiresAt?: number): unknown => ({ ...claimBy('cm-a', { requestId }), expiresAt, contributed: true })
    await store.putJson(`${LEDGER_PREFIX}${KEY_ID}/req-00000001`, entry('req-00000001', EXPIRES))
    // The first ledger's layout, before request ids were scoped by key.
    await store.putJson(`${LEDGER_PREFIX}req-00000002`, entry('req-00000002', EXPIRES + 60_000))
    await store.putJson(`${LEDGER_PREFIX}${KEY_ID}/req-00000003`, entry('req-00000003'))
    const started = T0 + 10_000
    const ledger = await ledgerAt(() => started)
    expect(ledger.size).toBe(3)
    expect(await store.getJson(LEDGER_INDEX_VERSION_KEY)).toEqual({ v: 1 })
    expect(await ledger.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(1)
    expect(await ledger.prune(EXPIRES + 60_000 + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(1)
    const assumed = started + MAX_SIGN_REQUEST_LIFETIME_MS
    expect(await ledger.prune(assumed + LEDGER_RETENTION_AFTER_EXPIRY_MS - 1)).toBe(0)
    expect(await ledger.get(KEY_ID, 'req-00000003')).toMatchObject({ expiresAt: assumed })
    // A second start files nothing again.
    expect((await ledgerAt(() => started + 1)).size).toBe(1)
    expect(await ledger.prune(assumed + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(1)
    expect(await keysUnder(LEDGER_PREFIX)).toEqual([])
  })

  it('stops pruning when stopped, mid-way, and leaves the rest for the next start', async () => {
    const ledger = await ledgerAt(() => T0)
    for (let i = 0; i < 5; i++) await contributed(ledger, { requestId: `req-${String(i).padStart(8, '0')}` })
    ledger.stop()
    expect(await ledger.prune(EXPIRES + LEDGER_RETENTION_AFTER_EXPIRY_MS)).toBe(0)
    expect((await keysUnder(LEDGER_PREFIX)).length).toBe(5)
  })
})
