// Counts the connections the admission gater refused (node/p2p/admission.ts),
// by direction. No peer id label: an outsider makes as many as it likes.
import { Counter, type Registry } from 'prom-client'
import type { RefusalDirection } from '../p2p/admission.js'

export function countRefusedConnections (registry: Registry): (peerId: string, direction: RefusalDirection) => void {
  const refused = new Counter({
    name: 'shardsig_p2p_connections_refused_total',
    help: 'libp2p connections refused because the peer is not a node of this node\'s memberships (inbound: it dialed us; outbound: we were about to dial it).',
    labelNames: ['direction'] as const,
    registers: [registry]
  })
  for (const direction of ['inbound', 'outbound'] as const) refused.inc({ direction }, 0)
  return (_peerId, direction) => { refused.inc({ direction }) }
}
