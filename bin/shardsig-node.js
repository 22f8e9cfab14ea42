#!/usr/bin/env node
// Runs the bundled node entry point; `npm ci` builds it through the prepare script.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/shardsig-node.mjs', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  console.error('shardsig is not built yet: run `npm ci` (or `npm run build`) in ' + fileURLToPath(new URL('..', import.meta.url)))
  process.exit(2)
}
await import(entry.href)
