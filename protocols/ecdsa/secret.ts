// A holder for secret protocol state (OT seeds, multiplication keeps, nonces): the value
// sits in a private field, so JSON, template strings, util.inspect and structuredClone
// never see it; `open()` is the one way in. STYLE: secret types never serialise by accident.
const INSPECT = Symbol.for('nodejs.util.inspect.custom')

export class Sealed<T> {
  readonly #value: T
  constructor (readonly what: string, value: T) {
    this.#value = value
  }

  /** The secret itself; every call site is a place where it is used. */
  open (): T {
    return this.#value
  }

  toString (): string { return `[redacted ${this.what}]` }
  toJSON (): string { return `[redacted ${this.what}]` }
  [INSPECT] (): string { return `Sealed(${this.what})` }
}
