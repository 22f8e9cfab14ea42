// `shardsig-node check`: verifies a stopped node's store offline, as the node
// would open it (LevelDB's recovery report, passphrase, write counter), then
// opens every record. Prints counts per key prefix and every record that does
// not open, by key; never a value.
import { join } from 'node:path'
import { ConfigError } from './config/errors.js'
import { loadNodeConfig, parseFlags } from './config/load.js'
import type { NodeConfig } from './config/schema.js'
import { auditStore, type StoreAudit } from './store/index.js'

export const CHECK_USAGE = `usage: shardsig-node check --config FILE [--passphrase-file FILE] [--data-dir DIR]

Verifies the store of a stopped node (a running node holds its lock) and exits 0
if it is whole: LevelDB reported no corruption when recovering it, its write
counter is not behind its counter file, and every record opens under the key.
Exits 3 otherwise, 2 for a problem with the config, passphrase or lock.
A store made before the write counter gets one, as the node would at start.

  --config FILE            the node's config (JSON); env SHARDSIG_CONFIG
  --passphrase-file FILE   as for the node; env SHARDSIG_PASSPHRASE_FILE or SHARDSIG_PASSPHRASE
  --data-dir DIR           overrides dataDir
  -h, --help               this text`

const CHECK_FLAGS = ['config', 'passphrase-file', 'data-dir'] as const

/** Parses `check`'s arguments into the node's config (same sources as the node); undefined for --help. */
export async function parseCheckArgs (argv: string[], env: NodeJS.ProcessEnv): Promise<NodeConfig | undefined> {
  const values = parseFlags(argv, CHECK_FLAGS, CHECK_USAGE)
  if (values.help === true) return undefined
  if (typeof values.config !== 'string' && env.SHARDSIG_CONFIG === undefined) throw new ConfigError(`--config is required\n${CHECK_USAGE}`)
  // The flags are a subset of the node's, so the passphrase comes from exactly where the node takes it.
  const loaded = await loadNodeConfig(argv, env)
  if (loaded.config === undefined) throw new ConfigError(CHECK_USAGE)
  return loaded.config
}

/** The node's store: the path node/node.ts opens. */
export function storePathOf (config: Pick<NodeConfig, 'dataDir'>): string {
  return join(config.dataDir, 'store')
}

export async function checkNodeStore (config: NodeConfig): Promise<StoreAudit> {
  return await auditStore({ path: storePathOf(config), passphrase: config.passphrase })
}

/** The report, one line each; record keys as JSON strings (the store's own start with \\u0000). */
export function formatAudit (audit: StoreAudit): string[] {
  const width = Math.max(...audit.prefixes.map(p => JSON.stringify(p.prefix).length))
  return [
    `store ${audit.path}: LevelDB recovery clean; write counter ${audit.storeCounter}, counter file ${audit.counterPath} at ${audit.fileCounter}`,
    ...audit.prefixes.map(p => `  ${JSON.stringify(p.prefix).padEnd(width)}  ${p.records} record(s)${p.failed > 0 ? `, ${p.failed} do not open` : ''}`),
    ...audit.failures.map(f => `FAILED ${f.reason}`),
    audit.failures.length === 0
      ? `${audit.records} record(s), all open`
      : `${audit.records} record(s), ${audit.failures.length} do not open`
  ]
}
