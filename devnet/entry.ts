// Finds the program the devnet runs for each node: bin/shardsig-node.js of
// this checkout, which needs the bundled dist/shardsig-node.mjs. Works both from
// dist/devnet/*.js and from devnet/*.ts (tests run the sources).
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DevnetError } from './errors.js'

const PACKAGE_NAME = 'shardsig'

export function findRepoRoot (from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from)
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir
      } catch {}
    }
    const parent = dirname(dir)
    if (parent === dir) throw new DevnetError(`cannot find the ${PACKAGE_NAME} checkout above ${from}`)
    dir = parent
  }
}

/** The script to run for a node; `override` (absolute or relative to cwd) replaces bin/shardsig-node.js. */
export function resolveNodeEntry (override?: string): string {
  if (override !== undefined) {
    const entry = resolve(override)
    if (!existsSync(entry)) throw new DevnetError(`node entry ${entry} does not exist`)
    return entry
  }
  const root = findRepoRoot()
  const compiled = join(root, 'dist', 'shardsig-node.mjs')
  if (!existsSync(compiled)) throw new DevnetError(`the node is not built (${compiled} is missing): run \`npm run build\` in ${root}`)
  return join(root, 'bin', 'shardsig-node.js')
}
