// `shardsig status`: the network as a table (nodes, committee, roles, live,
// health as each node reports it, keys held, last blame) with the reasons of
// any node that is not ok under it, refreshed with --watch, or as JSON for scripts;
// `shardsig status REQUEST_ID` shows a sign request instead.
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { networkStatus, type NetworkStatus, type NodeStatus } from '../client/network.js'
import { signStatus } from '../client/sign.js'
import { envNode, UsageError, type Io } from '../io.js'
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from '../trust-flags.js'
import { formatColumns } from '../table.js'

export const STATUS_USAGE = `usage: shardsig status --node URL [--watch [SECONDS]] [--json]
       shardsig status REQUEST_ID --node URL [--key-id ID] [--json]

Without REQUEST_ID: every node of the network as the node at URL sees it
(committee, roles, live), with what each node says of itself (its health:
ok, starting or DEGRADED with reasons; keys held; its last blame). --watch refreshes every SECONDS (default 2) until Ctrl-C.
With REQUEST_ID: the state of a sign request, asked from the manager that
coordinates it. SHARDSIG_NODE may stand in for --node.

${TRUST_USAGE}`

const DEFAULT_WATCH_S = 2
const CLEAR_SCREEN = '\u001b[2J\u001b[H'

function ago (ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-'
  return ms < 1_000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`
}

function blameText (n: NodeStatus, now: number): string {
  const b = n.lastBlame
  if (b === undefined) return '-'
  return `${b.culpritNodeId ?? b.culprit.slice(-8)} ${b.reason} (${b.flow}, ${ago(now - b.at)} ago)`
}

/** What a node's /health says of itself: `ok`, `starting`, or `DEGRADED (peers, shares)`. */
function healthText (n: NodeStatus): string {
  if (!n.answers || n.health === undefined) return '-'
  if (n.health === 'ok') return 'ok'
  const codes = (n.reasons ?? []).map(r => r.code).join(', ')
  return `${n.health === 'degraded' ? 'DEGRADED' : 'starting'}${codes !== '' ? ` (${codes})` : ''}`
}

export function formatNetwork (s: NetworkStatus): string {
  const rows = s.nodes.map(n => [
    n.nodeId, `${n.committee}/${n.member}`, n.roles.length > 0 ? n.roles.join(',') : '-',
    n.live ? 'live' : 'DOWN', ago(n.lastHeartbeatAgoMs), healthText(n), n.answers ? String(n.keys ?? '-') : 'no answer', blameText(n, s.at)
  ])
  const live = s.nodes.filter(n => n.live).length
  const notOk = s.nodes.filter(n => n.answers && n.health !== undefined && n.health !== 'ok')
  // Each reason's sentence under the table, for the nodes that are not ok.
  const reasons = notOk.flatMap(n => (n.reasons ?? []).map(r => `${n.nodeId} ${n.health ?? ''}: ${r.code}: ${r.detail}`))
  return [
    `network ${s.network}, epoch ${s.epoch}: ${s.params.committees} committees, tc ${s.params.tc}, tm ${s.params.tm}; ${live}/${s.nodes.length} live as ${s.askedNode} sees it` +
      (notOk.length > 0 ? `; ${notOk.length} not ok by their own /health` : ''),
    formatColumns(['node', 'committee/member', 'roles', 'live', 'heartbeat', 'health', 'keys', 'last blame it recorded'], rows),
    ...reasons
  ].join('\n')
}

export async function runStatus (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { node: { type: 'string' }, 'key-id': { type: 'string' }, json: { type: 'boolean', default: false }, watch: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' }, ...TRUST_OPTIONS }
  })
  if (values.help === true) { io.out(STATUS_USAGE); return 0 }
  const node = values.node ?? envNode(io)
  if (node === undefined) throw new UsageError('--node is required (or SHARDSIG_NODE)')
  // `--watch 5`: the seconds arrive as a positional right after the flag.
  let watchS: number | undefined
  const rest = [...positionals]
  if (values.watch === true) {
    watchS = DEFAULT_WATCH_S
    if (rest[0] !== undefined && /^\d+(\.\d+)?$/.test(rest[0])) watchS = Number(rest.shift())
    if (watchS <= 0) throw new UsageError('--watch takes a positive number of seconds')
  }
  if (rest.length > 1) throw new UsageError('give at most one REQUEST_ID')
  await trustFromFlags(values, node, io)
  if (rest.length === 1) {
    if (watchS !== undefined) throw new UsageError('--watch shows the network; it does not take a REQUEST_ID')
    const result = await signStatus(node, rest[0]!, io.signal, values['key-id'])
    io.out(values.json === true ? JSON.stringify(result) : `${result.requestId}: ${result.status}${result.signature !== undefined ? ` ${result.signature}` : ''}${result.reason !== undefined ? `: ${result.reason}` : ''}`)
    return 0
  }
  for (;;) {
    const status = await networkStatus(node, io.signal)
    if (values.json === true) io.out(JSON.stringify(status))
    else io.out(`${watchS !== undefined ? CLEAR_SCREEN : ''}${formatNetwork(status)}`)
    if (watchS === undefined) return 0
    await sleep(watchS * 1000, undefined, { signal: io.signal }).catch(() => {})
    if (io.signal.aborted) return 0
  }
}
