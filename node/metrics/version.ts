// The package version for shardsig_build_info: the nearest package.json named
// "shardsig" above this module, which works from the TypeScript sources, from
// dist/ and from the bundled dist/shardsig-node.mjs alike.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = 'shardsig'
/** Folders to climb at most (node/metrics/ → the repository is three up from dist/node/metrics/). */
const MAX_LEVELS = 6

export function packageVersion (from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from))
  for (let i = 0; i < MAX_LEVELS; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json here, or not one we can read: look further up
    }
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return 'unknown'
}
