// When a CM finishing another manager's session gives the request up to a
// manager the session's members count (coordinator.ts, sendOn).
import { describe, expect, it } from 'vitest'
import { NOT_A_MANAGER_PATIENCE_MS, RefusedAsManager } from '../../node/engine/sign/finish-other-session.js'

describe('RefusedAsManager', () => {
  it('gives up at once when the CM is no manager in its own view either', () => {
    expect(new RefusedAsManager().giveUp(true, false, 0)).toBe(true)
  })

  it('waits out views that settle while the CM still counts itself a manager', () => {
    const refused = new RefusedAsManager()
    expect(refused.giveUp(true, true, 1_000)).toBe(false)
    expect(refused.giveUp(true, true, 1_000 + NOT_A_MANAGER_PATIENCE_MS - 1)).toBe(false)
    expect(refused.giveUp(true, true, 1_000 + NOT_A_MANAGER_PATIENCE_MS)).toBe(true)
  })

  it('starts the wait again when the members stop refusing', () => {
    const refused = new RefusedAsManager()
    expect(refused.giveUp(true, true, 0)).toBe(false)
    expect(refused.giveUp(false, true, NOT_A_MANAGER_PATIENCE_MS)).toBe(false)
    expect(refused.giveUp(true, true, NOT_A_MANAGER_PATIENCE_MS + 1)).toBe(false)
    expect(refused.giveUp(true, true, 2 * NOT_A_MANAGER_PATIENCE_MS)).toBe(false)
    expect(refused.giveUp(true, true, 2 * NOT_A_MANAGER_PATIENCE_MS + 1)).toBe(true)
  })

  it('never gives up while no member refuses', () => {
    expect(new RefusedAsManager().giveUp(false, false, 0)).toBe(false)
  })
})
