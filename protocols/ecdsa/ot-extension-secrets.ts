// The secret state of the OT extension (ot-extension.ts; KOS ePrint 2015/546 Fig. 10) as its
// own types: the two setups the base OTs leave (Δ with m_{Δ_i}; m_0, m_1) and the receiver's
// state between its two steps (choice bits and the transposed t). Values sit in private fields:
// JSON.stringify, template strings, util.inspect and structuredClone never see them.
import { BATCH_SIZE_BYTES, BATCH_SIZE_OTS, KAPPA_BITS, KAPPA_BYTES } from './ot-params.js'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')
/** Not exported: only ot-extension.ts (through takeReceiverKeep) can take a keep's contents. */
const TAKE = Symbol('take OteReceiverKeep')

/** The seeds are base-OT outputs, one hash each. */
export const OTE_SEED_BYTES = 32

function copySeeds (what: string, seeds: readonly Uint8Array[]): Uint8Array[] {
  if (seeds.length !== KAPPA_BITS) throw new RangeError(`${what}: ${KAPPA_BITS} seeds, not ${seeds.length}`)
  return seeds.map((s, i) => {
    if (s.length !== OTE_SEED_BYTES) throw new RangeError(`${what}: seed ${i} is ${s.length} bytes, not ${OTE_SEED_BYTES}`)
    return Uint8Array.from(s)
  })
}

/** OTE sender (base-OT receiver): Δ (KAPPA_BITS packed LSB first) and seeds[i] = m_{Δ_i}. Reused for every extension of the pair. */
export class OteSenderSetup {
  readonly #correlation: Uint8Array
  readonly #seeds: Uint8Array[]
  #burned = false
  constructor (correlation: Uint8Array, seeds: readonly Uint8Array[]) {
    if (correlation.length !== KAPPA_BYTES) throw new RangeError(`the correlation Δ is ${KAPPA_BYTES} bytes, not ${correlation.length}`)
    this.#correlation = Uint8Array.from(correlation)
    this.#seeds = copySeeds('OteSenderSetup', seeds)
  }

  /** Copies of Δ and the seeds. Every call site is a place where the secret leaves (to the protocol, or sealed to disk). */
  expose (): { correlation: Uint8Array, seeds: Uint8Array[] } {
    if (this.#burned) throw new OteSetupBurnedError()
    return { correlation: Uint8Array.from(this.#correlation), seeds: this.#seeds.map(s => Uint8Array.from(s)) }
  }

  /**
   * Ends this setup for good: a receiver's message that failed the consistency check may have
   * learnt one bit of Δ (whether its guess of Δ_i was right), and Δ serves every later extension
   * of the pair, so after a failure the pair is set up anew (pair-setup.ts) and this one is zeroed.
   */
  burn (): void {
    this.#burned = true
    this.#correlation.fill(0)
    for (const s of this.#seeds) s.fill(0)
  }

  get burned (): boolean { return this.#burned }

  toString (): string { return '[redacted OT-extension sender setup]' }
  toJSON (): string { return this.toString() }
  [INSPECT] (): string { return `OteSenderSetup(${this.toString()})` }
}

/** OTE receiver (base-OT sender): both messages of each base OT. Reused for every extension of the pair. */
export class OteReceiverSetup {
  readonly #seeds0: Uint8Array[]
  readonly #seeds1: Uint8Array[]
  constructor (seeds0: readonly Uint8Array[], seeds1: readonly Uint8Array[]) {
    this.#seeds0 = copySeeds('OteReceiverSetup seeds0', seeds0)
    this.#seeds1 = copySeeds('OteReceiverSetup seeds1', seeds1)
  }

  /** Copies of both seed lists. Every call site is a place where the secret leaves. */
  expose (): { seeds0: Uint8Array[], seeds1: Uint8Array[] } {
    return { seeds0: this.#seeds0.map(s => Uint8Array.from(s)), seeds1: this.#seeds1.map(s => Uint8Array.from(s)) }
  }

  toString (): string { return '[redacted OT-extension receiver setup]' }
  toJSON (): string { return this.toString() }
  [INSPECT] (): string { return `OteReceiverSetup(${this.toString()})` }
}

interface KeepContents { choices: Uint8Array, rows: Uint8Array }

/**
 * The receiver between `oteReceiverExtend` and `oteReceiverOutputs`: its choice bits and the
 * first BATCH_SIZE_OTS rows of t transposed. Used once: the outputs step empties it.
 */
export class OteReceiverKeep {
  /** The extension's session id (public), so a mismatched call is refused before anything is used up. */
  readonly sid: Uint8Array
  #contents: KeepContents | undefined

  constructor (sid: Uint8Array, choices: Uint8Array, rows: Uint8Array) {
    if (choices.length !== BATCH_SIZE_BYTES || rows.length !== BATCH_SIZE_OTS * KAPPA_BYTES) throw new RangeError('OteReceiverKeep: wrong dimensions')
    this.sid = Uint8Array.from(sid)
    this.#contents = { choices: Uint8Array.from(choices), rows }
  }

  get used (): boolean { return this.#contents === undefined }

  [TAKE] (): KeepContents {
    const c = this.#contents
    if (c === undefined) throw new OteKeepReusedError()
    this.#contents = undefined
    return c
  }

  toString (): string { return '[redacted OT-extension receiver state]' }
  toJSON (): string { return this.toString() }
  [INSPECT] (): string { return `OteReceiverKeep(${this.used ? 'used' : this.toString()})` }
}

/** A burnt sender setup was used: its pair must be set up again. */
export class OteSetupBurnedError extends Error {
  constructor () {
    super('this OT-extension sender setup was burnt after a failed consistency check; set the pair up again')
    this.name = 'OteSetupBurnedError'
  }
}

/** A receiver state reached its outputs step twice: run a new extension under a new sid. */
export class OteKeepReusedError extends Error {
  constructor () {
    super('this OT-extension receiver state was already used')
    this.name = 'OteKeepReusedError'
  }
}

/** Empties `keep` and hands its contents to the outputs step (ot-extension.ts only). */
export function takeReceiverKeep (keep: OteReceiverKeep): KeepContents {
  return keep[TAKE]()
}
