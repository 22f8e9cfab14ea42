// The address each node listens on and announces in the genesis: 127.0.0.1
// unless told otherwise (`devnet genesis --hosts`, `Devnet.up({ hosts })`).
// Only IP literals: a node binds to the address, and a name would have to be
// resolved the same way on every host.
import { isIP } from 'node:net'
import { DEVNET_HOST } from './constants.js'
import { DevnetUsageError } from './errors.js'

const UNSPECIFIED = new Set(['0.0.0.0', '::'])

/** One address per node, checked; `hosts` undefined means every node on DEVNET_HOST. */
export function checkHosts (hosts: readonly string[] | undefined, nodes: number): string[] {
  if (hosts === undefined) return Array.from({ length: nodes }, () => DEVNET_HOST)
  if (hosts.length !== nodes) throw new DevnetUsageError(`give one host per node: ${nodes} nodes, ${hosts.length} hosts`)
  for (const host of hosts) {
    if (isIP(host) === 0) throw new DevnetUsageError(`host ${JSON.stringify(host)} is not an IPv4 or IPv6 address`)
    if (UNSPECIFIED.has(host)) throw new DevnetUsageError(`host ${host} cannot be dialed: give each node's own address`)
  }
  return [...hosts]
}

/** `--hosts a,b,c` as a list (spaces around commas allowed). */
export function parseHostList (text: string): string[] {
  const hosts = text.split(',').map(h => h.trim())
  if (hosts.some(h => h === '')) throw new DevnetUsageError(`--hosts is a comma-separated list of addresses, got ${JSON.stringify(text)}`)
  return hosts
}
