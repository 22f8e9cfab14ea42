// Request/response over one long-lived stream per peer and direction, for the
// direct protocols a node runs on every signature (party, sign). A fresh stream
// per request costs a multistream-select exchange, yamux open/close frames,
// a peer-store update and several abort signals on both ends; a message on an
// open stream costs one frame each way (NOTES-libp2p.md: ~0.2 ms against
// 1.4–2 ms, docs/performance.md). Requests carry an id, so many are in flight on
// one stream and answers come back in any order.
//
// Frames: a varint length, then JSON. Request {"i": id, "p": protocol, "b": body},
// answer {"i": id, "b": answer} or {"i": id, "e": why}; a notification is a request
// without "i", whose answer is not sent (round-1 commitments, completion notices:
// their senders never used the answer but to log it). The receiving side runs
// the same handler, schema and deadline as a stream of that protocol would get
// (direct.ts), and answers "busy" beyond the protocol's stream cap per channel.
// See docs/decisions/0010-channels.md.
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Logger } from '../log.js'
import type { ShardsigLibp2p } from './create-libp2p.js'
import { raceSignal } from '../deadline.js'

export const PROTOCOL_CHANNEL = '/shardsig/channel/1.0.0'
/**
 * Answers a receiver holds for a sender that does not read them before it closes the channel.
 * An honest CM has a few requests in flight to one signer (a new_party per session).
 */
const MAX_UNREAD_ANSWERS = 256
/** A frame holds one message of a direct protocol plus the envelope. */
const ENVELOPE_BYTES = 256

/** What a stream's 'message' event carries: bytes, or a Uint8ArrayList of them. */
type Chunk = Uint8Array | { subarray: () => Uint8Array }

/**
 * Splits a byte stream into varint-length-prefixed frames. (Our own: @libp2p/utils'
 * LengthPrefixedDecoder walks a Uint8ArrayList byte by byte for every length prefix,
 * which showed up at 1.7 % of a signing node's time.)
 */
export class FrameDecoder {
  private buffered: Uint8Array = new Uint8Array(0)

  constructor (private readonly maxFrameBytes: number) {}

  /** The complete frames in what arrived so far; throws on a frame over the limit. */
  push (chunk: Chunk): Uint8Array[] {
    const data = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    const buf = this.buffered.byteLength === 0 ? data : concat(this.buffered, data)
    const frames: Uint8Array[] = []
    let at = 0
    for (;;) {
      let length = 0
      let i = at
      let complete = false
      for (let shift = 0; i < buf.byteLength; shift += 7) {
        if (shift > 28) throw new ChannelError('frame length prefix too long')
        const b = buf[i++]!
        length += (b & 0x7f) * 2 ** shift
        if (b < 0x80) { complete = true; break }
      }
      if (!complete) break
      if (length > this.maxFrameBytes) throw new ChannelError(`frame of ${length} bytes, over the limit of ${this.maxFrameBytes}`)
      if (i + length > buf.byteLength) break
      frames.push(buf.subarray(i, i + length))
      at = i + length
    }
    // A partial frame is kept as a copy: the transport may reuse the chunk's memory.
    this.buffered = at === buf.byteLength ? new Uint8Array(0) : buf.slice(at)
    if (this.buffered.byteLength > this.maxFrameBytes + 16) throw new ChannelError('partial frame over the limit')
    return frames
  }
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a, 0)
  out.set(b, a.byteLength)
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface ChannelRoute {
  /** The largest request body this protocol takes (bytes of JSON). */
  maxBytes: number
  /** How many of this protocol's requests one channel may have in flight at the receiver. */
  maxInFlight: number
  /** Checks and answers one request body, parsed JSON (the same work a stream handler does after parsing). */
  answer: (json: unknown, ctx: { peerId: string }) => Promise<unknown>
}

export class ChannelError extends Error {
  /** `unsent`: the request never left this node, so asking again cannot deliver it twice. */
  constructor (reason: string, readonly unsent = false) {
    super(reason)
    this.name = 'ChannelError'
  }
}

interface Pending { resolve: (answer: unknown) => void, reject: (err: Error) => void }

/** Our outbound channel to one peer: requests go out, answers come back. */
class OutboundChannel {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly decoder: FrameDecoder
  closed = false

  constructor (readonly stream: Stream, maxFrameBytes: number, private readonly onClosed: () => void) {
    this.decoder = new FrameDecoder(maxFrameBytes)
    stream.addEventListener('message', evt => {
      try {
        for (const frame of this.decoder.push(evt.data)) this.onFrame(frame)
      } catch (err) {
        stream.abort(err as Error)
      }
    })
    stream.addEventListener('close', evt => { this.close(evt.error ?? new ChannelError('channel closed')) })
    // The other end is going (its node stops): close ours too, so neither waits on the other.
    stream.addEventListener('remoteCloseWrite', () => {
      this.close(new ChannelError('channel closed by the peer'))
      stream.close().catch(err => { stream.abort(err as Error) })
    })
  }

  private onFrame (frame: Uint8Array): void {
    const msg = JSON.parse(decoder.decode(frame)) as { i?: unknown, b?: unknown, e?: unknown }
    if (typeof msg.i !== 'number') throw new ChannelError('answer without an id')
    const p = this.pending.get(msg.i)
    if (p === undefined) return // its caller gave up (deadline)
    this.pending.delete(msg.i)
    if (typeof msg.e === 'string') p.reject(new ChannelError(msg.e))
    else p.resolve(msg.b)
  }

  /** Open for new requests: not closed here, and the stream still writable (a closing connection may not have told us yet). */
  get writable (): boolean {
    return !this.closed && this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  async request (protocol: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    if (!this.writable) throw new ChannelError('channel closed', true)
    signal.throwIfAborted()
    const id = this.nextId++
    const answer = new Promise<unknown>((resolve, reject) => { this.pending.set(id, { resolve, reject }) })
    // Rejected by close() or the deadline possibly before it is awaited below.
    answer.catch(() => {})
    const onAbort = (): void => {
      const p = this.pending.get(id)
      this.pending.delete(id)
      p?.reject(new ChannelError('deadline exceeded'))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const bytes = encoder.encode(JSON.stringify({ i: id, p: protocol, b: body }))
      let sent: boolean
      try {
        sent = this.stream.send(frame(bytes))
      } catch (err) {
        throw new ChannelError(`could not send: ${(err as Error).message || (err as Error).name}`, true)
      }
      if (!sent) await this.stream.onDrain({ signal })
      return await answer
    } finally {
      signal.removeEventListener('abort', onAbort)
      this.pending.delete(id)
    }
  }

  /** Sends `body` with no answer expected; resolves once it is handed to the stream. */
  async notify (protocol: string, body: unknown, signal: AbortSignal): Promise<void> {
    if (!this.writable) throw new ChannelError('channel closed', true)
    let sent: boolean
    try {
      sent = this.stream.send(frame(encoder.encode(JSON.stringify({ p: protocol, b: body }))))
    } catch (err) {
      throw new ChannelError(`could not send: ${(err as Error).message || (err as Error).name}`, true)
    }
    if (!sent) await this.stream.onDrain({ signal })
  }

  close (err: Error): void {
    if (this.closed) return
    this.closed = true
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
    this.onClosed()
  }
}

/** A varint length (unsigned LEB128, as lpStream writes it), then the bytes. */
function frame (bytes: Uint8Array): Uint8Array {
  const head: number[] = []
  let n = bytes.byteLength
  while (n >= 0x80) { head.push((n & 0x7f) | 0x80); n >>>= 7 }
  head.push(n)
  const out = new Uint8Array(head.length + bytes.byteLength)
  out.set(head, 0)
  out.set(bytes, head.length)
  return out
}

/** One per libp2p node: the routes it answers on channels, and its outbound channels. */
export class Channels {
  private readonly routes = new Map<string, ChannelRoute>()
  private readonly outbound = new Map<string, Promise<OutboundChannel>>()
  private handling = false
  /** Peers whose node does not speak the channel protocol: plain streams for them. */
  private readonly unsupported = new Set<string>()

  constructor (private readonly libp2p: ShardsigLibp2p, private readonly log: Logger) {}

  private get maxFrameBytes (): number {
    return Math.max(0, ...[...this.routes.values()].map(r => r.maxBytes)) + ENVELOPE_BYTES
  }

  /** Answers `protocol` on channels too (direct.ts calls it next to its stream handler). */
  async route (protocol: string, route: ChannelRoute): Promise<void> {
    this.routes.set(protocol, route)
    if (this.handling) return
    this.handling = true
    await this.libp2p.handle(PROTOCOL_CHANNEL, (stream, connection) => { this.serve(stream, connection) }, { maxInboundStreams: 2, maxOutboundStreams: 2 })
  }

  unroute (protocol: string): void {
    this.routes.delete(protocol)
  }

  /** Whether a request to `peerId` should try a channel (false once the peer said it has none). */
  usable (peerId: string): boolean {
    return !this.unsupported.has(peerId)
  }

  /** Sends one request on our channel to `peerId`, opening it first if needed. */
  async request (peerId: string, protocol: string, body: unknown, signal: AbortSignal, maxFrameBytes: number): Promise<unknown> {
    return await this.onChannel(peerId, signal, maxFrameBytes, async channel => await channel.request(protocol, body, signal))
  }

  /** Sends one notification (no answer) on our channel to `peerId`, opening it first if needed. */
  async notify (peerId: string, protocol: string, body: unknown, signal: AbortSignal, maxFrameBytes: number): Promise<void> {
    await this.onChannel(peerId, signal, maxFrameBytes, async channel => { await channel.notify(protocol, body, signal) })
  }

  private async onChannel<T> (peerId: string, signal: AbortSignal, maxFrameBytes: number, use: (channel: OutboundChannel) => Promise<T>): Promise<T> {
    // A channel whose connection went away (or is going) is replaced once, when nothing was sent on it yet.
    for (let attempt = 1; ; attempt++) {
      let channel: OutboundChannel
      try {
        channel = await this.open(peerId, signal, maxFrameBytes)
        return await use(channel)
      } catch (err) {
        const unsent = !(err instanceof ChannelError) || err.unsent
        if (attempt >= 2 || !unsent || signal.aborted || !this.usable(peerId)) throw err
        const stale = this.outbound.get(peerId)
        this.outbound.delete(peerId)
        stale?.then(c => { c.stream.abort(new ChannelError('replaced')); c.close(new ChannelError('replaced')) }, () => {})
      }
    }
  }

  private async open (peerId: string, signal: AbortSignal, maxFrameBytes: number): Promise<OutboundChannel> {
    let opening = this.outbound.get(peerId)
    if (opening === undefined) {
      opening = (async () => {
        const stream = await this.libp2p.dialProtocol(peerIdFromString(peerId), PROTOCOL_CHANNEL, { signal })
        const channel: OutboundChannel = new OutboundChannel(stream, maxFrameBytes, () => {
          if (this.outbound.get(peerId) === opening) this.outbound.delete(peerId)
        })
        return channel
      })()
      this.outbound.set(peerId, opening)
      opening.catch((err: Error) => {
        if (this.outbound.get(peerId) === opening) this.outbound.delete(peerId)
        if (err.name === 'UnsupportedProtocolError') this.unsupported.add(peerId)
      })
    }
    // The dial may have been started by a caller with a later deadline: each caller waits only as long as its own.
    return await raceSignal(opening, signal, () => new ChannelError('deadline exceeded'))
  }

  /** Closes every outbound channel (node stop). */
  stop (): void {
    for (const opening of this.outbound.values()) opening.then(c => { c.stream.abort(new ChannelError('stopping')) }, () => {})
    this.outbound.clear()
  }

  /** The receiving end of a peer's channel: answers each request as it comes, in parallel. */
  private serve (stream: Stream, connection: Connection): void {
    const peerId = connection.remotePeer.toString()
    const frames = new FrameDecoder(this.maxFrameBytes)
    const inFlight = new Map<string, number>()
    // Answers written since the stream last could not take more (the sender's window or the
    // connection is full): a sender that keeps asking without reading would otherwise make us
    // buffer answers without bound. A slow but honest sender has a few answers outstanding.
    let congested = false
    let unread = 0
    stream.addEventListener('drain', () => { congested = false; unread = 0 })
    const reply = (msg: unknown): void => {
      // The sender is gone or going: its requests already failed at its end.
      if (stream.status !== 'open' || stream.writeStatus !== 'writable') return
      try {
        if (!stream.send(frame(encoder.encode(JSON.stringify(msg))))) congested = true
        if (congested) unread++
      } catch (err) {
        this.log.debug({ peer: peerId, err: (err as Error).message }, 'channel answer not sent')
      }
    }
    const onRequest = (raw: Uint8Array): void => {
      if (unread > MAX_UNREAD_ANSWERS) throw new ChannelError(`the sender left ${unread} answers unread`)
      // One JSON parse for envelope and body; the route checks the body with its schema.
      const msg = JSON.parse(decoder.decode(raw)) as { i?: unknown, p?: unknown, b?: unknown }
      if (msg.i !== undefined && (typeof msg.i !== 'number' || !Number.isSafeInteger(msg.i))) throw new ChannelError('request with a malformed id')
      // A notification (no id) gets no answer, not even a refusal.
      const id = msg.i as number | undefined
      const answerWith = (m: { b: unknown } | { e: string }): void => { if (id !== undefined) reply({ i: id, ...m }) }
      const route = typeof msg.p === 'string' ? this.routes.get(msg.p) : undefined
      if (route === undefined) { answerWith({ e: `no such protocol ${String(msg.p).slice(0, 64)}` }); return }
      const protocol = msg.p as string
      const n = inFlight.get(protocol) ?? 0
      if (n >= route.maxInFlight) { answerWith({ e: 'busy' }); return }
      inFlight.set(protocol, n + 1)
      route.answer(msg.b, { peerId })
        .then(answer => { answerWith({ b: answer }) }, (err: Error) => {
          this.log.debug({ protocol, peer: peerId, err: err.message }, 'channel request failed')
          answerWith({ e: 'failed' })
        })
        .finally(() => { inFlight.set(protocol, (inFlight.get(protocol) ?? 1) - 1) })
    }
    // The sender closed its channel (its node stops): close ours, so neither waits on the other.
    stream.addEventListener('remoteCloseWrite', () => { stream.close().catch(err => { stream.abort(err as Error) }) })
    stream.addEventListener('message', evt => {
      try {
        for (const f of frames.push(evt.data)) onRequest(f)
      } catch (err) {
        // Not our framing or not JSON: this peer's channel is closed; its plain streams still work.
        this.log.debug({ peer: peerId, err: (err as Error).message }, 'channel closed on a malformed frame')
        stream.abort(err as Error)
      }
    })
  }
}

const perNode = new WeakMap<ShardsigLibp2p, Channels>()

/** The node's channels (created on first use). */
export function channelsOf (libp2p: ShardsigLibp2p, log: Logger): Channels {
  let c = perNode.get(libp2p)
  if (c === undefined) {
    c = new Channels(libp2p, log)
    perNode.set(libp2p, c)
  }
  return c
}

/** Channels of a node that has them, without creating any (clients and tests that never handle). */
export function existingChannelsOf (libp2p: ShardsigLibp2p): Channels | undefined {
  return perNode.get(libp2p)
}
