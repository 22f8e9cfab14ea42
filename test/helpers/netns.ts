// A lab of Linux network namespaces for tests that need a real network between
// processes: one namespace per host, a bridge in a namespace of its own, a veth
// pair from each host to the bridge, private addresses (10.201.N.0/24), and one
// veth into the root namespace so the test process reaches every host. Links
// are cut with routes (`ip route add unreachable <addr>/32` on both sides), no
// iptables or netem. Needs root and iproute2; canUseNetns() says why not.
//
// Everything the lab creates is named after the creating process
// (`shardsig-lab-<pid>-<n>-<host>`, root link `ssl<pid>-<n>`); destroy()
// removes it, an exit hook removes it when the process exits without calling
// destroy(), and every createLab() first removes the labs of processes that
// are gone (a crash, a SIGKILL). No address outside the lab's /24 and no
// namespace the lab did not create is ever touched.
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { join } from 'node:path'

export const LAB_NS_PREFIX = 'shardsig-lab-'
const HUB = 'hub'
const BRIDGE = 'br0'
/** The lab's /24 is 10.201.N.0/24 for the first N no route of this machine overlaps. */
const SUBNET_PREFIX = [10, 201] as const
/** Host k (0-based) gets .k+1; the root namespace's end gets .254. */
const ROOT_HOST_OCTET = 254
const MAX_HOSTS = 253
const IP_TIMEOUT_MS = 10_000
const HOST_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/

export interface LabHost {
  name: string
  /** The namespace the host's processes run in. */
  ns: string
  address: string
}

/** How a cut link behaves: `unreachable` (EHOSTUNREACH), `prohibit` (EACCES) or `blackhole` (EINVAL) for new connections; open TCP connections stall either way. */
export type CutRoute = 'unreachable' | 'prohibit' | 'blackhole'

export interface LabOptions {
  /** One namespace per name (lowercase letters, digits, dashes; not "hub"). */
  hosts: readonly string[]
}

export type NetnsSupport = { ok: true } | { ok: false, reason: string }

let support: Promise<NetnsSupport> | undefined
let labCounter = 0

/** Whether this process can build a lab, and if not, why (for a skip message). Probed once. */
export async function canUseNetns (): Promise<NetnsSupport> {
  support ??= probe()
  return await support
}

async function probe (): Promise<NetnsSupport> {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux, this is ${process.platform}` }
  const uid = process.getuid?.()
  if (uid !== 0) return { ok: false, reason: `not root (uid ${uid ?? '?'}): creating network namespaces needs CAP_SYS_ADMIN` }
  const ip = findIp()
  if (ip === undefined) return { ok: false, reason: '`ip` (iproute2) not found in PATH, /usr/sbin or /sbin' }
  const ns = `${LAB_NS_PREFIX}${process.pid}-probe`
  try {
    await runIp(['netns', 'add', ns])
    await runIp(['-n', ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1'])
    await runIp(['-n', ns, 'link', 'set', 'lo', 'up'])
    // `ip netns exec` also needs a private mount namespace (it remounts /sys).
    await runIp(['netns', 'exec', ns, process.execPath, '-e', ''])
    return { ok: true }
  } catch (err) {
    return { ok: false, reason: `cannot create a network namespace with a veth pair: ${(err as Error).message}` }
  } finally {
    await runIp(['netns', 'del', ns]).catch(() => {})
  }
}

let ipPath: string | undefined
function findIp (): string | undefined {
  if (ipPath !== undefined) return ipPath
  const dirs = [...(process.env.PATH ?? '').split(':').filter(d => d !== ''), '/usr/sbin', '/sbin', '/usr/bin', '/bin']
  for (const dir of dirs) {
    const candidate = join(dir, 'ip')
    try {
      accessSync(candidate, constants.X_OK)
      ipPath = candidate
      return candidate
    } catch {}
  }
  return undefined
}

function ip (): string {
  const path = findIp()
  if (path === undefined) throw new Error('`ip` (iproute2) not found')
  return path
}

/** Runs `ip ARGS` (stdin optional, for -batch -); rejects with ip's stderr. */
async function runIp (args: readonly string[], stdin?: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = execFile(ip(), args, { timeout: IP_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() !== '' ? stderr.trim() : err.message}`))
      else resolve(stdout)
    })
    if (stdin !== undefined) child.stdin?.end(stdin)
  })
}

export class Lab {
  private readonly byName: Map<string, LabHost>
  /** Routes that cut links, as `ns → addresses`, so heal() removes exactly those. */
  private readonly cuts = new Map<string, Map<string, CutRoute>>()
  private destroyed = false
  private readonly exitHook = (): void => { this.destroySync() }

  private constructor (
    readonly id: string,
    readonly subnet: string,
    readonly hosts: readonly LabHost[],
    /** The test process's own address in the lab (on the root namespace's veth). */
    readonly rootAddress: string,
    private readonly hubNs: string,
    private readonly rootLink: string
  ) {
    this.byName = new Map(hosts.map(h => [h.name, h]))
    process.once('exit', this.exitHook)
  }

  /** Builds the lab. Removes the labs of dead processes first; on failure removes what it made. */
  static async create (opts: LabOptions): Promise<Lab> {
    const names = [...opts.hosts]
    if (names.length === 0 || names.length > MAX_HOSTS) throw new Error(`a lab has 1 to ${MAX_HOSTS} hosts, got ${names.length}`)
    for (const n of names) if (!HOST_NAME.test(n) || n === HUB) throw new Error(`bad lab host name ${JSON.stringify(n)}`)
    if (new Set(names).size !== names.length) throw new Error('lab host names must be unique')
    await cleanupStaleLabs()

    const id = `${process.pid}-${++labCounter}`
    const prefix = `${LAB_NS_PREFIX}${id}-`
    const third = await freeSubnet()
    const net = `${SUBNET_PREFIX.join('.')}.${third}`
    const hosts = names.map((name, k): LabHost => ({ name, ns: prefix + name, address: `${net}.${k + 1}` }))
    const lab = new Lab(id, `${net}.0/24`, hosts, `${net}.${ROOT_HOST_OCTET}`, `${prefix}${HUB}`, `ssl${id}`)
    try {
      await lab.build()
      return lab
    } catch (err) {
      await lab.destroy()
      throw err
    }
  }

  host (name: string): LabHost {
    const h = this.byName.get(name)
    if (h === undefined) throw new Error(`the lab has no host ${JSON.stringify(name)} (hosts: ${[...this.byName.keys()].join(', ')})`)
    return h
  }

  address (name: string): string {
    return this.host(name).address
  }

  /** The command prefix that runs a program inside `name`'s namespace; `ip netns exec` execs, so the pid stays the program's. */
  wrap (name: string): string[] {
    return [ip(), 'netns', 'exec', this.host(name).ns]
  }

  /** Runs `cmd` inside `name`'s namespace and resolves with its output; rejects with its stderr. */
  async exec (name: string, cmd: readonly string[]): Promise<{ stdout: string, stderr: string }> {
    return await new Promise((resolve, reject) => {
      execFile(ip(), ['netns', 'exec', this.host(name).ns, ...cmd], { timeout: IP_TIMEOUT_MS }, (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${cmd.join(' ')} in ${name}: ${stderr.trim() !== '' ? stderr.trim() : err.message}`))
        else resolve({ stdout, stderr })
      })
    })
  }

  /**
   * Cuts every link between a host of `a` and a host of `b`, both ways, with a
   * /32 route to each address on the other side. Hosts in neither group, and
   * the test process, still reach everyone. Adds to earlier cuts; heal() lifts all.
   */
  async partition (a: readonly string[], b: readonly string[], opts: { route?: CutRoute } = {}): Promise<void> {
    const route = opts.route ?? 'unreachable'
    const overlap = a.filter(h => b.includes(h))
    if (overlap.length > 0) throw new Error(`hosts on both sides of a partition: ${overlap.join(', ')}`)
    const plan = new Map<LabHost, LabHost[]>()
    for (const [from, to] of [[a, b], [b, a]] as const) {
      for (const name of from) plan.set(this.host(name), to.map(n => this.host(n)))
    }
    await Promise.all([...plan].map(async ([host, others]) => {
      const cuts = this.cuts.get(host.ns) ?? new Map<string, CutRoute>()
      this.cuts.set(host.ns, cuts)
      for (const o of others) cuts.set(o.address, route)
      await runIp(['-n', host.ns, '-batch', '-'], others.map(o => `route replace ${route} ${o.address}/32\n`).join(''))
    }))
  }

  /** Removes every cut. */
  async heal (): Promise<void> {
    await Promise.all([...this.cuts].map(async ([ns, cuts]) => {
      // -force: a batch goes on past a route that is already gone.
      await runIp(['-force', '-n', ns, '-batch', '-'], [...cuts].map(([addr, route]) => `route del ${route} ${addr}/32\n`).join('')).catch(() => {})
    }))
    this.cuts.clear()
  }

  /** Hosts whose links are cut right now, as `host → hosts it cannot reach`. */
  cutsNow (): Map<string, string[]> {
    const byNs = new Map(this.hosts.map(h => [h.ns, h]))
    const byAddr = new Map(this.hosts.map(h => [h.address, h.name]))
    return new Map([...this.cuts].map(([ns, cuts]) => [byNs.get(ns)?.name ?? ns, [...cuts.keys()].map(a => byAddr.get(a) ?? a)]))
  }

  /**
   * Removes the lab: SIGKILLs any process still inside its namespaces (a
   * namespace with a process in it outlives `ip netns del`), deletes them,
   * and the hub last (which takes the bridge and the root veth with it).
   * Resolves to the pids it had to kill. Safe to call twice.
   */
  async destroy (): Promise<number[]> {
    if (this.destroyed) return []
    this.destroyed = true
    process.removeListener('exit', this.exitHook)
    const killed = await removeNamespaces([...this.hosts.map(h => h.ns), this.hubNs])
    // Normally gone with the hub; a root link left by a half-made lab is removed by name.
    await runIp(['link', 'del', this.rootLink]).catch(() => {})
    return killed
  }

  private async build (): Promise<void> {
    const hub = this.hubNs
    await runIp(['netns', 'add', hub])
    await runIp(['-n', hub, '-batch', '-'], `link set lo up\nlink add ${BRIDGE} type bridge\nlink set ${BRIDGE} up\n`)
    // The root namespace's end: the test process reaches the hosts through it.
    await runIp(['link', 'add', 'name', this.rootLink, 'type', 'veth', 'peer', 'name', 'up0', 'netns', hub])
    await runIp(['-n', hub, 'link', 'set', 'up0', 'master', BRIDGE, 'up'])
    await runIp(['addr', 'add', `${this.rootAddress}/24`, 'dev', this.rootLink])
    await runIp(['link', 'set', this.rootLink, 'up'])
    for (const [k, h] of this.hosts.entries()) {
      await runIp(['netns', 'add', h.ns])
      // Both ends are created inside their namespaces: no name in the root namespace can collide.
      await runIp(['link', 'add', 'name', `v${k}`, 'netns', hub, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns])
      await runIp(['-n', h.ns, '-batch', '-'], `link set lo up\naddr add ${h.address}/24 dev eth0\nlink set eth0 up\n`)
      await runIp(['-n', hub, 'link', 'set', `v${k}`, 'master', BRIDGE, 'up'])
    }
  }

  /** The exit hook's version of destroy(): synchronous, best effort. */
  private destroySync (): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const ns of [...this.hosts.map(h => h.ns), this.hubNs]) {
      killPidsSync(nsPidsSync(ns))
      spawnSync(ip(), ['netns', 'del', ns], { stdio: 'ignore' })
    }
    spawnSync(ip(), ['link', 'del', this.rootLink], { stdio: 'ignore' })
  }
}

export async function createLab (opts: LabOptions): Promise<Lab> {
  return await Lab.create(opts)
}

/**
 * Removes the namespaces of labs whose creating process is gone, with the
 * processes still in them. Only names with the lab prefix are considered.
 */
export async function cleanupStaleLabs (): Promise<string[]> {
  const stale = (await listNamespaces()).filter(ns => {
    const m = new RegExp(`^${LAB_NS_PREFIX}(\\d+)-`).exec(ns)
    return m !== null && !existsSync(`/proc/${m[1]}`)
  })
  // Hubs last: their veths go when the other namespaces are gone.
  stale.sort((x, y) => Number(x.endsWith(`-${HUB}`)) - Number(y.endsWith(`-${HUB}`)))
  await removeNamespaces(stale)
  return stale
}

async function listNamespaces (): Promise<string[]> {
  const out = await runIp(['netns', 'list'])
  // "name (id: 3)" or just "name".
  return out.split('\n').map(line => line.trim().split(' ')[0] ?? '').filter(n => n.startsWith(LAB_NS_PREFIX))
}

async function removeNamespaces (names: readonly string[]): Promise<number[]> {
  const existing = new Set(await listNamespaces())
  const killed: number[] = []
  for (const ns of names) {
    if (!existing.has(ns)) continue
    const pids = nsPidsSync(ns)
    killPidsSync(pids)
    killed.push(...pids)
    await waitGone(pids)
    await runIp(['netns', 'del', ns]).catch(() => {})
  }
  return killed
}

function nsPidsSync (ns: string): number[] {
  try {
    return execFileSync(ip(), ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').map(Number).filter(p => Number.isSafeInteger(p) && p > 0 && p !== process.pid)
  } catch {
    return []
  }
}

function killPidsSync (pids: readonly number[]): void {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
}

async function waitGone (pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 3_000
  while (pids.some(p => existsSync(`/proc/${p}`)) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
}

/** The first N (0–255) whose 10.201.N.0/24 overlaps no IPv4 route of the root namespace (any table). */
async function freeSubnet (): Promise<number> {
  const routes = JSON.parse(await runIp(['-4', '-j', 'route', 'show', 'table', 'all'])) as Array<{ dst?: string }>
  const prefixes = routes.map(r => r.dst).filter((d): d is string => d !== undefined && d !== 'default').map(parsePrefix)
  for (let n = 0; n <= 255; n++) {
    const candidate = parsePrefix(`${SUBNET_PREFIX.join('.')}.${n}.0/24`)
    if (!prefixes.some(p => overlaps(p, candidate))) return n
  }
  throw new Error(`no free /24 in ${SUBNET_PREFIX.join('.')}.0.0/16 for a lab`)
}

interface Prefix { base: number, len: number }

function parsePrefix (text: string): Prefix {
  const [addr = '', len] = text.split('/')
  const base = addr.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0)
  return { base, len: len === undefined ? 32 : Number(len) }
}

/** Two prefixes overlap when they agree on the bits of the shorter one. */
function overlaps (a: Prefix, b: Prefix): boolean {
  const size = 2 ** (32 - Math.min(a.len, b.len))
  return Math.floor(a.base / size) === Math.floor(b.base / size)
}
