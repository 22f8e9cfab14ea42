// Where everything of a devnet lives on disk and which ports node i uses.
//   <dir>/devnet.json           state: ports, peer ids, committees
//   <dir>/genesis.json          the genesis every node loads
//   <dir>/node-<i>/config.json  node config (paths relative to it)
//   <dir>/node-<i>/passphrase   random passphrase, mode 0600
//   <dir>/node-<i>/identity.json  sealed peer key + X25519 key
//   <dir>/node-<i>/tls-cert.pem, tls-key.json  with --tls: HTTPS certificate, its key sealed
//   <dir>/node-<i>/data/        the node's store
//   <dir>/node-<i>/node.log     stdout + stderr of the node process
//   <dir>/node-<i>/node.pid     pid while the devnet thinks it runs
import { httpBaseUrl, tcpMultiaddr } from '../node/config/addresses.js'
import { join } from 'node:path'
import { DEVNET_HOST, HTTP_PORT_OFFSET } from './constants.js'

export const STATE_FILE = 'devnet.json'
export const GENESIS_FILE = 'genesis.json'
/** The devnet operator's Ed25519 secret key (hex): signs membership updates (`shardsig operator`). */
export const OPERATOR_KEY_FILE = 'operator.key'

export interface NodePaths {
  dir: string
  config: string
  passphrase: string
  identity: string
  tlsCert: string
  tlsKey: string
  data: string
  log: string
  pid: string
}

export function nodeId (index: number): string {
  return `node-${index}`
}

export function nodePaths (devnetDir: string, index: number): NodePaths {
  const dir = join(devnetDir, nodeId(index))
  return {
    dir,
    config: join(dir, 'config.json'),
    passphrase: join(dir, 'passphrase'),
    identity: join(dir, 'identity.json'),
    tlsCert: join(dir, 'tls-cert.pem'),
    tlsKey: join(dir, 'tls-key.json'),
    data: join(dir, 'data'),
    log: join(dir, 'node.log'),
    pid: join(dir, 'node.pid')
  }
}

export function p2pPort (basePort: number, index: number): number {
  return basePort + index
}

export function httpPort (basePort: number, index: number): number {
  return basePort + HTTP_PORT_OFFSET + index
}

/** `host` is an IP address literal (devnet/hosts.ts checks it); the devnet's own default is loopback. */
export function p2pMultiaddr (port: number, host: string = DEVNET_HOST): string {
  return tcpMultiaddr(host, port)
}

export function httpUrl (port: number, host: string = DEVNET_HOST, tls = false): string {
  return httpBaseUrl(host, port, tls)
}
