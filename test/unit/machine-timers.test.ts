// MachineTimers (node/engine/machine-timers.ts) on vitest's fake timers, with the node's clock
// as a separate value: a timer fires once its clock reaches its time, never before, even when
// setTimeout runs early against that clock (as Node's does by up to 1 ms).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MachineTimers } from '../../node/engine/machine-timers.js'

describe('MachineTimers', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('a timer whose setTimeout runs before the clock reaches its time is set again, and fires once it does', () => {
    let clock = 1_000
    const fired: Array<[string, number]> = []
    const timers = new MachineTimers(t => fired.push([t, clock]), () => clock)
    timers.set('round', 1_010)
    // setTimeout's 10 ms pass, but the node's clock is 1 ms behind (an early firing).
    clock = 1_009
    vi.advanceTimersByTime(10)
    expect(fired).toEqual([])
    clock = 1_010
    vi.advanceTimersByTime(1)
    expect(fired).toEqual([['round', 1_010]])
    vi.advanceTimersByTime(100)
    expect(fired).toHaveLength(1)
  })

  it('a second set moves a timer; cancel and clear stop them', () => {
    let clock = 0
    const fired: string[] = []
    const timers = new MachineTimers(t => fired.push(t), () => clock)
    timers.set('a', 10)
    timers.set('a', 30)
    timers.set('b', 20)
    timers.set('c', 20)
    timers.cancel('b')
    clock = 20
    vi.advanceTimersByTime(20)
    expect(fired).toEqual(['c'])
    timers.clear()
    clock = 40
    vi.advanceTimersByTime(20)
    expect(fired).toEqual(['c'])
  })
})
