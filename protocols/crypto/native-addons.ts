// Loading the native crypto addons (sodium-native, secp256k1) and reading an operator's
// choice of backend from a string (decisions/0005). The node reads that string from its
// environment (node/config); nothing here looks at the process. One place for both, used by
// FROST's group backends and the sharing layer's point checks.
import { createRequire } from 'node:module'

export type BackendPreference = 'auto' | 'native' | 'noble'
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'native', 'noble']

// Addons are CommonJS; createRequire also works from the esbuild bundle, which keeps them external.
const require = createRequire(import.meta.url)

export function loadAddon<T> (id: string): { lib: T } | { error: string } {
  try {
    return { lib: require(id) as T }
  } catch (err) {
    return { error: `${id} did not load: ${(err as Error).message.split('\n')[0] ?? ''}` }
  }
}

/** The preference `value` names; undefined or '' is `auto`. Throws `RangeError` for anything else. */
export function parsePreference (value: string | undefined): BackendPreference {
  const v = (value ?? '').trim().toLowerCase()
  if (v === '') return 'auto'
  if ((BACKEND_PREFERENCES as readonly string[]).includes(v)) return v as BackendPreference
  throw new RangeError(`crypto backend ${JSON.stringify(value)} is not one of ${BACKEND_PREFERENCES.join(', ')}`)
}
