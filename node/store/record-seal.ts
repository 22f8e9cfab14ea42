// A record's value sealed with the record's key as associated data (DESIGN
// section 6), so a value moved to another key does not open.
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { SealOpenError, StoreCorruptError, UnsupportedEnvelopeVersionError } from './errors.js'
import { open, seal, type SecretKey } from './sealing.js'

export function sealRecord (key: SecretKey, recordKey: string, value: Uint8Array): Uint8Array {
  return seal(key, utf8ToBytes(recordKey), value)
}

/** The record's value; StoreCorruptError naming the store and the record if it does not open. */
export function openRecord (key: SecretKey, path: string, recordKey: string, envelope: Uint8Array): Uint8Array {
  try {
    return open(key, utf8ToBytes(recordKey), envelope)
  } catch (err) {
    if (!(err instanceof SealOpenError)) throw err
    const reason = err instanceof UnsupportedEnvelopeVersionError ? err.message : 'does not authenticate: its value was altered or moved from another key'
    throw new StoreCorruptError(path, recordKey, reason, { cause: err })
  }
}
