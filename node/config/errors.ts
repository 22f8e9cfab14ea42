// A configuration problem the operator must fix: printed as one line, exit code 2, no stack.
export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}
