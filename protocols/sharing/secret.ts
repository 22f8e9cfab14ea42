// Secret scalars (sub-shares, dealt secrets) as their own type: prints and
// serialises redacted, so a share never lands in a log or a JSON body by accident.

const REDACTED = '[redacted secret scalar]'
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * A secret scalar. The value sits in a private field: `JSON.stringify`, template
 * strings, `console.log`/`util.inspect` and `structuredClone` never see it. Read it
 * only through `expose()`, e.g. to seal it for its member or to sign with it.
 */
export class SecretScalar {
  readonly #value: bigint
  constructor (value: bigint) {
    this.#value = value
  }

  /** The raw scalar. Every call site is a place where a secret leaves this wrapper; keep them few. */
  expose (): bigint {
    return this.#value
  }

  /** Not constant time: for tests and local bookkeeping, never to check a secret against input. */
  equals (other: SecretScalar): boolean {
    return this.#value === other.#value
  }

  toString (): string { return REDACTED }
  toJSON (): string { return REDACTED }
  [INSPECT] (): string { return `SecretScalar(${REDACTED})` }
}
