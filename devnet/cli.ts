// Entry of the `devnet` command (bin/devnet.js imports the compiled file).
// The polyfill must load before anything that imports libp2p.
import '../node/polyfills.js'
import { main } from './commands.js'

// `devnet status | head -1` closes our stdout early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

const interrupt = new AbortController()
// First Ctrl-C: let the running command stop cleanly (logs -f, waits); second: exit at once.
process.once('SIGINT', () => {
  interrupt.abort()
  process.once('SIGINT', () => process.exit(130))
})

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal })
