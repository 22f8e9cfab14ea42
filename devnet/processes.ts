// The node processes: spawning them detached, pid files, asking Linux what a
// pid is doing (/proc), signalling and waiting for an exit.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { EXIT_POLL_INTERVAL_MS, KILL_WAIT_MS, NODE_V8_FLAGS, STOP_TIMEOUT_MS } from './constants.js'
import { DevnetError } from './errors.js'
import { deadline } from '../node/deadline.js'

/** running: scheduled; paused: stopped by SIGSTOP; down: gone, a zombie, or the pid now belongs to another program. */
export type ProcessState = 'running' | 'paused' | 'down'

export interface SpawnNodeOptions {
  /** Script run with this Node binary (bin/shardsig-node.js). */
  entry: string
  configPath: string
  passphrasePath: string
  logPath: string
  pidPath: string
  cwd: string
  /**
   * Command to start the node through, e.g. `['ip', 'netns', 'exec', NS]`. It
   * must exec the node in place (not fork it), so the pid is the node's: the
   * pid file, signals and the /proc checks all assume that.
   */
  wrapper?: readonly string[]
}

/** Starts a node detached from this process, its stdout and stderr appended to the log; returns its pid. */
export async function spawnNode (opts: SpawnNodeOptions): Promise<number> {
  const logFd = openSync(opts.logPath, 'a')
  let pid: number | undefined
  try {
    const [command, ...args] = [...(opts.wrapper ?? []), process.execPath, ...NODE_V8_FLAGS, ...profileFlags(process.env), opts.entry, '--config', opts.configPath, '--passphrase-file', opts.passphrasePath]
    const child = spawn(command as string, args, {
      cwd: opts.cwd,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: nodeEnv(process.env)
    })
    // A failed spawn also emits 'error'; without a listener that would crash this process.
    child.once('error', () => {})
    pid = child.pid
    child.unref()
  } finally {
    closeSync(logFd)
  }
  if (pid === undefined) throw new DevnetError(`could not start ${[...(opts.wrapper ?? []), process.execPath].join(' ')} ${opts.entry}`)
  await writeFile(opts.pidPath, `${pid}\n`)
  return pid
}

/** Set to a folder to have every node write a V8 CPU profile there when it exits cleanly (`devnet down`). */
export const NODE_CPU_PROF_DIR_ENV = 'SHARDSIG_NODE_CPU_PROF_DIR'

/** `--cpu-prof` flags when NODE_CPU_PROF_DIR_ENV is set (docs/performance.md: profiling a devnet). */
export function profileFlags (env: NodeJS.ProcessEnv): string[] {
  const dir = env[NODE_CPU_PROF_DIR_ENV]
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`]
}

/**
 * The environment of a node: ours without SHARDSIG_* variables, which would
 * override the generated config (passphrase, log level, config path).
 */
export function nodeEnv (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SHARDSIG_')))
}

export function readPidFile (path: string): number | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch {
    return undefined
  }
  const pid = Number(text)
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

export async function removePidFile (path: string): Promise<void> {
  await rm(path, { force: true })
}

const HAS_PROC = existsSync('/proc/self/stat')

/**
 * What `pid` is doing. `marker` (the node's config path) must appear in the
 * process's command line, so a pid reused by another program counts as down.
 */
function threadsLeft (pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length
  } catch {
    return 0
  }
}

export function processState (pid: number, marker?: string): ProcessState {
  if (!HAS_PROC) return signalZeroAlive(pid) ? 'running' : 'down'
  let stat: string
  let cmdline: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return 'down'
  }
  // The state letter follows the command name, which is in parentheses and may itself hold ") ".
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  // The thread-group leader turns zombie while its other threads (libuv's pool)
  // may still be exiting, holding the shared file table and so the store's lock.
  if (state === 'Z' || state === 'X' || state === 'x') return threadsLeft(pid) <= 1 ? 'down' : 'running'
  // A dying process loses its cmdline (exit_mm) before it closes its files and
  // locks (exit_files): empty means "still exiting", not "another process".
  if (marker !== undefined && cmdline !== '' && !cmdline.split('\0').includes(marker)) return 'down'
  if (state === 'T' || state === 't') return 'paused'
  return 'running'
}

function signalZeroAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Sends `signal`; a process that is already gone is not an error. */
export function sendSignal (pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

/** Resolves once the process is down; rejects with the signal's reason when `signal` aborts first. */
export async function waitForExit (pid: number, marker: string | undefined, signal: AbortSignal): Promise<void> {
  while (processState(pid, marker) !== 'down') {
    await sleep(EXIT_POLL_INTERVAL_MS, undefined, { signal })
  }
}

/**
 * SIGTERM, then SIGKILL if the process is still there after `timeoutMs`.
 * A paused process gets SIGCONT too, or it would never act on the SIGTERM.
 */
export async function stopProcess (pid: number, marker: string | undefined, timeoutMs = STOP_TIMEOUT_MS): Promise<'exited' | 'killed'> {
  if (processState(pid, marker) === 'down') return 'exited'
  sendSignal(pid, 'SIGTERM')
  sendSignal(pid, 'SIGCONT')
  try {
    await waitForExit(pid, marker, deadline(timeoutMs))
    return 'exited'
  } catch {
    await killProcess(pid, marker)
    return 'killed'
  }
}

/** SIGKILL and wait for the process to disappear. */
export async function killProcess (pid: number, marker: string | undefined): Promise<void> {
  if (processState(pid, marker) === 'down') return
  sendSignal(pid, 'SIGKILL')
  try {
    await waitForExit(pid, marker, deadline(KILL_WAIT_MS))
  } catch {
    throw new DevnetError(`process ${pid} is still there ${KILL_WAIT_MS} ms after SIGKILL`)
  }
}
