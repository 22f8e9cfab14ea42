// Liveness (node/engine/liveness.ts, docs/protocols/roles.md): a peer is live
// while its heartbeats keep coming; a goodbye counts it down at once, and its
// next heartbeat (a restart) counts it live again. The heartbeat topic's body
// is a heartbeat or a goodbye, nothing else (protocols/wire/heartbeat.ts).
import { describe, expect, it } from 'vitest'
import { LIVENESS_WINDOW_MS } from '../../protocols/constants.js'
import { decodeHeartbeat, encodeHeartbeat } from '../../protocols/wire/heartbeat.js'
import { LivenessTracker } from '../../node/engine/liveness.js'

describe('LivenessTracker', () => {
  const T = 1_000_000

  it('counts a peer live for one window after its last heartbeat', () => {
    const l = new LivenessTracker('me')
    l.heard('p', T)
    expect(l.isLive('p', T + LIVENESS_WINDOW_MS)).toBe(true)
    expect(l.isLive('p', T + LIVENESS_WINDOW_MS + 1)).toBe(false)
    expect(l.isLive('never', T)).toBe(false)
    expect(l.isLive('me', T)).toBe(true)
  })

  it('counts a peer that said goodbye down at once, as heard (not unknown), until its next heartbeat', () => {
    const l = new LivenessTracker('me')
    l.heard('p', T)
    l.saidGoodbye('p', T + 10)
    expect(l.isLive('p', T + 11)).toBe(false)
    expect([...l.liveSet(['p', 'q'], T + 11)]).toEqual(['me'])
    // Heard, so a warming-up node does not assume it live (NetworkView.roles).
    expect(l.lastHeardAgoMs('p', T + 11)).toBe(1)
    l.heard('p', T + 2_000)
    expect(l.isLive('p', T + 2_001)).toBe(true)
  })
})

describe('heartbeat wire', () => {
  const base = { v: 1 as const, nodeId: 'node-1', epoch: 0, seq: 3 }

  it('carries heartbeats and goodbyes', () => {
    expect(decodeHeartbeat(encodeHeartbeat({ ...base, kind: 'heartbeat' }))).toEqual({ kind: 'ok', value: { ...base, kind: 'heartbeat' } })
    expect(decodeHeartbeat(encodeHeartbeat({ ...base, kind: 'goodbye' }))).toEqual({ kind: 'ok', value: { ...base, kind: 'goodbye' } })
  })

  it('reads a newer minor version: an unknown field is kept, an unknown kind is told apart from garbage (versioning.md)', () => {
    const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
    expect(decodeHeartbeat(bytes({ ...base, kind: 'goodbye', until: 5 }))).toEqual({ kind: 'ok', value: { ...base, kind: 'goodbye', until: 5 } })
    expect(decodeHeartbeat(bytes({ ...base, kind: 'farewell' }))).toEqual({ kind: 'unknown-kind' })
  })

  it('refuses garbage, another major version, and a known kind with a wrong field', () => {
    const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
    expect(decodeHeartbeat(new Uint8Array([0xff, 0x00]))).toEqual({ kind: 'invalid' })
    expect(decodeHeartbeat(bytes({ ...base, v: 2, kind: 'farewell' }))).toEqual({ kind: 'invalid' })
    expect(decodeHeartbeat(bytes({ ...base, kind: 'heartbeat', seq: -1 }))).toEqual({ kind: 'invalid' })
    expect(decodeHeartbeat(bytes({ ...base, kind: 'heartbeat', nodeId: 7 }))).toEqual({ kind: 'invalid' })
  })
})
