// Bundles the node process entry into one file (dist/shardsig-node.mjs): a node
// then starts in ~0.4 s instead of ~1.1 s of module loading, which matters when
// a devnet starts nine of them on two cores. See docs/decisions/0003-node-runtime.md.
import { build } from 'esbuild'

await build({
  entryPoints: ['dist/node/main.js'],
  outfile: 'dist/shardsig-node.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // classic-level loads its native addon relative to its own package folder.
  external: ['classic-level'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __shardsigCreateRequire } from 'node:module'; const require = __shardsigCreateRequire(import.meta.url);" },
  logLevel: 'warning'
})
