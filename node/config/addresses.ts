// How a node's host and ports are written in configs and genesis entries:
// a libp2p TCP multiaddr and an HTTP base URL, IPv4 or IPv6.
import { isIPv6 } from 'node:net'

export function tcpMultiaddr (host: string, port: number): string {
  return `/${isIPv6(host) ? 'ip6' : 'ip4'}/${host}/tcp/${port}`
}

/** `https://…` for a node that serves TLS. */
export function httpBaseUrl (host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${isIPv6(host) ? `[${host}]` : host}:${port}`
}
