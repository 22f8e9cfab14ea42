// This node's DKLs23 pair keys, one per peer, for the membership it runs: held in memory and
// kept sealed in the node's store (every value is sealed with the record's key as associated
// data, node/store/record-seal.ts), one synced record per peer:
// `ecdsa-pair/<context, URI-encoded>/<peer id>`. At open, records of any other context (an
// earlier membership epoch, before a reshare changed the members) are erased: those pairs are
// set up again.
import { decodePairKeys, encodePairKeys, PairKeysDecodeError } from '../../../protocols/ecdsa/pair-keys-codec.js'
import type { PairContext } from '../../../protocols/ecdsa/pair-setup.js'
import type { PairKeys } from '../../../protocols/ecdsa/sign.js'
import type { Logger } from '../../log.js'
import type { KeyStore } from '../../store/index.js'
import { KeyedLock } from '../keyed-lock.js'

export const PAIR_PREFIX = 'ecdsa-pair/'

export const pairRecordKey = (context: string, peer: string): string => `${PAIR_PREFIX}${encodeURIComponent(context)}/${peer}`

export class PairStore {
  private readonly keys = new Map<string, PairKeys>()
  /** Writes of one peer reach the store in the order they were asked for: the last setup finished is the one kept. */
  private readonly writes = new KeyedLock()

  constructor (private readonly store: KeyStore, readonly context: string, readonly me: string, private readonly log?: Logger) {}

  /** Reads this context's pairs into memory and erases every other context's (one synced batch). */
  async open (): Promise<{ loaded: number, dropped: number }> {
    const own = `${PAIR_PREFIX}${encodeURIComponent(this.context)}/`
    const stale: string[] = []
    for await (const [key, value] of this.store.iterate(PAIR_PREFIX)) {
      if (!key.startsWith(own)) {
        stale.push(key)
        continue
      }
      const peer = key.slice(own.length)
      try {
        const { pair, keys } = decodePairKeys(value)
        if (pair.context !== this.context || pair.me !== this.me || pair.peer !== peer) throw new PairKeysDecodeError('the record names another pair')
        this.keys.set(peer, keys)
      } catch (err) {
        if (!(err instanceof PairKeysDecodeError) && !(err instanceof RangeError)) throw err
        // A record this build cannot read costs one setup, not a start.
        this.log?.warn({ peer, err: (err as Error).message }, 'stored ECDSA pair state unreadable: dropped, the pair will be set up again')
        stale.push(key)
      } finally {
        value.fill(0)
      }
    }
    if (stale.length > 0) await this.store.batch(stale.map(key => ({ type: 'del' as const, key })), { sync: true })
    return { loaded: this.keys.size, dropped: stale.length }
  }

  get (peer: string): PairKeys | undefined {
    return this.keys.get(peer)
  }

  peers (): string[] {
    return [...this.keys.keys()]
  }

  /** Keeps `keys` as this node's state with `peer` (synced), replacing any it had. */
  async put (peer: string, keys: PairKeys): Promise<void> {
    const pair: PairContext = { context: this.context, me: this.me, peer }
    const bytes = encodePairKeys(pair, keys)
    await this.writes.run(peer, async () => {
      try {
        await this.store.put(pairRecordKey(this.context, peer), bytes, { sync: true })
      } finally {
        bytes.fill(0)
      }
      this.keys.set(peer, keys)
    })
  }

  /**
   * Forgets this node's state with `peer`, in memory and on disk (synced); with `only`, just
   * that state: a newer one stored meanwhile (a setup that finished first) stays.
   */
  async discard (peer: string, only?: PairKeys): Promise<void> {
    await this.writes.run(peer, async () => {
      if (only !== undefined && this.keys.get(peer) !== only) return
      this.keys.delete(peer)
      await this.store.delete(pairRecordKey(this.context, peer), { sync: true })
    })
  }
}
