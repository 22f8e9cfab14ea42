// `shardsig-node init`: the files of one new node outside a devnet — a sealed
// identity, its passphrase, a self-signed HTTPS certificate and its sealed key,
// the network's genesis and a joining config — and the genesis entry an operator
// adds to the next membership update (docs/runbook.md §11, adding a node on its
// own host).
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { GenesisNode } from '../protocols/wire/genesis.js'
import { httpBaseUrl, tcpMultiaddr } from './config/addresses.js'
import { ConfigError } from './config/errors.js'
import { loadGenesis } from './config/genesis.js'
import { parseFlags } from './config/load.js'
import { NodeConfigFileSchema, type NodeConfigFileInput } from './config/schema.js'
import { createIdentityFiles } from './identity.js'
import { createTlsFiles } from './tls/files.js'

// What `devnet genesis --hosts` gives node 1 of a host (docs/deploy.md).
const DEFAULT_P2P_PORT = 7101
const DEFAULT_HTTP_PORT = 7201
/** The node's HTTPS certificate (PEM) and its key (sealed under the passphrase), in its folder. */
export const TLS_CERT_FILE = 'tls-cert.pem'
export const TLS_KEY_FILE = 'tls-key.json'

export const INIT_USAGE = `usage: shardsig-node init --dir DIR --node-id ID --committee K --host ADDR --genesis FILE [options]

Writes a new node's files into DIR (which must not hold a node yet) and prints the
genesis entry to add to the next membership update (shardsig operator update-node-set).

  --dir DIR            folder for the node: config.json, identity.json, passphrase, tls-cert.pem,
                       tls-key.json (sealed), genesis.json, data/
  --node-id ID         the node's id in the network (not one the genesis already names)
  --committee K        the committee it joins, 1..committees
  --host ADDR          the IP address other nodes reach it at (IPv4 or IPv6)
  --genesis FILE       the network's current genesis (GET /genesis of any node)
  --p2p-port PORT      libp2p TCP port (default ${DEFAULT_P2P_PORT})
  --http-port PORT     HTTP API port (default ${DEFAULT_HTTP_PORT})
  --listen-host ADDR   address to listen on (default: --host)
  --no-tls             serve plain HTTP: no certificate, an http:// URL and no tlsFingerprint in the
                       entry (default: HTTPS with a self-signed certificate for --host, whose
                       fingerprint the entry lists; to use your own, set "tls" in config.json and
                       put its fingerprint in the entry)
  -h, --help           this text`

export interface InitOptions {
  dir: string
  nodeId: string
  committee: number
  host: string
  genesisFile: string
  p2pPort?: number
  httpPort?: number
  listenHost?: string
  /** Default true: a self-signed certificate, an https:// URL and its tlsFingerprint in the entry. */
  tls?: boolean
}

function port (value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`${flag} must be a port 1..65535, got ${JSON.stringify(value)}`)
  return n
}

/** Parses `init`'s arguments; undefined for --help. Throws ConfigError naming the bad flag. */
export function parseInitArgs (argv: string[]): InitOptions | undefined {
  const values = parseFlags(argv, ['dir', 'node-id', 'committee', 'host', 'genesis', 'p2p-port', 'http-port', 'listen-host'], INIT_USAGE, ['no-tls'])
  if (values.help === true) return undefined
  const need = (flag: string): string => {
    const v = values[flag]
    if (typeof v !== 'string' || v === '') throw new ConfigError(`--${flag} is required\n${INIT_USAGE}`)
    return v
  }
  const committee = Number(need('committee'))
  if (!Number.isInteger(committee) || committee < 1) throw new ConfigError(`--committee must be an integer >= 1, got ${JSON.stringify(values.committee)}`)
  const host = need('host')
  if (isIP(host) === 0) throw new ConfigError(`--host must be an IP address, got ${JSON.stringify(host)}`)
  const listenHost = typeof values['listen-host'] === 'string' ? values['listen-host'] : undefined
  if (listenHost !== undefined && isIP(listenHost) === 0) throw new ConfigError(`--listen-host must be an IP address, got ${JSON.stringify(listenHost)}`)
  return {
    dir: need('dir'),
    nodeId: need('node-id'),
    committee,
    host,
    genesisFile: need('genesis'),
    p2pPort: port(values['p2p-port'] as string | undefined, DEFAULT_P2P_PORT, '--p2p-port'),
    httpPort: port(values['http-port'] as string | undefined, DEFAULT_HTTP_PORT, '--http-port'),
    listenHost,
    tls: values['no-tls'] !== true
  }
}

/**
 * Writes the node's folder and returns its genesis entry. The config has
 * `"join": true`: started, the node waits as a joining node until an update that
 * adds this entry is activated. Refuses a folder that already holds a node, a node
 * id the genesis names, and a committee the genesis does not have.
 */
export async function initNodeFolder (opts: InitOptions): Promise<GenesisNode> {
  const genesis = await loadGenesis(opts.genesisFile)
  if (genesis.nodes.some(n => n.nodeId === opts.nodeId)) throw new ConfigError(`node id ${opts.nodeId} is already in the genesis (epoch ${genesis.epoch}): choose another`)
  if (opts.committee > genesis.params.committees) throw new ConfigError(`--committee ${opts.committee}: the network has ${genesis.params.committees} committees`)
  const p2pPort = opts.p2pPort ?? DEFAULT_P2P_PORT
  const httpPort = opts.httpPort ?? DEFAULT_HTTP_PORT
  const listenHost = opts.listenHost ?? opts.host

  await mkdir(join(opts.dir, 'data'), { recursive: true })
  // A folder that already holds a node is never overwritten (its identity would be lost).
  const identity = await createIdentityFiles({ identityFile: join(opts.dir, 'identity.json'), passphraseFile: join(opts.dir, 'passphrase') })
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new ConfigError(`${opts.dir} already holds a node (passphrase exists): use an empty folder`)
      throw err
    })
  const tls = opts.tls !== false
  // The key is sealed under the passphrase, like the identity; the certificate names --host (the address clients use).
  const tlsFingerprint = tls
    ? await createTlsFiles({ certFile: join(opts.dir, TLS_CERT_FILE), keyFile: join(opts.dir, TLS_KEY_FILE) },
      (await readFile(join(opts.dir, 'passphrase'), 'utf8')).trim(), [opts.host])
    : undefined
  await copyFile(opts.genesisFile, join(opts.dir, 'genesis.json'))
  const config = NodeConfigFileSchema.parse({
    nodeId: opts.nodeId,
    dataDir: 'data',
    genesis: 'genesis.json',
    identityFile: 'identity.json',
    passphraseFile: 'passphrase',
    listen: { p2p: [tcpMultiaddr(listenHost, p2pPort)], http: { host: listenHost, port: httpPort } },
    join: true,
    ...(tls ? { tls: { cert: TLS_CERT_FILE, key: TLS_KEY_FILE } } : {})
  } satisfies NodeConfigFileInput)
  await writeFile(join(opts.dir, 'config.json'), JSON.stringify(config, null, 2) + '\n', { flag: 'wx' })
  const entry: GenesisNode = {
    nodeId: opts.nodeId,
    peerId: identity.peerId,
    multiaddrs: [tcpMultiaddr(opts.host, p2pPort)],
    http: httpBaseUrl(opts.host, httpPort, tls),
    encryptionPublicKey: bytesToHex(identity.encryptionPublicKey),
    committee: opts.committee,
    ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {})
  }
  await writeFile(join(opts.dir, 'genesis-entry.json'), JSON.stringify(entry, null, 2) + '\n', { flag: 'wx' })
  return entry
}
