// The node's own store checks for /health: a share audit at start (before the
// node serves HTTP) and every SHARE_AUDIT_INTERVAL_MS, and a probe read of a
// record it wrote at start every STORE_PROBE_INTERVAL_MS, so that an idle node
// notices a store that fails too. What they find goes to HealthFindings.
import { randomBytes } from 'node:crypto'
import { SHARE_AUDIT_INTERVAL_MS, STORE_PROBE_INTERVAL_MS } from '../../../protocols/constants.js'
import type { Logger } from '../../log.js'
import type { KeyStore } from '../../store/index.js'
import type { HealthFindings } from './findings.js'
import { auditShares, type ShareAuditResult } from './share-audit.js'

/** The probe record: random bytes written at every start, read back by each probe. */
export const STORE_PROBE_KEY = 'health/probe'
const PROBE_BYTES = 16

export interface HealthChecksInit {
  /** The node's (instrumented) store: failures it reports to `findings` itself are counted once. */
  store: KeyStore
  findings: HealthFindings
  log: Logger
  shareAuditIntervalMs?: number
  storeProbeIntervalMs?: number
}

export interface HealthChecks {
  /** One share audit now (the timer runs them too); undefined when the store failed under it. */
  auditShares: () => Promise<ShareAuditResult | undefined>
  probeStore: () => Promise<void>
  stop: () => Promise<void>
}

/** Writes the probe record, audits the shares once, then keeps both checks running until stop(). */
export async function startHealthChecks (init: HealthChecksInit): Promise<HealthChecks> {
  const { store, findings, log } = init
  const probe = randomBytes(PROBE_BYTES)
  let running: Promise<unknown> = Promise.resolve()
  let stopped = false

  const failed = (op: string, err: unknown): void => { findings.storeFailed(op, err) }
  const probeStore = async (): Promise<void> => {
    try {
      const value = await store.get(STORE_PROBE_KEY)
      if (value === undefined) failed('probe', new Error(`the probe record ${STORE_PROBE_KEY} written at start is gone`))
      else if (Buffer.compare(Buffer.from(value), probe) !== 0) failed('probe', new Error(`the probe record ${STORE_PROBE_KEY} holds other bytes than were written at start`))
    } catch (err) {
      failed('probe', err)
    }
  }
  const audit = async (): Promise<ShareAuditResult | undefined> => {
    const startedAt = findings.now()
    try {
      const result = await auditShares(store)
      findings.shareAuditDone(result.unreadable, startedAt)
      log.debug({ readable: result.readable, unreadable: result.unreadable.length }, 'share audit done')
      return result
    } catch (err) {
      // The scan did not finish: what it found so far replaces nothing.
      failed('iterate', err)
      return undefined
    }
  }
  /** One check at a time, so that stop() can wait for the one in flight. */
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = running.then(run, run)
    running = next.catch(() => {})
    return next
  }

  try {
    await store.put(STORE_PROBE_KEY, probe)
  } catch (err) {
    failed('put', err)
  }
  const first = await serial(audit)
  if (first !== undefined) {
    const fine = first.unreadable.length === 0
    log[fine ? 'info' : 'error']({ readable: first.readable, unreadable: first.unreadable.map(s => ({ keyId: s.keyId, epoch: s.epoch })) },
      fine ? 'share audit at start: every share record authenticates' : 'share audit at start: share records do not authenticate')
  }

  const timers = [
    setInterval(() => { if (!stopped) void serial(probeStore) }, init.storeProbeIntervalMs ?? STORE_PROBE_INTERVAL_MS),
    setInterval(() => { if (!stopped) void serial(audit) }, init.shareAuditIntervalMs ?? SHARE_AUDIT_INTERVAL_MS)
  ]
  for (const t of timers) t.unref()

  return {
    auditShares: async () => await serial(audit),
    probeStore: async () => { await serial(probeStore) },
    stop: async () => {
      stopped = true
      for (const t of timers) clearInterval(t)
      await running
    }
  }
}
