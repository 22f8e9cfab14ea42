// An attacker on the p2p side: a libp2p node built with the nodes' own
// factory (TCP + Noise + Yamux, gossipsub), as a stranger with a fresh key or
// with a genesis member's identity, and one-stream exchanges that report what
// the victim did: answered, reset, or closed without an answer.
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createShardsigLibp2p, type ShardsigLibp2p } from '../../node/p2p/create-libp2p.js'
import type { ShardsigNode } from '../../node/node.js'

export async function startAttacker (privateKey?: PrivateKey): Promise<ShardsigLibp2p> {
  return await createShardsigLibp2p({ privateKey: privateKey ?? await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
}

export async function connect (attacker: ShardsigLibp2p, victim: ShardsigNode): Promise<void> {
  await attacker.dial(victim.libp2p.getMultiaddrs().map(a => multiaddr(a.toString())), { signal: AbortSignal.timeout(10_000) })
}

export type Outcome =
  | { kind: 'reply', json: unknown }
  /** The victim reset the stream (or refused it). */
  | { kind: 'reset', error: string }
  /** The victim closed its end without a reply. */
  | { kind: 'eof' }
  | { kind: 'timeout' }

export interface ExchangeOptions {
  timeoutMs: number
  maxReplyBytes: number
}

/** Opens a stream, writes `bytes` as they are (no framing added), closes our end, reads one framed reply. */
export async function exchange (attacker: ShardsigLibp2p, victim: PeerId, protocol: string, bytes: Uint8Array, opts: ExchangeOptions): Promise<Outcome> {
  const signal = AbortSignal.timeout(opts.timeoutMs)
  let stream: Stream | undefined
  try {
    stream = await attacker.dialProtocol(victim, protocol, { signal })
    const lp = lpStream(stream, { maxDataLength: opts.maxReplyBytes, maxBufferSize: opts.maxReplyBytes + 16 })
    if (bytes.byteLength > 0 && !stream.send(bytes)) await waitForDrain(stream, signal)
    await stream.close({ signal })
    const reply = await lp.read({ signal })
    return { kind: 'reply', json: JSON.parse(new TextDecoder().decode(reply.subarray())) }
  } catch (err) {
    if (signal.aborted) return { kind: 'timeout' }
    const e = err as Error
    if (e.name === 'UnexpectedEOFError') return { kind: 'eof' }
    return { kind: 'reset', error: e.name }
  } finally {
    if (stream !== undefined && stream.status === 'open' && signal.aborted) stream.abort(new Error('exchange timed out'))
  }
}

async function waitForDrain (stream: Stream, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const done = (): void => { stream.removeEventListener('drain', done); stream.removeEventListener('close', done); resolve() }
    stream.addEventListener('drain', done)
    stream.addEventListener('close', done)
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })
}

/** An unsigned LEB128 varint, the framing of every direct protocol. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return Uint8Array.from(out)
}

export function frame (payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
  const prefix = varint(body.byteLength)
  const out = new Uint8Array(prefix.byteLength + body.byteLength)
  out.set(prefix)
  out.set(body, prefix.byteLength)
  return out
}
