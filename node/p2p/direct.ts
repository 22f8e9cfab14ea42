// One JSON request and one JSON response over a fresh libp2p stream, both
// length-prefixed and size-limited, every wait bound by an AbortSignal.
// Bad input is rejected at the edge by the schemas given here.
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import type { z } from 'zod'
import { MAX_DIRECT_MESSAGE_BYTES, maxStreamsPerConnection } from '../../protocols/constants.js'
import type { Logger } from '../log.js'
import type { ShardsigLibp2p } from './create-libp2p.js'

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
  let stream: Stream | undefined
  try {
    stream = await libp2p.dialProtocol(peerIdFromString(peerId), protocol, { signal: opts.signal })
    const lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: readBufferBytes(maxBytes) })
    await lp.write(encoder.encode(JSON.stringify(body)), { signal: opts.signal })
    const answer = await lp.read({ signal: opts.signal })
    await stream.close({ signal: opts.signal }).catch(() => {})
    const parsed = responseSchema.safeParse(JSON.parse(decoder.decode(answer.subarray())))
    if (!parsed.success) throw new DirectProtocolError(protocol, peerId, `malformed response: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
    return parsed.data
  } catch (err) {
    stream?.abort(err as Error)
    if (err instanceof DirectProtocolError) throw err
    throw new DirectProtocolError(protocol, peerId, opts.signal.aborted ? 'deadline exceeded' : (err as Error).message)
  }
}

export interface JsonHandlerInit<Req> {
  libp2p: ShardsigLibp2p
  protocol: string
  requestSchema: z.ZodType<Req>
  /** Answer for a request that fails the schema. */
  malformed: (reason: string) => unknown
  handle: (request: Req, ctx: { peerId: string, signal: AbortSignal }) => Promise<unknown>
  timeoutMs: number
  log: Logger
  maxBytes?: number
}

export async function handleJson<Req> (init: JsonHandlerInit<Req>): Promise<void> {
  const maxBytes = init.maxBytes ?? MAX_DIRECT_MESSAGE_BYTES
  const maxStreams = maxStreamsPerConnection(init.protocol)
  await init.libp2p.handle(init.protocol, async (stream, connection) => {
    const signal = AbortSignal.timeout(init.timeoutMs)
    const peerId = connection.remotePeer.toString()
    try {
      const lp = lpStream(stream, { maxDataLength: maxBytes, maxBufferSize: readBufferBytes(maxBytes) })
      const raw = await lp.read({ signal })
      let answer: unknown
      let json: unknown
      try {
        json = JSON.parse(decoder.decode(raw.subarray()))
      } catch {
        json = undefined
      }
      const parsed = init.requestSchema.safeParse(json)
      answer = parsed.success
        ? await init.handle(parsed.data, { peerId, signal })
        : init.malformed(parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; '))
      await lp.write(encoder.encode(JSON.stringify(answer)), { signal })
      // A handler must close its stream itself (NOTES-libp2p.md).
      await stream.close({ signal })
    } catch (err) {
      init.log.debug({ protocol: init.protocol, peer: peerId, err: (err as Error).message }, 'direct protocol stream failed')
      stream.abort(err as Error)
    }
  }, maxStreams === undefined ? {} : { maxInboundStreams: maxStreams, maxOutboundStreams: maxStreams })
}

/**
 * What one stream may buffer unread: one message and its length prefix. (The
 * reader's default is 4 MiB whatever the message limit, so a peer could make
 * every stream of a 256 KiB protocol hold 4 MiB of bytes sent past its message.)
 */
function readBufferBytes (maxMessageBytes: number): number {
  return maxMessageBytes + 16
}
