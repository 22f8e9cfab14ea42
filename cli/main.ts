// The `shardsig` command: user commands against a running network. Errors
// print one line on stderr; usage errors exit 2, other failures 1.
import '../node/polyfills.js'
import { BLAME_USAGE, runBlame } from './commands/blame.js'
import { DELETE_USER_USAGE, runDeleteUser } from './commands/delete-user.js'
import { GENESIS_USAGE, runGenesis } from './commands/genesis.js'
import { runKey, KEY_USAGE } from './commands/key.js'
import { NEW_USER_USAGE, runNewUser } from './commands/new-user.js'
import { OPERATOR_USAGE, runOperator } from './commands/operator.js'
import { runSign, SIGN_USAGE } from './commands/sign.js'
import { runStatus, STATUS_USAGE } from './commands/status.js'
import { runVerify, VERIFY_USAGE } from './commands/verify.js'
import { UsageError, type Io } from './io.js'

const USAGE = `usage: shardsig <command> [options]

commands:
  new-user     deal a new key across the committees (or --dkg: generate it on the nodes) and write its key file
  sign         have the network sign a message with a key
  verify       check a signature with independent verifiers (ECDSA: r‖s or r‖s‖v; --keccak, --sha256)
  status       the network as a table (--watch, --json); status ID: a sign request
  key KEY_ID   show a key's registry record
  delete-user  delete a key for good (every holder erases its share)
  operator     update-node-set (move the network to a new membership, resharing every key), status
  genesis      a network's genesis, or --digest: the digest to pin (--genesis-digest)
  blame verify check blame records' evidence at a node of your choosing

Run \`shardsig <command> --help\` for a command's options.`

const COMMANDS: Record<string, { run: (argv: string[], io: Io) => Promise<number>, usage: string }> = {
  'new-user': { run: runNewUser, usage: NEW_USER_USAGE },
  sign: { run: runSign, usage: SIGN_USAGE },
  verify: { run: runVerify, usage: VERIFY_USAGE },
  status: { run: runStatus, usage: STATUS_USAGE },
  key: { run: runKey, usage: KEY_USAGE },
  'delete-user': { run: runDeleteUser, usage: DELETE_USER_USAGE },
  operator: { run: runOperator, usage: OPERATOR_USAGE },
  genesis: { run: runGenesis, usage: GENESIS_USAGE },
  blame: { run: runBlame, usage: BLAME_USAGE }
}

async function main (argv: string[]): Promise<number> {
  const controller = new AbortController()
  process.once('SIGINT', () => { controller.abort(new Error('interrupted')) })
  const io: Io = {
    out: line => { process.stdout.write(line + '\n') },
    progress: line => { process.stderr.write(line + '\n') },
    env: process.env,
    signal: controller.signal
  }
  const [name, ...rest] = argv
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(USAGE)
    return name === undefined ? 2 : 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    process.stderr.write(`shardsig: unknown command ${name}\n${USAGE}\n`)
    return 2
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    const e = err as Error & { code?: string }
    if (err instanceof UsageError || e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      process.stderr.write(`shardsig ${name}: ${e.message}\n${command.usage}\n`)
      return 2
    }
    process.stderr.write(`shardsig ${name}: ${e.message}\n`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
