// The devnet's DKLs23 pair setups seen from outside (bench/sign.ts, issue 19 item 8), from each
// node's log: a node logs 'ECDSA pair set up' (peer, role) once its end of a setup is stored, so a
// pair is held when both ends have logged it. The metric shardsig_ecdsa_pair_setups_total counts
// setups, not pairs (a crossing setup counts at both roles), so it cannot say which pairs are held.
// Setups ahead start at a node's timer ticks (PAIR_SETUPS_AHEAD_DELAY_MS after its 'ECDSA pair
// states read', then every PAIR_SETUPS_AHEAD_INTERVAL_MS), once its registry holds an ECDSA key;
// the ticks are estimated from that line, so the wait for them can be told from the setups.
import { open } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { PAIR_SETUPS_AHEAD_DELAY_MS, PAIR_SETUPS_AHEAD_INTERVAL_MS } from '../protocols/constants.js'
import type { Devnet } from '../devnet/api.js'

const POLL_MS = 250

interface PairLogLine { msg?: string, time?: string, peer?: string, role?: string, completed?: number, failed?: number }

export interface AheadPass { node: number, endedAt: number, completed: number, failed: number }

export interface PairSetupResult {
  pairs: number
  held: number
  /** From the key's creation (new_user answered) until every pair held keys at both ends; null if not within the wait. */
  allPairsMs: number | null
  /** The first timer tick of any node after the key's creation (estimated): before it only on-demand setups run. */
  firstAheadTickMs: number | null
  /** allPairsMs − firstAheadTickMs: the setups ahead once a node started them (on-demand ones may overlap). */
  fromFirstTickMs: number | null
  /** Pairs held before the first tick: set up on demand for the first signature's party. */
  heldBeforeFirstTick: number
  /** Each pair's time, from the key's creation, ascending (ms). */
  pairHeldMs: number[]
  /** Setups logged, by the role of the logging end; failed setups ('ECDSA pair setup failed'). */
  logged: { initiator: number, responder: number, failed: number }
  /** Each node's passes ahead that set something up ('ECDSA pairs set up ahead'), ms after the key's creation. */
  aheadPasses: Array<{ node: number, endedMs: number, completed: number, failed: number }>
  /** CPU of all nodes from the key's creation until all pairs were held (windowMs), the first signature's work included; net of the idle devnet's rate after the runs (withIdle). */
  nodesCpuMs: number | null
  windowMs: number
  nodesCpuMsNetOfIdle: number | null
}

/** `p` with its CPU net of an idle devnet's `idleMsPerS` over its window. */
export function withIdle (p: PairSetupResult, idleMsPerS: number): PairSetupResult {
  return { ...p, nodesCpuMsNetOfIdle: p.nodesCpuMs === null ? null : Math.round(p.nodesCpuMs - idleMsPerS * p.windowMs / 1000) }
}

export class PairSetupWatch {
  private readonly offsets = new Map<number, number>()
  private readonly partial = new Map<number, string>()
  /** node peer id → peer → when that node first logged a setup with it. */
  private readonly seen = new Map<string, Map<string, number>>()
  private readonly statesReadAt = new Map<number, number>()
  private readonly passes: AheadPass[] = []
  private readonly logged = { initiator: 0, responder: 0, failed: 0 }
  private readonly peerIds: string[]

  constructor (private readonly devnet: Devnet) {
    this.peerIds = devnet.nodes().map(n => n.peerId)
  }

  get pairs (): number {
    return this.peerIds.length * (this.peerIds.length - 1) / 2
  }

  /** Reads what the nodes logged since the last call. */
  async poll (): Promise<void> {
    for (const n of this.devnet.nodes()) {
      const text = await this.readNew(n.index, n.paths.log)
      for (const raw of text.split('\n')) {
        if (!raw.includes('ECDSA pair')) continue
        let line: PairLogLine
        try {
          line = JSON.parse(raw) as PairLogLine
        } catch {
          continue
        }
        const at = Date.parse(line.time ?? '')
        if (line.msg === 'ECDSA pair states read') this.statesReadAt.set(n.index, at)
        else if (line.msg === 'ECDSA pairs set up ahead') this.passes.push({ node: n.index, endedAt: at, completed: line.completed ?? 0, failed: line.failed ?? 0 })
        else if (line.msg === 'ECDSA pair setup failed') this.logged.failed++
        else if (line.msg === 'ECDSA pair set up' && line.peer !== undefined) {
          if (line.role === 'initiator') this.logged.initiator++
          else this.logged.responder++
          const mine = this.seen.get(n.peerId) ?? new Map<string, number>()
          if (!mine.has(line.peer)) mine.set(line.peer, at)
          this.seen.set(n.peerId, mine)
        }
      }
    }
  }

  /** When each pair of the devnet's nodes was held at both ends (the later end's log time); absent pairs left out. */
  heldAt (): number[] {
    const out: number[] = []
    for (const a of this.peerIds) {
      for (const b of this.peerIds) {
        if (a >= b) continue
        const ab = this.seen.get(a)?.get(b)
        const ba = this.seen.get(b)?.get(a)
        if (ab !== undefined && ba !== undefined) out.push(Math.max(ab, ba))
      }
    }
    return out.sort((x, y) => x - y)
  }

  /** Polls until every pair is held or `timeoutMs` passed; `progress` gets the count held. */
  async waitForAll (timeoutMs: number, progress: (held: number) => void): Promise<void> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      await this.poll()
      const held = this.heldAt().length
      progress(held)
      if (held >= this.pairs || performance.now() > deadline) return
      await sleep(POLL_MS)
    }
  }

  /** The figures, relative to the key's creation; `cpu` is the nodes' CPU over [key created, now] (net of idle: withIdle). */
  result (keyCreatedAt: number, cpu: { nodesCpuMs: number, wallMs: number }): PairSetupResult {
    const held = this.heldAt()
    const all = held.length >= this.pairs ? held[held.length - 1]! : undefined
    const ticks = [...this.statesReadAt.values()].map(t => firstTickAfter(t, keyCreatedAt))
    const firstTick = ticks.length > 0 ? Math.min(...ticks) : undefined
    const since = (t: number | undefined): number | null => t === undefined ? null : t - keyCreatedAt
    return {
      pairs: this.pairs,
      held: held.length,
      allPairsMs: since(all),
      firstAheadTickMs: since(firstTick),
      fromFirstTickMs: all !== undefined && firstTick !== undefined ? all - firstTick : null,
      heldBeforeFirstTick: firstTick === undefined ? 0 : held.filter(t => t < firstTick).length,
      pairHeldMs: held.map(t => t - keyCreatedAt),
      logged: { ...this.logged },
      aheadPasses: this.passes.filter(p => p.endedAt >= keyCreatedAt).map(p => ({ node: p.node, endedMs: p.endedAt - keyCreatedAt, completed: p.completed, failed: p.failed })),
      nodesCpuMs: all === undefined ? null : Math.round(cpu.nodesCpuMs),
      windowMs: Math.round(cpu.wallMs),
      nodesCpuMsNetOfIdle: null
    }
  }

  private async readNew (node: number, path: string): Promise<string> {
    const file = await open(path, 'r').catch(() => undefined)
    if (file === undefined) return ''
    try {
      const from = this.offsets.get(node) ?? 0
      const { size } = await file.stat()
      if (size <= from) return ''
      const buffer = Buffer.alloc(size - from)
      const { bytesRead } = await file.read(buffer, 0, buffer.length, from)
      this.offsets.set(node, from + bytesRead)
      // A line cut by the read waits for its end.
      const text = (this.partial.get(node) ?? '') + buffer.subarray(0, bytesRead).toString('utf8')
      const cut = text.lastIndexOf('\n') + 1
      this.partial.set(node, text.slice(cut))
      return text.slice(0, cut)
    } finally {
      await file.close()
    }
  }
}

/** A node's first ahead tick at or after `t`: its timer fires DELAY after start, then every INTERVAL. */
function firstTickAfter (statesReadAt: number, t: number): number {
  const first = statesReadAt + PAIR_SETUPS_AHEAD_DELAY_MS
  if (t <= first) return first
  return first + Math.ceil((t - first) / PAIR_SETUPS_AHEAD_INTERVAL_MS) * PAIR_SETUPS_AHEAD_INTERVAL_MS
}
