// Per-client and per-owner token buckets on the HTTP routes that cost work
// (docs/protocols/http.md#quotas). Which routes, and which class of bucket each
// draws on, is the route table's (`quota` in protocols/wire/http-api.ts); the
// rates are HTTP_CLIENT_QUOTAS and HTTP_OWNER_QUOTAS unless the config's
// limits.http says otherwise. A client is its socket's address (an IPv6 client
// its /64); behind a proxy every client is the proxy, unless the operator sets
// limits.http.trustForwardedFor. An owner is its owner auth key, drawn on only
// once its signature verified, so nobody can drain another owner's bucket.
import type { Context, MiddlewareHandler } from 'hono'
import { isIP, isIPv6 } from 'node:net'
import { HTTP_CLIENT_QUOTAS, HTTP_OWNER_QUOTAS, MAX_QUOTA_CLIENTS, MAX_QUOTA_OWNERS, type QuotaRate } from '../../protocols/constants.js'
import { KeyedBuckets } from '../../protocols/limits/keyed-buckets.js'
import { retryAfterSeconds } from '../../protocols/limits/token-bucket.js'
import { routeLabel, type ClientQuotaClass, type HttpRoute, type OwnerQuotaClass } from '../../protocols/wire/http-api.js'
import { HttpProblem } from './problems.js'

/** What the node config's limits.http may set. */
export interface HttpQuotaSettings {
  trustForwardedFor?: boolean
  perClient?: Partial<Record<ClientQuotaClass, QuotaRate>>
  perOwner?: Partial<Record<OwnerQuotaClass, QuotaRate>>
}

export interface HttpQuotaOptions extends HttpQuotaSettings {
  /** Milliseconds on a clock that does not go back; default performance.now. */
  now?: () => number
  /** Default MAX_QUOTA_CLIENTS and MAX_QUOTA_OWNERS. */
  maxClients?: number
  maxOwners?: number
  /** Each refusal, by route label (`POST /sign_request`) and whose bucket (metrics). */
  onRefused?: (route: string, quota: 'client' | 'owner') => void
}

export type QuotaHolder = 'client' | 'owner'

/** 429: the client's or the owner's bucket for this route is empty; Retry-After says when it holds a token again. */
export class RateLimitedProblem extends HttpProblem {
  constructor (readonly quota: QuotaHolder, route: string, retryAfterMs: number) {
    const seconds = retryAfterSeconds(retryAfterMs)
    super(429, 'rate-limited', 'Too Many Requests',
      `${quota === 'client' ? 'this client' : 'this key\'s owner'} is over its quota for ${route} at this node; retry in ${seconds} s`,
      { quota }, { 'retry-after': String(seconds) })
  }
}

const UNKNOWN_CLIENT = 'unknown'

/**
 * The bucket key of a client address: an IPv4 address as it is (also when
 * written IPv4-mapped), an IPv6 address by its /64 (one site gets a whole /64
 * and can pick any address in it), anything else as one "unknown" client.
 */
export function clientKey (address: string | undefined): string {
  if (address === undefined) return UNKNOWN_CLIENT
  const bare = address.split('%')[0]!
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare)
  if (mapped !== null) return mapped[1]!
  if (isIP(bare) === 4) return bare
  if (!isIPv6(bare)) return UNKNOWN_CLIENT
  const [head = '', tail] = bare.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  // An embedded IPv4 address (only ever last) stands for two groups.
  const tailCount = tailGroups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailCount).fill('0'), ...tailGroups]
  return `${groups.slice(0, 4).map(g => parseInt(g, 16).toString(16)).join(':')}::/64`
}

/** The address a request came from: the socket's, or with `trustForwardedFor` the last X-Forwarded-For entry (the one the proxy added). */
export function clientAddress (c: Context, trustForwardedFor: boolean): string | undefined {
  if (trustForwardedFor) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim()
    if (forwarded !== undefined && isIP(forwarded) !== 0) return forwarded
  }
  // @hono/node-server puts node's IncomingMessage into the env; app.request() in tests may pass one.
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }, server?: { incoming?: { socket?: { remoteAddress?: string } } } } | undefined
  return (env?.server?.incoming ?? env?.incoming)?.socket?.remoteAddress
}

export class HttpQuotas {
  private readonly clients: Record<ClientQuotaClass, KeyedBuckets>
  private readonly owners: Record<OwnerQuotaClass, KeyedBuckets>
  private readonly now: () => number
  private readonly trustForwardedFor: boolean

  constructor (private readonly opts: HttpQuotaOptions = {}) {
    this.now = opts.now ?? (() => performance.now())
    this.trustForwardedFor = opts.trustForwardedFor ?? false
    const maxClients = opts.maxClients ?? MAX_QUOTA_CLIENTS
    const maxOwners = opts.maxOwners ?? MAX_QUOTA_OWNERS
    const client = (k: ClientQuotaClass): KeyedBuckets => new KeyedBuckets(opts.perClient?.[k] ?? HTTP_CLIENT_QUOTAS[k], maxClients)
    const owner = (k: OwnerQuotaClass): KeyedBuckets => new KeyedBuckets(opts.perOwner?.[k] ?? HTTP_OWNER_QUOTAS[k], maxOwners)
    this.clients = { sign: client('sign'), read: client('read'), keys: client('keys'), operator: client('operator') }
    this.owners = { sign: owner('sign'), delete: owner('delete') }
  }

  /** The middleware of a route with a quota: one token of the client's bucket of the route's class, or 429. */
  forClient (route: HttpRoute): MiddlewareHandler {
    const quota = route.quota
    if (quota === undefined) throw new Error(`${routeLabel(route)} has no quota in the route table`)
    const buckets = this.clients[quota.client]
    const label = routeLabel(route)
    return async (c, next) => {
      const taken = buckets.take(clientKey(clientAddress(c, this.trustForwardedFor)), this.now())
      if (!taken.ok) this.refuse('client', label, taken.retryAfterMs)
      await next()
    }
  }

  /** One token of the owner's bucket for `route`, or a RateLimitedProblem. Call only once the owner's signature verified. */
  takeOwner (route: HttpRoute, ownerAuthKey: string): void {
    const cls = route.quota?.owner
    if (cls === undefined) throw new Error(`${routeLabel(route)} has no owner quota in the route table`)
    const taken = this.owners[cls].take(ownerAuthKey, this.now())
    if (!taken.ok) this.refuse('owner', routeLabel(route), taken.retryAfterMs)
  }

  private refuse (quota: QuotaHolder, route: string, retryAfterMs: number): never {
    this.opts.onRefused?.(route, quota)
    throw new RateLimitedProblem(quota, route, retryAfterMs)
  }
}
