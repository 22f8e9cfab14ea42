// The passes of a resharing run (node/engine/lifecycle/reshare-passes.ts): keys dealt while the
// update is pending are taken by a later pass, a failed key is not tried again in the run, and a
// run ends when a pass finds nothing new. Each key's resharing here is a step the test scripts.
import { describe, expect, it } from 'vitest'
import { reshareInPasses, type ResharePassesInit } from '../../node/engine/lifecycle/reshare-passes.js'

/** A run over `keys` (the candidates: usable, no entry yet); `onKey` scripts what resharing each key does. */
function run (keys: string[], onKey: (keyId: string, world: { keys: Set<string>, startAgain: () => void }) => void, concurrentKeys = 1): { passes: Array<[number, number]>, order: string[], result: ReturnType<typeof reshareInPasses> } {
  const candidates = new Set(keys)
  let again = true
  const passes: Array<[number, number]> = []
  const order: string[] = []
  const init: ResharePassesInit = {
    candidates: () => [...candidates],
    takeAgain: () => { const was = again; again = false; return was },
    reshareKey: async keyId => {
      order.push(keyId)
      onKey(keyId, { keys: candidates, startAgain: () => { again = true } })
      if (keyId.startsWith('bad')) throw new Error(`${keyId}: no quorum`)
      candidates.delete(keyId) // its entry is confirmed: no longer a candidate
    },
    concurrentKeys,
    rest: async () => {},
    now: () => 0,
    onPass: (pass, n) => { passes.push([pass, n]) },
    onKeyFailed: () => {}
  }
  return { passes, order, result: reshareInPasses(init) }
}

describe('resharing passes', () => {
  it('a key dealt while the first pass runs is reshared by a second pass', async () => {
    const r = run(['a', 'b'], (k, w) => { if (k === 'a') w.keys.add('late') })
    const { tried, failed } = await r.result
    expect(r.passes).toEqual([[1, 2], [2, 1]])
    expect(r.order).toEqual(['a', 'b', 'late'])
    expect([...tried].sort()).toEqual(['a', 'b', 'late'])
    expect(failed.size).toBe(0)
  })

  it('a key dealt while the run is under way and announced by starting the coordinator again is taken', async () => {
    let announced = false
    const r = run(['a'], (k, w) => { if (k === 'a' && !announced) { announced = true; w.keys.add('late'); w.startAgain() } })
    await r.result
    expect(r.order).toEqual(['a', 'late'])
  })

  it('a key that failed is not tried again in the run, and the run ends', async () => {
    const r = run(['bad-1', 'a'], () => {})
    const { failed } = await r.result
    expect(r.order).toEqual(['bad-1', 'a'])
    expect([...failed]).toEqual([['bad-1', 'bad-1: no quorum']])
    expect(r.passes).toEqual([[1, 2]])
  })

  it('with several keys at once every key is reshared exactly once', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`)
    const r = run(keys, (k, w) => { if (k === 'k3') w.keys.add('late') }, 3)
    await r.result
    expect([...r.order].sort()).toEqual([...keys, 'late'].sort())
  })

  it('a run started with nothing to reshare does nothing', async () => {
    const r = run([], () => {})
    const { tried } = await r.result
    expect(tried.size).toBe(0)
    expect(r.passes).toEqual([])
  })
})
