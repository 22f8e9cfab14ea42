// The nodes' side of the sign benchmark: their pino logs ('signing session
// ended', 'sign request finished', warnings) matched to the client's samples,
// to show where a request's time goes.
import { readFile } from 'node:fs/promises'
import type { Devnet } from '../devnet/api.js'
import type { Sample } from './sign-run.js'
import { median, round1 } from './stats.js'

/** Request ids, peer ids, hex and numbers out, so that one cause is one line. */
export function normalise (reason: string): string {
  return reason
    .replace(/https?:\/\/[^\s/]+/g, '<node>')
    .replace(/\b12D3Koo[A-Za-z0-9]+/g, '<peer>')
    .replace(/\b[0-9a-f]{16,}\b/g, '<hex>')
    .replace(/(request|session) [A-Za-z0-9_/-]{8,}/g, '$1 <id>')
    .replace(/\/sign_request\/[A-Za-z0-9_-]+/g, '/sign_request/<id>')
    .replace(/\d+/g, 'N')
    .replace(/usable members?\b/g, 'usable member(s)')
    .slice(0, 240)
}
/** Requests the client saw fail although a CM logged them completed (e.g. the client timed out and failed over). */
export function completedBehindClientsBack (samples: readonly Sample[], logs: NodeLogs): number {
  return samples.filter(s => !s.ok && (logs.finished.get(s.requestId) ?? []).some(f => f.status === 'completed')).length
}

export interface SessionEnd { node: number, sessionId: string, outcome: string, ms: number, at: number }
export interface Finished { node: number, at: number, status: string, attempts: number }

export interface NodeLogs {
  sessions: Map<string, SessionEnd[]>
  /** sessionId → times the party members logged 'signature share sent'. */
  sharesSent: Map<string, number[]>
  /** sessionId → each signer's step times (ms) from its 'signature share sent' line. */
  signerSteps: Map<string, Array<Record<string, number>>>
  /** requestId → every 'sign request finished' (more than one when the client failed over to another CM). */
  finished: Map<string, Finished[]>
  sessionsByNode: Record<string, number>
  sessionOutcomes: Record<string, number>
  /** Sessions started, by how round 1 was done: presigned or exchanged (docs/protocols/sign.md#presignatures). */
  sessionsByRound1: Record<string, number>
  rejections: Record<string, number>
  /** Every warn/error message (pino level ≥ 40), with a count and the first example. */
  warnings: Record<string, { count: number, example: string }>
}

interface LogLine { presigned?: boolean, steps?: Record<string, number>, level?: number, time?: string, msg?: string, requestId?: string, sessionId?: string, outcome?: string, ms?: number, status?: string, attempts?: number, code?: string, reason?: string }

export async function readNodeLogs (devnet: Devnet): Promise<NodeLogs> {
  const logs: NodeLogs = { sessions: new Map(), sharesSent: new Map(), signerSteps: new Map(), finished: new Map(), sessionsByNode: {}, sessionOutcomes: {}, sessionsByRound1: {}, rejections: {}, warnings: {} }
  for (const n of devnet.nodes()) {
    const text = await readFile(n.paths.log, 'utf8').catch(() => '')
    for (const raw of text.split('\n')) {
      if (raw.trim() === '') continue
      let line: LogLine
      try {
        line = JSON.parse(raw) as LogLine
      } catch {
        // Not pino: something the process wrote to stderr itself (a crash, a warning from Node).
        add(logs.warnings, `node ${n.index} stderr: ${normalise(raw).slice(0, 120)}`, raw)
        continue
      }
      const at = Date.parse(line.time ?? '')
      if (line.msg === 'signing session started') {
        const round1 = line.presigned === true ? 'presigned' : 'exchanged'
        logs.sessionsByRound1[round1] = (logs.sessionsByRound1[round1] ?? 0) + 1
      } else if (line.msg === 'signing session ended' && line.requestId !== undefined) {
        const list = logs.sessions.get(line.requestId) ?? []
        list.push({ node: n.index, sessionId: line.sessionId ?? '', outcome: line.outcome ?? '?', ms: line.ms ?? Number.NaN, at })
        logs.sessions.set(line.requestId, list)
        logs.sessionsByNode[`node ${n.index}`] = (logs.sessionsByNode[`node ${n.index}`] ?? 0) + 1
        logs.sessionOutcomes[line.outcome ?? '?'] = (logs.sessionOutcomes[line.outcome ?? '?'] ?? 0) + 1
      } else if (line.msg === 'signature share sent' && line.sessionId !== undefined) {
        logs.sharesSent.set(line.sessionId, [...(logs.sharesSent.get(line.sessionId) ?? []), at])
        if (line.steps !== undefined) logs.signerSteps.set(line.sessionId, [...(logs.signerSteps.get(line.sessionId) ?? []), line.steps])
      } else if (line.msg === 'sign request finished' && line.requestId !== undefined) {
        logs.finished.set(line.requestId, [...(logs.finished.get(line.requestId) ?? []), { node: n.index, at, status: line.status ?? '?', attempts: line.attempts ?? 0 }])
      } else if (line.msg === 'sign request rejected') {
        const key = `${line.code ?? '?'}: ${normalise(line.reason ?? '')}`
        logs.rejections[key] = (logs.rejections[key] ?? 0) + 1
      }
      if ((line.level ?? 0) >= 40) add(logs.warnings, `${line.level === 40 ? 'warn' : 'error'}: ${line.msg ?? '?'}`, raw)
    }
  }
  return logs
}

function add (into: Record<string, { count: number, example: string }>, key: string, example: string): void {
  const entry = into[key] ?? { count: 0, example: example.slice(0, 400) }
  entry.count++
  into[key] = entry
}

/**
 * Medians over the completed requests of a phase, on one wall clock (client and nodes share the
 * machine; log times have 1 ms resolution):
 *   client start → CM session start  GET /who_cm, POST /sign_request, request checks, store write
 *   session start → last share sent  new_party to the party, each signer's checks, round 1 exchange, ledger sync, signShare
 *   last share sent → session end    answers back to the CM, decode, aggregate (+ verify)
 *   session end → request finished   the CM's synced store write
 *   finished → client done           HTTP answer, the client's parse and signature check
 */
export function breakdown (samples: readonly Sample[], logs: NodeLogs): Record<string, number | null> {
  const parts = { clientMs: [] as number[], cmSessionMs: [] as number[], gapMs: [] as number[], toSessionStartMs: [] as number[], sessionToLastShareMs: [] as number[], lastShareToSessionEndMs: [] as number[], sessionEndToFinishedMs: [] as number[], finishedToClientMs: [] as number[] }
  let matched = 0
  for (const s of samples) {
    if (!s.ok) continue
    // Only the CM that completed the request: after a client failover another CM may have run sessions too.
    const all = logs.sessions.get(s.requestId) ?? []
    const cm = all.find(x => x.outcome === 'completed')?.node
    const sessions = all.filter(x => x.node === cm)
    const last = sessions.at(-1)
    if (cm === undefined || last === undefined) continue
    matched++
    const sessionMs = sessions.reduce((a, x) => a + x.ms, 0)
    const firstStart = Math.min(...sessions.map(x => x.at - x.ms))
    const clientEnd = s.startedAt + s.latencyMs
    parts.clientMs.push(s.latencyMs)
    parts.cmSessionMs.push(sessionMs)
    parts.gapMs.push(s.latencyMs - sessionMs)
    parts.toSessionStartMs.push(firstStart - s.startedAt)
    const shares = logs.sharesSent.get(last.sessionId)
    if (shares !== undefined && shares.length > 0) {
      const lastShare = Math.max(...shares)
      parts.sessionToLastShareMs.push(lastShare - (last.at - last.ms))
      parts.lastShareToSessionEndMs.push(last.at - lastShare)
    }
    const finished = logs.finished.get(s.requestId)?.find(x => x.node === cm)
    if (finished !== undefined) {
      parts.sessionEndToFinishedMs.push(finished.at - last.at)
      parts.finishedToClientMs.push(clientEnd - finished.at)
    }
  }
  const out: Record<string, number | null> = { matchedRequests: matched }
  for (const [k, v] of Object.entries(parts)) out[`${k}P50`] = v.length > 0 ? round1(median(v)) : null
  return out
}

/** Medians of each signer step (ms) over every share sent in the completed sessions of these samples. */
export function signerSteps (samples: readonly Sample[], logs: NodeLogs): Record<string, number> {
  const byStep = new Map<string, number[]>()
  for (const s of samples) {
    const session = (logs.sessions.get(s.requestId) ?? []).find(x => x.outcome === 'completed')
    for (const steps of session === undefined ? [] : logs.signerSteps.get(session.sessionId) ?? []) {
      for (const [k, v] of Object.entries(steps)) byStep.set(k, [...(byStep.get(k) ?? []), v])
    }
  }
  return Object.fromEntries([...byStep].map(([k, v]) => [k, round1(median(v))]))
}

// --- report ---
