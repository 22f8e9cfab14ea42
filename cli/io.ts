// What a CLI command may touch: stdout for results, stderr for progress, the
// environment, and a signal that fires on Ctrl-C.
export interface Io {
  out: (line: string) => void
  progress: (line: string) => void
  env: NodeJS.ProcessEnv
  signal: AbortSignal
}

/** Wrong flags or arguments: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** SHARDSIG_NODE when set to something; an empty variable counts as unset. */
export function envNode (io: Io): string | undefined {
  const v = io.env.SHARDSIG_NODE
  return v === undefined || v.trim() === '' ? undefined : v
}
