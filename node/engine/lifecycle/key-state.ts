// A key's resharing state (protocols/lifecycle/reshare.ts KeyState) from this
// node's registry (the owner's record while the key has no epoch entry), and
// which keys resharing must carry.
import { isUsable, recordDigest } from '../../../protocols/new-user/registry-entry.js'
import type { KeyState } from '../../../protocols/lifecycle/reshare.js'
import type { KeyRecord } from '../../../protocols/wire/key-record.js'
import type { RegistryEntry } from '../../../protocols/new-user/registry-entry.js'

export function keyStateOf (record: KeyRecord): KeyState {
  return {
    keyId: record.keyId,
    scheme: record.scheme,
    epoch: record.epoch,
    groupPublicKey: record.groupPublicKey,
    commitments: record.commitments,
    holders: record.holders,
    params: record.params,
    digest: recordDigest(record)
  }
}

/** Keys that can sign (confirmed by tc committees): the ones resharing must carry to the next epoch. */
export function usableKeyIds (registry: { keyIds: () => string[], get: (keyId: string) => RegistryEntry | undefined }): string[] {
  return registry.keyIds().filter(k => { const e = registry.get(k); return e !== undefined && isUsable(e) })
}
