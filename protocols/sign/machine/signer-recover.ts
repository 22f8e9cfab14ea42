// The signer machine's answers from its ledger alone (docs/protocols/sign.md, session
// recovery and completion): another CM's recover of a session whose CM died, and a
// CM's notice that a request completed. Pure.
import { hexToBytes } from '@noble/hashes/utils.js'
import { checkSignRequest, requestIdentity, SignRejection } from '../check-request.js'
import { completionRule, ledgerKey, recoverRule } from '../ledger-rules.js'
import { applyRule } from './signer-machine.js'
import type { CompletedEvent, RecoverEvent, SignerEffect, SignerEnv, SignerState } from './signer-types.js'

/**
 * Our part of session `sessionId`, if we sent one: the share is no secret once sent. Otherwise the
 * session is marked abandoned here (synced, before the answer leaves: the answer waits for nothing
 * else, and writes reach the store in order) and we answer with our signed word.
 */
export function answerRecover<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, ev: RecoverEvent<Pub, Secret>, effects: SignerEffect[]): void {
  const { request, sessionId } = ev.req
  const fields = { requestId: request.requestId, keyId: request.keyId, flow: 'sign', sessionId }
  const send = (answer: unknown): void => { effects.push({ kind: 'send', to: ev.from, msg: { kind: 'answer', answer } as never }) }
  try {
    if (ev.key.kind === 'refused') throw new SignRejection(ev.key.code, ev.key.reason)
    const { record } = ev.key
    checkSignRequest(request, record, ev.nowMs)
    const found = applyRule(state, ledgerKey(record.keyId, request.requestId), ev.stored, c => recoverRule(c, {
      requestId: request.requestId, keyId: record.keyId, requestDigest: requestIdentity(request), expiresAt: request.expiresAt, message: request.message
    }, sessionId), effects)
    if (found.kind === 'conflict') throw new SignRejection('conflict', `request id ${request.requestId} was used for another message with key ${record.keyId}`)
    if (found.kind === 'completed') return send({ kind: 'completed-before', sessionId, signature: found.signature })
    if (found.kind === 'abandoned') {
      effects.push({ kind: 'log', level: 'info', msg: 'recover refused; session abandoned here', fields: { ...fields, code: 'no-contribution' } })
      return send({
        kind: 'reject', sessionId, code: 'no-contribution', reason: `this signer sent no share to session ${sessionId}, and now never will`,
        abandoned: env.signAbandonment({ keyId: record.keyId, requestId: request.requestId, sessionId, peerId: env.self })
      })
    }
    effects.push({ kind: 'log', level: 'info', msg: 'recover answered with the share already sent', fields })
    send({ kind: 'contributed', sessionId, contribution: found.contribution })
  } catch (err) {
    if (!(err instanceof SignRejection)) throw err
    effects.push({ kind: 'log', level: 'info', msg: 'recover refused', fields: { ...fields, code: err.code, reason: err.message } })
    send({ kind: 'reject', sessionId, code: err.code, reason: err.message })
  }
}

/** The CM reports the finished signature; kept (unsynced) only if it verifies and we took part in the request. */
export function keepCompletion<Pub, Secret, S, Pre> (env: SignerEnv<Pub, Secret, S, Pre>, state: SignerState<S>, ev: CompletedEvent<Pub, Secret>, effects: SignerEffect[]): void {
  const { keyId, requestId, signature } = ev.msg
  if (ev.key.kind === 'refused') return
  const key = ledgerKey(keyId, requestId)
  const cached = state.ledger.get(key)
  const entry = cached === undefined ? ev.stored : cached ?? undefined
  if (entry === undefined || entry.signature !== undefined) return
  if (!env.protocol.verify(ev.key.pub, hexToBytes(entry.message), hexToBytes(signature))) {
    effects.push({ kind: 'log', level: 'warn', msg: 'ignored a completion notice whose signature does not verify', fields: { requestId, keyId, flow: 'sign' } })
    return
  }
  applyRule(state, key, ev.stored, c => completionRule(c, signature), effects)
}
