import { describe, expect, it } from 'vitest'
import { Semaphore } from '../../node/engine/sign/semaphore.js'

describe('Semaphore', () => {
  it('lets at most `size` holders in and serves waiters in arrival order', async () => {
    const s = new Semaphore(2)
    const never = new AbortController().signal
    const r1 = await s.acquire(never)
    const r2 = await s.acquire(never)
    const order: number[] = []
    const w3 = s.acquire(never).then(r => { order.push(3); return r })
    const w4 = s.acquire(never).then(r => { order.push(4); return r })
    await Promise.resolve()
    expect(order).toEqual([])
    r1()
    r1() // a second release of the same slot changes nothing
    const r3 = await w3
    expect(order).toEqual([3])
    r2()
    await w4
    expect(order).toEqual([3, 4])
    r3()
  })

  it('gives up a wait when its signal fires, without taking a slot', async () => {
    const s = new Semaphore(1)
    const r1 = await s.acquire(new AbortController().signal)
    const controller = new AbortController()
    const waiting = s.acquire(controller.signal)
    controller.abort(new Error('deadline'))
    await expect(waiting).rejects.toThrow('deadline')
    r1()
    const r2 = await s.acquire(AbortSignal.timeout(100))
    r2()
  })
})
