// /shardsig/ecdsa-pair/1.0.0 on libp2p (docs/protocols/ecdsa.md#pair-setup): asking a peer to
// finish a setup with this node's message, and answering such requests, through the direct
// JSON helpers (node/p2p/direct.ts: length-prefixed, size-limited, per-peer quota, deadline).
import { MAX_ECDSA_PAIR_MESSAGE_BYTES, PAIR_SETUP_ANSWER_TIMEOUT_MS, PROTOCOL_ECDSA_PAIR, PROTOCOL_VERSION } from '../../../protocols/constants.js'
import { PairSetupError, type PairSetupMessage } from '../../../protocols/ecdsa/pair-setup.js'
import {
  decodePairSetupMessage, ECDSA_PAIR_SETUP_KIND, EcdsaPairRequestSchema, EcdsaPairResponseSchema, encodePairSetupMessage,
  type EcdsaPairRequest, type EcdsaPairResponse
} from '../../../protocols/wire/ecdsa-pair.js'
import type { Logger } from '../../log.js'
import type { ShardsigLibp2p } from '../../p2p/create-libp2p.js'
import { DirectProtocolError, handleJson, requestJson, unhandleJson } from '../../p2p/direct.js'
import { PairSetupFailedError } from './errors.js'

/** Sends `mine` to `peer` and returns its message; PairSetupFailedError naming the peer otherwise. */
export async function askPairSetup (libp2p: ShardsigLibp2p, peer: string, context: string, mine: PairSetupMessage, signal: AbortSignal): Promise<PairSetupMessage> {
  const request: EcdsaPairRequest = { v: PROTOCOL_VERSION, kind: ECDSA_PAIR_SETUP_KIND, context, message: encodePairSetupMessage(mine) }
  let answer: EcdsaPairResponse
  try {
    answer = await requestJson(libp2p, peer, PROTOCOL_ECDSA_PAIR, request, EcdsaPairResponseSchema, { signal, maxBytes: MAX_ECDSA_PAIR_MESSAGE_BYTES })
  } catch (err) {
    if (!(err instanceof DirectProtocolError)) throw err
    throw new PairSetupFailedError(peer, signal.aborted ? 'deadline' : 'unreachable', err.message, { cause: err })
  }
  if (answer.kind === 'reject') throw new PairSetupFailedError(peer, 'refused', `${answer.code}: ${answer.reason}`)
  return decodePairSetupMessage(answer.message)
}

export interface PairSetupHandlerInit {
  libp2p: ShardsigLibp2p
  context: string
  /** Who may ask: the members of this node's membership (peer ids), itself excluded. */
  members: ReadonlySet<string>
  answer: (peer: string, theirs: PairSetupMessage) => Promise<PairSetupMessage>
  /** Each answered request: accepted, or refused with its code. */
  onAnswered?: (peer: string, outcome: 'accept' | 'reject') => void
  log: Logger
}

export async function handlePairSetup (init: PairSetupHandlerInit): Promise<void> {
  const { log } = init
  const reject = (code: string, reason: string): EcdsaPairResponse => ({ kind: 'reject', code, reason })
  await handleJson({
    libp2p: init.libp2p,
    protocol: PROTOCOL_ECDSA_PAIR,
    requestSchema: EcdsaPairRequestSchema,
    malformed: reason => reject('malformed', reason),
    overQuota: reason => reject('peer-rate-limited', reason),
    timeoutMs: PAIR_SETUP_ANSWER_TIMEOUT_MS,
    maxBytes: MAX_ECDSA_PAIR_MESSAGE_BYTES,
    log,
    handle: async (req, { peerId }): Promise<EcdsaPairResponse> => {
      const answer = await answerOne(req, peerId)
      init.onAnswered?.(peerId, answer.kind)
      return answer
    }
  })

  async function answerOne (req: EcdsaPairRequest, peerId: string): Promise<EcdsaPairResponse> {
    // Only this membership's nodes: a setup costs ~150 ms of CPU, and a stranger has no pair here.
    if (!init.members.has(peerId)) return reject('not-a-member', `${peerId} is not a node of ${init.context}`)
    if (req.context !== init.context) return reject('wrong-context', `this node runs ${init.context}, not ${req.context}`)
    try {
      return { kind: 'accept', message: encodePairSetupMessage(await init.answer(peerId, decodePairSetupMessage(req.message))) }
    } catch (err) {
      if (err instanceof PairSetupError) {
        log.warn({ peer: peerId, err: err.message }, 'ECDSA pair setup refused: the peer\'s message failed its checks')
        return reject('invalid-message', err.message)
      }
      log.error({ peer: peerId, err }, 'ECDSA pair setup failed at this node')
      return reject('internal', 'the pair setup failed at this node; see its log')
    }
  }
}

export async function unhandlePairSetup (libp2p: ShardsigLibp2p): Promise<void> {
  await unhandleJson(libp2p, PROTOCOL_ECDSA_PAIR)
}
