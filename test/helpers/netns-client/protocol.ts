// The lines between a test and its sign-client processes (worker.ts).
import type { KeyFile } from '../../../cli/key-file.js'
import type { SignResult } from '../../../protocols/wire/sign.js'

export interface WorkerRequest {
  id: string
  /** The node whose /who_cm the client asks first. */
  node: string
  key: KeyFile
  /** Hex. */
  message: string
  requestId: string
  lifetimeMs: number
}

export interface WorkerAnswer {
  id: string
  ms: number
  /** `manager: why` for each manager the client gave up on. */
  failovers: string[]
  /** Times every manager was unreachable and the client asked for the managers again. */
  rediscoveries: number
  /** The result the client returned (completed ones already verified by the client). */
  result?: SignResult
  /** What the client threw instead (no manager took the request, a bad signature, ...). */
  error?: string
}
