// The node's metrics (node/metrics/) without a network: every family is in
// the registry with its series at 0 from the start, recorders move the right
// series, labels stay in their fixed sets, registries are per node, and
// GET /metrics answers in the text format (405 for other methods).
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { Hono } from 'hono'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { register as globalRegistry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpProblem, problemResponse } from '../../node/api/problems.js'
import { addMetricsRoutes } from '../../node/api/routes/metrics.js'
import {
  countGossipValidations, createNodeMetrics, DIRECT_PROTOCOLS, instrumentStore, packageVersion, registerStateGauges, RETAINED_KINDS, topicKind, type NodeMetrics
} from '../../node/metrics/index.js'
import { openStore } from '../../node/store/index.js'
import { committeeTopic, PROTOCOL_PARTY, TOPIC_HEARTBEAT, TOPIC_REGISTRY } from '../../protocols/constants.js'
import type { Genesis } from '../../protocols/wire/genesis.js'
import { parsePrometheusText, valueOf, type Scrape } from '../helpers/prometheus.js'

const BUILD = { version: '9.9.9', nodeId: 'node-1', cryptoBackend: { name: 'noble', ed25519: 'noble', secp256k1: 'noble' } }
const started: NodeMetrics[] = []

function metrics (): NodeMetrics {
  const m = createNodeMetrics(BUILD)
  started.push(m)
  return m
}

async function read (m: NodeMetrics): Promise<Scrape> {
  return parsePrometheusText(await m.registry.metrics())
}

afterEach(() => { for (const m of started.splice(0)) m.stop() })

describe('node metrics', () => {
  it('registers every family with its series at 0, and build info with the version and backend', async () => {
    const s = await read(metrics())
    for (const [name, type] of [
      ['shardsig_sign_request_duration_seconds', 'histogram'], ['shardsig_new_user_duration_seconds', 'histogram'],
      ['shardsig_sign_party_retries_total', 'counter'], ['shardsig_sign_sessions_total', 'counter'], ['shardsig_blame_events_total', 'counter'],
      ['shardsig_gossip_messages_received_total', 'counter'], ['shardsig_gossip_messages_rejected_total', 'counter'],
      ['shardsig_store_operation_duration_seconds', 'histogram'], ['shardsig_build_info', 'gauge'], ['nodejs_eventloop_lag_p99_seconds', 'gauge']
    ]) expect(s.types.get(name!), name).toBe(type)
    expect(s.samples.filter(x => x.name === 'shardsig_blame_events_total' && x.labels.reason === 'silent').map(x => [x.labels.flow, x.value]))
      .toEqual([['sign', 0], ['new_user', 0], ['reshare', 0]])
    expect(valueOf(s, 'shardsig_sign_request_duration_seconds_count', { scheme: 'secp256k1', outcome: 'failed' })).toBe(0)
    // Every key scheme has its series from the start, ecdsa-secp256k1 included (its keys are dealt; its signing comes later).
    for (const name of ['shardsig_sign_request_duration_seconds_count', 'shardsig_new_user_duration_seconds_count']) {
      expect(s.samples.filter(x => x.name === name && x.labels.outcome === 'completed').map(x => x.labels.scheme), name).toEqual(['ed25519', 'secp256k1', 'ecdsa-secp256k1'])
    }
    expect(s.samples.find(x => x.name === 'shardsig_build_info')?.labels)
      .toEqual({ version: '9.9.9', node_id: 'node-1', crypto_backend: 'noble', ed25519: 'noble', secp256k1: 'noble' })
  })

  it('recorders move their series: latency by scheme and outcome, sessions beyond the first, blame (unknown reasons as other)', async () => {
    const m = metrics()
    m.signFinished('ed25519', 'completed', 0.2, 3)
    m.signFinished('ed25519', 'failed', 1.5, 1)
    m.signSessionStarted('secp256k1', 'presigned')
    m.signSessionStarted('secp256k1', 'presigned')
    m.signSessionStarted('ed25519', 'exchanged')
    m.newUserFinished('secp256k1', 'completed', 0.7)
    m.blamed('silent', 'sign')
    m.blamed('a reason nobody wrote down', 'new_user')
    const s = await read(m)
    expect(valueOf(s, 'shardsig_sign_request_duration_seconds_count', { scheme: 'ed25519', outcome: 'completed' })).toBe(1)
    expect(valueOf(s, 'shardsig_sign_request_duration_seconds_bucket', { scheme: 'ed25519', outcome: 'completed', le: '0.25' })).toBe(1)
    expect(valueOf(s, 'shardsig_sign_request_duration_seconds_bucket', { scheme: 'ed25519', outcome: 'failed', le: '1' })).toBe(0)
    expect(valueOf(s, 'shardsig_sign_party_retries_total', { scheme: 'ed25519' })).toBe(2)
    expect(valueOf(s, 'shardsig_sign_sessions_total', { scheme: 'secp256k1', round1: 'presigned' })).toBe(2)
    expect(valueOf(s, 'shardsig_sign_sessions_total', { scheme: 'ed25519', round1: 'exchanged' })).toBe(1)
    expect(valueOf(s, 'shardsig_sign_sessions_total', { scheme: 'ed25519', round1: 'presigned' })).toBe(0)
    expect(valueOf(s, 'shardsig_new_user_duration_seconds_sum', { scheme: 'secp256k1', outcome: 'completed' })).toBeCloseTo(0.7)
    expect(valueOf(s, 'shardsig_blame_events_total', { reason: 'silent', flow: 'sign' })).toBe(1)
    expect(valueOf(s, 'shardsig_blame_events_total', { reason: 'other', flow: 'new_user' })).toBe(1)
    expect(s.samples.some(x => x.labels.reason === 'a reason nobody wrote down')).toBe(false)
  })

  it('quota refusals: every route and quota a node can refuse is a series at 0 from the start; anything else counts as route other', async () => {
    const m = metrics()
    let s = await read(m)
    const series = s.samples.filter(x => x.name === 'shardsig_quota_refusals_total')
    expect(series.every(x => x.value === 0)).toBe(true)
    for (const [route, quota] of [
      ['POST /sign_request', 'client'], ['POST /sign_request', 'owner'], ['POST /sign_request', 'pending'], ['POST /sign_request', 'owner-pending'],
      ['POST /delete_user', 'owner'], ['GET /status/stream', 'client'], ['POST /membership', 'client'], [PROTOCOL_PARTY, 'peer'], ['/shardsig/membership-sync/1.0.0', 'peer']
    ]) expect(series.some(x => x.labels.route === route && x.labels.quota === quota), `${route} ${quota}`).toBe(true)
    // Not limited, so not a series: discovery and /health.
    expect(series.some(x => x.labels.route === 'GET /health')).toBe(false)
    m.quotaRefused('POST /sign_request', 'owner')
    m.quotaRefused(PROTOCOL_PARTY, 'peer')
    m.quotaRefused('GET /health', 'client')
    s = await read(m)
    expect(valueOf(s, 'shardsig_quota_refusals_total', { route: 'POST /sign_request', quota: 'owner' })).toBe(1)
    expect(valueOf(s, 'shardsig_quota_refusals_total', { route: PROTOCOL_PARTY, quota: 'peer' })).toBe(1)
    expect(valueOf(s, 'shardsig_quota_refusals_total', { route: 'other', quota: 'client' })).toBe(1)
  })

  it('each node has its own registry, and nothing lands in prom-client\'s global one', async () => {
    const a = metrics()
    const b = metrics()
    a.blamed('silent', 'sign')
    expect(valueOf(await read(a), 'shardsig_blame_events_total', { reason: 'silent' })).toBe(1)
    expect(valueOf(await read(b), 'shardsig_blame_events_total', { reason: 'silent' })).toBe(0)
    expect(await globalRegistry.metrics()).not.toContain('shardsig_')
  })

  it('reports event-loop delay once the loop has run', async () => {
    const m = metrics()
    await new Promise(resolve => setTimeout(resolve, 50))
    const s = await read(m)
    expect(valueOf(s, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0)
    expect(valueOf(s, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0)
  })

  it('reads the package version from package.json', () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('gossip validation counts', () => {
  it('maps topics to bounded kinds', () => {
    expect([TOPIC_HEARTBEAT, TOPIC_REGISTRY, committeeTopic(3), '/shardsig/1/committee/x', '/evil/topic'].map(topicKind))
      .toEqual(['heartbeat', 'registry', 'committee', 'other', 'other'])
  })

  it('counts what the wrapped validators answer, per topic kind', async () => {
    const m = metrics()
    const verdicts = [TopicValidatorResult.Accept, TopicValidatorResult.Reject, TopicValidatorResult.Ignore, TopicValidatorResult.Reject]
    const topicValidators = new Map<string, (from: PeerId, msg: Message) => Promise<TopicValidatorResult>>([[committeeTopic(2), async () => verdicts.shift()!]])
    countGossipValidations({ topicValidators } as unknown as Parameters<typeof countGossipValidations>[0], m)
    const validate = topicValidators.get(committeeTopic(2))!
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await validate({} as PeerId, {} as Message))
    expect(answers).toEqual([TopicValidatorResult.Accept, TopicValidatorResult.Reject, TopicValidatorResult.Ignore, TopicValidatorResult.Reject])
    const s = await read(m)
    expect(valueOf(s, 'shardsig_gossip_messages_received_total', { topic: 'committee' })).toBe(4)
    expect(valueOf(s, 'shardsig_gossip_messages_rejected_total', { topic: 'committee' })).toBe(2)
    expect(valueOf(s, 'shardsig_gossip_messages_ignored_total', { topic: 'committee' })).toBe(1)
    expect(valueOf(s, 'shardsig_gossip_messages_received_total', { topic: 'heartbeat' })).toBe(0)
  })
})

describe('retained state', () => {
  it('every kind is a series at 0 from the start; a part\'s count is read at each scrape with its cap; prunes are counted; the process\'s memory is there', async () => {
    const m = metrics()
    let s = await read(m)
    expect(s.samples.filter(x => x.name === 'shardsig_retained_records').map(x => [x.labels.kind, x.value])).toEqual(RETAINED_KINDS.map(k => [k, 0]))
    expect(valueOf(s, 'shardsig_retained_records_pruned_total', { kind: 'ledger_entries' })).toBe(0)
    let held = 7
    m.retained('ledger_entries', () => held, 100)
    m.pruned('ledger_entries', 3)
    held = 9
    s = await read(m)
    expect(valueOf(s, 'shardsig_retained_records', { kind: 'ledger_entries' })).toBe(9)
    expect(valueOf(s, 'shardsig_retained_records_cap', { kind: 'ledger_entries' })).toBe(100)
    expect(valueOf(s, 'shardsig_retained_records_pruned_total', { kind: 'ledger_entries' })).toBe(3)
    for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes']) {
      expect(s.types.get(name), name).toBe('gauge')
      expect(valueOf(s, name), name).toBeGreaterThan(0)
    }
  })
})

describe('state gauges', () => {
  const peer = (i: number): string => `12D3KooWpeer${i}`
  const genesis = {
    params: { committees: 2, tc: 2, tm: 2, managers: 1 },
    nodes: [1, 2, 3, 4].map(i => ({ nodeId: `node-${i}`, peerId: peer(i), committee: i <= 2 ? 1 : 2 }))
  } as unknown as Genesis

  it('counts live and connected peers without ourselves, live members per committee, pending requests, and direct streams of our protocols only', async () => {
    const m = metrics()
    const stream = (protocol: string, direction: 'inbound' | 'outbound'): unknown => ({ protocol, direction })
    const connections = [
      { remotePeer: { toString: () => peer(2) }, streams: [stream(PROTOCOL_PARTY, 'inbound'), stream(PROTOCOL_PARTY, 'inbound'), stream('/meshsub/1.1.0', 'outbound')] },
      { remotePeer: { toString: () => peer(3) }, streams: [stream(PROTOCOL_PARTY, 'outbound'), stream('/evil/1.0.0', 'inbound')] },
      { remotePeer: { toString: () => 'a stranger' }, streams: [] }
    ]
    registerStateGauges(m.registry, {
      genesis,
      selfPeerId: peer(1),
      liveSet: () => new Set([peer(1), peer(2), peer(4)]),
      libp2p: { getConnections: () => connections } as never,
      pendingSignRequests: () => 5
    })
    const s = await read(m)
    expect(valueOf(s, 'shardsig_peers_live')).toBe(2)
    expect(valueOf(s, 'shardsig_peers_connected')).toBe(2)
    expect(valueOf(s, 'shardsig_committee_members_live', { committee: '1' })).toBe(2)
    expect(valueOf(s, 'shardsig_committee_members_live', { committee: '2' })).toBe(1)
    expect(valueOf(s, 'shardsig_genesis_param', { param: 'tm' })).toBe(2)
    expect(valueOf(s, 'shardsig_sign_pending_requests')).toBe(5)
    expect(valueOf(s, 'shardsig_direct_streams_open', { protocol: PROTOCOL_PARTY, direction: 'inbound' })).toBe(2)
    expect(valueOf(s, 'shardsig_direct_streams_open', { protocol: PROTOCOL_PARTY, direction: 'outbound' })).toBe(1)
    const protocols = new Set(s.samples.filter(x => x.name === 'shardsig_direct_streams_open').map(x => x.labels.protocol))
    expect(protocols).toEqual(new Set(DIRECT_PROTOCOLS))
  })
})

describe('store timing', () => {
  let dir = ''
  afterEach(async () => { if (dir !== '') await rm(dir, { recursive: true, force: true }) })

  it('times get, put, delete, batch and iterate, and counts operations that throw', async () => {
    dir = await mkdtemp(join(tmpdir(), 'shardsig-metrics-store-'))
    const m = metrics()
    const store = instrumentStore(await openStore({ path: join(dir, 'store'), passphrase: 'pass', scrypt: { N: 2 ** 10 } }), m)
    try {
      await store.putJson('a/1', { x: 1 })
      await store.put('a/2', new Uint8Array([1]))
      expect(await store.getJson('a/1')).toEqual({ x: 1 })
      await store.batch([{ type: 'del', key: 'a/2' }])
      await store.delete('a/1')
      const seen = []
      for await (const [key] of store.iterate('a/')) seen.push(key)
      expect(seen).toEqual([])
      await expect(store.get('\x00reserved')).rejects.toThrow()
    } finally {
      await store.close()
    }
    const s = await read(m)
    // The refused get is timed too, and counted as an error.
    expect(['get', 'put', 'delete', 'batch', 'iterate'].map(op => valueOf(s, 'shardsig_store_operation_duration_seconds_count', { op }))).toEqual([2, 2, 1, 1, 1])
    expect(['get', 'put'].map(op => valueOf(s, 'shardsig_store_operation_errors_total', { op }))).toEqual([1, 0])
  })
})

describe('GET /metrics', () => {
  function app (m: NodeMetrics): Hono {
    const a = new Hono()
    addMetricsRoutes(a, { metrics: m.registry })
    a.onError(err => err instanceof HttpProblem ? problemResponse(err) : new Response('boom', { status: 500 }))
    return a
  }

  it('answers the text format, ignoring a query string', async () => {
    const res = await app(metrics()).request('/metrics?format=json&x=%zz')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    expect(parsePrometheusText(await res.text()).types.get('shardsig_build_info')).toBe('gauge')
  })

  it('answers 405 with Allow for any other method', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await app(metrics()).request('/metrics', { method })
      expect(res.status, method).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD')
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
  })
})
