// Errors the devnet reports to its operator: one line each, optionally
// followed by details (which nodes, log tails). The CLI maps them to exit codes.

/** Something the operator must fix or look at; the CLI prints it and exits 1. */
export class DevnetError extends Error {
  constructor (message: string, readonly details: string[] = []) {
    super(message)
    this.name = 'DevnetError'
  }
}

/** Bad command-line use or option values; the CLI prints it and exits 2. */
export class DevnetUsageError extends DevnetError {
  constructor (message: string) {
    super(message)
    this.name = 'DevnetUsageError'
  }
}

/** A wait ran past its deadline; `details` says which nodes were not ready and why. */
export class DevnetTimeoutError extends DevnetError {
  constructor (message: string, details: string[] = []) {
    super(message, details)
    this.name = 'DevnetTimeoutError'
  }
}
