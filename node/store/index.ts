// Public API of the node's encrypted storage (DESIGN section 6).
export {
  DEFAULT_SCRYPT, ENVELOPE_VERSION, SecretKey, deriveKey, newScryptParams, open, seal,
  type RandomBytes, type ScryptParams
} from './sealing.js'
export { checkUserKey, openStore, type BatchOp, type KeyStore, type OpenStoreInit, type WriteOptions } from './store.js'
export { auditStore, keyPrefix, type StoreAudit } from './audit.js'
export { writeCounterPath } from './write-counter-file.js'
export { RECOVERY_REFUSED_FILE } from './leveldb-recovery-log.js'
export { readSealedFile, writeSealedFile } from './sealed-file.js'
export {
  InvalidStoreKeyError, MalformedSealedFileError, SealedFileNotFoundError, SealOpenError, StoreClosedError,
  StoreCorruptError, StoreIntegrityError, StoreLockedError, StoreOpenError, StoreRecoveryDroppedDataError,
  StoreRolledBackError, UnsupportedEnvelopeVersionError, WriteCounterFileError, WrongPassphraseError
} from './errors.js'
