// The crypto backend is the node's choice, made once at start (decisions/0005): the operator's
// preference from SHARDSIG_CRYPTO_BACKEND (auto | native | noble) selects the group libraries,
// and the one Frost built on them is passed to everything that signs or verifies with FROST.
import { createFrost, parsePreference, selectBackend, type BackendPreference, type Frost } from '../protocols/frost/index.js'
import { ConfigError } from './config/errors.js'

export const CRYPTO_BACKEND_ENV = 'SHARDSIG_CRYPTO_BACKEND'

/** The preference the environment names (unset or empty: `auto`); a ConfigError for anything else. */
export function cryptoBackendPreference (env: Readonly<Record<string, string | undefined>>): BackendPreference {
  try {
    return parsePreference(env[CRYPTO_BACKEND_ENV])
  } catch (err) {
    throw new ConfigError(`${CRYPTO_BACKEND_ENV}: ${(err as Error).message}`)
  }
}

/** A Frost on the backend `preference` selects; `native` throws (naming the variable) when an addon does not load. */
export function frostFor (preference: BackendPreference = 'auto'): Frost {
  try {
    return createFrost(selectBackend(preference))
  } catch (err) {
    throw new ConfigError(`${CRYPTO_BACKEND_ENV}=${preference}: ${(err as Error).message}`)
  }
}
