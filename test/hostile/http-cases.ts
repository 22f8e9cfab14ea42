// Generators of malformed HTTP requests for every route a node serves
// (docs/protocols/http.md), and what a correct answer to each looks like.
// Each case names its category, so the figures show what was covered.
import { fc } from '@fast-check/vitest'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { PROTOCOL_VERSION } from '../../protocols/constants.js'
import { SIGN_REQUEST_KIND, type SignRequest } from '../../protocols/wire/sign.js'
import type { NewUserBundle } from '../../protocols/wire/new-user.js'
import { resign } from '../helpers/owner.js'
import type { WireRequest } from './http-client.js'

export interface HttpFuzzContext {
  /** A registered key (policy: messages of at most 64 bytes starting with 0xcafe). */
  keyId: string
  /** Its owner's secret: the hostile-owner cases sign what they break. */
  owner: Uint8Array
  /** A correct bundle for committee 1, never posted, and the owner that signed it. */
  bundle: NewUserBundle
  bundleOwner: Uint8Array
  /**
   * Another such bundle (same owner) for the one-bad-share cases, which may
   * register its key: members then answer any bundle of that record from
   * their stored share, so it must not be the record the other cases break.
   */
  spareBundle: NewUserBundle
  maxBodyBytes: number
  host: string
}

export interface HttpCase {
  category: string
  /** `problem`: must be a 4xx problem; `any`: a 2xx JSON answer is also right (e.g. junk query on /health). */
  expect: 'problem' | 'any'
  request: WireRequest
}

/** GET routes that answer at once ('/' is the status page, HTML; /status/stream is an event stream and only gets wrong methods here). */
export const DISCOVERY_PATHS = ['/health', '/peers', '/who_cl', '/who_cm', '/members', '/genesis', '/status', '/', '/openapi.json', '/metrics', '/favicon.ico', '/membership'] as const
const POST_PATHS = ['/new_user', '/new_user/dkg', '/sign_request', '/delete_user', '/membership'] as const
const OTHER_METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const

/** What a path answers: GET and HEAD unless it only takes POST; POST where it takes a body (/membership takes both). */
function allowedMethods (path: string): string[] {
  const post = (POST_PATHS as readonly string[]).includes(path)
  const get = !post || (DISCOVERY_PATHS as readonly string[]).includes(path)
  return [...(get ? ['GET', 'HEAD'] : []), ...(post ? ['POST'] : [])]
}

// --- small pieces -----------------------------------------------------------

const SAFE = /^[A-Za-z0-9._~-]$/
/** Percent-encodes every byte of the UTF-8 form that is not unreserved (lone surrogates become U+FFFD). */
function encode (s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte)
    out += SAFE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** A path segment: random text encoded, or a broken escape the server has to survive decoding. */
const segment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).map(encode),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map(encode),
  fc.constantFrom('%', '%zz', '%E0%A4', '%C0%AF', '%00', '%FF%FE', '..', '.', '%2e%2e', '%2F', '\\', '%5C', ';', ';a=b', ':', '@', '~'),
  fc.stringMatching(/^[0-9a-fA-F]{0,70}$/),
  fc.string({ unit: 'grapheme-ascii', minLength: 200, maxLength: 4000 }).map(encode)
)

/** A URL parser resolves `.` and `..` (also as %2e): a segment that must stay a segment must not be one. */
function notDot (s: string): string {
  return s === '' || /^(?:\.|%2e){1,2}$/i.test(s) ? 'a' : s
}

const queryString: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?', '??', '?&&&', '?=', '?=&=', '?%', '?keyId', '?keyId=', '?keyId=%zz', '?keyId[]=1', '?a=1&a=2', '?%00=%00', '?#frag'),
  fc.array(fc.tuple(fc.oneof(fc.constant('keyId'), segment), segment), { maxLength: 6 })
    .map(pairs => '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 3000 }).map(s => '?' + encode(s))
)

/** Header values node:http will put on the wire (no CR/LF, no controls). */
const headerValue = fc.oneof(
  fc.stringMatching(/^[\t\x20-\x7e]{0,80}$/),
  fc.constantFrom('', ' ', 'application/json', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/jsonx',
    'application/json-patch+json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '*/*', ';;;')
)

const junkHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  accept: headerValue,
  prefer: fc.oneof(headerValue, fc.constantFrom('wait=0', 'wait=99999999999', 'wait=-1', 'wait=1.5', 'wait=', 'wait=60, wait=1', 'respond-async')),
  'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-junk'),
  'x-forwarded-for': headerValue,
  'accept-encoding': headerValue,
  cookie: headerValue,
  authorization: headerValue
}, { requiredKeys: [] })

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON;x=y') },
  { weight: 2, arbitrary: fc.option(headerValue, { nil: undefined }) }
)

const hexJunk: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[0-9A-F]{2,130}$/), // uppercase
  fc.stringMatching(/^[0-9a-f]{1,129}$/).filter(s => s.length % 2 === 1), // odd length
  fc.stringMatching(/^[0-9a-f]{0,64}$/).map(s => '0x' + s),
  fc.stringMatching(/^[0-9a-z]{2,128}$/), // not hex
  fc.nat({ max: 40_000 }).map(n => 'ab'.repeat(n)), // far too long
  fc.constantFrom('', ' ', 'zz', '\u00e9\u00e9', '00 11', 'null')
)

/** JSON values of the wrong type for any field. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 60), '', 'x', [], {}, [[]], { v: 1 }),
  hexJunk,
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 200 })
)

// --- bodies -----------------------------------------------------------------

/** Nesting that a recursive parser or validator could choke on. */
const deepNesting: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 100, max: 60_000 }), fc.constantFrom('array', 'object', 'mixed'))
  .map(([depth, shape]) => shape === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : shape === 'object'
      ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      : '{"v":'.repeat(depth) + '[]' + '}'.repeat(depth))

/** Many elements, under the body limit. */
const hugeArray: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom('0', '{}', '"ab"', '[]', 'null'))
  .map(([n, item]) => `[${Array.from({ length: n }, () => item).join(',')}]`)

const nonJson: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }),
  fc.string({ unit: 'binary', maxLength: 500 }),
  fc.constantFrom('', ' ', '{', '}', '[1,]', '{"v":1,}', 'NaN', 'undefined', '\uFEFF{}', '{"a":1}{"b":2}', "{'v':1}", '1e99999', '"\\ud800"', '{"__proto__":{"x":1}}')
)

/** Sets `value` at `path` inside a deep copy of `obj` (arrays and objects alike); extra keys when the path is new. */
function setAt (obj: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value
  const [head, ...rest] = path
  const copy: any = Array.isArray(obj) ? [...obj] : { ...(obj as object) }
  copy[head!] = setAt(copy[head!], rest, value)
  return copy
}

/** Every path to a leaf or container of a JSON value (bounded: arrays contribute their first three items). */
function pathsOf (value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix]
  if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]))
  return out
}

/** A correct body with one place broken: a wrong type, bad hex, a huge array, deep nesting, or an extra field. */
export function nearMiss (template: unknown): fc.Arbitrary<string> {
  const paths = pathsOf(template)
  // Replacing a value by an equal one (committee 1 by 1) leaves a correct request.
  const correct = JSON.stringify(template)
  return fc.tuple(fc.constantFrom(...paths), fc.oneof(
    { weight: 4, arbitrary: wrongValue },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map(n => Array.from({ length: n }, (_, i) => i)) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map(d => ({ [DEEP]: '['.repeat(d) + '1' + ']'.repeat(d) })) },
    { weight: 1, arbitrary: fc.constant(EXTRA) }
  )).map(([path, value]) => {
    if (value === EXTRA) return JSON.stringify(setAt(template, [...path.slice(0, -1), 'unexpected'], 1))
    // Nesting too deep for JSON.stringify's recursion goes in as text.
    if (value !== null && typeof value === 'object' && DEEP in value) return JSON.stringify(setAt(template, path, DEEP)).replace(JSON.stringify(DEEP), (value as Record<string, string>)[DEEP]!)
    return JSON.stringify(setAt(template, path, value))
  }).filter(body => body !== correct)
}
const EXTRA = Symbol('extra field')
const DEEP = '__deep_nesting_goes_here__'

/** How fast-check prints a case in a counterexample: one line, not the whole body. */
export function printable (c: HttpCase): HttpCase {
  const r = c.request
  const text = r.via === 'socket'
    ? JSON.stringify(Buffer.from(r.raw).toString('latin1').slice(0, 200))
    : `${r.method} ${r.path.slice(0, 120)} body ${typeof r.body === 'string' ? JSON.stringify(r.body.slice(0, 120)) : `${r.body?.byteLength ?? 0} bytes`}`
  return Object.defineProperty(c, fc.toStringMethod, { value: () => `[${c.category}] ${text}`, enumerable: false })
}

function postCase (category: string, path: string, body: fc.Arbitrary<string | Uint8Array>, type: fc.Arbitrary<string | undefined> = contentType): fc.Arbitrary<HttpCase> {
  return fc.tuple(body, type, junkHeaders).map(([b, t, h]) => ({
    category,
    expect: 'problem' as const,
    request: { via: 'agent' as const, method: 'POST', path, headers: { ...h, ...(t !== undefined ? { 'content-type': t } : {}) }, body: b }
  }))
}

// --- the hostile owner: correctly signed, wrong inside ----------------------

/**
 * The key's owner breaks its own bundle and signs it again, so only the broken
 * part is wrong. Every change here is one the CL or the members must refuse.
 */
function brokenBundle (ctx: HttpFuzzContext): fc.Arbitrary<NewUserBundle> {
  const b = ctx.bundle
  const r = b.record
  const hex = (len: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: len, maxLength: len }).map(x => Buffer.from(x).toString('hex'))
  const pointLen = r.groupPublicKey.length / 2
  const mutations: Array<fc.Arbitrary<NewUserBundle>> = [
    hex(pointLen).map(g => resign(b, ctx.bundleOwner, { ...r, groupPublicKey: g })),
    hex(16).filter(k => k !== r.keyId).map(k => resign(b, ctx.bundleOwner, { ...r, keyId: k })),
    fc.string({ minLength: 1, maxLength: 64 }).filter(n => n !== r.network).map(n => resign(b, ctx.bundleOwner, { ...r, network: n })),
    hex(32).map(d => resign(b, ctx.bundleOwner, { ...r, genesisDigest: d })),
    fc.integer({ min: 1, max: 2 ** 40 }).map(e => resign(b, ctx.bundleOwner, { ...r, epoch: e })),
    fc.record({ committees: fc.integer({ min: 1, max: 64 }), tc: fc.integer({ min: 1, max: 64 }), tm: fc.integer({ min: 1, max: 64 }) })
      .filter(p => JSON.stringify(p) !== JSON.stringify(r.params)).map(p => resign(b, ctx.bundleOwner, { ...r, params: p })),
    fc.array(fc.array(fc.string({ minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 })
      .map(h => resign(b, ctx.bundleOwner, { ...r, holders: h })),
    fc.tuple(fc.nat({ max: r.commitments.outer.length - 1 }), hex(pointLen)).map(([i, p]) =>
      resign(b, ctx.bundleOwner, { ...r, commitments: { ...r.commitments, outer: r.commitments.outer.map((x, j) => j === i ? p : x) } })),
    // inner commitments of any committee, constant term or higher: the CL sees the first, only members the rest
    fc.tuple(fc.nat({ max: r.commitments.inner.length - 1 }), fc.nat({ max: 63 }), hex(pointLen)).map(([c, k, p]) => {
      const inner = r.commitments.inner.map((row, i) => i === c ? row.map((x, j) => j === k % row.length ? p : x) : row)
      return resign(b, ctx.bundleOwner, { ...r, commitments: { ...r.commitments, inner } })
    }),
    fc.constant(resign(b, ctx.bundleOwner, { ...r, scheme: r.scheme === 'ed25519' ? 'secp256k1' : 'ed25519' })),
    hex(32).map(k => resign(b, ctx.bundleOwner, { ...r, ownerAuthKey: k })),
    // the shares: wrong member numbers, a missing or a doubled share, a different encapsulated key
    fc.tuple(fc.nat({ max: b.shares.length - 1 }), fc.integer({ min: 1, max: 64 })).filter(([i, m]) => b.shares[i]!.member !== m)
      .map(([i, m]) => resign({ ...b, shares: b.shares.map((s, j) => j === i ? { ...s, member: m } : s) }, ctx.bundleOwner)),
    fc.nat({ max: b.shares.length - 1 }).map(i => resign({ ...b, shares: b.shares.filter((_, j) => j !== i) }, ctx.bundleOwner)),
    fc.nat({ max: b.shares.length - 1 }).map(i => resign({ ...b, shares: [...b.shares, b.shares[i]!] }, ctx.bundleOwner)),
    // every member's sealed share broken (a bad encapsulated key or ciphertext): only the members can tell
    fc.array(fc.tuple(hex(32), fc.integer({ min: 0, max: 128 }).chain(n => hex(n)), fc.boolean()), { minLength: b.shares.length, maxLength: b.shares.length })
      .map(broken => resign({ ...b, shares: b.shares.map((s, j) => broken[j]![2] ? { ...s, enc: broken[j]![0] } : { ...s, ciphertext: broken[j]![1] }) }, ctx.bundleOwner)),
    fc.integer({ min: 2, max: 64 }).map(c => resign({ ...b, committee: c }, ctx.bundleOwner)),
    // signed by someone else
    fc.constant({ ...b, signature: 'ab'.repeat(64) })
  ]
  return fc.oneof(...mutations)
}

/**
 * One member's sealed share broken: the other members still confirm the key
 * when enough are left (200 with the failure listed), so any answer but a 5xx
 * is right. Each 200 registers a key, so these are few.
 */
function oneBadShare (ctx: HttpFuzzContext): fc.Arbitrary<NewUserBundle> {
  const b = ctx.spareBundle
  const hex = (len: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: len, maxLength: len }).map(x => Buffer.from(x).toString('hex'))
  return fc.tuple(fc.nat({ max: b.shares.length - 1 }), hex(32)).map(([i, e]) => resign({ ...b, shares: b.shares.map((s, j) => j === i ? { ...s, enc: e } : s) }, ctx.bundleOwner))
}

/**
 * Owner-signed sign requests for the registered key that the CM must refuse
 * before taking them: expired, too long-lived, over the key's 64-byte limit,
 * without its 0xcafe prefix, or signed by another key.
 */
function brokenSignRequest (ctx: HttpFuzzContext): fc.Arbitrary<SignRequest> {
  const id = fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/)
  const good = fc.uint8Array({ maxLength: 30 }).map(m => 'cafe' + Buffer.from(m).toString('hex'))
  const sign = (body: Omit<SignRequest, 'signature'>, secret = ctx.owner): SignRequest => signBody(SIGN_REQUEST_KIND, body, secret) as SignRequest
  const base = { v: PROTOCOL_VERSION as 1, keyId: ctx.keyId }
  // expiresAt is relative to when the case runs, not when it was generated: keep the margins wide.
  const now = Date.now()
  const hour = 3_600_000
  return fc.oneof(
    fc.tuple(id, good, fc.integer({ min: 0, max: now - hour })).map(([requestId, message, expiresAt]) => sign({ ...base, requestId, message, expiresAt })),
    fc.tuple(id, good, fc.integer({ min: now + 2 * hour, max: Number.MAX_SAFE_INTEGER })).map(([requestId, message, expiresAt]) => sign({ ...base, requestId, message, expiresAt })),
    fc.tuple(id, fc.uint8Array({ minLength: 63, maxLength: 2_000 })).map(([requestId, m]) => sign({ ...base, requestId, message: 'cafe' + Buffer.from(m).toString('hex'), expiresAt: Date.now() + 60_000 })),
    fc.tuple(id, fc.uint8Array({ maxLength: 40 }).filter(m => !(m[0] === 0xca && m[1] === 0xfe))).map(([requestId, m]) => sign({ ...base, requestId, message: Buffer.from(m).toString('hex'), expiresAt: Date.now() + 60_000 })),
    fc.tuple(id, good, fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([requestId, message, other]) => sign({ ...base, requestId, message, expiresAt: Date.now() + 60_000 }, other)),
    fc.tuple(id, good, fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([requestId, message, k]) => sign({ ...base, keyId: Buffer.from(k).toString('hex'), requestId, message, expiresAt: Date.now() + 60_000 }))
  )
}

// --- raw wire -----------------------------------------------------------------

function wire (lines: string[], body = ''): Uint8Array {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1')
}

/** Requests node:http would refuse to write: broken request lines, methods, header bytes, lengths. */
function rawCases (ctx: HttpFuzzContext): fc.Arbitrary<HttpCase> {
  const host = `Host: ${ctx.host}`
  const anyPath = fc.constantFrom<string>(...DISCOVERY_PATHS, ...POST_PATHS, '/keys/00', '/sign_request/abcdefgh', '/nope')
  const problem = (category: string, raw: Uint8Array): HttpCase => ({ category, expect: 'problem', request: { via: 'socket', raw } })
  return fc.oneof(
    // methods that are not HTTP tokens, or tokens no route knows
    fc.tuple(fc.stringMatching(/^[A-Z]{1,12}$/).filter(m => !['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'].includes(m)), anyPath)
      .map(([m, p]) => problem('raw-method', wire([`${m} ${p} HTTP/1.1`, host, 'Connection: close']))),
    fc.tuple(fc.stringMatching(/^[\x21-\x7e]{1,12}$/), anyPath).map(([m, p]) => ({ category: 'raw-method', expect: 'any' as const, request: { via: 'socket' as const, raw: wire([`${m} ${p} HTTP/1.1`, host, 'Connection: close']) } })),
    // broken request lines
    fc.oneof(
      fc.constantFrom('GET', 'GET /health', 'GET /health HTTP/9.9', 'GET /health HTTP/1.1 extra', ' GET /health HTTP/1.1', 'GET  /health HTTP/1.1',
        'GET health HTTP/1.1', 'GET * HTTP/1.1', 'GET /he alth HTTP/1.1', 'GET /health\tHTTP/1.1', 'HTTP/1.1 200 OK', '\x00\x01\x02'),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 200 }).filter(s => !s.includes('\r') && !s.includes('\n'))
    ).map(line => ({ category: 'raw-request-line', expect: 'any' as const, request: { via: 'socket' as const, raw: wire([line, host, 'Connection: close']) } })),
    // non-ASCII and control bytes in the target
    fc.tuple(fc.constantFrom('/health', '/keys/', '/sign_request/'), fc.uint8Array({ minLength: 1, maxLength: 30 }))
      .map(([p, bytes]) => ({ category: 'raw-target-bytes', expect: 'any' as const, request: { via: 'socket' as const, raw: Buffer.concat([Buffer.from(`GET ${p}`, 'latin1'), Buffer.from(bytes.filter(b => b !== 0x20 && b !== 0x0d && b !== 0x0a)), wire([' HTTP/1.1', host, 'Connection: close'])]) } })),
    // headers: too many bytes, bad names, bad values, no Host, odd Host
    fc.integer({ min: 17 * 1024, max: 64 * 1024 }).map(n => problem('raw-header-overflow', wire(['GET /health HTTP/1.1', host, `X-Big: ${'a'.repeat(n)}`, 'Connection: close']))),
    fc.integer({ min: 200, max: 3_000 }).map(n => ({ category: 'raw-many-headers', expect: 'any' as const, request: { via: 'socket' as const, raw: wire(['GET /health HTTP/1.1', host, ...Array.from({ length: n }, (_, i) => `X-H${i}: ${i}`), 'Connection: close']) } })),
    fc.constantFrom('Bad Name: x', 'X-A\x00: y', ': novalue', 'NoColon', 'X-A: a\x00b', 'X-A: \x7f', ' X-Folded: x')
      .map(h => problem('raw-bad-header', wire(['GET /health HTTP/1.1', host, h, 'Connection: close']))),
    anyPath.map(p => problem('raw-no-host', wire([`GET ${p} HTTP/1.1`, 'Connection: close']))),
    fc.tuple(anyPath, fc.constantFrom('a b', 'a/b', 'a@b', '[::1', 'http://x', '%zz', 'x:99999', '..', 'a\\b'))
      .map(([p, h]) => ({ category: 'raw-odd-host', expect: 'any' as const, request: { via: 'socket' as const, raw: wire([`GET ${p} HTTP/1.1`, `Host: ${h}`, 'Connection: close']) } })),
    // lengths: not a number, negative, two values, with chunked, chunked gone wrong, declared far over the limit
    fc.tuple(fc.constantFrom(...POST_PATHS), fc.constantFrom(['Content-Length: abc'], ['Content-Length: -1'], ['Content-Length: 1', 'Content-Length: 2'],
      ['Content-Length: 2', 'Transfer-Encoding: chunked'], ['Transfer-Encoding: chunked, gzip'], ['Transfer-Encoding: x'], ['Content-Length: 1e3'],
      ['Content-Length: 99999999999999999999']))
      .map(([p, hs]) => problem('raw-length', wire([`POST ${p} HTTP/1.1`, host, 'Content-Type: application/json', ...hs, 'Connection: close'], '{}'))),
    // (a body cut short with the connection left open is a slow client, not a malformed request: no answer is due)
    fc.tuple(fc.constantFrom(...POST_PATHS), fc.constantFrom('zz\r\n{}\r\n0\r\n\r\n', '-1\r\n', 'fffffffffffffffffff\r\n', '2;ext=\x00\r\n{}\r\n0\r\n\r\n'))
      .map(([p, body]) => problem('raw-chunked', wire([`POST ${p} HTTP/1.1`, host, 'Content-Type: application/json', 'Transfer-Encoding: chunked', 'Connection: close'], body))),
    fc.tuple(fc.constantFrom(...POST_PATHS), fc.integer({ min: ctx.maxBodyBytes + 1, max: 2 ** 40 }))
      .map(([p, n]) => problem('raw-declared-oversize', wire([`POST ${p} HTTP/1.1`, host, 'Content-Type: application/json', `Content-Length: ${n}`, 'Connection: close'], '{"v":1'))),
    // Expect other than 100-continue, and an Upgrade nobody asked for
    fc.tuple(anyPath, fc.constantFrom('Expect: 42-nope', 'Expect: ', 'Upgrade: websocket\r\nConnection: Upgrade', 'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings'))
      .map(([p, h]) => ({ category: 'raw-expect-upgrade', expect: 'any' as const, request: { via: 'socket' as const, raw: wire([`GET ${p} HTTP/1.1`, host, ...(h.startsWith('Expect') ? [h, 'Connection: close'] : [h])]) } }))
  )
}

// --- all of it ----------------------------------------------------------------

export function httpCase (ctx: HttpFuzzContext): fc.Arbitrary<HttpCase> {
  const signTemplate = signBody(SIGN_REQUEST_KIND, { v: PROTOCOL_VERSION, keyId: ctx.keyId, message: 'cafe00', requestId: 'template-0001', expiresAt: Date.now() + 60_000 }, ctx.owner)
  const get = (category: string, expect: HttpCase['expect'], path: fc.Arbitrary<string>, method: fc.Arbitrary<string> = fc.constantFrom('GET', 'HEAD')): fc.Arbitrary<HttpCase> =>
    fc.tuple(path, method, junkHeaders, fc.option(nonJson, { nil: undefined })).map(([p, m, h, body]) => ({
      category, expect, request: { via: 'agent' as const, method: m, path: p, headers: h, body: m === 'GET' ? body : undefined }
    }))
  const allPaths = fc.constantFrom<string>(...DISCOVERY_PATHS, ...POST_PATHS, '/keys/' + ctx.keyId, '/sign_request/abcdefgh', '/status/stream')
  const oversized = fc.tuple(fc.constantFrom<string>(...POST_PATHS, '/health', '/keys/00'), fc.integer({ min: ctx.maxBodyBytes + 1, max: ctx.maxBodyBytes * 4 }),
    fc.boolean(), fc.constantFrom('POST', 'PUT', 'POST'))
    .map(([path, n, declared, method]): HttpCase => ({
      category: declared ? 'oversized-declared' : 'oversized-chunked',
      expect: 'problem',
      request: { via: 'fresh', method, path, headers: { 'content-type': 'application/json', ...(declared ? { 'content-length': String(n) } : {}) }, body: Buffer.alloc(n, 0x20) }
    }))
  // Weights: the cheap cases 4× what their share should feel like, so that the
  // ones that cost the node real crypto (owner-signed, ~5–20 ms each) stay a few percent.
  return fc.oneof(
    // GET routes with junk around them: a 200 is right, a 5xx never
    { weight: 24, arbitrary: get('discovery-junk', 'any', fc.tuple(fc.constantFrom(...DISCOVERY_PATHS), queryString).map(([p, q]) => p + q)) },
    // known paths, wrong methods (405)
    { weight: 20, arbitrary: fc.tuple(allPaths, fc.constantFrom(...OTHER_METHODS, 'GET', 'HEAD'), nonJson).filter(([p, m]) => !allowedMethods(p).includes(m))
      .map(([p, m, body]): HttpCase => ({ category: 'wrong-method', expect: 'problem', request: { via: 'agent', method: m, path: p, headers: {}, body: m === 'GET' || m === 'HEAD' ? undefined : body } })) },
    // unknown paths: other names, trailing or doubled slashes, case, deeper paths
    { weight: 20, arbitrary: get('unknown-path', 'problem', fc.oneof(
      fc.array(segment.map(notDot), { minLength: 1, maxLength: 5 }).map(s => '/x-' + s.join('/')),
      fc.constantFrom(...DISCOVERY_PATHS, ...POST_PATHS).filter(p => p !== '/').map(p => p + '/'),
      fc.constantFrom(...DISCOVERY_PATHS, ...POST_PATHS).filter(p => p !== '/').map(p => p.toUpperCase()),
      fc.tuple(fc.constantFrom('/keys', '/sign_request'), fc.array(segment.map(notDot), { minLength: 2, maxLength: 4 })).map(([p, s]) => `${p}/${s.join('/')}`),
      fc.constantFrom('/keys', '/keys/', '/sign_request/', '/delete_user/', '/status/', '/status/x')
    ), fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE')) },
    // dot segments and other tricks a URL parser normalises: whatever route they land on, never a 5xx
    { weight: 4, arbitrary: get('path-tricks', 'any', fc.tuple(fc.constantFrom('/health/..', '/keys/../health', '/./who_cm', '/x/../../genesis', '/keys/%2e%2e/members', '//health', '/health;x', '/health#frag'), queryString).map(([p, q]) => p + q)) },
    // /keys/:keyId with anything but a registered key id
    { weight: 32, arbitrary: get('keys-param', 'problem', fc.tuple(fc.oneof(segment.map(notDot), hexJunk.map(encode), fc.stringMatching(/^[0-9a-f]{32}$/)).filter(s => s !== ctx.keyId && s !== ''), queryString).map(([k, q]) => `/keys/${k}${q}`)) },
    // /sign_request/:requestId?keyId=… for requests this node does not coordinate
    { weight: 32, arbitrary: get('sign-request-get', 'problem', fc.tuple(fc.oneof(segment.map(notDot), fc.stringMatching(/^[A-Za-z0-9_-]{1,100}$/)).filter(s => s !== ''), fc.oneof(queryString, fc.oneof(hexJunk, fc.stringMatching(/^[0-9a-f]{32}$/)).map(k => `?keyId=${encode(k)}`)))
      .map(([id, q]) => `/sign_request/${id}${q}`)) },
    // POST bodies: not JSON, wrong JSON, deep, huge, near misses of correct bodies; any content type
    ...POST_PATHS.flatMap(path => [
      { weight: 16, arbitrary: postCase('post-not-json', path, nonJson) },
      { weight: 16, arbitrary: postCase('post-json-wrong-shape', path, fc.jsonValue({ maxDepth: 6 }).map(v => JSON.stringify(v) ?? 'null')) },
      { weight: 8, arbitrary: postCase('post-deep-nesting', path, deepNesting) },
      { weight: 8, arbitrary: postCase('post-huge-array', path, hugeArray) },
      { weight: 24, arbitrary: postCase('post-near-miss', path, nearMiss(path === '/new_user' ? ctx.bundle : signTemplate)) },
      { weight: 8, arbitrary: postCase('post-content-type', path, fc.constant(JSON.stringify(path === '/new_user' ? ctx.bundle : signTemplate)), fc.oneof(fc.constant(undefined), headerValue.filter(t => !/^application\/json\s*(;|$)/i.test(t)))) }
    ]),
    { weight: 8, arbitrary: oversized },
    // the owner itself, signing broken requests
    { weight: 4, arbitrary: postCase('owner-broken-bundle', '/new_user', brokenBundle(ctx).map(b => JSON.stringify(b)), fc.constant('application/json')) },
    { weight: 1, arbitrary: postCase('owner-one-bad-share', '/new_user', oneBadShare(ctx).map(b => JSON.stringify(b)), fc.constant('application/json')).map(c => ({ ...c, expect: 'any' as const })) },
    { weight: 6, arbitrary: postCase('owner-broken-sign-request', '/sign_request', brokenSignRequest(ctx).map(r => JSON.stringify(r)), fc.constant('application/json')) },
    { weight: 16, arbitrary: rawCases(ctx) }
  )
}
