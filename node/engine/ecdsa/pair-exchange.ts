// One pair setup per peer at a time, whichever end starts it (docs/protocols/ecdsa.md#pair-setup).
// The setup is one message each way and either end may send first, so two ends that start at
// once merge: a request that crosses this node's own request to the same peer is answered with
// the message this node already sent, and both ends finish the ONE setup made of the two
// messages (the same id at both ends, pairSetupId). A request repeating the peer's message of
// the setup just finished gets the same answer again. Any other request is a new setup: this
// node answers with a fresh message and its new keys replace whatever it had for that peer.
// The network is injected (`ask`), so this file holds the rules and pair-protocol.ts the bytes.
import { bytesToHex } from '@noble/hashes/utils.js'
import type { GroupBackend } from '../../../protocols/frost/group/types.js'
import type { Random } from '../../../protocols/machine/types.js'
import { taggedHash } from '../../../protocols/ecdsa/hash.js'
import { pairSetupFinish, pairSetupStart, PairSetupError, type PairSetupMessage, type PairSetupState } from '../../../protocols/ecdsa/pair-setup.js'
import type { PairKeys } from '../../../protocols/ecdsa/sign.js'
import type { PairStore } from './pair-store.js'

interface Setup {
  state: PairSetupState
  mine: PairSetupMessage
  /** Set once the peer's message finished it: which message, and the keys (resolved once stored). */
  done?: { theirs: string, keys: Promise<PairKeys> }
}

export interface PairExchangeInit {
  group: GroupBackend
  store: PairStore
  random: Random
  /** Sends this node's message to `peer` and returns the peer's (throws when there is none). */
  ask: (peer: string, mine: PairSetupMessage) => Promise<PairSetupMessage>
  /** How long a finished setup's messages are kept for a repeated request: the initiator's deadline. */
  repeatWindowMs: number
}

/** A digest of a setup message, to recognise the same message again (public values only). */
const digestOf = (m: PairSetupMessage): string => bytesToHex(taggedHash('node/pair-message', [m.baseOtSender, m.baseOtReceiver, m.zeroSeed]))

export class PairExchange {
  private readonly initiating = new Map<string, { setup: Setup, result: Promise<PairKeys> }>()
  /** The last setup finished with each peer, for a repeated request; dropped after repeatWindowMs. */
  private readonly finished = new Map<string, Setup>()

  constructor (private readonly init: PairExchangeInit) {}

  /** Whether a setup this node started with `peer` is under way. */
  busyWith (peer: string): boolean {
    return this.initiating.has(peer)
  }

  /** Sets the pair with `peer` up as the initiator; calls while one runs share it. */
  async initiate (peer: string): Promise<PairKeys> {
    const running = this.initiating.get(peer)
    if (running !== undefined) return await running.result
    const setup = this.begin(peer)
    const result = (async () => {
      try {
        return await this.finish(peer, setup, await this.init.ask(peer, setup.mine))
      } catch (err) {
        // The peer's own request, crossing ours, may have finished this setup already.
        if (setup.done !== undefined) return await setup.done.keys
        throw err
      } finally {
        if (this.initiating.get(peer)?.setup === setup) this.initiating.delete(peer)
      }
    })()
    this.initiating.set(peer, { setup, result })
    return await result
  }

  /** The answer to `peer`'s request carrying `theirs`, once this node's keys from it are stored. */
  async answer (peer: string, theirs: PairSetupMessage): Promise<PairSetupMessage> {
    const digest = digestOf(theirs)
    const running = this.initiating.get(peer)
    if (running !== undefined && (running.setup.done === undefined || running.setup.done.theirs === digest)) {
      await this.finish(peer, running.setup, theirs)
      return running.setup.mine
    }
    const last = this.finished.get(peer)
    if (last?.done?.theirs === digest) {
      await last.done.keys
      return last.mine
    }
    const setup = this.begin(peer)
    await this.finish(peer, setup, theirs)
    return setup.mine
  }

  private begin (peer: string): Setup {
    const { state, message } = pairSetupStart(this.init.group, { context: this.init.store.context, me: this.init.store.me, peer }, this.init.random)
    return { state, mine: message }
  }

  /** Finishes `setup` with the peer's message, once: the same message again gets the same keys. */
  private async finish (peer: string, setup: Setup, theirs: PairSetupMessage): Promise<PairKeys> {
    const digest = digestOf(theirs)
    if (setup.done !== undefined) {
      if (setup.done.theirs === digest) return await setup.done.keys
      throw new PairSetupError(peer, `${peer} sent two different messages for one setup`)
    }
    const keys = pairSetupFinish(this.init.group, setup.state, theirs)
    const stored = this.init.store.put(peer, keys).then(() => keys)
    setup.done = { theirs: digest, keys: stored }
    this.finished.set(peer, setup)
    setTimeout(() => { if (this.finished.get(peer) === setup) this.finished.delete(peer) }, this.init.repeatWindowMs).unref()
    return await stored
  }
}
