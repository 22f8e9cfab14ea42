// Builds a NodeConfig from a config file, the environment and command-line
// flags (flags win over the environment, which wins over the file).
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { cryptoBackendPreference } from '../crypto-backend.js'
import { ConfigError } from './errors.js'
import { NodeConfigFileSchema, type NodeConfig } from './schema.js'
import { formatZodIssues } from './format.js'

export const NODE_USAGE = `usage: shardsig-node --config FILE [options]
       shardsig-node init --dir DIR …   (a new node's files; shardsig-node init --help)
       shardsig-node check --config FILE   (verify a stopped node's store; shardsig-node check --help)

options:
  --config FILE            node config (JSON); env SHARDSIG_CONFIG
  --data-dir DIR           overrides dataDir
  --genesis FILE           overrides genesis
  --http-port PORT         overrides listen.http.port
  --passphrase-file FILE   file holding the store passphrase; env SHARDSIG_PASSPHRASE_FILE
                           (or give the passphrase itself in env SHARDSIG_PASSPHRASE)
  --log-level LEVEL        fatal|error|warn|info|debug|trace|silent; env SHARDSIG_LOG_LEVEL
  -h, --help               this text

environment:
  SHARDSIG_CRYPTO_BACKEND  auto (default) | native | noble: FROST's group libraries (docs/decisions/0005)`

export interface LoadedArgs { help: boolean, config?: NodeConfig }

/** String flags, `switches` (boolean) and -h/--help, strictly: an unknown flag is a ConfigError that ends with `usage`. */
export function parseFlags (argv: string[], names: readonly string[], usage: string, switches: readonly string[] = []): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        ...Object.fromEntries(names.map(n => [n, { type: 'string' as const }])),
        ...Object.fromEntries(switches.map(n => [n, { type: 'boolean' as const }])),
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${usage}`)
  }
}

export async function loadNodeConfig (argv: string[], env: NodeJS.ProcessEnv): Promise<LoadedArgs> {
  const values = parseFlags(argv, ['config', 'data-dir', 'genesis', 'http-port', 'passphrase-file', 'log-level'], NODE_USAGE)
  if (values.help === true) return { help: true }

  const configPath = str(values.config) ?? env.SHARDSIG_CONFIG
  if (configPath === undefined) throw new ConfigError(`no config file given (--config or SHARDSIG_CONFIG)\n${NODE_USAGE}`)
  const absConfig = resolve(configPath)
  const base = dirname(absConfig)
  const raw = await readJson(absConfig)

  const overridden = raw as Record<string, unknown>
  const dataDir = str(values['data-dir'])
  if (dataDir !== undefined) overridden.dataDir = resolve(dataDir)
  const genesis = str(values.genesis)
  if (genesis !== undefined) overridden.genesis = resolve(genesis)
  const logLevel = str(values['log-level']) ?? env.SHARDSIG_LOG_LEVEL
  if (logLevel !== undefined) overridden.logLevel = logLevel
  const httpPort = str(values['http-port'])
  if (httpPort !== undefined) {
    const listen = (overridden.listen ?? {}) as Record<string, unknown>
    const http = (listen.http ?? {}) as Record<string, unknown>
    http.port = Number(httpPort)
    listen.http = http
    overridden.listen = listen
  }

  const parsed = NodeConfigFileSchema.safeParse(overridden)
  if (!parsed.success) throw new ConfigError(`config ${absConfig} is invalid: ${formatZodIssues(parsed.error)}`)
  const file = parsed.data
  const at = (p: string): string => isAbsolute(p) ? p : join(base, p)

  // Flags win over the environment, which wins over the config file.
  const flagFile = str(values['passphrase-file']) ?? env.SHARDSIG_PASSPHRASE_FILE
  if (flagFile === undefined && env.SHARDSIG_PASSPHRASE === '') throw new ConfigError('SHARDSIG_PASSPHRASE is set but empty')
  const passphrase = flagFile !== undefined
    ? await readPassphraseFile(resolve(flagFile))
    : env.SHARDSIG_PASSPHRASE ?? (file.passphraseFile !== undefined ? await readPassphraseFile(at(file.passphraseFile)) : undefined)
  if (passphrase === undefined) {
    throw new ConfigError('no passphrase given: set SHARDSIG_PASSPHRASE, or SHARDSIG_PASSPHRASE_FILE / --passphrase-file / passphraseFile in the config')
  }

  const cryptoBackend = cryptoBackendPreference(env)
  const dataDirAbs = at(file.dataDir)
  return {
    help: false,
    config: {
      nodeId: file.nodeId,
      dataDir: dataDirAbs,
      genesisPath: at(file.genesis),
      identityFile: file.identityFile !== undefined ? at(file.identityFile) : join(dataDirAbs, 'identity.json'),
      passphrase,
      listen: file.listen,
      logLevel: file.logLevel,
      join: file.join,
      ...(file.tls !== undefined ? { tls: { certFile: at(file.tls.cert), keyFile: at(file.tls.key) } } : {}),
      limits: file.limits ?? {},
      cryptoBackend
    }
  }
}

function str (v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}

async function readJson (path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`)
  }
}

async function readPassphraseFile (path: string): Promise<string> {
  let passphrase: string
  try {
    // A trailing newline from `echo secret > file` is not part of the passphrase.
    passphrase = (await readFile(path, 'utf8')).replace(/\r?\n$/, '')
  } catch (err) {
    throw new ConfigError(`cannot read passphrase file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  if (passphrase.length === 0) throw new ConfigError(`passphrase file ${path} is empty`)
  return passphrase
}

export { readJson }
