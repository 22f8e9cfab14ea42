// Typed errors of the sealed store and sealed files. Each names its culprit (a
// path, a record key, an envelope version) and never carries secret bytes.

/** An envelope did not authenticate: wrong key, wrong associated data, or altered bytes. */
export class SealOpenError extends Error {
  override readonly name: string = 'SealOpenError'
}

/** An envelope starts with a version byte this build cannot read. */
export class UnsupportedEnvelopeVersionError extends SealOpenError {
  override readonly name: string = 'UnsupportedEnvelopeVersionError'
  constructor (readonly version: number, supported: number) {
    super(`envelope version ${version} is not supported (this build reads version ${supported})`)
  }
}

/** The passphrase does not open the store's verifier or the sealed file. */
export class WrongPassphraseError extends Error {
  override readonly name = 'WrongPassphraseError'
  constructor (readonly path: string, what: 'store' | 'sealed file') {
    super(what === 'store' ? `wrong passphrase for store at ${path}` : `wrong passphrase for sealed file ${path}`)
  }
}

/** The store could not be opened for a reason other than a lock or a passphrase. */
export class StoreOpenError extends Error {
  override readonly name: string = 'StoreOpenError'
  constructor (readonly path: string, reason: string, options?: ErrorOptions) {
    super(`cannot open store at ${path}: ${reason}`, options)
  }
}

/** Another process (or another handle in this one) holds the store's LevelDB lock. */
export class StoreLockedError extends StoreOpenError {
  override readonly name: string = 'StoreLockedError'
  constructor (path: string, options?: ErrorOptions) {
    super(path, 'it is locked by another process or handle (is a node already running on it?)', options)
  }
}

/** A record (or the header) is missing, altered, or moved from another key. */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError'
  constructor (readonly path: string, readonly recordKey: string, reason: string, options?: ErrorOptions) {
    super(`store at ${path}: record ${JSON.stringify(recordKey)} ${reason}`, options)
  }
}

/** A caller passed a key the store refuses: empty, reserved, or not well-formed UTF-16. */
export class InvalidStoreKeyError extends Error {
  override readonly name = 'InvalidStoreKeyError'
  constructor (readonly key: string, reason: string) {
    super(`invalid store key ${JSON.stringify(key)}: ${reason}`)
  }
}

export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError'
  constructor (readonly path: string) {
    super(`store at ${path} is closed`)
  }
}

export class SealedFileNotFoundError extends Error {
  override readonly name = 'SealedFileNotFoundError'
  constructor (readonly path: string, options?: ErrorOptions) {
    super(`sealed file ${path} does not exist`, options)
  }
}

export class MalformedSealedFileError extends Error {
  override readonly name = 'MalformedSealedFileError'
  constructor (readonly path: string, reason: string, options?: ErrorOptions) {
    super(`sealed file ${path} is malformed: ${reason}`, options)
  }
}

/**
 * The store opened but cannot be trusted to hold every write this node made:
 * LevelDB dropped data while recovering, or the store is older than its write
 * counter file. Restarting does not fix it (docs/runbook.md, "The store refuses
 * to open (corruption or rollback)").
 */
export class StoreIntegrityError extends Error {
  override readonly name: string = 'StoreIntegrityError'
  constructor (readonly path: string, message: string, options?: ErrorOptions) {
    super(message, options)
  }
}

/** LevelDB's recovery reported corruption or dropped bytes (lines of its info log `LOG`). */
export class StoreRecoveryDroppedDataError extends StoreIntegrityError {
  override readonly name: string = 'StoreRecoveryDroppedDataError'
  constructor (path: string, readonly logLines: readonly string[], readonly markerPath: string, shown: number) {
    const quoted = logLines.slice(0, shown).map(l => JSON.stringify(l)).join(' | ')
    const more = logLines.length > shown ? ` (and ${logLines.length - shown} more line(s))` : ''
    super(path, `store at ${path} is refused: LevelDB reported corruption while recovering it and may have dropped acknowledged writes: ${quoted}${more}; saved in ${markerPath}`)
  }
}

/** The store's write counter is below the one its counter file holds: an older copy, or lost writes. */
export class StoreRolledBackError extends StoreIntegrityError {
  override readonly name: string = 'StoreRolledBackError'
  constructor (path: string, readonly storeCounter: number, readonly fileCounter: number, readonly counterPath: string) {
    super(path, `store at ${path} is refused: it was rolled back: its write counter is ${storeCounter} but its counter file ${counterPath} holds ${fileCounter} (an older copy of the store, or its last synced writes were lost)`)
  }
}

/** The write counter file is missing while the store has a counter, unreadable, or not this store's. */
export class WriteCounterFileError extends StoreIntegrityError {
  override readonly name: string = 'WriteCounterFileError'
  constructor (path: string, readonly counterPath: string, reason: string, options?: ErrorOptions) {
    super(path, `store at ${path} is refused: its write counter file ${counterPath} ${reason}`, options)
  }
}
