// The status page's script, inlined into GET / (its CSP names it by hash).
// Plain browser JavaScript in a string: the node's TypeScript has no DOM types.
// It follows GET /status/stream (SSE) and falls back to polling GET /status
// when the browser has no EventSource or the node refuses the stream (503).
// Every value is put into the page as text (textContent / setAttribute), never
// as HTML: blame reasons and details quote what peers sent.
// No backslashes and no backticks below: this is a template literal.
import { STATUS_POLL_INTERVAL_MS, STATUS_STREAM_INTERVAL_MS } from '../../../protocols/constants.js'

/** Shown as stale when no snapshot arrived for this long. */
const STALE_AFTER_MS = 3 * STATUS_STREAM_INTERVAL_MS + STATUS_POLL_INTERVAL_MS

export const STATUS_PAGE_SCRIPT = `
'use strict'
;(function () {
  const POLL_MS = ${STATUS_POLL_INTERVAL_MS}
  const STALE_MS = ${STALE_AFTER_MS}
  const $ = function (id) { return document.getElementById(id) }
  let lastAt = 0
  let polling = false

  function h (tag, attrs) {
    const e = document.createElement(tag)
    for (const k in attrs || {}) {
      const v = attrs[k]
      if (v !== undefined && v !== null) e.setAttribute(k, String(v))
    }
    for (let i = 2; i < arguments.length; i++) {
      const kid = arguments[i]
      if (kid === undefined || kid === null) continue
      e.append(typeof kid === 'object' ? kid : String(kid))
    }
    return e
  }
  function duration (ms) {
    if (ms < 1000) return ms + ' ms'
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s'
    return Math.round(ms / 60000) + ' min'
  }
  function ago (at, now) {
    const ms = Math.max(0, now - at)
    return ms < 3600000 ? duration(ms) + ' ago' : new Date(at).toISOString().slice(0, 19).replace('T', ' ') + ' UTC'
  }
  function short (text, n) { return text.length <= n ? text : text.slice(0, n - 1) + '…' }
  function isWebUrl (u) { return u.startsWith('http://') || u.startsWith('https://') }
  function fill (id, kids) { $(id).replaceChildren(...kids) }
  function emptyRow (cols, text) { return h('tr', { class: 'empty' }, h('td', { colspan: cols }, text)) }

  function render (s) {
    const byPeer = new Map(s.nodes.map(function (n) { return [n.peerId, n] }))
    const name = function (peerId) { const n = byPeer.get(peerId); return n ? n.nodeId : short(peerId, 14) }
    const badge = function (live) { return h('span', { class: live ? 'badge live' : 'badge down' }, live ? 'live' : 'down') }
    const link = function (n) { return isWebUrl(n.http) ? h('a', { href: n.http.endsWith('/') ? n.http : n.http + '/' }, n.nodeId) : n.nodeId }

    $('network').textContent = s.network
    $('epoch').textContent = String(s.epoch)
    $('params').textContent = s.params.committees + ' committees, any ' + s.params.tc + ' of them sign with ' + s.params.tm + ' members each; ' + s.params.managers + ' managers'
    $('self').textContent = s.self.nodeId + ' (committee ' + s.self.committee + ')'
    $('uptime').textContent = duration(s.self.uptimeMs)
    $('keys').textContent = String(s.self.keys)
    $('health').setAttribute('data-status', s.health.status)
    $('health').replaceChildren(h('span', { class: 'badge ' + s.health.status }, s.health.status))
    fill('health-reasons', s.health.reasons.map(function (r) {
      return h('li', { 'data-reason': r.code }, h('b', null, r.code), ': ' + r.detail)
    }))

    fill('committees', s.committees.map(function (c) {
      const role = function (r, which) { return h('td', { 'data-role': which, class: r ? null : 'none' }, r ? r.nodeId : 'none') }
      const members = h('td', { class: 'members' })
      for (const n of s.nodes.filter(function (n) { return n.committee === c.committee })) {
        members.append(h('span', { class: n.live ? 'member live' : 'member down', title: n.live ? 'live' : 'down' }, n.nodeId), ' ')
      }
      return h('tr', { 'data-committee': c.committee }, h('td', null, c.committee), role(c.leader, 'leader'), role(c.backup, 'backup'), members)
    }))
    fill('managers', s.managers.length === 0
      ? [h('span', { class: 'none' }, 'none live')]
      : s.managers.map(function (m, i) { return h('span', { class: 'manager', 'data-manager': m.nodeId }, (i > 0 ? ', ' : '') + m.nodeId) }))

    fill('nodes', s.nodes.map(function (n) {
      const heard = n.self ? 'this node' : n.lastHeartbeatAgoMs === null ? 'never' : duration(n.lastHeartbeatAgoMs) + ' ago'
      return h('tr', { 'data-node-id': n.nodeId, 'data-live': String(n.live), class: n.live ? null : 'down' },
        h('td', null, link(n)), h('td', null, n.committee), h('td', { class: 'roles' }, n.roles.join(', ') || '–'),
        h('td', null, badge(n.live)), h('td', null, heard), h('td', null, n.connected ? 'yes' : 'no'))
    }))

    const requests = s.recentSignRequests.map(function (r) {
      const byCommittee = new Map()
      for (const m of r.signers) byCommittee.set(m.committee, (byCommittee.get(m.committee) || []).concat(name(m.peerId)))
      const signers = [...byCommittee.entries()].sort(function (a, b) { return a[0] - b[0] })
        .map(function (e) { return 'c' + e[0] + ': ' + e[1].join(', ') }).join(' · ')
      const outcome = h('td', null, h('span', { class: 'badge ' + r.status }, r.status))
      if (r.reason) outcome.append(h('div', { class: 'reason' }, r.reason))
      return h('tr', { 'data-request-id': r.requestId, 'data-status': r.status },
        h('td', null, ago(r.finishedAt, s.at)), h('td', null, h('code', null, r.requestId)), h('td', null, h('code', { title: r.keyId }, r.keyId.slice(0, 8) + '…')),
        h('td', null, r.scheme), outcome, h('td', { class: 'num' }, duration(r.latencyMs)), h('td', { class: 'num' }, r.attempts),
        h('td', { class: 'signers', 'data-signers': r.signers.length }, signers || '–'))
    })
    fill('requests', requests.length > 0 ? requests : [emptyRow(8, 'none since this node started')])

    const blame = s.blame.map(function (b) {
      return h('tr', { 'data-culprit': name(b.culprit) },
        h('td', null, ago(b.at, s.at)), h('td', null, name(b.culprit)), h('td', null, b.flow), h('td', null, b.reason),
        h('td', { class: 'detail', title: b.detail }, short(b.detail, 160)))
    })
    fill('blame', blame.length > 0 ? blame : [emptyRow(5, 'none recorded')])

    lastAt = Date.now()
    document.body.classList.remove('stale')
  }

  function setMode (mode, text) {
    $('conn').setAttribute('data-mode', mode)
    $('conn').textContent = text
  }

  function poll () {
    fetch('status', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json() })
      .then(function (s) { render(s); setMode('polling', 'live, polling every ' + duration(POLL_MS)) })
      .catch(function () { setMode('down', 'this node does not answer') })
      .finally(function () { setTimeout(poll, POLL_MS) })
  }
  function startPolling () {
    if (polling) return
    polling = true
    poll()
  }

  if (typeof EventSource !== 'function') {
    startPolling()
  } else {
    const es = new EventSource('status/stream')
    es.addEventListener('status', function (ev) { render(JSON.parse(ev.data)); setMode('stream', 'live, streaming') })
    es.onerror = function () {
      // CLOSED: the node refused the stream (e.g. 503, too many viewers); else the browser reconnects by itself.
      if (es.readyState === EventSource.CLOSED) { es.close(); startPolling() } else setMode('reconnecting', 'reconnecting…')
    }
  }

  setInterval(function () {
    if (lastAt === 0) return
    const since = Date.now() - lastAt
    $('updated').textContent = 'updated ' + duration(since) + ' ago'
    if (since > STALE_MS) document.body.classList.add('stale')
  }, 1000)
})()
`
