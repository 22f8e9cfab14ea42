// The public material of a registered key that signing needs — the record,
// its decoded commitments and its sharing parameters — checked once and cached.
import { checkRecord } from '../../../protocols/new-user/check-record.js'
import { isUsable, type RegistryEntry } from '../../../protocols/new-user/registry-entry.js'
import { SignRejection } from '../../../protocols/sign/check-request.js'
import type { NestedPublic, SharingParams } from '../../../protocols/sharing/index.js'
import type { KeyRecord } from '../../../protocols/wire/key-record.js'
import type { Membership } from '../../../protocols/wire/membership.js'
import type { KeyRegistry } from '../registry.js'

export interface KeyMaterial {
  record: KeyRecord
  nested: NestedPublic
  params: SharingParams
}

export class KeyMaterials {
  private readonly cache = new Map<string, KeyMaterial>()

  constructor (private readonly registry: KeyRegistry, private readonly membership: Membership) {}

  /** recordDigest of the registered record, to match a stored share against it. */
  digestOf (keyId: string): string | undefined {
    return this.registry.digestOf(keyId)
  }

  /** The key's material, or a SignRejection: unknown, or not yet confirmed by tc committees. */
  get (keyId: string): KeyMaterial {
    if (this.registry.tombstone(keyId) !== undefined) {
      this.cache.delete(keyId)
      throw new SignRejection('deleted', `key ${keyId} was deleted by its owner`)
    }
    const entry: RegistryEntry | undefined = this.registry.get(keyId)
    if (entry === undefined) throw new SignRejection('unknown-key', `no key ${keyId} in this node's registry`)
    if (!isUsable(entry)) throw new SignRejection('unknown-key', `key ${keyId} is not confirmed by ${entry.record.params.tc} committees yet`)
    let material = this.cache.get(keyId)
    if (material === undefined) {
      const { record } = entry
      material = {
        record,
        nested: checkRecord(record, this.membership),
        params: { scheme: record.scheme, committees: record.params.committees, tc: record.params.tc, tm: record.params.tm, members: record.holders.map(h => h.length) }
      }
      this.cache.set(keyId, material)
    }
    return material
  }
}

/** The party as the sharing module wants it: committee → member positions. */
export function partyMap (party: ReadonlyArray<{ committee: number, member: number }>): Map<number, number[]> {
  const map = new Map<number, number[]>()
  for (const p of party) map.set(p.committee, [...(map.get(p.committee) ?? []), p.member])
  return map
}
