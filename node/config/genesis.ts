// Reads and validates the genesis file named in the config.
import { GenesisSchema, type Genesis } from '../../protocols/wire/genesis.js'
import { ConfigError } from './errors.js'
import { formatZodIssues } from './format.js'
import { readJson } from './load.js'

export async function loadGenesis (path: string): Promise<Genesis> {
  const raw = await readJson(path)
  const parsed = GenesisSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(`genesis ${path} is invalid: ${formatZodIssues(parsed.error)}`)
  return parsed.data
}
