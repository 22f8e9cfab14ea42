// Pair setup: what two nodes run once per pair and membership epoch before any DKLs23
// signing between them (DESIGN 11; docs/protocols/ecdsa.md#pair-setup). It is the
// "initialisation" half of DKLs23's multiplications (ePrint 2023/765 §3, F_RVOLE setup):
// for each direction of the pair a batch of KAPPA_BITS base OTs (base-ot.ts) whose
// outputs seed that direction's OT extension, plus the pair's zero-share seed.
//
// One round: each side sends, at once, (1) as the base-OT sender of the direction in which
// it is Bob, (2) as the base-OT receiver of the direction in which it is Alice (choice bits
// Δ, its OT-extension correlation) and (3) its zero-seed contribution. Either side may
// start; the result does not depend on who did. The state is per pair of NODES, never per
// key: any key whose party contains both nodes uses it.
import type { GroupBackend } from '../frost/group/types.js'
import type { Random } from '../machine/types.js'
import {
  baseOtReceiverFinish, baseOtReceiverStart, baseOtSenderFinish, baseOtSenderStart, BaseOtError,
  decodeBaseOtReceiverMessage, decodeBaseOtSenderMessage, encodeBaseOtReceiverMessage, encodeBaseOtSenderMessage,
  type BaseOtReceiverState, type BaseOtSenderState
} from './base-ot.js'
import { taggedHash, utf8 } from './hash.js'
import { publicGadget } from './multiplication.js'
import { OteReceiverSetup, OteSenderSetup } from './ot-extension.js'
import { KAPPA_BITS, KAPPA_BYTES } from './ot-params.js'
import { Sealed } from './secret.js'
import type { PairKeys } from './sign.js'
import { zeroSeed, ZERO_SEED_BYTES } from './zero-shares.js'

/** Who the pair is and what binds its setup: both node ids and a context (network, epoch) the caller names. */
export interface PairContext {
  /** Binds the setup to its network and membership epoch, e.g. `devnet/epoch-3`. */
  context: string
  me: string
  peer: string
}

export interface PairSetupMessage {
  /** Base-OT sender message for the direction where the SENDER of this message is Bob. */
  baseOtSender: Uint8Array
  /** Base-OT receiver message for the direction where the SENDER of this message is Alice. */
  baseOtReceiver: Uint8Array
  zeroSeed: Uint8Array
}

interface PairSetupSecrets {
  asBob: BaseOtSenderState
  asAlice: BaseOtReceiverState
  delta: Uint8Array
  zeroSeed: Uint8Array
}

export interface PairSetupState {
  pair: PairContext
  /** This side's message, as sent (the setup id digests both). */
  message: PairSetupMessage
  secret: Sealed<PairSetupSecrets>
}

/** The peer's setup message failed a check: the peer is the culprit. */
export class PairSetupError extends Error {
  constructor (readonly culprit: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'PairSetupError'
  }
}

/** Bytes of a pair setup's id (PairKeys.id). */
export const PAIR_ID_BYTES = 16

/** The id of the setup both messages make: the same at both ends, whichever sent which. */
export function pairSetupId (pair: PairContext, a: PairSetupMessage, b: PairSetupMessage): Uint8Array {
  const digest = (m: PairSetupMessage): Uint8Array => taggedHash('pair/message', [m.baseOtSender, m.baseOtReceiver, m.zeroSeed])
  const [x, y] = [digest(a), digest(b)].sort((p, q) => Buffer.compare(p, q)) as [Uint8Array, Uint8Array]
  return taggedHash('pair/id', [pairSid(pair), x, y]).slice(0, PAIR_ID_BYTES)
}

/** The pair's id: the same at both ends. */
export function pairSid (pair: PairContext): Uint8Array {
  if (pair.me === pair.peer) throw new RangeError(`a pair is two nodes: ${pair.me} twice`)
  const [a, b] = [pair.me, pair.peer].sort() as [string, string]
  return taggedHash('pair/sid', [utf8(pair.context), utf8(a), utf8(b)])
}

/** The session id of the direction where `alice` is Alice (OT-extension sender) and `bob` is Bob. */
export const directionSid = (pairId: Uint8Array, alice: string, bob: string): Uint8Array =>
  taggedHash('pair/direction', [pairId, utf8(alice), utf8(bob)])

const bitsOf = (packed: Uint8Array): boolean[] => Array.from({ length: KAPPA_BITS }, (_, i) => ((packed[i >> 3]! >> (i & 7)) & 1) === 1)

/** This side's message, and what it keeps until the peer's arrives. */
export function pairSetupStart (group: GroupBackend, pair: PairContext, random: Random): { state: PairSetupState, message: PairSetupMessage } {
  const id = pairSid(pair)
  const asBob = baseOtSenderStart(group, directionSid(id, pair.peer, pair.me), KAPPA_BITS, random)
  const delta = random(KAPPA_BYTES)
  const asAlice = baseOtReceiverStart(group, directionSid(id, pair.me, pair.peer), bitsOf(delta), random)
  const seed = random(ZERO_SEED_BYTES)
  const message: PairSetupMessage = {
    baseOtSender: encodeBaseOtSenderMessage(group, asBob.message),
    baseOtReceiver: encodeBaseOtReceiverMessage(group, asAlice.message),
    zeroSeed: seed
  }
  return {
    state: { pair, message, secret: new Sealed('pair setup', { asBob: asBob.state, asAlice: asAlice.state, delta, zeroSeed: seed }) },
    message
  }
}

/** Both base-OT batches finished: this side's pair keys. Throws `PairSetupError` naming the peer. */
export function pairSetupFinish (group: GroupBackend, state: PairSetupState, theirs: PairSetupMessage): PairKeys {
  const { pair, message } = state
  const s = state.secret.open()
  if (theirs.zeroSeed.length !== ZERO_SEED_BYTES) throw new PairSetupError(pair.peer, `a zero-seed contribution is ${ZERO_SEED_BYTES} bytes`)
  try {
    // The peer is Bob where we are Alice: its base-OT SENDER message answers our receiver state.
    const chosen = baseOtReceiverFinish(group, s.asAlice, decodeBaseOtSenderMessage(group, theirs.baseOtSender))
    const { m0, m1 } = baseOtSenderFinish(group, s.asBob, decodeBaseOtReceiverMessage(group, theirs.baseOtReceiver))
    return pairKeysFrom(pair, pairSetupId(pair, message, theirs), new OteSenderSetup(s.delta, chosen), new OteReceiverSetup(m0, m1), zeroSeed(s.zeroSeed, theirs.zeroSeed))
  } catch (err) {
    if (err instanceof BaseOtError) throw new PairSetupError(pair.peer, `${pair.peer}'s base OT: ${err.message}`, { cause: err })
    throw err
  }
}

/** The pair keys from their parts (also what unsealing a stored pair state calls). */
export function pairKeysFrom (pair: PairContext, setupId: Uint8Array, alice: OteSenderSetup, bob: OteReceiverSetup, seed: Uint8Array): PairKeys {
  if (setupId.length !== PAIR_ID_BYTES) throw new RangeError(`a pair setup id is ${PAIR_ID_BYTES} bytes`)
  const id = pairSid(pair)
  return {
    id: Uint8Array.from(setupId),
    alice: { ote: alice, gadget: publicGadget(directionSid(id, pair.me, pair.peer)) },
    bob: { ote: bob, gadget: publicGadget(directionSid(id, pair.peer, pair.me)) },
    zeroSeed: seed
  }
}
