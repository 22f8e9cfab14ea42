// The `devnet` commands: argument parsing (node:util parseArgs), one function
// per command over the Devnet API, output and exit codes. cli.ts runs main().
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { LOG_LEVELS } from '../node/config/schema.js'
import { Devnet, type Progress } from './api.js'
import { DEFAULT_DEVNET_DIR, UP_TIMEOUT_MS } from './constants.js'
import { DevnetError, DevnetUsageError } from './errors.js'
import type { LogLevel } from './generate.js'
import { followFile, formatRequestLine, mergeRequestLogs } from './logs.js'
import { addNodes, MEMBERSHIP_CHANGE_TIMEOUT_MS, removeNodes } from './membership.js'
import { parseHostList } from './hosts.js'
import { GENESIS_FILE } from './layout.js'
import { formatTable, shortPeerId, toJson, type NodeRow } from './table.js'
import { USAGE } from './usage.js'

export { USAGE } from './usage.js'

export interface Io {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  /** Aborts on Ctrl-C; `logs -f` and the waits stop on it. */
  signal: AbortSignal
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options']

const COMMON: Options = {
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' }
}

/** `optionalPositional`: the command also runs without its positional (the command checks when it needs one). */
/** `manyPositionals`: `positionals` or more. */
const COMMANDS: Record<string, { options: Options, positionals: number, optionalPositional?: boolean, manyPositionals?: boolean, run: (args: Args, io: Io) => Promise<number> }> = {
  up: {
    options: {
      nodes: { type: 'string', short: 'n' },
      committees: { type: 'string' },
      'base-port': { type: 'string' },
      fresh: { type: 'boolean' },
      timeout: { type: 'string' },
      'log-level': { type: 'string' },
      json: { type: 'boolean' },
      tls: { type: 'boolean' }
    },
    positionals: 0,
    run: up
  },
  genesis: {
    options: { hosts: { type: 'string' }, committees: { type: 'string' }, 'base-port': { type: 'string' }, 'log-level': { type: 'string' }, tls: { type: 'boolean' } },
    positionals: 0,
    run: genesis
  },
  status: { options: { json: { type: 'boolean' } }, positionals: 0, run: status },
  down: { options: { clean: { type: 'boolean' }, timeout: { type: 'string' } }, positionals: 0, run: down },
  kill: { options: {}, positionals: 1, run: async (a, io) => await signalCommand(a, io, 'kill') },
  pause: { options: {}, positionals: 1, run: async (a, io) => await signalCommand(a, io, 'pause') },
  resume: { options: {}, positionals: 1, run: async (a, io) => await signalCommand(a, io, 'resume') },
  restart: { options: { timeout: { type: 'string' } }, positionals: 1, run: restart },
  'add-node': { options: { count: { type: 'string' }, committee: { type: 'string' }, timeout: { type: 'string' } }, positionals: 0, run: addNode },
  'remove-node': { options: { timeout: { type: 'string' } }, positionals: 1, manyPositionals: true, run: removeNode },
  logs: { options: { follow: { type: 'boolean', short: 'f' }, request: { type: 'string' }, json: { type: 'boolean' } }, positionals: 1, optionalPositional: true, run: logs }
}

interface Args {
  dir: string
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

/** Runs one command; resolves to the exit code. */
export async function main (argv: readonly string[], io: Io): Promise<number> {
  try {
    const [name, ...rest] = argv
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      (name === undefined ? io.stderr : io.stdout).write(USAGE + '\n')
      return name === undefined ? 2 : 0
    }
    const command = COMMANDS[name]
    if (command === undefined) throw new DevnetUsageError(`unknown command ${JSON.stringify(name)} (see devnet --help)`)
    const args = parse(name, command, rest)
    if (args === 'help') {
      io.stdout.write(USAGE + '\n')
      return 0
    }
    return await command.run(args, io)
  } catch (err) {
    return report(err, io)
  }
}

function parse (name: string, command: { options: Options, positionals: number, optionalPositional?: boolean, manyPositionals?: boolean }, argv: string[]): Args | 'help' {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true })
  } catch (err) {
    throw new DevnetUsageError(`${name}: ${(err as Error).message}`)
  }
  const values = parsed.values as Args['values']
  if (values.help === true) return 'help'
  const count = parsed.positionals.length
  if (count !== command.positionals && !(command.optionalPositional === true && count === 0) && !(command.manyPositionals === true && count > command.positionals)) {
    throw new DevnetUsageError(command.positionals === 0
      ? `${name} takes no arguments, got ${parsed.positionals.join(' ')}`
      : `${name} takes a node number: devnet ${name} I`)
  }
  return { dir: typeof values.dir === 'string' ? values.dir : DEFAULT_DEVNET_DIR, values, positionals: parsed.positionals }
}

function report (err: unknown, io: Io): number {
  if (err instanceof DevnetError) {
    io.stderr.write(`devnet: ${err.message}\n${err.details.map(d => d + '\n').join('')}`)
    return err instanceof DevnetUsageError ? 2 : 1
  }
  if (io.signal.aborted && (err as Error).name === 'AbortError') {
    io.stderr.write('devnet: interrupted\n')
    return 130
  }
  io.stderr.write(`devnet: ${(err as Error).message ?? String(err)}\n`)
  return 1
}

// --- commands ---

async function up (args: Args, io: Io): Promise<number> {
  const { values } = args
  const logLevel = logLevelOption(values)
  const nodes = optionalInt(values.nodes, '-n')
  const committees = optionalInt(values.committees, '--committees')
  const basePort = optionalInt(values['base-port'], '--base-port')
  const progress = progressReporter(io)
  const startedMs = performance.now()
  let devnet: Devnet
  try {
    devnet = await Devnet.up({
      dir: args.dir,
      ...(nodes !== undefined ? { nodes } : {}),
      ...(committees !== undefined ? { committees } : {}),
      ...(basePort !== undefined ? { basePort } : {}),
      ...(logLevel !== undefined ? { logLevel } : {}),
      ...(values.tls === true ? { tls: true } : {}),
      fresh: values.fresh === true,
      timeoutMs: secondsToMs(values.timeout, '--timeout') ?? UP_TIMEOUT_MS,
      signal: io.signal,
      onProgress: progress.update
    })
  } finally {
    progress.done()
  }
  const rows = await devnet.status(io.signal)
  io.stderr.write(`devnet: ${devnet.size} nodes healthy, roles agreed after ${((performance.now() - startedMs) / 1000).toFixed(1)} s ` +
    `(${paramsText(devnet)}; ${devnet.dir})\n`)
  if (devnet.tls) io.stderr.write(`devnet: HTTPS with pinned certificates; the CLI trusts it with --genesis ${join(devnet.dir, GENESIS_FILE)}\n`)
  printRows(rows, values.json === true, io)
  return 0
}

async function genesis (args: Args, io: Io): Promise<number> {
  const { values } = args
  const hostList = str(values.hosts)
  if (hostList === undefined) throw new DevnetUsageError('genesis: give the nodes\' addresses, --hosts H1,H2,...')
  const logLevel = logLevelOption(values)
  const committees = optionalInt(values.committees, '--committees')
  const basePort = optionalInt(values['base-port'], '--base-port')
  const devnet = await Devnet.generate({
    dir: args.dir,
    hosts: parseHostList(hostList),
    ...(committees !== undefined ? { committees } : {}),
    ...(basePort !== undefined ? { basePort } : {}),
    ...(logLevel !== undefined ? { logLevel } : {}),
    ...(values.tls === true ? { tls: true } : {})
  })
  io.stderr.write(`devnet: generated ${devnet.size} nodes in ${devnet.dir} (${paramsText(devnet)}); ` +
    'copy genesis.json and node-I/ side by side to host I, then run there: shardsig-node --config node-I/config.json\n')
  const rows = devnet.nodes().map(n => [`node-${n.index}`, shortPeerId(n.peerId), `committee ${n.committee}`, n.multiaddr, n.http])
  const widths = rows.reduce((w, r) => r.map((cell, c) => Math.max(cell.length, w[c] ?? 0)), [] as number[])
  io.stdout.write(rows.map(r => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n') + '\n')
  return 0
}

async function status (args: Args, io: Io): Promise<number> {
  const devnet = await Devnet.open(args.dir)
  const rows = await devnet.status(io.signal)
  if (args.values.json !== true) {
    const up = rows.filter(r => r.state !== 'down').length
    const degraded = rows.filter(r => r.state === 'degraded').length
    io.stdout.write(`devnet ${devnet.dir}: ${up}/${devnet.size} nodes up${degraded > 0 ? `, ${degraded} degraded` : ''}; ${paramsText(devnet)}\n`)
  }
  printRows(rows, args.values.json === true, io)
  return 0
}

async function down (args: Args, io: Io): Promise<number> {
  const devnet = await Devnet.open(args.dir)
  const timeoutMs = secondsToMs(args.values.timeout, '--timeout')
  const { stopped, killed } = await devnet.down({ clean: args.values.clean === true, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
  const total = stopped.length + killed.length
  io.stderr.write(total === 0
    ? 'devnet: no node was running\n'
    : `devnet: stopped ${total} node${total === 1 ? '' : 's'}${killed.length > 0 ? ` (${killed.map(i => `node ${i}`).join(', ')} needed SIGKILL)` : ''}\n`)
  if (args.values.clean === true) io.stderr.write(`devnet: removed ${devnet.dir}\n`)
  return 0
}

async function signalCommand (args: Args, io: Io, action: 'kill' | 'pause' | 'resume'): Promise<number> {
  const devnet = await Devnet.open(args.dir)
  const index = nodeIndex(args)
  const { pid } = devnet.node(index)
  await devnet[action](index)
  const done = { kill: 'killed (SIGKILL)', pause: 'paused (SIGSTOP)', resume: 'resumed (SIGCONT)' }[action]
  io.stderr.write(`devnet: node ${index} (pid ${pid ?? '-'}) ${done}\n`)
  return 0
}

async function restart (args: Args, io: Io): Promise<number> {
  const devnet = await Devnet.open(args.dir)
  const index = nodeIndex(args)
  const timeoutMs = secondsToMs(args.values.timeout, '--timeout')
  await devnet.restart(index, { signal: io.signal, ...(timeoutMs !== undefined ? { timeoutMs } : {}) })
  const rows = await devnet.status(io.signal)
  const state = rows.find(r => r.index === index)?.state
  io.stderr.write(`devnet: node ${index} restarted (pid ${devnet.node(index).pid ?? '-'}) and answers${state === 'healthy' ? ', healthy' : state !== undefined ? `: ${state}` : ''}\n`)
  printRows(rows, false, io)
  return 0
}

async function addNode (args: Args, io: Io): Promise<number> {
  const count = optionalInt(args.values.count, '--count') ?? 1
  const committee = optionalInt(args.values.committee, '--committee')
  const change = await addNodes(args.dir, {
    count, ...(committee !== undefined ? { committee } : {}), ...membershipChangeOptions(args, io)
  })
  return await afterMembershipChange(args, io, `node${change.added.length > 1 ? 's' : ''} ${change.added.join(', ')} joined: epoch ${change.epoch}`)
}

async function removeNode (args: Args, io: Io): Promise<number> {
  const indices = args.positionals.map(p => nodeIndex({ ...args, positionals: [p] }))
  const change = await removeNodes(args.dir, indices, membershipChangeOptions(args, io))
  return await afterMembershipChange(args, io, `node${change.removed.length > 1 ? 's' : ''} ${change.removed.join(', ')} removed (shares erased, process exited): epoch ${change.epoch}`)
}

function membershipChangeOptions (args: Args, io: Io): { timeoutMs: number, signal: AbortSignal, onProgress: (line: string) => void } {
  return { timeoutMs: secondsToMs(args.values.timeout, '--timeout') ?? MEMBERSHIP_CHANGE_TIMEOUT_MS, signal: io.signal, onProgress: line => { io.stderr.write(`${line}\n`) } }
}

/** Every node of the new epoch agrees on the roles; then the table. */
async function afterMembershipChange (args: Args, io: Io, summary: string): Promise<number> {
  const devnet = await Devnet.open(args.dir)
  await devnet.waitForAgreement({ nodes: devnet.running(), timeoutMs: UP_TIMEOUT_MS, signal: io.signal })
  io.stderr.write(`devnet: ${summary}; ${devnet.running().length} nodes running, roles agreed (${paramsText(devnet)})\n`)
  printRows(await devnet.status(io.signal), false, io)
  return 0
}

async function logs (args: Args, io: Io): Promise<number> {
  const request = str(args.values.request)
  if (request !== undefined) return await requestLogs(request, args, io)
  if (args.positionals.length === 0) throw new DevnetUsageError('logs takes a node number (devnet logs I) or --request ID')
  const devnet = await Devnet.open(args.dir)
  const { paths } = devnet.node(nodeIndex(args))
  if (args.values.follow === true) {
    await followFile(paths.log, io.stdout, io.signal)
    return 0
  }
  try {
    io.stdout.write(await readFile(paths.log))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    io.stderr.write(`devnet: ${paths.log} does not exist yet (the node was never started)\n`)
  }
  return 0
}

/** `logs --request ID [I]`: the merging is devnet/logs.ts's. */
async function requestLogs (id: string, args: Args, io: Io): Promise<number> {
  if (!REQUEST_ID.test(id)) throw new DevnetUsageError(`--request takes a request id or key id (8–64 characters of A–Z a–z 0–9 _ -), got ${JSON.stringify(id.slice(0, 80))}`)
  if (args.values.follow === true) throw new DevnetUsageError('logs --request does not follow (-f); run it again')
  const devnet = await Devnet.open(args.dir)
  const nodes = args.positionals.length === 0 ? devnet.nodes() : [devnet.node(nodeIndex(args))]
  const lines = await mergeRequestLogs(nodes.map(n => ({ node: n.nodeId, path: n.paths.log })), id)
  if (lines.length === 0) {
    io.stderr.write(`devnet: no log line of ${nodes.length === 1 ? nodes[0]!.nodeId : `the ${nodes.length} nodes`} carries request ${id}\n`)
    return 1
  }
  const width = Math.max(...lines.map(l => l.node.length))
  const names = new Map(devnet.nodes().map(n => [n.peerId, n.nodeId]))
  io.stdout.write(lines.map(l => args.values.json === true ? l.raw : formatRequestLine(l, width, names)).join('\n') + '\n')
  return 0
}

// --- helpers ---

/** Sign request ids (protocols/wire/sign.ts) and key ids both fit. */
const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/

function paramsText (devnet: Devnet): string {
  const p = devnet.params
  return `${p.committees} committee${p.committees === 1 ? '' : 's'}, tc=${p.tc}, tm=${p.tm}, managers=${p.managers}`
}

function printRows (rows: NodeRow[], json: boolean, io: Io): void {
  io.stdout.write(json ? JSON.stringify(toJson(rows)) + '\n' : formatTable(rows) + '\n')
}

/** "healthy 6/9, roles agreed: no" on stderr: rewritten in place on a terminal, one line per change otherwise. */
function progressReporter (io: Io): { update: (p: Progress) => void, done: () => void } {
  let last = ''
  const tty = io.stderr.isTTY === true
  return {
    update: p => {
      const text = `healthy ${p.healthy}/${p.total}, roles agreed: ${p.agreed ? 'yes' : 'no'}`
      if (text === last) return
      last = text
      io.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`)
    },
    done: () => {
      if (tty && last !== '') io.stderr.write('\n')
    }
  }
}

function logLevelOption (values: Args['values']): LogLevel | undefined {
  const logLevel = str(values['log-level'])
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new DevnetUsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`)
  }
  return logLevel as LogLevel | undefined
}

function str (v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}

function optionalInt (v: string | boolean | undefined, name: string): number | undefined {
  const s = str(v)
  if (s === undefined) return undefined
  if (!/^\d+$/.test(s)) throw new DevnetUsageError(`${name} must be a whole number, got ${JSON.stringify(s)}`)
  return Number(s)
}

function secondsToMs (v: string | boolean | undefined, name: string): number | undefined {
  const s = str(v)
  if (s === undefined) return undefined
  const seconds = Number(s)
  if (s.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new DevnetUsageError(`${name} must be a positive number of seconds, got ${JSON.stringify(s)}`)
  return Math.round(seconds * 1000)
}

function nodeIndex (args: Args): number {
  const s = args.positionals[0] ?? ''
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new DevnetUsageError(`node number must be a whole number from 1, got ${JSON.stringify(s)}`)
  return Number(s)
}
