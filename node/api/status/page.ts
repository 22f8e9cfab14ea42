// The status page GET / serves: one HTML response with its CSS and script
// inline and nothing from anywhere else. The Content-Security-Policy allows
// exactly that inline style and script (by SHA-256) and fetches to the node
// itself ('self'); everything else is refused.
import { createHash } from 'node:crypto'
import { RECENT_SIGN_REQUESTS_COUNT } from '../../../protocols/constants.js'
import { STATUS_PAGE_SCRIPT } from './client.js'

const STYLE = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5f6b7a; --line: #dde2ea; --live: #137a3a; --down: #b42318; --bg-down: #fdecea; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f6f7f9; }
header { padding: 14px 24px 10px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 20px; }
h1 small { font-weight: normal; color: var(--muted); font-size: 14px; }
h2 { margin: 0 0 6px; font-size: 15px; }
header p { margin: 2px 0; color: var(--muted); }
header b { color: var(--fg); }
main { padding: 12px 24px 24px; display: grid; gap: 14px; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 1100px) { main { grid-template-columns: minmax(0, 4fr) minmax(0, 5fr); } }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; overflow-x: auto; }
section.wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.down td { background: var(--bg-down); }
tr.empty td, .none, .note { color: var(--muted); }
.note { margin: 0 0 8px; font-size: 13px; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
a { color: #1f5fbf; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.badge.live, .badge.completed { background: #e3f5e9; color: var(--live); }
.badge.down, .badge.failed, .badge.degraded { background: var(--bg-down); color: var(--down); }
.badge.ok { background: #e3f5e9; color: var(--live); }
.badge.starting { background: #fff4d6; color: #8a5a00; }
#health-reasons { margin: 4px 0 0; padding-left: 20px; color: var(--down); }
.member.live { color: var(--live); }
.member.down { color: var(--down); text-decoration: line-through; }
.reason, td.detail { color: var(--muted); font-size: 12px; max-width: 420px; white-space: normal; }
td.signers, td.members { white-space: normal; }
#conn[data-mode="stream"], #conn[data-mode="polling"] { color: var(--live); font-weight: 600; }
#conn[data-mode="down"], #conn[data-mode="reconnecting"] { color: var(--down); font-weight: 600; }
body.stale header { background: var(--bg-down); }
`

const HTML_HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>shardsig node status</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>shardsig <small>network <span id="network">…</span>, epoch <span id="epoch">…</span></small></h1>
  <p id="params"></p>
  <p>Seen from <b id="self">…</b>, up <span id="uptime">…</span>, keys in its registry: <span id="keys">…</span>.
     <span id="conn" data-mode="connecting">connecting…</span> <span id="updated"></span></p>
  <p>Health (GET /health): <span id="health" data-status="">…</span></p>
  <ul id="health-reasons"></ul>
</header>
<main>
<section>
  <h2>Committees</h2>
  <p class="note">Roles and liveness as this node sees them (a heartbeat within 3 s means live).</p>
  <table><thead><tr><th>committee</th><th>leader</th><th>backup</th><th>members</th></tr></thead><tbody id="committees"></tbody></table>
  <p>Communication managers: <span id="managers"></span></p>
</section>
<section>
  <h2>Nodes</h2>
  <p class="note">Each name links to that node's own status page.</p>
  <table><thead><tr><th>node</th><th>committee</th><th>roles</th><th>state</th><th>last heartbeat</th><th>connected</th></tr></thead><tbody id="nodes"></tbody></table>
</section>
<section class="wide">
  <h2>Recent sign requests</h2>
  <p class="note">Requests this node coordinated as a communication manager: the last ${RECENT_SIGN_REQUESTS_COUNT} since it started, newest first. Other managers list theirs on their own pages.</p>
  <table><thead><tr><th>finished</th><th>request</th><th>key</th><th>scheme</th><th>outcome</th><th>latency</th><th>attempts</th><th>signers</th></tr></thead><tbody id="requests"></tbody></table>
</section>
<section class="wide">
  <h2>Recent blame</h2>
  <p class="note">Peers this node blamed, newest first.</p>
  <table><thead><tr><th>when</th><th>culprit</th><th>flow</th><th>reason</th><th>detail</th></tr></thead><tbody id="blame"></tbody></table>
</section>
</main>
<noscript><p>This page needs JavaScript. The same data is at <a href="status">/status</a> (JSON).</p></noscript>
`

export const STATUS_PAGE_HTML = `${HTML_HEAD}<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`

function sha256Source (text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
}

/**
 * Only the inline style and script above, by hash; fetch and EventSource to
 * the node itself; no frames, forms, plugins, base URL or other origins.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256Source(STATUS_PAGE_SCRIPT)}`,
  `style-src ${sha256Source(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

export const STATUS_PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': STATUS_PAGE_CSP,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
}
