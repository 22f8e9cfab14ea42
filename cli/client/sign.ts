// The client's sign (DESIGN 5): an owner-signed request to a communication
// manager, failing over to the next manager with the same requestId when one
// does not answer, and checking the returned signature itself.
import { hexToBytes } from '@noble/hashes/utils.js'
import { createHash, randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { signBody } from '../../protocols/crypto/owner-auth.js'
import { PROTOCOL_VERSION } from '../../protocols/constants.js'
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { SIGN_REQUEST_KIND, type SignRequest, type SignResult } from '../../protocols/wire/sign.js'
import type { KeyFile } from '../key-file.js'
import { callRoute, NodeUnreachableError, ProblemError } from './http.js'
import { ManagerDirectory } from './managers.js'
import { SigningContext } from './signing-context.js'
import { frostCurveOf, signingProtocolOf } from '../../protocols/keys/key-scheme.js'
import { ecdsaFields } from '../../protocols/ecdsa/signature-fields.js'
import { RECOVERABLE_SIGNATURE_BYTES } from '../../protocols/ecdsa/ecdsa-signature.js'
import { checkSignature } from './check-signature.js'
import { checkSignedMessage } from './message-digest.js'

/** Default validity of a request: long enough to fail over and retry, short enough to be useless later. */
export const DEFAULT_REQUEST_LIFETIME_MS = 60_000
/**
 * How long the client asks a CM to hold the answer open (Prefer: wait); after
 * that it polls. Short, so that a manager that went silent (killed, cut off,
 * or a pooled connection that stalls) is noticed within seconds, not at the
 * end of one long wait, and the next manager takes the request.
 */
export const PREFER_WAIT_S = 5
/** Deadline of one status poll. */
const POLL_TIMEOUT_MS = 5_000
const POLL_INTERVAL_MS = 200
/** How long past a request's expiry the client still polls for the manager's final answer. */
const EXPIRY_ANSWER_GRACE_MS = 3_000
/** Pause before asking for the managers again when none of them took the request. */
const MANAGERS_RETRY_PAUSE_MS = 500

export interface SignOptions {
  node: string
  key: KeyFile
  /** What the key signs: any message for a FROST key, the 32-byte digest for an ecdsa-secp256k1 one (message-digest.ts). */
  message: Uint8Array
  requestId?: string
  lifetimeMs?: number
  /** false: return as soon as a CM accepted the request (status pending). */
  wait?: boolean
  signal?: AbortSignal
  /** Called when a manager fails and the next is tried. */
  onFailover?: (from: string, why: string) => void
  /**
   * Where the managers come from. A client signing many messages passes one
   * directory for all its requests, so that `who_cm` is asked once in a while
   * instead of before every request; by default each call asks `opts.node`.
   */
  managers?: ManagerDirectory
  /** What the client keeps across requests (signing-context.ts); default: one made for this call. */
  context?: SigningContext
}

export class SignatureInvalidError extends Error {
  constructor (readonly manager: string, readonly reason?: string) {
    super(`${manager} returned a signature that does not verify for this key and message${reason !== undefined ? `: ${reason}` : ''}`)
    this.name = 'SignatureInvalidError'
  }
}

/** Random bytes in a client-made request id (16 base64url characters). */
const REQUEST_ID_BYTES = 12

export function newRequestId (): string {
  // An id that starts with '-' reads as an option on a command line
  // (`devnet logs --request -x…`, `shardsig status -x…`): draw again.
  for (;;) {
    const id = randomBytes(REQUEST_ID_BYTES).toString('base64url')
    if (/^[A-Za-z0-9]/.test(id)) return id
  }
}

export function buildSignRequest (key: KeyFile, message: Uint8Array, requestId: string, expiresAt: number, context = new SigningContext()): SignRequest {
  return signBody(SIGN_REQUEST_KIND, {
    v: PROTOCOL_VERSION, keyId: key.keyId, message: Buffer.from(message).toString('hex'), requestId, expiresAt
  }, context.ownerKey(key)) as SignRequest
}

export async function sign (opts: SignOptions): Promise<SignResult> {
  // Before any request: a manager would refuse it (400 sign-message-not-digest), after a round trip.
  checkSignedMessage(opts.key.scheme, opts.message)
  const base = opts.node.replace(/\/$/, '')
  const context = opts.context ?? new SigningContext()
  const request = buildSignRequest(opts.key, opts.message, opts.requestId ?? newRequestId(), Date.now() + (opts.lifetimeMs ?? DEFAULT_REQUEST_LIFETIME_MS), context)
  const directory = opts.managers ?? new ManagerDirectory(base, 0)
  const errors: string[] = []
  // Until the request expires: ask for the managers (again: the view changes when managers die or a
  // network splits), and offer the request to each in turn, the same request every time.
  for (let round = 0; round === 0 || Date.now() + MANAGERS_RETRY_PAUSE_MS < request.expiresAt; round++) {
    if (round > 0) await sleep(MANAGERS_RETRY_PAUSE_MS, undefined, { signal: opts.signal })
    const managers = await directory.managers(opts.signal)
    if (managers.length === 0) { errors.push(`${directory.node} knows no live communication manager`); continue }
    for (const manager of managerOrder(managers, request.requestId)) {
      try {
        return await offer(manager.http, request, opts, context)
      } catch (err) {
        // A manager that is gone, no longer a manager (421), full (429 coordinator-busy, or owner-busy: this owner's share
        // of it; each manager has its own), restarted or broken (5xx): the next one takes the same request. Not 501
        // (scheme-not-signable): no manager of this build signs the key's scheme.
        const retryable = err instanceof NodeUnreachableError ||
          (err instanceof ProblemError && (err.status === 421 || (err.status >= 500 && err.status !== 501) || err.problem?.code === 'coordinator-busy' || err.problem?.code === 'owner-busy'))
        if (!retryable) throw err
        directory.forget()
        errors.push((err as Error).message)
        opts.onFailover?.(manager.http, (err as Error).message)
      }
    }
    if (opts.wait === false) break
  }
  throw new Error(`no communication manager took the request: ${errors.slice(-6).join('; ')}`)
}

/** One manager: post the request, then (unless told not to wait) poll until it is decided or expires. */
async function offer (manager: string, request: SignRequest, opts: SignOptions, context: SigningContext): Promise<SignResult> {
  let result = await callRoute(manager, HTTP_API.signRequest, { body: request }, {
    signal: opts.signal,
    headers: opts.wait === false ? {} : { prefer: `wait=${PREFER_WAIT_S}` },
    // The manager holds the answer up to PREFER_WAIT_S: do not give up on it (and fail over) before that.
    timeoutMs: opts.wait === false ? undefined : PREFER_WAIT_S * 1000 + POLL_TIMEOUT_MS
  })
  // A manager decides a request by its expiry (then it fails it as expired): poll a little past it to hear that.
  while (opts.wait !== false && result.status === 'pending' && Date.now() < request.expiresAt + EXPIRY_ANSWER_GRACE_MS) {
    await sleep(POLL_INTERVAL_MS, undefined, { signal: opts.signal })
    result = await signStatus(manager, request.requestId, opts.signal, request.keyId, POLL_TIMEOUT_MS)
  }
  if (result.status === 'completed') checkResult(context, opts.key, opts.message, result, manager)
  return result
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

function checkResult (context: SigningContext, key: KeyFile, message: Uint8Array, result: SignResult, manager: string): void {
  if (result.signature === undefined) throw new SignatureInvalidError(manager, 'a completed result without a signature')
  if (result.groupPublicKey !== key.groupPublicKey) throw new SignatureInvalidError(manager, `the result names group key ${result.groupPublicKey}, the key file ${key.groupPublicKey}`)
  if (signingProtocolOf(key.scheme) === 'frost') {
    const curve = frostCurveOf(key.scheme)
    if (!context.frost.verifySignature(curve, context.groupKey(curve, key.groupPublicKey), message, hexToBytes(result.signature))) throw new SignatureInvalidError(manager)
    return
  }
  checkEcdsaResult(key, message, result.signature, result, manager)
}

/**
 * An ECDSA result: r‖s‖v (65 bytes), low-s, verified by noble and recovering the key (check-signature.ts), and the
 * `r`, `s`, `v` the manager sent beside it, when it sent them, the signature's own.
 */
function checkEcdsaResult (key: KeyFile, digest: Uint8Array, signature: string, result: SignResult, manager: string): void {
  if (signature.length !== RECOVERABLE_SIGNATURE_BYTES * 2) throw new SignatureInvalidError(manager, `an ECDSA result is ${RECOVERABLE_SIGNATURE_BYTES} bytes r‖s‖v, got ${signature.length / 2}`)
  const verdict = checkSignature(key, digest, signature)
  if (!verdict.valid) throw new SignatureInvalidError(manager, verdict.reason)
  const fields = ecdsaFields(signature)
  for (const name of ['r', 's', 'v'] as const) {
    if (result[name] !== undefined && result[name] !== fields[name]) throw new SignatureInvalidError(manager, `its ${name} (${result[name]}) is not the signature's (${fields[name]})`)
  }
}

export async function signStatus (node: string, requestId: string, signal?: AbortSignal, keyId?: string, timeoutMs?: number): Promise<SignResult> {
  return await callRoute(node, HTTP_API.signStatus, { params: { requestId }, query: { keyId } }, { signal, timeoutMs })
}
