// Structured logs (pino, JSON lines). Secrets never reach a log: objects that
// hold them print themselves redacted, and these paths are censored as a backstop.
import { pino, type Logger } from 'pino'

export type { Logger }

const REDACT_PATHS = [
  'passphrase', '*.passphrase',
  'secret', '*.secret', 'secretKey', '*.secretKey',
  'share', '*.share', 'nonce', '*.nonce', 'nonces', '*.nonces',
  'privateKey', '*.privateKey'
]

export function createLogger (opts: { level: string, nodeId?: string, destination?: NodeJS.WritableStream }): Logger {
  return pino({
    level: opts.level,
    base: opts.nodeId !== undefined ? { node: opts.nodeId } : {},
    redact: { paths: REDACT_PATHS, censor: '<redacted>' },
    timestamp: pino.stdTimeFunctions.isoTime
  }, (opts.destination ?? process.stdout) as pino.DestinationStream)
}
