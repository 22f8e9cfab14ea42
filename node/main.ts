// The shardsig-node process: reads its config, starts the node, and stops it
// cleanly on SIGTERM/SIGINT. Problems the operator must fix end with one line
// on stderr and a non-zero exit, not a stack trace.
import './polyfills.js'
import { PortInUseError } from './api/serve.js'
import { ConfigError, loadNodeConfig, NODE_USAGE } from './config/index.js'
import { MalformedIdentityFileError } from './identity.js'
import type { Activation } from './engine/lifecycle/activation.js'
import { NotAMemberYetError, RemovedFromNetworkError, startNode, type ShardsigNode } from './node.js'
import type { JoiningNode } from './join.js'
import { initNodeFolder, INIT_USAGE, parseInitArgs } from './init.js'
import { CHECK_USAGE, checkNodeStore, formatAudit, parseCheckArgs } from './check.js'
import { SHUTDOWN_TIMEOUT_MS } from '../protocols/constants.js'
import {
  MalformedSealedFileError, SealedFileNotFoundError, StoreCorruptError, StoreIntegrityError, StoreLockedError, StoreOpenError,
  WrongPassphraseError
} from './store/index.js'

/** Exit code for "fix your configuration" failures. */
const EXIT_CONFIG = 2
/** Exit code for a start that failed for another reason (logged). */
const EXIT_FAILURE = 1
/**
 * Exit code for a store that opened but cannot be trusted (LevelDB dropped data
 * while recovering it, or it was rolled back), and for `check` finding a record
 * that does not open. Restarting cannot fix it; docs/runbook.md says what can.
 */
const EXIT_STORE_INTEGRITY = 3

const OPERATOR_ERRORS = [
  ConfigError, NotAMemberYetError, PortInUseError, WrongPassphraseError, StoreLockedError, StoreOpenError,
  SealedFileNotFoundError, MalformedSealedFileError, MalformedIdentityFileError, StoreCorruptError
]

async function main (): Promise<void> {
  // Signals are handled from the first moment: one that arrives while the node
  // is still starting stops it as soon as it is up.
  let node: ShardsigNode | JoiningNode | undefined
  let stopRequested: NodeJS.Signals | undefined
  let signals = 0
  const shutdown = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      node?.log.warn({ signal }, 'second signal: exiting now')
      process.exit(EXIT_FAILURE)
    }
    if (node === undefined) {
      stopRequested = signal
      return
    }
    const running = node
    running.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => {
      running.log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'graceful stop timed out: exiting')
      process.exit(EXIT_FAILURE)
    }, SHUTDOWN_TIMEOUT_MS)
    force.unref()
    running.stop().then(() => { process.exit(0) }, (err: unknown) => {
      running.log.error({ err }, 'error while stopping')
      process.exit(EXIT_FAILURE)
    })
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)

  try {
    if (process.argv[2] === 'init') {
      const opts = parseInitArgs(process.argv.slice(3))
      if (opts === undefined) {
        console.log(INIT_USAGE)
        return
      }
      const entry = await initNodeFolder(opts)
      // stdout: the entry alone (for the operator's members file); stderr: what to do next.
      console.log(JSON.stringify(entry, null, 2))
      console.error(`shardsig-node: wrote ${opts.dir} (config.json with "join": true). Start it with --config ${opts.dir}/config.json, then add the entry above to the next membership update (docs/runbook.md §11).`)
      return
    }
    if (process.argv[2] === 'check') {
      const config = await parseCheckArgs(process.argv.slice(3), process.env)
      if (config === undefined) {
        console.log(CHECK_USAGE)
        return
      }
      const audit = await checkNodeStore(config)
      for (const line of formatAudit(audit)) console.log(line)
      if (audit.failures.length > 0) {
        console.error(`shardsig-node: store at ${audit.path}: ${audit.failures.length} of ${audit.records} record(s) do not open (listed above)`)
        process.exit(EXIT_STORE_INTEGRITY)
      }
      return
    }
    const loaded = await loadNodeConfig(process.argv.slice(2), process.env)
    if (loaded.help || loaded.config === undefined) {
      console.log(NODE_USAGE)
      return
    }
    const config = loaded.config
    // update_node_set's activation: stop the node and start it again on the new epoch (decisions/0008).
    const onEpochActivated = (activation: Activation): void => {
      const running = node
      node = undefined
      void (async () => {
        running?.log.info({ epoch: activation.epoch, member: activation.member }, 'restarting on the activated epoch')
        await running?.stop()
        if (!activation.member) process.exit(0)
        try {
          node = await startNode(config, { onEpochActivated })
        } catch (err) {
          console.error('shardsig-node: failed to restart on the new epoch:', err)
          process.exit(EXIT_FAILURE)
        }
        if (stopRequested !== undefined) {
          signals = 0
          shutdown(stopRequested)
        }
      })()
    }
    node = await startNode(config, { onEpochActivated })
  } catch (err) {
    if (err instanceof RemovedFromNetworkError) {
      // Not a failure: the operator removed this node; a supervisor must not restart it.
      console.error(`shardsig-node: ${err.message}`)
      process.exit(0)
    }
    if (err instanceof StoreIntegrityError) {
      console.error(`shardsig-node: ${err.message}`)
      process.exit(EXIT_STORE_INTEGRITY)
    }
    if (OPERATOR_ERRORS.some(cls => err instanceof cls)) {
      console.error(`shardsig-node: ${(err as Error).message}`)
      process.exit(EXIT_CONFIG)
    }
    console.error('shardsig-node: failed to start:', err)
    process.exit(EXIT_FAILURE)
  }
  if (stopRequested !== undefined) {
    signals = 0
    shutdown(stopRequested)
  }
}

await main()
