// The processes of the signing path's skeleton (bench/skeleton.ts): run as
// `skeleton-process.js --role signer` (answers the party protocol, after a
// synced store write when asked) or `--role cm` (serves sign_request by asking
// the 4 signers at once). Each reports its addresses over the IPC channel and
// stops when it closes.
import '../node/polyfills.js'
import { multiaddr } from '@multiformats/multiaddr'
import { Hono } from 'hono'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { serveHttp } from '../node/api/serve.js'
import { channelsOf } from '../node/p2p/channel.js'
import { handleJson, requestJson } from '../node/p2p/direct.js'
import { PeerQuotas, usePeerQuotas } from '../node/p2p/peer-quotas.js'
import { openStore } from '../node/store/store.js'
import { PROTOCOL_PARTY } from '../protocols/constants.js'
import {
  HTTP_ANSWER_BYTES, PARTY_ANSWER_BYTES, PARTY_REQUEST_BYTES, PartyAnswer, PartyRequest, RECORD_BYTES, REQUEST_TIMEOUT_MS, ROLE_FLAG,
  SignRequest, startNode, type CmReady, type CmStart, type SignerReady
} from './skeleton-wire.js'

const log = pino({ level: 'silent' })

/** A signer: answers the party protocol, after a synced write of a record when asked for one. */
async function runSigner (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shardsig-bench-signer-'))
  const store = await openStore({ path: join(dir, 'db'), passphrase: 'bench', scrypt: { N: 2 ** 10 } })
  const node = await startNode()
  const record = new Uint8Array(RECORD_BYTES).fill(7)
  const answer = { pad: 'a'.repeat(PARTY_ANSWER_BYTES) }
  let n = 0
  // A node's per-peer quota is taken on every request, as here, but with room for the skeleton's rates (no crypto, so far above a real CM's).
  usePeerQuotas(node, new PeerQuotas({ rateOf: () => ({ ratePerS: 1_000_000, burst: 1_000_000 }) }))
  await handleJson({
    libp2p: node, protocol: PROTOCOL_PARTY, requestSchema: PartyRequest, malformed: () => ({ pad: '' }), overQuota: () => ({ pad: '' }), timeoutMs: REQUEST_TIMEOUT_MS, log,
    handle: async req => {
      if (req.durable) await store.put(`bench/${n++}`, record, { sync: true })
      return answer
    }
  })
  process.send?.({ multiaddrs: node.getMultiaddrs().map(m => m.toString()), peerId: node.peerId.toString() } satisfies SignerReady)
  stopOnDisconnect(async () => {
    await node.stop()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })
}

/** The CM: for each sign_request, asks the 4 signers at once and answers when all did. */
async function runCm (): Promise<void> {
  const { signers } = await new Promise<CmStart>(resolve => { process.once('message', m => { resolve(m as CmStart) }) })
  const node = await startNode()
  // Its requests to the signers go over channels, as a devnet CM's do.
  channelsOf(node, log)
  for (const s of signers) await node.dial(s.multiaddrs.map(m => multiaddr(m)), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const signature = { signature: 'b'.repeat(HTTP_ANSWER_BYTES) }
  const app = new Hono()
  // /sign_request: the signers write synced, as they must; /sign_request_volatile: they do not (to see what the fsyncs cost).
  for (const durable of [true, false]) {
    const newParty = { pad: 'r'.repeat(PARTY_REQUEST_BYTES), durable }
    app.post(durable ? '/sign_request' : '/sign_request_volatile', async c => {
      SignRequest.parse(await c.req.json())
      const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      await Promise.all(signers.map(async s => await requestJson(node, s.peerId, PROTOCOL_PARTY, newParty, PartyAnswer, { signal })))
      return c.json(signature)
    })
  }
  const http = await serveHttp(app, '127.0.0.1', 0)
  process.send?.({ httpUrl: http.url } satisfies CmReady)
  stopOnDisconnect(async () => { await Promise.all([node.stop(), http.close()]) })
}

function stopOnDisconnect (stop: () => Promise<void>): void {
  process.on('disconnect', () => { void stop().finally(() => process.exit(0)) })
}

const roleAt = process.argv.indexOf(ROLE_FLAG)
const role = roleAt >= 0 ? process.argv[roleAt + 1] : undefined
if (role === 'signer') await runSigner()
else if (role === 'cm') await runCm()
else throw new Error(`${ROLE_FLAG} signer or ${ROLE_FLAG} cm`)
