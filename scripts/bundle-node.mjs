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
  // Native addons load their binaries relative to their own package folders: classic-level (the
  // store), sodium-native and secp256k1 (FROST group operations, protocols/frost/group/select.ts).
  external: ['classic-level', 'sodium-native', 'secp256k1'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __shardsigCreateRequire } from 'node:module'; const require = __shardsigCreateRequire(import.meta.url);" },
  logLevel: 'warning'
})
