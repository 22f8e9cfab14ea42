// What KeyRegistry.add refuses beyond checkRegistryEntry's NewUserRejection
// (node/engine/registry.ts); node/api/error-map.ts answers each over HTTP.

/** new_user for a key that was deleted: the tombstone stays, the key does not come back. */
export class KeyDeletedError extends Error {
  constructor (readonly keyId: string) {
    super(`key ${keyId} was deleted by its owner`)
    this.name = 'KeyDeletedError'
  }
}

export class RecordConflictError extends Error {
  constructor (readonly keyId: string) {
    super(`key ${keyId} is already registered with a different record`)
    this.name = 'RecordConflictError'
  }
}
