import { describe, expect, it } from 'vitest'
import { KeyedLock } from '../../node/engine/keyed-lock.js'

describe('KeyedLock', () => {
  it('runs three concurrent calls on one key one after another, never two at once', async () => {
    const lock = new KeyedLock()
    let running = 0
    let most = 0
    const order: number[] = []
    const job = (n: number) => async () => {
      running++
      most = Math.max(most, running)
      await new Promise(resolve => setTimeout(resolve, 10))
      order.push(n)
      running--
      return n
    }
    expect(await Promise.all([1, 2, 3].map(async n => await lock.run('k', job(n))))).toEqual([1, 2, 3])
    expect(most).toBe(1)
    expect(order).toEqual([1, 2, 3])
  })

  it('lets other keys run alongside, and a failed call does not block the next', async () => {
    const lock = new KeyedLock()
    let running = 0
    let most = 0
    const job = async (): Promise<void> => { running++; most = Math.max(most, running); await new Promise(resolve => setTimeout(resolve, 10)); running-- }
    await Promise.all([lock.run('a', job), lock.run('b', job)])
    expect(most).toBe(2)
    await expect(lock.run('a', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await lock.run('a', async () => 'after')).toBe('after')
  })
})
