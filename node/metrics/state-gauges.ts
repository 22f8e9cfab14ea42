// Gauges read at scrape time from the parts that hold the state: liveness and
// connections (the network view, libp2p), the CM's unfinished requests, and the
// direct-protocol streams open on libp2p's connections.
import type { Libp2p } from '@libp2p/interface'
import { Gauge, type Registry } from 'prom-client'
import { PROTOCOL_NEW_USER, PROTOCOL_PARTY, PROTOCOL_REGISTRY_SYNC, PROTOCOL_SIGN } from '../../protocols/constants.js'
import type { Genesis } from '../../protocols/wire/genesis.js'

/** The protocols of node/p2p/direct.ts; streams of other protocols (gossipsub, identify, ping) are not counted. */
export const DIRECT_PROTOCOLS = [PROTOCOL_PARTY, PROTOCOL_SIGN, PROTOCOL_NEW_USER, PROTOCOL_REGISTRY_SYNC] as const

export interface StateSources {
  genesis: Genesis
  selfPeerId: string
  /** Genesis peers heard from within the liveness window, ourselves included. */
  liveSet: () => ReadonlySet<string>
  libp2p: Pick<Libp2p, 'getConnections'>
  /** Unfinished sign requests this node coordinates as a CM. */
  pendingSignRequests: () => number
}

export function registerStateGauges (registry: Registry, sources: StateSources): void {
  const { genesis, selfPeerId } = sources
  const registers = [registry]
  const members = new Set(genesis.nodes.map(n => n.peerId))

  new Gauge({
    name: 'shardsig_peers_live',
    help: 'Other genesis nodes this node heard a heartbeat from within the liveness window.',
    registers,
    collect () { this.set([...sources.liveSet()].filter(p => p !== selfPeerId).length) }
  })
  new Gauge({
    name: 'shardsig_peers_connected',
    help: 'Other genesis nodes this node holds a libp2p connection to.',
    registers,
    collect () {
      this.set(new Set(sources.libp2p.getConnections().map(c => c.remotePeer.toString()).filter(p => members.has(p) && p !== selfPeerId)).size)
    }
  })
  new Gauge({
    name: 'shardsig_committee_members_live',
    help: 'Live members of each committee as this node sees them (itself included); below tm the committee cannot sign.',
    labelNames: ['committee'] as const,
    registers,
    collect () {
      const live = sources.liveSet()
      for (let c = 1; c <= genesis.params.committees; c++) {
        this.set({ committee: String(c) }, genesis.nodes.filter(n => n.committee === c && live.has(n.peerId)).length)
      }
    }
  })
  const params = new Gauge({
    name: 'shardsig_genesis_param',
    help: 'The network parameters of the genesis: committees, tc (committees per signature), tm (members per committee), managers, nodes.',
    labelNames: ['param'] as const,
    registers
  })
  const { committees, tc, tm, managers } = genesis.params
  for (const [param, value] of Object.entries({ committees, tc, tm, managers, nodes: genesis.nodes.length })) params.set({ param }, value)
  new Gauge({
    name: 'shardsig_sign_pending_requests',
    help: 'Sign requests this node coordinates as a CM that are not finished yet.',
    registers,
    collect () { this.set(sources.pendingSignRequests()) }
  })
  new Gauge({
    name: 'shardsig_direct_streams_open',
    help: 'Direct-protocol streams open on this node\'s connections, by protocol and direction (inbound: a peer asked us).',
    labelNames: ['protocol', 'direction'] as const,
    registers,
    collect () {
      const counts = new Map<string, number>()
      for (const conn of sources.libp2p.getConnections()) {
        for (const s of conn.streams) {
          const key = `${s.protocol}\n${s.direction}`
          counts.set(key, (counts.get(key) ?? 0) + 1)
        }
      }
      for (const protocol of DIRECT_PROTOCOLS) {
        for (const direction of ['inbound', 'outbound'] as const) this.set({ protocol, direction }, counts.get(`${protocol}\n${direction}`) ?? 0)
      }
    }
  })
}
