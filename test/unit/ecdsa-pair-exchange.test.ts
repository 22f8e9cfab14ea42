// The rules of one pair setup per peer (node/engine/ecdsa/pair-exchange.ts), two ends in one
// process on real stores with the network replaced by calls whose order the test sets: setups
// that cross merge into one (same id at both ends, keys that multiply), a request repeated after
// its setup finished gets the same answer, a new request replaces the state, and a peer that
// sends two different messages for one setup is refused.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { selectBackend } from '../../protocols/frost/index.js'
import { pairSetupId, pairSetupStart, type PairSetupMessage } from '../../protocols/ecdsa/pair-setup.js'
import { openStore, type KeyStore } from '../../node/store/index.js'
import { PairStore } from '../../node/engine/ecdsa/pair-store.js'
import { PairExchange } from '../../node/engine/ecdsa/pair-exchange.js'
import { seeded } from '../helpers/deterministic.js'
import { pairMultiplies } from '../helpers/ecdsa-pairs.js'

const group = selectBackend('auto').secp256k1
const CONTEXT = 'exchange-net/epoch-0'

let dir: string
const opened: KeyStore[] = []
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'shardsig-pair-exchange-')) })
afterEach(async () => {
  await Promise.all(opened.splice(0).map(async s => { await s.close() }))
  await rm(dir, { recursive: true, force: true })
})

/** A deferred delivery: the test decides when each message reaches the other end. */
interface Wire { sent: Array<{ message: PairSetupMessage, reply: (m: Promise<PairSetupMessage>) => void }> }

async function end (me: string, wire: Wire): Promise<{ exchange: PairExchange, pairs: PairStore }> {
  const store = await openStore({ path: join(dir, me), passphrase: 'exchange test', scrypt: { N: 2 ** 10 } })
  opened.push(store)
  const pairs = new PairStore(store, CONTEXT, me)
  await pairs.open()
  const exchange = new PairExchange({
    group,
    store: pairs,
    random: seeded(`exchange/${me}`),
    repeatWindowMs: 60_000,
    ask: async (_peer, message) => await new Promise<PairSetupMessage>((resolve, reject) => {
      wire.sent.push({ message, reply: m => { m.then(resolve, reject) } })
    })
  })
  return { exchange, pairs }
}

const until = async (check: () => boolean): Promise<void> => { while (!check()) await new Promise(resolve => setImmediate(resolve)) }

describe('PairExchange', () => {
  it('two setups that cross are one: the same id at both ends, keys that multiply', async () => {
    const toB: Wire = { sent: [] }
    const toA: Wire = { sent: [] }
    const a = await end('node-a', toB)
    const b = await end('node-b', toA)
    const fromA = a.exchange.initiate('node-b')
    const fromB = b.exchange.initiate('node-a')
    await until(() => toB.sent.length === 1 && toA.sent.length === 1)
    // Each request reaches the other end while its own is in flight.
    const reqA = toB.sent[0]!
    const reqB = toA.sent[0]!
    reqA.reply(b.exchange.answer('node-a', reqA.message))
    reqB.reply(a.exchange.answer('node-b', reqB.message))
    const [ka, kb] = await Promise.all([fromA, fromB])
    expect(bytesToHex(ka.id)).toBe(bytesToHex(kb.id))
    expect(pairMultiplies(ka, kb)).toBe(true)
    expect(a.pairs.get('node-b')).toBe(ka)
    expect(b.pairs.get('node-a')).toBe(kb)
  })

  it('a request that arrives after its sender\'s setup already finished here is answered the same', async () => {
    const toB: Wire = { sent: [] }
    const toA: Wire = { sent: [] }
    const a = await end('node-a', toB)
    const b = await end('node-b', toA)
    const fromA = a.exchange.initiate('node-b')
    const fromB = b.exchange.initiate('node-a')
    await until(() => toB.sent.length === 1 && toA.sent.length === 1)
    // B's request reaches A first and A answers it with its own message: B is done.
    toA.sent[0]!.reply(a.exchange.answer('node-b', toA.sent[0]!.message))
    const kb = await fromB
    // Only now does A's request reach B, whose setup is finished: B answers the same again.
    toB.sent[0]!.reply(b.exchange.answer('node-a', toB.sent[0]!.message))
    const ka = await fromA
    expect(bytesToHex(ka.id)).toBe(bytesToHex(kb.id))
    expect(b.pairs.get('node-a')).toBe(kb)
    expect(pairMultiplies(ka, kb)).toBe(true)
  })

  it('concurrent initiations to one peer share one setup; a later new request replaces the state', async () => {
    const toB: Wire = { sent: [] }
    const a = await end('node-a', toB)
    const b = await end('node-b', { sent: [] })
    const first = a.exchange.initiate('node-b')
    const second = a.exchange.initiate('node-b')
    await until(() => toB.sent.length === 1)
    toB.sent[0]!.reply(b.exchange.answer('node-a', toB.sent[0]!.message))
    const [k1, k2] = await Promise.all([first, second])
    expect(k1).toBe(k2)
    expect(toB.sent).toHaveLength(1)
    // A fresh setup from A (say its state was burnt): B answers with a new message and replaces its state.
    const again = a.exchange.initiate('node-b')
    await until(() => toB.sent.length === 2)
    toB.sent[1]!.reply(b.exchange.answer('node-a', toB.sent[1]!.message))
    const k3 = await again
    expect(bytesToHex(k3.id)).not.toBe(bytesToHex(k1.id))
    expect(bytesToHex(b.pairs.get('node-a')!.id)).toBe(bytesToHex(k3.id))
  })

  it('does not take a second, different message for the setup it answered while crossing', async () => {
    const toB: Wire = { sent: [] }
    const toA: Wire = { sent: [] }
    const a = await end('node-a', toB)
    await end('node-b', toA)
    const fromA = a.exchange.initiate('node-b')
    await until(() => toB.sent.length === 1)
    const m1 = pairSetupStart(group, { context: CONTEXT, me: 'node-b', peer: 'node-a' }, seeded('exchange/m1')).message
    const m2 = pairSetupStart(group, { context: CONTEXT, me: 'node-b', peer: 'node-a' }, seeded('exchange/m2')).message
    await a.exchange.answer('node-b', m1)
    // B's answer to A's own request carries another message: not taken (PairSetupError inside); A keeps the first.
    toB.sent[0]!.reply(Promise.resolve(m2))
    const kept = await fromA
    expect(a.pairs.get('node-b')).toBe(kept)
    // The same setup under m2 would have another id: A's is m1's.
    expect(bytesToHex(kept.id)).toBe(bytesToHex(pairSetupId({ context: CONTEXT, me: 'node-a', peer: 'node-b' }, toB.sent[0]!.message, m1)))
  })
})
