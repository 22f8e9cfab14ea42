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
