// Summarises V8 .cpuprofile files (node --cpu-prof; devnet nodes write them when
// SHARDSIG_NODE_CPU_PROF_DIR is set): self time by function and by source file,
// summed over all files given. Lines of the bundled node (dist/shardsig-node.mjs)
// are mapped to the module esbuild put there, from its `// path` comments.
// --window FROM_US TO_US keeps the samples taken in that span of CLOCK_MONOTONIC (the
// `monotonicUs` of a phase in bench/results/sign*.json); --callers NAME prints the stacks
// that lead to a function's self time; --windows FILE keeps the samples inside any of the spans
// the JSON file lists ([[FROM_US, TO_US], ...]: one member's calls, bench/ecdsa.ts --profile).
//   node dist/bench/profile-summary.js [--top N] [--window FROM TO | --windows FILE] [--callers NAME] FILE_OR_DIR...
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

/** For a bundle: sorted start lines (0-based) of its modules and their paths. */
type ModuleMap = Array<{ line: number, path: string }>
const bundles = new Map<string, ModuleMap>()

function moduleMapOf (url: string): ModuleMap | undefined {
  if (!url.endsWith('.mjs') || !url.startsWith('file://')) return undefined
  let map = bundles.get(url)
  if (map === undefined) {
    map = []
    try {
      const lines = readFileSync(fileURLToPath(url), 'utf8').split('\n')
      lines.forEach((text, i) => { if (/^\/\/ [\w@./-]+\.(m?js|ts)$/.test(text)) map!.push({ line: i, path: text.slice(3) }) })
    } catch {}
    bundles.set(url, map)
  }
  return map
}

/** The source file a frame belongs to: the bundled module, else the url's tail. */
export function fileOf (frame: CallFrame): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)'
  const map = moduleMapOf(frame.url)
  if (map !== undefined && map.length > 0) {
    let lo = 0
    let hi = map.length - 1
    let found = '(bundle prelude)'
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (map[mid]!.line <= frame.lineNumber) { found = map[mid]!.path; lo = mid + 1 } else hi = mid - 1
    }
    return found
  }
  return frame.url.replace(/^file:\/\/.*\/node_modules\//, 'node_modules/').replace(/^node:/, 'node:')
}

export interface Summary {
  totalMs: number
  wallMs: number
  byFunction: Map<string, number>
  byFile: Map<string, number>
  byPackage: Map<string, number>
  /** With callersOf: the self time of that function by the chain of its callers (up to 6 frames). */
  callers: Map<string, number>
}

function packageOf (file: string): string {
  const m = /^(?:dist\/)?node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (m !== null) return m[1]!
  if (file.startsWith('dist/')) return file.split('/').slice(1, 3).join('/')
  if (file.startsWith('node:')) return 'node: (internals)'
  return file
}

export function summarise (files: string[], windows?: ReadonlyArray<readonly [number, number]>, callersOf?: string): Summary {
  const out: Summary = { totalMs: 0, wallMs: 0, byFunction: new Map(), byFile: new Map(), byPackage: new Map(), callers: new Map() }
  const add = (m: Map<string, number>, k: string, v: number): void => { m.set(k, (m.get(k) ?? 0) + v) }
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8')) as Profile
    out.wallMs += (p.endTime - p.startTime) / 1000
    const byId = new Map(p.nodes.map(n => [n.id, n]))
    const parent = new Map<number, number>()
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
    let at = p.startTime
    for (let i = 0; i < p.samples.length; i++) {
      at += p.timeDeltas[i] ?? 0
      if (windows !== undefined && !windows.some(([from, to]) => at >= from && at <= to)) continue
      const node = byId.get(p.samples[i]!)
      if (node === undefined) continue
      const ms = (p.timeDeltas[i + 1] ?? 0) / 1000
      if (callersOf !== undefined && node.callFrame.functionName === callersOf) {
        const chain: string[] = []
        for (let id = parent.get(node.id); id !== undefined && chain.length < 6; id = parent.get(id)) {
          const f = byId.get(id)!.callFrame
          chain.push(`${f.functionName || '(anon)'}@${fileOf(f).split('/').slice(-2).join('/')}`)
        }
        add(out.callers, chain.join(' < '), ms)
      }
      const file = fileOf(node.callFrame)
      if (node.callFrame.functionName === '(idle)') continue
      out.totalMs += ms
      add(out.byFunction, `${node.callFrame.functionName || '(anonymous)'}  ${file}:${node.callFrame.lineNumber + 1}`, ms)
      add(out.byFile, file, ms)
      add(out.byPackage, packageOf(file), ms)
    }
  }
  return out
}

function profilesIn (paths: string[]): string[] {
  return paths.flatMap(p => statSync(p).isDirectory() ? readdirSync(p).filter(f => f.endsWith('.cpuprofile')).map(f => join(p, f)) : [p])
}

function print (title: string, m: Map<string, number>, total: number, top: number): void {
  console.log(`\n${title}`)
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${v.toFixed(0).padStart(8)} ms ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const args = process.argv.slice(2)
  let top = 30
  const i = args.indexOf('--top')
  if (i >= 0) { top = Number(args[i + 1]); args.splice(i, 2) }
  let windows: Array<[number, number]> | undefined
  const w = args.indexOf('--window')
  if (w >= 0) { windows = [[Number(args[w + 1]), Number(args[w + 2])]]; args.splice(w, 3) }
  const ws = args.indexOf('--windows')
  if (ws >= 0) { windows = JSON.parse(readFileSync(args[ws + 1]!, 'utf8')) as Array<[number, number]>; args.splice(ws, 2) }
  let callersOf: string | undefined
  const c = args.indexOf('--callers')
  if (c >= 0) { callersOf = args[c + 1]; args.splice(c, 2) }
  const files = profilesIn(args)
  const s = summarise(files, windows, callersOf)
  console.log(`${files.length} profiles, ${s.totalMs.toFixed(0)} ms of samples not idle over ${s.wallMs.toFixed(0)} ms of profile wall time (summed)`)
  print('self time by package / folder', s.byPackage, s.totalMs, top)
  print('self time by file', s.byFile, s.totalMs, top)
  print('self time by function', s.byFunction, s.totalMs, top)
  if (callersOf !== undefined) print(`callers of ${callersOf}`, s.callers, s.totalMs, top)
}
