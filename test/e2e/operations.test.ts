// Operating a real 9-process devnet (issue #10): every metric of GET /metrics
// moves when its part is exercised (new_user and sign with both schemes, a
// paused party member blamed, a node killed, a stream held open, junk gossip),
// with bounded labels; `devnet logs --request` tells one request's story from
// the CM and every signer in time order; no node's log holds a secret the test
// knows; /metrics survives bad input.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { bytesToHex } from '@noble/hashes/utils.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { callJson } from '../../cli/client/http.js'
import { managerOrder, newRequestId, sign } from '../../cli/client/sign.js'
import { KeyFileSchema, keyFileOf, type KeyFile } from '../../cli/key-file.js'
import type { Devnet } from '../../devnet/api.js'
import { readIdentityFile } from '../../node/identity.js'
import { BLAME_REASONS, DIRECT_PROTOCOLS, FLOWS, OUTCOMES, PAIR_SETUP_ROLES, QUOTA_KINDS, quotaSeries, ROUND1_KINDS, SCHEMES, STORE_OPS, TOPIC_KINDS, RETAINED_KINDS } from '../../node/metrics/index.js'
import { createShardsigLibp2p, type ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import { PROTOCOL_PARTY, TOPIC_HEARTBEAT } from '../../protocols/constants.js'
import { openShare } from '../../protocols/crypto/share-seal.js'
import { decodeScalar, scalarToHex } from '../../protocols/sharing/index.js'
import { selectParty } from '../../protocols/sign/select-party.js'
import { GenesisSchema } from '../../protocols/wire/genesis.js'
import { HEALTH_REASON_CODES, HealthSchema, WhoClSchema, WhoCmSchema } from '../../protocols/wire/http.js'
import { membershipOf } from '../../protocols/wire/membership.js'
import { SignResultSchema, type SignResult } from '../../protocols/wire/sign.js'
import { runCli, runDevnetCli, useE2eDevnet } from '../helpers/e2e-devnet.js'
import { deal, newOwner } from '../helpers/owner.js'
import { rawRequest } from '../helpers/raw-http.js'
import { scrape, valueOf, type Scrape } from '../helpers/prometheus.js'

// debug: the secret grep below covers the chattiest level too.
const net = useE2eDevnet('operations-e2e', { basePortFrom: 29100, logLevel: 'debug' })
const E2E_TIMEOUT_MS = 180_000
/** Upper bound for polls of a state the test caused; reaching it fails the test, nothing is timed. */
const POLL_LIMIT_MS = 30_000
const MAX_LABEL_CHARS = 64

const FROST_SCHEMES = ['ed25519', 'secp256k1'] as const
const cliKeys: Partial<Record<typeof FROST_SCHEMES[number], KeyFile>> = {}
/** Ids the test created: none may show up as a label value. */
const ids = new Set<string>()

async function scrapeAll (devnet: Devnet): Promise<Map<number, Scrape>> {
  const out = new Map<number, Scrape>()
  for (const i of devnet.running()) out.set(i, await scrape(devnet.node(i).http))
  return out
}

function total (scrapes: Map<number, Scrape>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const s of scrapes.values()) sum += valueOf(s, name, labels)
  return sum
}

/** Polls `check` until it holds; fails after POLL_LIMIT_MS with `what`. */
async function until (what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + POLL_LIMIT_MS
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never saw: ${what}`)
    await sleep(200)
  }
}

/** Every label of every sample takes a value from its fixed set: no peer, key or request ids, nothing long. */
function checkLabels (s: Scrape, devnet: Devnet, where: string): void {
  const committees = new Set(devnet.nodes().map(n => String(n.committee)))
  const allowed: Record<string, (v: string) => boolean> = {
    scheme: v => (SCHEMES as readonly string[]).includes(v),
    outcome: v => (OUTCOMES as readonly string[]).includes(v),
    round1: v => (ROUND1_KINDS as readonly string[]).includes(v),
    // shardsig_blame_events_total's reasons, and shardsig_health_degraded's.
    reason: v => (BLAME_REASONS as readonly string[]).includes(v) || (HEALTH_REASON_CODES as readonly string[]).includes(v),
    flow: v => (FLOWS as readonly string[]).includes(v),
    topic: v => (TOPIC_KINDS as readonly string[]).includes(v),
    op: v => (STORE_OPS as readonly string[]).includes(v),
    protocol: v => (DIRECT_PROTOCOLS as readonly string[]).includes(v),
    direction: v => v === 'inbound' || v === 'outbound',
    // shardsig_ecdsa_pair_setups_total: which end of a DKLs23 pair setup.
    role: v => (PAIR_SETUP_ROLES as readonly string[]).includes(v),
    // shardsig_quota_refusals_total: an HTTP route of the route table or a direct protocol id.
    route: v => quotaSeries().some(q => q.route === v),
    quota: v => (QUOTA_KINDS as readonly string[]).includes(v),
    committee: v => committees.has(v),
    // shardsig_retained_records{,_cap,_pruned_total}: every kind of state a node retains.
    kind: v => (RETAINED_KINDS as readonly string[]).includes(v),
    param: v => ['committees', 'tc', 'tm', 'managers', 'nodes'].includes(v),
    le: v => v === '+Inf' || Number.isFinite(Number(v)),
    version: v => /^\d+\.\d+\.\d+/.test(v),
    node_id: v => devnet.nodes().some(n => n.nodeId === v),
    crypto_backend: v => /^[a-z0-9-]+$/.test(v),
    ed25519: v => /^[a-z0-9-]+$/.test(v),
    secp256k1: v => /^[a-z0-9-]+$/.test(v)
  }
  const peerIds = devnet.nodes().map(n => n.peerId)
  for (const sample of s.samples) {
    for (const [label, value] of Object.entries(sample.labels)) {
      const where2 = `${where}: ${sample.name}{${label}="${value}"}`
      expect(allowed[label], `${where2}: unexpected label`).toBeDefined()
      expect(allowed[label]!(value), `${where2}: value outside its set`).toBe(true)
      expect(value.length, where2).toBeLessThanOrEqual(MAX_LABEL_CHARS)
      expect(peerIds.some(p => value.includes(p)) || [...ids].some(id => value.includes(id)), where2).toBe(false)
    }
  }
}

/** Prints how long each part of a test took (to see where an e2e run spends its time). */
function phases (test: string): (what: string) => void {
  let last = performance.now()
  return what => {
    const now = performance.now()
    console.info(`operations e2e: ${test}: ${what} in ${Math.round(now - last)} ms`)
    last = now
  }
}

function seriesKeys (s: Scrape): Set<string> {
  return new Set(s.samples.map(x => `${x.name}${JSON.stringify(Object.entries(x.labels).sort())}`))
}

/** A libp2p client with a fresh peer id (a stranger), or with a member's key. */
async function startClient (privateKey?: PrivateKey): Promise<ShardsigLibp2p> {
  return await createShardsigLibp2p({ privateKey: privateKey ?? await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
}

function addrOf (devnet: Devnet, index: number): ReturnType<typeof multiaddr> {
  const n = devnet.node(index)
  return multiaddr(`${n.multiaddr}/p2p/${n.peerId}`)
}

describe('operations e2e: metrics and request-traced logs on 9 node processes', () => {
  it('every metric moves when exercised, and labels stay bounded', async () => {
    const devnet = net.devnet()
    const phase = phases('metrics')
    const before = await scrapeAll(devnet)
    for (const [i, s] of before) checkLabels(s, devnet, `node ${i} before`)

    // new_user and sign, both schemes FROST signs, through the CLI (ecdsa-secp256k1's CLI path is test/e2e/sign.test.ts's).
    for (const scheme of FROST_SCHEMES) {
      const keyPath = join(net.dir(), `${scheme}.key.json`)
      const made = await runCli(['new-user', '--node', devnet.node(2).http, '--scheme', scheme, '--out', keyPath])
      expect(made.code, made.stderr).toBe(0)
      cliKeys[scheme] = KeyFileSchema.parse(JSON.parse(await readFile(keyPath, 'utf8')))
      ids.add(cliKeys[scheme].keyId)
      const signed = await runCli(['sign', '--key', keyPath, '--message', '6f7073', '--json'])
      expect(signed.code, signed.stderr).toBe(0)
      const out = JSON.parse(signed.stdout) as { status: string, requestId: string }
      expect(out.status).toBe('completed')
      ids.add(out.requestId)
    }
    phase('new_user and sign, both schemes')
    const after = await scrapeAll(devnet)
    for (const scheme of FROST_SCHEMES) {
      // One CL per committee relays each key; one CM coordinates each request.
      const relayed = total(after, 'shardsig_new_user_duration_seconds_count', { scheme, outcome: 'completed' }) - total(before, 'shardsig_new_user_duration_seconds_count', { scheme, outcome: 'completed' })
      expect(relayed, `new_user relays (${scheme})`).toBeGreaterThanOrEqual(devnet.params.committees)
      const signedCount = total(after, 'shardsig_sign_request_duration_seconds_count', { scheme, outcome: 'completed' }) - total(before, 'shardsig_sign_request_duration_seconds_count', { scheme, outcome: 'completed' })
      expect(signedCount, `sign requests (${scheme})`).toBe(1)
    }
    const health = await callJson('GET', `${devnet.node(1).http}/health`, HealthSchema)
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
    for (const [i, s] of after) {
      const b = before.get(i)!
      const grew = (name: string, labels: Record<string, string>): boolean => valueOf(s, name, labels) > valueOf(b, name, labels)
      // Every node stored both registry entries and played its committee's game over gossip.
      expect(grew('shardsig_store_operation_duration_seconds_count', { op: 'put' }), `node ${i} store puts`).toBe(true)
      for (const topic of ['heartbeat', 'registry', 'committee']) {
        expect(grew('shardsig_gossip_messages_received_total', { topic }), `node ${i} gossip ${topic}`).toBe(true)
      }
      expect(valueOf(s, 'nodejs_eventloop_lag_max_seconds'), `node ${i} event-loop lag`).toBeGreaterThan(0)
      const build = s.samples.filter(x => x.name === 'shardsig_build_info')
      expect(build.map(x => [x.value, x.labels.version, x.labels.node_id, x.labels.crypto_backend]))
        .toEqual([[1, pkg.version, devnet.node(i).nodeId, health.cryptoBackend?.name]])
      expect(valueOf(s, 'shardsig_peers_live'), `node ${i} live peers`).toBeGreaterThan(0)
      // Use adds no series: every label set exists from the start.
      expect(seriesKeys(s), `node ${i} series`).toEqual(seriesKeys(b))
    }
    // Everyone hears everyone (a heartbeat may come late on a loaded machine: wait for it).
    for (const i of devnet.indices()) {
      await until(`node ${i} hears ${devnet.size - 1} peers`, async () => valueOf(await scrape(devnet.node(i).http), 'shardsig_peers_live') === devnet.size - 1)
    }
    // Store reads happen where shares are read: at the signers.
    expect(total(after, 'shardsig_store_operation_duration_seconds_count', { op: 'get' })).toBeGreaterThan(total(before, 'shardsig_store_operation_duration_seconds_count', { op: 'get' }))

    // A party member paused (SIGSTOP): the request stays pending at its CM until the member is
    // judged silent, blamed and replaced by a second session.
    const key = cliKeys.ed25519!
    const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
    const holders = [1, 2, 3].map(c => devnet.nodes().filter(n => n.committee === c).map(n => n.peerId))
    const live = new Set(devnet.nodes().map(n => n.peerId))
    let requestId = ''
    let cm = ''
    let victimPeer: string | undefined
    for (let tries = 0; victimPeer === undefined; tries++) {
      expect(tries).toBeLessThan(1_000)
      requestId = newRequestId()
      cm = managerOrder(managers, requestId)[0]!.peerId
      const sel = selectParty({ requestId, tc: 2, tm: 2, holders, live, load: new Map(), excluded: new Set() })
      if (sel.ok) victimPeer = sel.party.find(p => p.peerId !== cm)?.peerId
    }
    ids.add(requestId)
    const victim = devnet.indexOfPeer(victimPeer)!
    const cmIndex = devnet.indexOfPeer(cm)!
    const cmHttp = devnet.node(cmIndex).http
    phase('scrapes checked')
    const cmBefore = await scrape(cmHttp)
    await devnet.pause(victim)
    let result: SignResult
    try {
      const signing = sign({ node: cmHttp, key, message: new TextEncoder().encode('a member sleeps'), requestId })
      let finished = false
      void signing.finally(() => { finished = true }).catch(() => {})
      let pendingSeen = 0
      await until('the request pending at its CM', async () => {
        pendingSeen = valueOf(await scrape(cmHttp), 'shardsig_sign_pending_requests')
        return pendingSeen >= 1 || finished
      })
      expect(pendingSeen, 'pending requests while a party member sleeps').toBeGreaterThanOrEqual(1)
      result = await signing
    } finally {
      await devnet.resume(victim)
    }
    expect(result.status, result.reason).toBe('completed')
    expect(result.attempts).toBeGreaterThanOrEqual(2)
    const cmAfter = await scrape(cmHttp)
    const moved = (name: string, labels: Record<string, string> = {}): number => valueOf(cmAfter, name, labels) - valueOf(cmBefore, name, labels)
    expect(moved('shardsig_blame_events_total', { reason: 'silent', flow: 'sign' }), 'silent blame at the CM').toBeGreaterThanOrEqual(1)
    expect(moved('shardsig_sign_party_retries_total', { scheme: 'ed25519' }), 'party retries').toBe(result.attempts - 1)
    // Every attempt started a session (one more when a member had lost its presignatures and the CM exchanged instead).
    const started = moved('shardsig_sign_sessions_total', { scheme: 'ed25519', round1: 'exchanged' }) + moved('shardsig_sign_sessions_total', { scheme: 'ed25519', round1: 'presigned' })
    expect(started, 'sessions started').toBeGreaterThanOrEqual(result.attempts)
    expect(moved('shardsig_sign_request_duration_seconds_count', { scheme: 'ed25519', outcome: 'completed' })).toBe(1)
    expect(valueOf(cmAfter, 'shardsig_sign_pending_requests')).toBe(0)
    const shown = /^(shardsig_sign_request_duration_seconds_count|shardsig_sign_party_retries_total|shardsig_blame_events_total\{reason="silent"|shardsig_sign_pending|shardsig_peers_live|shardsig_committee_members_live|shardsig_build_info)/
    console.info(`operations e2e: the CM (${devnet.node(cmIndex).nodeId}) after a paused member was blamed:\n` +
      (await (await fetch(`${cmHttp}/metrics`)).text()).split('\n').filter(l => shown.test(l)).join('\n'))

    // The blame is part of that request's story in the CM's log.
    const story = await runDevnetCli(['logs', '--dir', join(net.dir(), 'net'), `--request=${requestId}`])
    expect(story.code, story.stderr).toBe(0)
    console.info(`operations e2e: devnet logs --request ${requestId} (a paused member)\n${story.stdout}`)
    const cmLines = story.stdout.split('\n').filter(l => l.split(/ {2,}/)[1] === devnet.node(cmIndex).nodeId).map(l => l.split(/ {2,}/)[3])
    expect(cmLines.filter(m => m === 'signing session started').length).toBe(result.attempts)
    expect(cmLines).toContain('peer blamed')
    phase('a paused member blamed')
    // kill -9 a node: the others count one live peer less, and its committee one member less.
    const watcher = devnet.indices().find(i => i !== victim)!
    const committee = String(devnet.node(victim).committee)
    await until('the resumed node live again', async () => valueOf(await scrape(devnet.node(watcher).http), 'shardsig_peers_live') === devnet.size - 1)
    const liveMembers = valueOf(await scrape(devnet.node(watcher).http), 'shardsig_committee_members_live', { committee })
    await devnet.kill(victim)
    try {
      await until('live peers drop after kill -9', async () => valueOf(await scrape(devnet.node(watcher).http), 'shardsig_peers_live') === devnet.size - 2)
      expect(valueOf(await scrape(devnet.node(watcher).http), 'shardsig_committee_members_live', { committee })).toBe(liveMembers - 1)
      phase('a killed node counted down')

      const target = devnet.node(watcher).http
      // A stranger (a fresh peer id) is refused before any protocol runs, and counted.
      const refused = async (): Promise<number> => valueOf(await scrape(target), 'shardsig_p2p_connections_refused_total', { direction: 'inbound' })
      const refusedBefore = await refused()
      const stranger = await startClient()
      try {
        await expect(stranger.dialProtocol(addrOf(devnet, watcher), PROTOCOL_PARTY, { signal: AbortSignal.timeout(POLL_LIMIT_MS) })).rejects.toThrow()
      } finally {
        await stranger.stop()
      }
      await until('the stranger\'s connection counted as refused', async () => await refused() > refusedBefore)

      // The killed node's identity in a client: a member may connect. A direct-protocol stream held
      // open shows at the node while it is open (until the handler's deadline, 8 s). The party
      // protocol: no request runs now, so no other stream of it comes or goes meanwhile.
      const borrowed = await readIdentityFile(devnet.node(victim).paths.identity, (await readFile(devnet.node(victim).paths.passphrase, 'utf8')).trim())
      const client = await startClient(borrowed.libp2pKey)
      try {
        await client.dial(addrOf(devnet, watcher), { signal: AbortSignal.timeout(POLL_LIMIT_MS) })
        const labels = { protocol: PROTOCOL_PARTY, direction: 'inbound' }
        const open = valueOf(await scrape(target), 'shardsig_direct_streams_open', labels)
        const stream: Stream = await client.dialProtocol(addrOf(devnet, watcher), PROTOCOL_PARTY, { signal: AbortSignal.timeout(POLL_LIMIT_MS) })
        expect(valueOf(await scrape(target), 'shardsig_direct_streams_open', labels), 'inbound stream open').toBe(open + 1)
        stream.abort(new Error('test done'))
        await until('the stream closed at the node', async () => valueOf(await scrape(target), 'shardsig_direct_streams_open', labels) === open)

        // Junk on the heartbeat topic from that member's identity: the node's validator rejects it.
        const rejected = async (): Promise<number> => valueOf(await scrape(target), 'shardsig_gossip_messages_rejected_total', { topic: 'heartbeat' })
        const rejectedBefore = await rejected()
        client.services.pubsub.subscribe(TOPIC_HEARTBEAT)
        await until('a junk heartbeat rejected', async () => {
          await client.services.pubsub.publish(TOPIC_HEARTBEAT, new TextEncoder().encode(JSON.stringify({ v: 1, kind: 'heartbeat', nodeId: 'node-0', epoch: 0, seq: 1 }))).catch(() => {})
          return await rejected() > rejectedBefore
        })
      } finally {
        await client.stop()
      }
    } finally {
      await devnet.start(victim)
    }

    phase('a held stream and rejected gossip')
    for (const [i, s] of await scrapeAll(devnet)) checkLabels(s, devnet, `node ${i} after`)
  }, E2E_TIMEOUT_MS)

  it('`devnet logs --request` shows the CM and every signer in time order; no log holds a secret the test knows', async () => {
    const devnet = net.devnet()
    const devnetDir = join(net.dir(), 'net')
    const genesis = GenesisSchema.parse(JSON.parse(await readFile(join(devnetDir, 'genesis.json'), 'utf8')))
    const membership = membershipOf(genesis)
    await devnet.waitForAgreement({ timeoutMs: POLL_LIMIT_MS })

    // A key the test deals itself, so it knows the sub-shares; bundles posted to the leaders as curl would.
    const owner = newOwner()
    const dealt = await deal(membership, owner, 'secp256k1')
    const keyId = dealt.record.keyId
    ids.add(keyId)
    const { committees } = await callJson('GET', `${devnet.node(1).http}/who_cl`, WhoClSchema)
    /** Members whose signed receipt a CL returned: they stored their sub-share. */
    const confirmed = new Set<string>()
    for (const bundle of dealt.bundles) {
      const roles = committees.find(c => c.committee === bundle.committee)!
      let receipts: Array<{ peerId: string }> = []
      for (const cl of [roles.leader, roles.backup]) {
        if (cl === null || receipts.length > 0) continue
        const res = await fetch(`${cl.http}/new_user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bundle) })
        if (res.status === 200) receipts = ((await res.json()) as { receipts: Array<{ peerId: string }> }).receipts
      }
      expect(receipts.length, `committee ${bundle.committee}`).toBeGreaterThanOrEqual(dealt.record.params.tm)
      for (const r of receipts) confirmed.add(devnet.node(devnet.indexOfPeer(r.peerId)!).nodeId)
    }
    await until('every node knows the key', async () => {
      for (const n of devnet.nodes()) if ((await fetch(`${n.http}/keys/${keyId}`)).status !== 200) return false
      return true
    })

    const keyFile = keyFileOf(dealt.record, devnet.node(1).http, owner)
    const requestId = newRequestId()
    ids.add(requestId)
    const result = await sign({ node: devnet.node(1).http, key: keyFile, message: new TextEncoder().encode('follow me'), requestId })
    expect(result.status, result.reason).toBe('completed')
    const signers = result.signers!.map(s => devnet.node(devnet.indexOfPeer(s.peerId)!).nodeId)
    // The CM is the manager that answers for the request.
    const { managers } = await callJson('GET', `${devnet.node(1).http}/who_cm`, WhoCmSchema)
    const cms = []
    for (const m of managers) {
      const res = await fetch(`${m.http}/sign_request/${requestId}?keyId=${keyId}`)
      if (res.status === 200 && SignResultSchema.parse(await res.json()).status === 'completed') cms.push(devnet.node(devnet.indexOfPeer(m.peerId)!).nodeId)
    }
    expect(cms).toHaveLength(1)
    const cm = cms[0]!

    const story = await runDevnetCli(['logs', '--dir', devnetDir, `--request=${requestId}`])
    expect(story.code, story.stderr).toBe(0)
    console.info(`operations e2e: devnet logs --request ${requestId}\n${story.stdout}`)
    const lines = story.stdout.trimEnd().split('\n').map(l => {
      const [time, node, level, msg] = l.split(/ {2,}/)
      return { time: time!, node: node!, level: level!, msg: msg! }
    })
    expect(lines.map(l => l.time)).toEqual(lines.map(l => l.time).sort())
    expect(lines.filter(l => l.node === cm).map(l => l.msg)).toEqual(expect.arrayContaining(['sign request accepted', 'signing session started', 'sign request finished']))
    for (const signer of signers) {
      expect(lines.some(l => l.node === signer && l.msg === 'signature share sent'), `${signer}'s share in the story`).toBe(true)
    }
    const asJson = await runDevnetCli(['logs', '--dir', devnetDir, `--request=${requestId}`, '--json'])
    expect(asJson.stdout.trimEnd().split('\n').map(l => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(lines.map(() => requestId))

    // new_user's story: the key id is its request id; every member stored its sub-share.
    const dealing = await runDevnetCli(['logs', '--dir', devnetDir, `--request=${keyId}`])
    expect(dealing.code, dealing.stderr).toBe(0)
    const stored = new Set(dealing.stdout.split('\n').filter(l => l.includes('sub-share verified and stored')).map(l => l.split(/ {2,}/)[1]))
    for (const member of confirmed) expect(stored.has(member), `${member} stored its sub-share`).toBe(true)
    expect(dealing.stdout.split('\n').filter(l => l.includes('new_user relayed'))).toHaveLength(devnet.params.committees)

    // Every secret the test knows, as hex and base64: passphrases, node keys, owner keys, the dealt key, each sub-share.
    const secrets = new Map<string, string>()
    const add = (what: string, bytes: Uint8Array): void => {
      for (const form of [bytesToHex(bytes), Buffer.from(bytes).toString('base64'), Buffer.from(bytes).toString('base64url')]) secrets.set(form, what)
    }
    for (const n of devnet.nodes()) {
      const passphrase = (await readFile(n.paths.passphrase, 'utf8')).trim()
      secrets.set(passphrase, `${n.nodeId} passphrase`)
      const identity = await readIdentityFile(n.paths.identity, passphrase)
      add(`${n.nodeId} libp2p key`, identity.libp2pKey.raw)
      add(`${n.nodeId} encryption key`, identity.encryptionSecret())
    }
    add('test owner key', owner)
    for (const k of Object.values(cliKeys)) secrets.set(k.owner.secretKey, `${k.keyId} owner key`)
    secrets.set(scalarToHex('secp256k1', dealt.secret.expose()), 'the dealt key')
    let subShares = 0
    for (const bundle of dealt.bundles) {
      for (const sealed of bundle.shares) {
        const member = membership.committees[bundle.committee - 1]![sealed.member - 1]!
        const node = devnet.node(devnet.indexOfPeer(member.peerId)!)
        const identity = await readIdentityFile(node.paths.identity, (await readFile(node.paths.passphrase, 'utf8')).trim())
        const slot = { keyId, network: dealt.record.network, epoch: dealt.record.epoch, committee: bundle.committee, member: sealed.member, peerId: member.peerId }
        const plain = await openShare(identity.encryptionSecret(), slot, sealed)
        add(`sub-share ${bundle.committee}/${sealed.member}`, plain)
        secrets.set(scalarToHex('secp256k1', decodeScalar('secp256k1', plain)), `sub-share ${bundle.committee}/${sealed.member} as stored`)
        subShares++
      }
    }
    expect(subShares).toBe(devnet.size)
    let scanned = 0
    let debugLines = 0
    for (const n of devnet.nodes()) {
      const log = await readFile(n.paths.log, 'utf8')
      scanned += log.length
      debugLines += log.split('\n').filter(l => l.startsWith('{"level":20,')).length
      // The grep reads what it should: public ids of this run are there.
      expect(log, `${n.nodeId}'s log`).toContain(keyId)
      for (const [needle, what] of secrets) expect(log.includes(needle), `${what} in ${n.nodeId}'s log`).toBe(false)
    }
    expect(debugLines, 'the nodes log at debug level').toBeGreaterThan(0)
    console.info(`operations e2e: ${secrets.size} secret forms absent from ${devnet.size} node logs (${scanned} characters, ${debugLines} debug lines)`)
  }, E2E_TIMEOUT_MS)

  it('/metrics: other methods 405, odd queries ignored, huge headers 431, and the node keeps answering', async () => {
    const devnet = net.devnet()
    const base = devnet.node(3).http
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await rawRequest(`${base}/metrics`, { method, headers: { 'content-type': 'application/json', 'content-length': '2' }, body: '{}' })
      expect(res.status, method).toBe(405)
      expect(res.contentType, method).toBe('application/problem+json')
    }
    for (const query of ['?', '?format=json', '?a=1&a=2&b', '?%zz%ff', `?x=${'a'.repeat(8_000)}`, '?name[]=shardsig_build_info']) {
      const res = await rawRequest(`${base}/metrics${query}`, { method: 'GET' })
      expect(res.status, query.slice(0, 40)).toBe(200)
      expect(res.contentType).toContain('text/plain; version=0.0.4')
      expect(res.body).toContain('shardsig_build_info{')
    }
    const head = await rawRequest(`${base}/metrics`, { method: 'HEAD' })
    expect([head.status, head.body]).toEqual([200, ''])
    for (const path of ['/metrics/', '/METRICS', '/metrics/x']) expect((await rawRequest(`${base}${path}`, { method: 'GET' })).status, path).toBe(404)
    const huge = await rawRequest(`${base}/metrics`, { method: 'GET', headers: { 'x-filler': 'a'.repeat(64 * 1024) } })
    expect(huge.status).toBe(431)
    const many = await rawRequest(`${base}/metrics`, { method: 'GET', headers: Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`x-h${i}`, 'v'])) })
    expect(many.status).toBe(431)
    expect((await callJson('GET', `${base}/health`, HealthSchema)).status).toBe('ok')
    expect((await rawRequest(`${base}/metrics`, { method: 'GET' })).status).toBe(200)
  }, E2E_TIMEOUT_MS)
})
