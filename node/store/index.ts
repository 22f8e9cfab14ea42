// Public API of the node's encrypted storage (DESIGN section 6).
export {
  DEFAULT_SCRYPT, ENVELOPE_VERSION, SecretKey, deriveKey, newScryptParams, open, seal,
  type RandomBytes, type ScryptParams
} from './sealing.js'
export { checkUserKey, openStore, type BatchOp, type KeyStore, type OpenStoreInit, type WriteOptions } from './store.js'
export { readSealedFile, writeSealedFile } from './sealed-file.js'
export {
  InvalidStoreKeyError, MalformedSealedFileError, SealedFileNotFoundError, SealOpenError, StoreClosedError,
  StoreCorruptError, StoreLockedError, StoreOpenError, UnsupportedEnvelopeVersionError, WrongPassphraseError
} from './errors.js'
