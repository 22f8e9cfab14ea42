// How a node's host and ports are written in configs and genesis entries:
// a libp2p TCP multiaddr and an HTTP base URL, IPv4 or IPv6.
import { isIPv6 } from 'node:net'

export function tcpMultiaddr (host: string, port: number): string {
  return `/${isIPv6(host) ? 'ip6' : 'ip4'}/${host}/tcp/${port}`
}

export function httpBaseUrl (host: string, port: number): string {
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`
}
