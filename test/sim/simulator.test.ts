// The simulator itself (test/sim/): a run is a pure function of its seed, the clock orders
// events by (time, insertion), the disk keeps what durability promises and no more, the
// network drops, repeats, reorders and partitions (and cuts what a test picks), and a
// failing invariant prints a seed that replays the same failure.
import { describe, expect, it } from 'vitest'
import { VirtualClock } from './clock.js'
import { SimNetwork, type NetworkPlan } from './network.js'
import { Prng } from './prng.js'
import { replay, runBatch, runOne, type Scenario } from './scenario.js'
import { echoMachine, echoScenario, ECHO_NODES, syncedWritesSurvive, type EchoState } from './scenarios/echo.js'
import { SimStore } from './store.js'
import { InvariantViolation, Simulation, SIM_START_MS } from './simulation.js'
import { Trace } from './trace.js'

const CLEAN: NetworkPlan = { faults: { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 1 }, faultsUntilMs: Infinity, partitions: [], links: [] }

describe('Prng (sfc32)', () => {
  it('repeats its stream for a seed, differs between seeds, and forks by name', () => {
    const draw = (p: Prng): number[] => Array.from({ length: 8 }, () => p.nextUint32())
    expect(draw(new Prng(42))).toEqual(draw(new Prng(42)))
    expect(draw(new Prng(42))).not.toEqual(draw(new Prng(43)))
    const a = new Prng(42)
    a.nextUint32()
    // A fork depends on the seed and the name, not on how much of the parent was drawn.
    expect(draw(a.fork('x'))).toEqual(draw(new Prng(42).fork('x')))
    expect(draw(a.fork('x'))).not.toEqual(draw(a.fork('y')))
  })

  it('draws integers over the whole range, floats in [0, 1), bytes of the length asked', () => {
    const p = new Prng(7)
    const seen = new Set<number>()
    for (let i = 0; i < 2_000; i++) {
      const n = p.int(0, 9)
      expect(n).toBeGreaterThanOrEqual(0)
      expect(n).toBeLessThanOrEqual(9)
      seen.add(n)
      const f = p.float()
      expect(f >= 0 && f < 1).toBe(true)
    }
    expect(seen.size).toBe(10)
    expect(p.bytes(7)).toHaveLength(7)
    expect(() => new Prng(-1)).toThrow(RangeError)
  })
})

describe('VirtualClock', () => {
  it('runs events by time, and by scheduling order within one millisecond; cancelled ones never', () => {
    const clock = new VirtualClock(0)
    const ran: string[] = []
    clock.at(20, () => ran.push('b'))
    clock.at(10, () => ran.push('a'))
    clock.at(20, () => ran.push('c'))
    const cancelled = clock.at(15, () => ran.push('x'))
    cancelled.cancelled = true
    clock.at(10, () => clock.after(0, () => ran.push('a2')))
    clock.runUntil(100)
    expect(ran).toEqual(['a', 'a2', 'b', 'c'])
    expect(clock.nowMs).toBe(100)
  })
})

describe('SimStore', () => {
  it('a synced write that completed survives a crash, and so does every write before it', () => {
    const clock = new VirtualClock(0)
    const store = new SimStore(clock, new Prng(1), { minLatencyMs: 1, maxLatencyMs: 1, unsyncedKeepRate: 0 })
    const done: string[] = []
    store.write('a', 1, false, () => done.push('a'))
    store.write('b', 2, true, () => done.push('b'))
    store.write('c', 3, false, () => done.push('c'))
    clock.runUntil(10)
    expect(done).toEqual(['a', 'b', 'c'])
    expect(store.crash()).toEqual({ kept: 0, lost: 1, lostKeys: ['c'] })
    expect([...store.view()]).toEqual([['a', 1], ['b', 2]])
  })

  it('a crash keeps a prefix of what was not durable, and reports nothing written before it', () => {
    for (let seed = 0; seed < 50; seed++) {
      const clock = new VirtualClock(0)
      const store = new SimStore(clock, new Prng(seed), { minLatencyMs: 1, maxLatencyMs: 3, unsyncedKeepRate: 0.6 })
      let late = 0
      for (let i = 0; i < 6; i++) store.write(`k${i}`, i, false, () => {})
      store.write('s', 9, true, () => { late++ })
      const { kept } = store.crash()
      clock.runUntil(100)
      expect(late).toBe(0)
      expect([...store.view().keys()]).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 's'].slice(0, kept))
    }
  })

  it('a graceful exit (the store closed) keeps every write asked for, and reports none after it', () => {
    const clock = new VirtualClock(0)
    const store = new SimStore(clock, new Prng(1), { minLatencyMs: 5, maxLatencyMs: 5, unsyncedKeepRate: 0 })
    let late = 0
    store.write('a', 1, false, () => { late++ })
    store.write('b', 2, false, () => { late++ })
    expect(store.close()).toEqual({ kept: 2, lost: 0, lostKeys: [] })
    clock.runUntil(20)
    expect(late).toBe(0)
    expect([...store.durable()]).toEqual([['a', 1], ['b', 2]])
  })
})

describe('SimNetwork', () => {
  function net (plan: Partial<NetworkPlan>): { network: SimNetwork, clock: VirtualClock, got: string[], down: () => void } {
    const clock = new VirtualClock(0)
    const network = new SimNetwork(clock, new Prng(3), new Trace(), { ...CLEAN, ...plan })
    const got: string[] = []
    const b = { up: true, incarnation: 1, deliver: (from: string, wire: unknown) => { got.push(`${from}:${String(wire)}`) } }
    network.attach('a', { up: true, incarnation: 1, deliver: () => {} })
    network.attach('b', b)
    return { network, clock, got, down: () => { b.up = false } }
  }

  it('reorders, drops and repeats at the rates it is given', () => {
    const { network, clock, got } = net({ faults: { dropRate: 0.25, duplicateRate: 0.25, minDelayMs: 1, maxDelayMs: 500 } })
    for (let i = 0; i < 2_000; i++) network.send('a', 'b', i)
    clock.runUntil(1_000)
    const order = got.map(g => Number(g.split(':')[1]))
    // 75 % delivered, a quarter of those twice: ~1,875.
    expect(got.length).toBeGreaterThan(1_700)
    expect(got.length).toBeLessThan(2_050)
    expect(new Set(order).size).toBeLessThan(1_600)
    expect(order).not.toEqual([...order].sort((x, y) => x - y))
  })

  it('a partition cuts both ways for its time only; a crashed receiver gets nothing sent before', () => {
    const { network, clock, got, down } = net({ partitions: [{ fromMs: 0, untilMs: 10, side: ['b'] }] })
    network.send('a', 'b', 'cut')
    clock.runUntil(20)
    network.send('a', 'b', 'healed')
    clock.runUntil(40)
    network.send('a', 'b', 'in-flight')
    down()
    clock.runUntil(60)
    expect(got).toEqual(['a:healed'])
  })

  it('a cut drops only the messages its rule picks, until it is lifted', () => {
    const { network, clock, got } = net({})
    const lift = network.cut('odd', (_from, _to, wire) => Number(wire) % 2 === 1)
    for (const i of [1, 2, 3]) network.send('a', 'b', i)
    clock.runUntil(10)
    lift()
    network.send('a', 'b', 5)
    clock.runUntil(20)
    expect(got).toEqual(['a:2', 'a:5'])
  })
})

describe('a run is a pure function of its seed', () => {
  it('the same seed gives the same full trace; another seed another', () => {
    const first = replay(echoScenario, 1234)
    const second = replay(echoScenario, 1234)
    expect(first.trace.length).toBeGreaterThan(1_000)
    expect(second.trace).toEqual(first.trace)
    expect(replay(echoScenario, 1235).trace).not.toEqual(first.trace)
  })

  it('the simulator\'s own scenario holds on 200 schedules with crashes, partitions and lost unsynced writes', () => {
    const report = runBatch([echoScenario], 9_000, 200, () => 0)
    expect(report.failures.map(f => f.failure?.report())).toEqual([])
    // The schedules did crash nodes, and some crashes lost writes.
    const crashes = Array.from({ length: 10 }, (_, i) => replay(echoScenario, 9_000 + i).trace.filter(l => / crash \{/.test(l))).flat()
    expect(crashes.length).toBeGreaterThan(5)
    expect(crashes.some(l => !l.includes('"lost":0'))).toBe(true)
  })
})

describe('a failing invariant', () => {
  // The echo machine with a bug: it counts an unsynced write as durable.
  const careless: Scenario = {
    ...echoScenario,
    name: 'echo-careless',
    run: (seed, opts) => {
      const sim = new Simulation({ seed, nodes: ECHO_NODES, network: CLEAN, traceLines: opts.traceLines, disk: { minLatencyMs: 0, maxLatencyMs: 2, unsyncedKeepRate: 0.3 } })
      for (const id of ECHO_NODES) {
        const honest = echoMachine(id, ECHO_NODES.filter(p => p !== id), sim.prng.fork(`random/${id}`).random())
        sim.node(id).add({
          name: 'echo',
          machine: {
            restore: honest.restore,
            step: (s: EchoState, e: Parameters<typeof honest.step>[1]) => {
              const out = honest.step(s, e)
              // Persists the counter unsynced, yet acknowledges it as if synced.
              const effects = out.effects.map(f => f.kind === 'persist' ? { ...f, sync: false, key: 'n' } : f)
              const acked = e.kind === 'persisted' ? Math.max(out.state.acked, Number(e.token.slice(1))) : out.state.acked
              return { state: { ...out.state, acked }, effects }
            }
          }
        })
      }
      sim.invariant('synced writes survive crashes', syncedWritesSurvive())
      sim.at(5_000, 'crash n1', () => { sim.node('n1').crash() })
      sim.at(5_500, 'restart n1', () => { sim.node('n1').boot() })
      sim.start()
      sim.runUntil(8_000)
      return sim
    }
  }

  it('is found, reported with its seed and trace, and replays exactly from the seed', () => {
    const outcomes = Array.from({ length: 20 }, (_, i) => runOne(careless, 500 + i))
    const failed = outcomes.find(o => o.failure !== undefined)
    expect(failed, 'no seed of 20 lost an acknowledged write').toBeDefined()
    const violation = failed!.failure!
    expect(violation).toBeInstanceOf(InvariantViolation)
    expect(violation.report()).toContain(`seed ${failed!.seed}`)
    expect(violation.report()).toContain('crash')
    const again = replay(careless, failed!.seed)
    expect(again.outcome.failure?.message).toBe(violation.message)
    expect(again.outcome.failure!.atMs).toBeGreaterThan(SIM_START_MS)
  })
})
