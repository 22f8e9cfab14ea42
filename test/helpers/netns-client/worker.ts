// A sign client as its own process, started inside a lab namespace (see
// index.ts), so that its requests travel that namespace's network and a
// partition cuts the client off exactly as it cuts the nodes on its side.
// One JSON request per stdin line, one JSON answer per stdout line.
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { sign } from '../../../cli/client/sign.js'
import type { WorkerAnswer, WorkerRequest } from './protocol.js'

function answer (a: WorkerAnswer): void {
  process.stdout.write(JSON.stringify(a) + '\n')
}

/** How long the client waits before it asks for the managers again when none of them answered. */
const REDISCOVER_AFTER_MS = 500

/**
 * sign(), and when no manager it was told of answered at all (they may be
 * across a cut the entry node has not noticed yet), /who_cm again after a
 * pause, with the same request id and expiry, until the request expires.
 */
async function handle (req: WorkerRequest): Promise<void> {
  const failovers: string[] = []
  const started = performance.now()
  const expiresAt = Date.now() + req.lifetimeMs
  let rediscoveries = 0
  for (;;) {
    try {
      const result = await sign({
        node: req.node,
        key: req.key,
        message: Buffer.from(req.message, 'hex'),
        requestId: req.requestId,
        lifetimeMs: expiresAt - Date.now(),
        onFailover: (from, why) => { failovers.push(`${from}: ${why}`) }
      })
      answer({ id: req.id, ms: performance.now() - started, failovers, rediscoveries, result })
      return
    } catch (err) {
      const message = (err as Error).message
      if (!message.startsWith('no communication manager took the request') || Date.now() + REDISCOVER_AFTER_MS >= expiresAt) {
        answer({ id: req.id, ms: performance.now() - started, failovers, rediscoveries, error: message })
        return
      }
      rediscoveries++
      await sleep(REDISCOVER_AFTER_MS)
    }
  }
}

createInterface({ input: process.stdin }).on('line', line => {
  if (line.trim() === '') return
  void handle(JSON.parse(line) as WorkerRequest)
}).on('close', () => { process.exit(0) })
answer({ id: 'ready', ms: 0, failovers: [], rediscoveries: 0 })
