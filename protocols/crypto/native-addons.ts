// Loading the native crypto addons (sodium-native, secp256k1) and reading the
// operator's choice of backend (SHARDSIG_CRYPTO_BACKEND; decisions/0005). One
// place for both, used by FROST's group backends and the sharing layer's point checks.
import { createRequire } from 'node:module'

export const CRYPTO_BACKEND_ENV = 'SHARDSIG_CRYPTO_BACKEND'
export type BackendPreference = 'auto' | 'native' | 'noble'
const PREFERENCES: readonly BackendPreference[] = ['auto', 'native', 'noble']

// Addons are CommonJS; createRequire also works from the esbuild bundle, which keeps them external.
const require = createRequire(import.meta.url)

export function loadAddon<T> (id: string): { lib: T } | { error: string } {
  try {
    return { lib: require(id) as T }
  } catch (err) {
    return { error: `${id} did not load: ${(err as Error).message.split('\n')[0] ?? ''}` }
  }
}

/** The preference in `value` (default: the environment variable); '' is `auto`. */
export function parsePreference (value: string | undefined = process.env[CRYPTO_BACKEND_ENV]): BackendPreference {
  const v = (value ?? '').trim().toLowerCase()
  if (v === '') return 'auto'
  if ((PREFERENCES as readonly string[]).includes(v)) return v as BackendPreference
  throw new RangeError(`${CRYPTO_BACKEND_ENV}=${value} is not one of ${PREFERENCES.join(', ')}`)
}
