// Generates a devnet folder: per node an identity, a random passphrase, a
// config and (with tls) a self-signed HTTPS certificate; one genesis; the state file. Built in a staging folder next to the
// target and renamed into place, so a failure leaves nothing half-made.
import { bytesToHex } from '@noble/hashes/utils.js'
import { mkdir, mkdtemp, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative } from 'node:path'
import { createIdentityFiles } from '../node/identity.js'
import { createTlsFiles } from '../node/tls/files.js'
import { NodeConfigFileSchema, type NodeConfigFile, type NodeConfigFileInput } from '../node/config/schema.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { GenesisSchema, assignCommittee, type Genesis, type GenesisParams } from '../protocols/wire/genesis.js'
import { DEVNET_NETWORK, IDENTITY_SCRYPT_N } from './constants.js'
import { DevnetError } from './errors.js'
import { checkHosts } from './hosts.js'
import { GENESIS_FILE, OPERATOR_KEY_FILE, httpPort, httpUrl, nodeId, nodePaths, p2pMultiaddr, p2pPort } from './layout.js'
import { writeState, type DevnetNodeRecord, type DevnetState } from './state.js'

export type LogLevel = NodeConfigFile['logLevel']

export interface GenerateOptions {
  /** Absolute path of the devnet folder; must not exist or be empty. */
  dir: string
  nodes: number
  params: GenesisParams
  basePort: number
  logLevel: LogLevel
  /** Address of node i at [i-1] (checked by checkHosts); default 127.0.0.1 for every node. */
  hosts?: readonly string[]
  /** Every node serves HTTPS with a certificate made here; the genesis lists https URLs and fingerprints. */
  tls?: boolean
}

export async function generateDevnet (opts: GenerateOptions): Promise<DevnetState> {
  await checkTargetIsFree(opts.dir)
  await mkdir(dirname(opts.dir), { recursive: true })
  const staging = await mkdtemp(join(dirname(opts.dir), `.${basename(opts.dir)}.staging-`))
  try {
    const state = await generateInto(staging, opts)
    await rmdir(opts.dir).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
    await rename(staging, opts.dir)
    return state
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
}

async function checkTargetIsFree (dir: string): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new DevnetError(`cannot use ${dir} as devnet folder: ${(err as Error).message}`)
  }
  if (entries.length > 0) {
    throw new DevnetError(`${dir} exists and is not a devnet folder (no devnet.json); choose another --dir or remove it`)
  }
}

async function generateInto (root: string, opts: GenerateOptions): Promise<DevnetState> {
  const hosts = checkHosts(opts.hosts, opts.nodes)
  const records: DevnetNodeRecord[] = []
  const genesisNodes: Genesis['nodes'] = []
  for (let index = 1; index <= opts.nodes; index++) {
    const made = await generateNodeFiles(root, index, {
      basePort: opts.basePort, host: hosts[index - 1] as string, committee: assignCommittee(index - 1, opts.params.committees), logLevel: opts.logLevel, genesisFile: join(root, GENESIS_FILE),
      ...(opts.tls === true ? { tls: true } : {})
    })
    records.push(made.record)
    genesisNodes.push(made.genesisNode)
  }

  // The operator key that signs membership updates (update_node_set); kept next to the genesis, mode 0600.
  const operatorSecret = ed25519.utils.randomSecretKey()
  await writeFile(join(root, OPERATOR_KEY_FILE), bytesToHex(operatorSecret) + '\n', { mode: 0o600, flag: 'wx' })
  const operators = [bytesToHex(ed25519.getPublicKey(operatorSecret))]
  const genesis = GenesisSchema.safeParse({ version: 1, network: DEVNET_NETWORK, epoch: 0, params: opts.params, nodes: genesisNodes, operators })
  if (!genesis.success) {
    throw new DevnetError(`generated genesis is invalid: ${genesis.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  }
  await writeFile(join(root, GENESIS_FILE), JSON.stringify(genesis.data, null, 2) + '\n')

  const state: DevnetState = {
    version: 1,
    createdAt: new Date().toISOString(),
    basePort: opts.basePort,
    params: opts.params,
    nodes: records
  }
  await writeState(root, state)
  return state
}

export interface NodeFilesOptions {
  basePort: number
  host: string
  committee: number
  logLevel: LogLevel
  /** The genesis the node's config names (absolute; written relative to the config). */
  genesisFile: string
  /** A node no epoch of that genesis names yet (devnet add-node): its config says `"join": true`. */
  join?: boolean
  /** HTTPS with a self-signed certificate for `host` (its key sealed under the node's passphrase). */
  tls?: boolean
}

/**
 * One node's folder under `root`: a random passphrase (0600), a sealed identity,
 * a config; returns its devnet record and its genesis entry.
 */
export async function generateNodeFiles (root: string, index: number, opts: NodeFilesOptions): Promise<{ record: DevnetNodeRecord, genesisNode: Genesis['nodes'][number] }> {
  const paths = nodePaths(root, index)
  await mkdir(paths.data, { recursive: true })

  const identity = await createIdentityFiles({ identityFile: paths.identity, passphraseFile: paths.passphrase }, { N: IDENTITY_SCRYPT_N })
  const tls = opts.tls === true
  const tlsFingerprint = tls
    ? await createTlsFiles({ certFile: paths.tlsCert, keyFile: paths.tlsKey }, (await readFile(paths.passphrase, 'utf8')).trim(), [opts.host], { scrypt: { N: IDENTITY_SCRYPT_N } })
    : undefined

  const { host } = opts
  const record: DevnetNodeRecord = {
    index,
    nodeId: nodeId(index),
    peerId: identity.peerId,
    committee: opts.committee,
    p2pPort: p2pPort(opts.basePort, index),
    httpPort: httpPort(opts.basePort, index),
    multiaddr: p2pMultiaddr(p2pPort(opts.basePort, index), host),
    http: httpUrl(httpPort(opts.basePort, index), host, tls),
    host,
    ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {})
  }
  const genesisNode = {
    nodeId: record.nodeId,
    peerId: record.peerId,
    multiaddrs: [record.multiaddr],
    http: record.http,
    encryptionPublicKey: bytesToHex(identity.encryptionPublicKey),
    committee: record.committee,
    ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {})
  }

  // Paths relative to the config file, so the folder can be moved as a whole.
  const config = NodeConfigFileSchema.parse({
    nodeId: record.nodeId,
    dataDir: relative(paths.dir, paths.data),
    genesis: relative(paths.dir, opts.genesisFile),
    identityFile: relative(paths.dir, paths.identity),
    passphraseFile: relative(paths.dir, paths.passphrase),
    listen: { p2p: [record.multiaddr], http: { host, port: record.httpPort } },
    logLevel: opts.logLevel,
    ...(opts.join === true ? { join: true } : {}),
    ...(tls ? { tls: { cert: relative(paths.dir, paths.tlsCert), key: relative(paths.dir, paths.tlsKey) } } : {})
  } satisfies NodeConfigFileInput)
  await writeFile(paths.config, JSON.stringify(config, null, 2) + '\n')
  return { record, genesisNode }
}
