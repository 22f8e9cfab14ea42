// shardsig_health_degraded{reason}: 1 while /health says `degraded` for that
// reason, else 0; read at scrape time from the same assessment /health answers.
import { Gauge, type Registry } from 'prom-client'
import { HEALTH_REASON_CODES, type HealthReason, type HealthStatus } from '../../protocols/wire/http.js'

export function registerHealthGauges (registry: Registry, health: () => { status: HealthStatus, reasons: readonly HealthReason[] }): void {
  new Gauge({
    name: 'shardsig_health_degraded',
    help: '1 while this node\'s /health is degraded for this reason (peers, store, shares), else 0 (also while it is starting).',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect () {
      const { status, reasons } = health()
      for (const reason of HEALTH_REASON_CODES) this.set({ reason }, status === 'degraded' && reasons.some(r => r.code === reason) ? 1 : 0)
    }
  })
}
