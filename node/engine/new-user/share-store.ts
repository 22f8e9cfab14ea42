// Where a member keeps its sub-shares: one sealed store record per key and
// epoch, written with a synced write before any receipt is signed.
import type { KeyScheme } from '../../../protocols/wire/key-record.js'
import type { KeyStore } from '../../store/index.js'

export const SHARE_PREFIX = 'share/'

export interface StoredShare {
  keyId: string
  epoch: number
  scheme: KeyScheme
  committee: number
  member: number
  /** The sub-share scalar as hex; the store seals it, nothing else ever prints it. */
  share: string
  recordDigest: string
  /** `disputed` when the verification game showed the CL equivocated: never used to sign. `pending`: reshared to an epoch not active yet (docs/protocols/lifecycle.md). */
  state: 'active' | 'disputed' | 'pending'
  receivedAt: number
}

export function shareKey (keyId: string, epoch: number): string {
  return `${SHARE_PREFIX}${keyId}/${epoch}`
}

/** shareKey's inverse: the key id and epoch a share record's key names, or undefined for any other key. */
export function parseShareKey (recordKey: string): { keyId: string, epoch: number } | undefined {
  const m = /^share\/([0-9a-f]{32})\/(\d{1,15})$/.exec(recordKey)
  return m === null ? undefined : { keyId: m[1]!, epoch: Number(m[2]) }
}

/**
 * Every character of a share record's key after SHARE_PREFIX (a lowercase hex key id, `/`, a
 * decimal epoch), in byte order: the share audit resumes a scan after a record that does not
 * authenticate by scanning the prefixes that follow it (node/engine/health/share-audit.ts).
 */
export const SHARE_KEY_ALPHABET = '/0123456789abcdef'

export class ShareStore {
  constructor (private readonly store: KeyStore) {}

  async get (keyId: string, epoch: number): Promise<StoredShare | undefined> {
    return await this.store.getJson<StoredShare>(shareKey(keyId, epoch))
  }

  async put (share: StoredShare): Promise<void> {
    await this.store.putJson(shareKey(share.keyId, share.epoch), share, { sync: true })
  }

  /**
   * Erases every share of the key (all epochs) in one synced batch; how many
   * there were. LevelDB may keep the sealed bytes on disk until a compaction:
   * they stay encrypted under the store key (docs/protocols/delete_user.md).
   */
  async erase (keyId: string): Promise<number> {
    const keys: string[] = []
    for await (const [key] of this.store.iterate(`${SHARE_PREFIX}${keyId}/`)) keys.push(key)
    if (keys.length > 0) await this.store.batch(keys.map(key => ({ type: 'del' as const, key })), { sync: true })
    return keys.length
  }

  /** Every share this node holds, of every key and epoch. */
  async all (): Promise<StoredShare[]> {
    const shares: StoredShare[] = []
    for await (const [, value] of this.store.iterate(SHARE_PREFIX)) shares.push(JSON.parse(new TextDecoder().decode(value)) as StoredShare)
    return shares
  }

  async count (): Promise<number> {
    let n = 0
    for await (const _ of this.store.iterate(SHARE_PREFIX)) n++
    return n
  }
}
