// One JSON request and one JSON response, both length-prefixed and
// size-limited, every wait bound by an AbortSignal: over a fresh libp2p stream,
// or, for the protocols of every signature (party, sign), over the long-lived
// channel to that peer (channel.ts). Bad input is rejected at the edge by the
// schemas given here, on either path, and a peer over its quota on the
// protocol (peer-quotas.ts) gets the protocol's own refusal.
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { z } from 'zod'
import { MAX_DIRECT_MESSAGE_BYTES, maxStreamsPerConnection, PROTOCOL_PARTY, PROTOCOL_SIGN } from '../../protocols/constants.js'
import { tolerant } from '../../protocols/wire/tolerant.js'
import type { Logger } from '../log.js'
import { channelsOf, existingChannelsOf } from './channel.js'
import type { ShardsigLibp2p } from './create-libp2p.js'
import { peerQuotasOf } from './peer-quotas.js'
import { withDeadline } from '../deadline.js'

/** Protocols whose requests go over channels: many small messages per signature. */
const CHANNEL_PROTOCOLS: ReadonlySet<string> = new Set([PROTOCOL_PARTY, PROTOCOL_SIGN])
/** Streams per connection a handler gets when its protocol names no cap (libp2p's inbound default). */
const DEFAULT_MAX_STREAMS = 32

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class DirectProtocolError extends Error {
  constructor (readonly protocol: string, readonly peerId: string, reason: string) {
    super(`${protocol} with ${peerId}: ${reason}`)
    this.name = 'DirectProtocolError'
  }
}

export async function requestJson<T> (
  libp2p: ShardsigLibp2p, peerId: string, protocol: string, body: unknown,
  responseSchema: z.ZodType<T>, opts: { signal: AbortSignal, maxBytes?: number }
): Promise<T> {
  const maxBytes = opts.maxBytes ?? MAX_DIRECT_MESSAGE_BYTES
  const channels = CHANNEL_PROTOCOLS.has(protocol) ? existingChannelsOf(libp2p) : undefined
  if (channels?.usable(peerId) === true) {
    let answer: unknown
    try {
      answer = await channels.request(peerId, protocol, body, opts.signal, maxBytes)
    } catch (err) {
      // A peer without channels (an older node) is asked over a stream, here and from now on.
      if (channels.usable(peerId)) throw new DirectProtocolError(protocol, peerId, opts.signal.aborted ? "deadline exceeded" : ((err as Error).message || (err as Error).name))
    }
    if (channels.usable(peerId)) return parseAnswer(protocol, peerId, responseSchema, answer)
  }
  let stream: Stream | undefined
  try {
    stream = await libp2p.dialProtocol(peerIdFromString(peerId), protocol, { signal: opts.signal })
    const lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: readBufferBytes(maxBytes) })
    await lp.write(encoder.encode(JSON.stringify(body)), { signal: opts.signal })
    const answer = await lp.read({ signal: opts.signal })
    await stream.close({ signal: opts.signal }).catch(() => {})
    return parseAnswer(protocol, peerId, responseSchema, JSON.parse(decoder.decode(answer.subarray())))
  } catch (err) {
    stream?.abort(err as Error)
    if (err instanceof DirectProtocolError) throw err
    throw new DirectProtocolError(protocol, peerId, opts.signal.aborted ? 'deadline exceeded' : (err as Error).message)
  }
}

/**
 * Sends `body` and expects no answer: on the channel to the peer when it has one, else on a stream
 * whose answer is read and dropped. Resolves once sent (channel) or answered (stream).
 */
export async function notifyJson (libp2p: ShardsigLibp2p, peerId: string, protocol: string, body: unknown, opts: { signal: AbortSignal, maxBytes?: number }): Promise<void> {
  const channels = CHANNEL_PROTOCOLS.has(protocol) ? existingChannelsOf(libp2p) : undefined
  if (channels?.usable(peerId) === true) {
    try {
      await channels.notify(peerId, protocol, body, opts.signal, opts.maxBytes ?? MAX_DIRECT_MESSAGE_BYTES)
      return
    } catch (err) {
      if (channels.usable(peerId)) throw new DirectProtocolError(protocol, peerId, opts.signal.aborted ? 'deadline exceeded' : ((err as Error).message || (err as Error).name))
    }
  }
  await requestJson(libp2p, peerId, protocol, body, ANY_ANSWER, opts)
}

const ANY_ANSWER = z.unknown()

/**
 * Each answer schema's tolerant form, made once: a pure function of an immutable schema (the wire
 * modules' constants), kept rather than rebuilt for every answer. Like the per-node maps of
 * channel.ts and peer-quotas.ts, it lives in node/, where protocols/ keeps no such memo.
 */
const tolerantAnswers = new WeakMap<z.ZodType, z.ZodType>()

// Peers' messages are read tolerantly: fields of a newer minor version are kept, not refused (versioning.md).
function parseAnswer<T> (protocol: string, peerId: string, responseSchema: z.ZodType<T>, json: unknown): T {
  let schema = tolerantAnswers.get(responseSchema) as z.ZodType<T> | undefined
  if (schema === undefined) {
    schema = tolerant(responseSchema)
    tolerantAnswers.set(responseSchema, schema)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new DirectProtocolError(protocol, peerId, `malformed response: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

export interface JsonHandlerInit<Req> {
  libp2p: ShardsigLibp2p
  protocol: string
  requestSchema: z.ZodType<Req>
  /** Answer for a request that fails the schema. */
  malformed: (reason: string) => unknown
  /**
   * Answer for a request from a peer over its quota on this protocol (peer-quotas.ts):
   * one the asking side takes as "not now", not as a fault to blame.
   */
  overQuota: (reason: string, retryAfterMs: number) => unknown
  handle: (request: Req, ctx: { peerId: string, signal: AbortSignal }) => Promise<unknown>
  timeoutMs: number
  log: Logger
  maxBytes?: number
}

export async function handleJson<Req> (init: JsonHandlerInit<Req>): Promise<void> {
  const maxBytes = init.maxBytes ?? MAX_DIRECT_MESSAGE_BYTES
  const maxStreams = maxStreamsPerConnection(init.protocol)
  // The same checks and deadline for a request on a stream and on a channel.
  const requestSchema = tolerant(init.requestSchema)
  const answer = async (json: unknown, peerId: string, signal: AbortSignal): Promise<unknown> => {
    // Read (a frame over the limit is reset unread) but not yet checked: junk costs a token too.
    const quota = peerQuotasOf(init.libp2p).take(init.protocol, peerId)
    if (!quota.ok) {
      init.log.debug({ protocol: init.protocol, peer: peerId, retryAfterMs: quota.retryAfterMs }, 'direct request over the peer quota')
      return init.overQuota(`${peerId} is over this node's quota on ${init.protocol}; retry in ${quota.retryAfterMs} ms`, quota.retryAfterMs)
    }
    const parsed = requestSchema.safeParse(json)
    return parsed.success
      ? await init.handle(parsed.data, { peerId, signal })
      : init.malformed(parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; '))
  }
  if (CHANNEL_PROTOCOLS.has(init.protocol)) {
    await channelsOf(init.libp2p, init.log).route(init.protocol, {
      maxBytes,
      maxInFlight: maxStreams ?? DEFAULT_MAX_STREAMS,
      answer: async (json, { peerId }) => await withDeadline(init.timeoutMs, async signal => await answer(json, peerId, signal))
    })
  }
  await init.libp2p.handle(init.protocol, async (stream, connection) => {
    await withDeadline(init.timeoutMs, async signal => { await answerStream(stream, connection.remotePeer.toString(), signal) })
  }, maxStreams === undefined ? {} : { maxInboundStreams: maxStreams, maxOutboundStreams: maxStreams })

  async function answerStream (stream: Stream, peerId: string, signal: AbortSignal): Promise<void> {
    try {
      const lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: readBufferBytes(maxBytes) })
      const raw = await lp.read({ signal })
      let json: unknown
      try {
        json = JSON.parse(decoder.decode(raw.subarray()))
      } catch {
        json = undefined
      }
      await lp.write(encoder.encode(JSON.stringify(await answer(json, peerId, signal))), { signal })
      // A handler must close its stream itself (NOTES-libp2p.md).
      await stream.close({ signal })
    } catch (err) {
      init.log.debug({ protocol: init.protocol, peer: peerId, err: (err as Error).message }, 'direct protocol stream failed')
      stream.abort(err as Error)
    }
  }
}

/** Stops answering `protocol` (streams and channels). */
export async function unhandleJson (libp2p: ShardsigLibp2p, protocol: string): Promise<void> {
  existingChannelsOf(libp2p)?.unroute(protocol)
  await libp2p.unhandle(protocol)
}

/**
 * What one stream may buffer unread: one message and its length prefix. (The
 * reader's default is 4 MiB whatever the message limit, so a peer could make
 * every stream of a 256 KiB protocol hold 4 MiB of bytes sent past its message.)
 */
function readBufferBytes (maxMessageBytes: number): number {
  return maxMessageBytes + 16
}
