// The network-namespace lab itself (test/helpers/netns.ts), with real
// namespaces: hosts reach each other and the test process, a partition cuts
// exactly the links between its two sides (both ways), heal restores them, and
// destroy / the stale-lab cleanup leave nothing behind. Skipped, with the
// reason printed, where namespaces cannot be made (not root, no iproute2).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canUseNetns, cleanupStaleLabs, createLab, LAB_NS_PREFIX, type Lab } from '../helpers/netns.js'

const support = await canUseNetns()
if (!support.ok) console.warn(`netns lab test skipped: ${support.reason}`)

const PORT = 4100

/** Connects from inside `host`'s namespace; resolves "ok" or the error code. */
async function reach (lab: Lab, host: string, address: string): Promise<string> {
  const script = `const s=require('net').connect(${PORT},'${address}');s.setTimeout(1500);` +
    "s.on('connect',()=>{console.log('ok');s.destroy()});s.on('timeout',()=>{console.log('timeout');s.destroy()});s.on('error',e=>console.log(e.code))"
  return (await lab.exec(host, [process.execPath, '-e', script])).stdout.trim()
}

async function reachFromRoot (address: string): Promise<string> {
  return await new Promise(resolve => {
    const s = connect(PORT, address)
    s.setTimeout(1500)
    s.on('connect', () => { resolve('ok'); s.destroy() })
    s.on('timeout', () => { resolve('timeout'); s.destroy() })
    s.on('error', (e: NodeJS.ErrnoException) => { resolve(e.code ?? e.message) })
  })
}

function namespaces (): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map(l => l.split(' ')[0] ?? '').filter(n => n.startsWith(LAB_NS_PREFIX))
}

describe.skipIf(!support.ok)('netns lab', () => {
  let lab: Lab
  const servers: ChildProcess[] = []

  beforeAll(async () => {
    lab = await createLab({ hosts: ['a', 'b', 'c'] })
    // A TCP echo-less listener on every host, started inside its namespace.
    for (const h of lab.hosts) {
      const [cmd, ...args] = [...lab.wrap(h.name), process.execPath, '-e', `require('net').createServer(s=>s.end()).listen(${PORT},'${h.address}',()=>console.log('up'))`]
      const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] })
      servers.push(child)
      await new Promise<void>(resolve => child.stdout!.once('data', () => { resolve() }))
    }
  })

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL')
    await lab?.destroy()
  })

  it('gives every host its own address, reachable from the others and from the test process', async () => {
    expect(lab.hosts.map(h => h.address)).toEqual(['a', 'b', 'c'].map((_, k) => lab.subnet.replace(/0\/24$/, String(k + 1))))
    expect(await reach(lab, 'a', lab.address('b'))).toBe('ok')
    expect(await reach(lab, 'c', lab.address('a'))).toBe('ok')
    for (const h of lab.hosts) expect(await reachFromRoot(h.address)).toBe('ok')
    // Each host has its own loopback, up.
    expect(await reach(lab, 'b', '127.0.0.1')).toBe('ECONNREFUSED')
  })

  it('partition cuts both directions between the sides only; heal restores them', async () => {
    await lab.partition(['a'], ['b'])
    expect(await reach(lab, 'a', lab.address('b'))).toBe('EHOSTUNREACH')
    expect(await reach(lab, 'b', lab.address('a'))).toBe('EHOSTUNREACH')
    expect(await reach(lab, 'c', lab.address('a'))).toBe('ok')
    expect(await reach(lab, 'b', lab.address('c'))).toBe('ok')
    expect(await reachFromRoot(lab.address('a'))).toBe('ok')
    expect(lab.cutsNow()).toEqual(new Map([['a', ['b']], ['b', ['a']]]))
    await lab.heal()
    expect(await reach(lab, 'a', lab.address('b'))).toBe('ok')
    expect(await reach(lab, 'b', lab.address('a'))).toBe('ok')
    expect(lab.cutsNow().size).toBe(0)
  })

  it('destroy removes its namespaces and the root link, and kills what was left inside', async () => {
    const other = await createLab({ hosts: ['x'] })
    expect(other.subnet).not.toBe(lab.subnet)
    const sleeper = spawn(other.wrap('x')[0]!, [...other.wrap('x').slice(1), 'sleep', '60'], { stdio: 'ignore' })
    await new Promise(resolve => setTimeout(resolve, 200))
    const killed = await other.destroy()
    expect(killed).toEqual([sleeper.pid])
    expect(namespaces().filter(n => n.startsWith(`${LAB_NS_PREFIX}${other.id}-`))).toEqual([])
    expect(spawnSync('ip', ['link', 'show', `ssl${other.id}`]).status).not.toBe(0)
    expect(namespaces().some(n => n.startsWith(`${LAB_NS_PREFIX}${lab.id}-`))).toBe(true)
  })

  it('removes the namespaces of a lab whose process died, and only those', async () => {
    // A pid that is surely gone: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim()
    const leftover = `${LAB_NS_PREFIX}${dead}-1-n1`
    expect(spawnSync('ip', ['netns', 'add', leftover]).status).toBe(0)
    const removed = await cleanupStaleLabs()
    expect(removed).toContain(leftover)
    expect(namespaces()).not.toContain(leftover)
    expect(namespaces().some(n => n.startsWith(`${LAB_NS_PREFIX}${lab.id}-`))).toBe(true)
  })
})
