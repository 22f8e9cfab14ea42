// When a CM finishing another manager's session gives the request up to a manager the
// session's members count (protocols/sign/machine/coordinator-recovery.ts, roleLost).
import { describe, expect, it } from 'vitest'
import { NOT_A_MANAGER_PATIENCE_MS } from '../../protocols/constants.js'
import { roleLost } from '../../protocols/sign/machine/coordinator-recovery.js'

/** Rounds of (refused, still a manager, at): whether the last one gives up, carrying `since` along as the machine does. */
function giveUp (...rounds: Array<[boolean, boolean, number]>): boolean[] {
  let since: number | undefined
  return rounds.map(([refused, manager, at]) => {
    const r = roleLost(refused, manager, since, at)
    since = r.since
    return r.giveUp
  })
}

describe('roleLost', () => {
  it('gives up at once when the CM is no manager in its own view either', () => {
    expect(giveUp([true, false, 0])).toEqual([true])
  })

  it('waits out views that settle while the CM still counts itself a manager', () => {
    expect(giveUp([true, true, 1_000], [true, true, 1_000 + NOT_A_MANAGER_PATIENCE_MS - 1], [true, true, 1_000 + NOT_A_MANAGER_PATIENCE_MS])).toEqual([false, false, true])
  })

  it('starts the wait again when the members stop refusing', () => {
    expect(giveUp(
      [true, true, 0], [false, true, NOT_A_MANAGER_PATIENCE_MS], [true, true, NOT_A_MANAGER_PATIENCE_MS + 1],
      [true, true, 2 * NOT_A_MANAGER_PATIENCE_MS], [true, true, 2 * NOT_A_MANAGER_PATIENCE_MS + 1]
    )).toEqual([false, false, false, false, true])
  })

  it('never gives up while no member refuses', () => {
    expect(giveUp([false, false, 0])).toEqual([false])
  })
})
