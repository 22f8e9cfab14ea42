// The simulator's own scenario: a toy machine that uses every core effect (sends with
// random nonces, synced and unsynced writes, timers) on a faulty network with crashes.
// Its invariants check the simulator, not a protocol: a synced write whose `persisted`
// came back survives every crash, and what a crash keeps of the unsynced writes is a
// prefix of them.
import type { CoreEffect, CoreEvent, Machine, Random, Stepped } from '../../../protocols/machine/types.js'
import { Prng } from '../prng.js'
import type { Scenario } from '../scenario.js'
import { applyCrashes, drawSchedule, DEFAULT_LIMITS } from '../schedule.js'
import { Simulation, type Invariant } from '../simulation.js'

export type EchoMsg = { kind: 'ping', n: number, nonce: string } | { kind: 'pong', n: number, nonce: string }
type EchoEffect = CoreEffect<EchoMsg>
type EchoEvent = CoreEvent<EchoMsg>

export interface EchoState {
  self: string
  peers: readonly string[]
  /** Pings sent in this life (the counter restarts from what was persisted). */
  n: number
  /** The counter read back at restore: the last synced one, or later. */
  restored: number
  /** The highest counter whose synced write came back as persisted. */
  acked: number
  /** Unsynced writes `u<k>` restored: must be 1 … k without a gap. */
  restoredUnsynced: number[]
  pongs: number
}

const TICK_MS = 150

function randomInt (random: Random, max: number): number {
  const [a = 0, b = 0] = random(2)
  return (a * 256 + b) % max
}

export function echoMachine (self: string, peers: readonly string[], random: Random): Machine<EchoState, EchoEvent, EchoEffect> {
  return {
    restore: (persisted, nowMs): Stepped<EchoState, EchoEffect> => {
      const restored = (persisted.get('n') as number | undefined) ?? 0
      const restoredUnsynced = [...persisted.keys()].filter(k => k.startsWith('u')).map(k => Number(k.slice(1))).sort((a, b) => a - b)
      return {
        state: { self, peers, n: restored, restored, acked: restored, restoredUnsynced, pongs: 0 },
        effects: [{ kind: 'set-timer', timer: 'tick', atMs: nowMs + TICK_MS }]
      }
    },
    step: (s, e): Stepped<EchoState, EchoEffect> => {
      switch (e.kind) {
        case 'timer': {
          const n = s.n + 1
          const to = s.peers[randomInt(random, s.peers.length)]!
          const nonce = Buffer.from(random(4)).toString('hex')
          return {
            state: { ...s, n },
            effects: [
              { kind: 'send', to, msg: { kind: 'ping', n, nonce } },
              // Every other counter synced; the unsynced ones in between are the ones a crash may lose.
              n % 2 === 0 ? { kind: 'persist', key: 'n', value: n, sync: true, token: `n${n}` } : { kind: 'persist', key: `u${n}`, value: n, sync: false, token: `u${n}` },
              { kind: 'set-timer', timer: 'tick', atMs: e.nowMs + TICK_MS + randomInt(random, 50) }
            ]
          }
        }
        case 'message':
          if (e.msg.kind === 'ping') return { state: s, effects: [{ kind: 'send', to: e.from, msg: { kind: 'pong', n: e.msg.n, nonce: e.msg.nonce } }] }
          return { state: { ...s, pongs: s.pongs + 1 }, effects: [] }
        case 'persisted':
          if (e.token.startsWith('n')) return { state: { ...s, acked: Math.max(s.acked, Number(e.token.slice(1))) }, effects: [] }
          return { state: s, effects: [] }
      }
    }
  }
}

/**
 * The invariant of durability: when a node comes back, its machine restored at least the last
 * counter whose synced write had come back persisted in its previous life.
 */
export function syncedWritesSurvive (): Invariant {
  const lives = new Map<string, { incarnation: number, acked: number }>()
  return sim => {
    for (const node of sim.nodes.values()) {
      const state = node.state<EchoState>('echo')
      if (state === undefined) continue
      const life = lives.get(node.id) ?? { incarnation: node.incarnation, acked: 0 }
      if (life.incarnation !== node.incarnation && state.restored < life.acked) {
        return `${node.id} restored counter ${state.restored}, but its synced write of ${life.acked} had come back persisted`
      }
      lives.set(node.id, { incarnation: node.incarnation, acked: Math.max(state.acked, life.incarnation === node.incarnation ? life.acked : 0) })
    }
    return undefined
  }
}

export const ECHO_NODES = ['n1', 'n2', 'n3', 'n4']
export const ECHO_DURATION_MS = 30_000

export const echoScenario: Scenario = {
  name: 'echo',
  description: 'a toy machine on every core effect: synced writes survive crashes, a crash keeps a prefix of the unsynced ones',
  run: (seed, opts) => {
    const schedule = drawSchedule(new Prng(seed).fork('schedule'), ECHO_NODES, { ...DEFAULT_LIMITS, maxCrashes: 4 })
    const sim = new Simulation({ seed, nodes: ECHO_NODES, network: schedule.network, traceLines: opts.traceLines })
    for (const id of ECHO_NODES) {
      const machine = echoMachine(id, ECHO_NODES.filter(p => p !== id), sim.prng.fork(`random/${id}`).random())
      sim.node(id).add({ name: 'echo', machine })
    }
    sim.invariant('synced writes survive crashes', syncedWritesSurvive())
    sim.invariant('a crash keeps a prefix of the unsynced writes', s => {
      for (const node of s.nodes.values()) {
        const kept = node.state<EchoState>('echo')?.restoredUnsynced ?? []
        const gap = kept.findIndex((k, i) => i > 0 && k !== kept[i - 1]! + 2)
        if (gap > 0) return `${node.id} kept unsynced writes ${kept.join(',')}: not a prefix`
      }
      return undefined
    })
    applyCrashes(sim, schedule)
    sim.start()
    sim.runUntil(ECHO_DURATION_MS)
    return sim
  }
}
