// `npm run sim -- …`: bundles the simulator's CLI (test/sim/cli.ts) with esbuild, a
// devDependency already, into a temporary file and runs it in this process. The
// simulator is test code: it stays out of tsconfig.build.json and dist/. The bundle goes
// under node_modules/.cache so that its imports of dependencies resolve as the sources' do.
import { build } from 'esbuild'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const cache = join(process.cwd(), 'node_modules', '.cache')
await mkdir(cache, { recursive: true })
const dir = await mkdtemp(join(cache, 'shardsig-sim-'))
const outfile = join(dir, 'sim.mjs')
try {
  await build({
    entryPoints: ['test/sim/cli.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies load from node_modules as they are (native addons included).
    packages: 'external',
    absWorkingDir: process.cwd(),
    logLevel: 'warning'
  })
  await import(pathToFileURL(outfile).href)
} finally {
  await rm(dir, { recursive: true, force: true })
}
