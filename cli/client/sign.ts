// The client's sign (DESIGN 5): an owner-signed request to a communication
// manager, failing over to the next manager with the same requestId when one
// does not answer, and checking the returned signature itself.
import { hexToBytes } from '@noble/hashes/utils.js'
import { createHash, randomBytes } from 'node:crypto'
import { verifySignature } from '../../protocols/frost/index.js'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { pointFromHex } from '../../protocols/sharing/index.js'
import { PROTOCOL_VERSION } from '../../protocols/constants.js'
import { WhoCmSchema } from '../../protocols/wire/http.js'
import { SIGN_REQUEST_KIND, SignResultSchema, type SignRequest, type SignResult } from '../../protocols/wire/sign.js'
import type { KeyFile } from '../key-file.js'
import { callJson, CLIENT_REQUEST_TIMEOUT_MS, NodeUnreachableError, ProblemError } from './http.js'

/** Default validity of a request: long enough to fail over and retry, short enough to be useless later. */
export const DEFAULT_REQUEST_LIFETIME_MS = 60_000
/** How long the client asks a CM to hold the answer open (Prefer: wait). */
export const PREFER_WAIT_S = 30
const POLL_INTERVAL_MS = 200

export interface SignOptions {
  node: string
  key: KeyFile
  message: Uint8Array
  requestId?: string
  lifetimeMs?: number
  /** false: return as soon as a CM accepted the request (status pending). */
  wait?: boolean
  signal?: AbortSignal
  /** Called when a manager fails and the next is tried. */
  onFailover?: (from: string, why: string) => void
}

export class SignatureInvalidError extends Error {
  constructor (readonly manager: string) {
    super(`${manager} returned a signature that does not verify for this key and message`)
    this.name = 'SignatureInvalidError'
  }
}

export function newRequestId (): string {
  return randomBytes(12).toString('base64url')
}

export function buildSignRequest (key: KeyFile, message: Uint8Array, requestId: string, expiresAt: number): SignRequest {
  return signBody(SIGN_REQUEST_KIND, {
    v: PROTOCOL_VERSION, keyId: key.keyId, message: Buffer.from(message).toString('hex'), requestId, expiresAt
  }, hexToBytes(key.owner.secretKey)) as SignRequest
}

export async function sign (opts: SignOptions): Promise<SignResult> {
  const base = opts.node.replace(/\/$/, '')
  const request = buildSignRequest(opts.key, opts.message, opts.requestId ?? newRequestId(), Date.now() + (opts.lifetimeMs ?? DEFAULT_REQUEST_LIFETIME_MS))
  const { managers } = await callJson('GET', `${base}/who_cm`, WhoCmSchema, undefined, { signal: opts.signal })
  if (managers.length === 0) throw new Error(`${base} knows no live communication manager`)
  const errors: string[] = []
  for (const manager of managerOrder(managers, request.requestId)) {
    try {
      let result = await callJson('POST', `${manager.http}/sign_request`, SignResultSchema, request, {
        signal: opts.signal,
        headers: opts.wait === false ? {} : { prefer: `wait=${PREFER_WAIT_S}` },
        // The manager holds the answer up to PREFER_WAIT_S: do not give up on it (and fail over) before that.
        timeoutMs: opts.wait === false ? undefined : PREFER_WAIT_S * 1000 + CLIENT_REQUEST_TIMEOUT_MS
      })
      while (opts.wait !== false && result.status === 'pending' && Date.now() < request.expiresAt) {
        await new Promise(resolve => setTimeout(resolve, POLL_INTERVAL_MS))
        result = await signStatus(manager.http, request.requestId, opts.signal, request.keyId)
      }
      if (result.status === 'completed') checkResult(opts.key, opts.message, result, manager.http)
      return result
    } catch (err) {
      // A manager that is gone, no longer a manager (421), full (429 coordinator-busy), restarted or broken (5xx): the next one takes the same request.
      const retryable = err instanceof NodeUnreachableError ||
        (err instanceof ProblemError && (err.status === 421 || err.status >= 500 || err.problem?.code === 'coordinator-busy'))
      if (!retryable) throw err
      errors.push((err as Error).message)
      opts.onFailover?.(manager.http, (err as Error).message)
    }
  }
  throw new Error(`no communication manager took the request: ${errors.join('; ')}`)
}

/**
 * The managers rotated by a hash of the request id: requests spread over all
 * managers (one CM would otherwise take every session), and a retry of the same
 * request tries them in the same order.
 */
export function managerOrder<T> (managers: readonly T[], requestId: string): T[] {
  const start = createHash('sha256').update(requestId).digest().readUInt32BE(0) % managers.length
  return [...managers.slice(start), ...managers.slice(0, start)]
}

function checkResult (key: KeyFile, message: Uint8Array, result: SignResult, manager: string): void {
  const ok = result.signature !== undefined && result.groupPublicKey === key.groupPublicKey &&
    verifySignature(key.scheme, pointFromHex(key.scheme, key.groupPublicKey), message, hexToBytes(result.signature))
  if (!ok) throw new SignatureInvalidError(manager)
}

export async function signStatus (node: string, requestId: string, signal?: AbortSignal, keyId?: string): Promise<SignResult> {
  const query = keyId === undefined ? '' : `?keyId=${keyId}`
  return await callJson('GET', `${node.replace(/\/$/, '')}/sign_request/${encodeURIComponent(requestId)}${query}`, SignResultSchema, undefined, { signal })
}
