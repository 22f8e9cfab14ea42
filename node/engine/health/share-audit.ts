// Reads every share record of the store and names those that do not
// authenticate. The store's prefix scan stops at the first such record (it
// throws StoreCorruptError naming it), so the audit goes on with the prefixes
// that hold exactly the keys after it: one corrupt record costs a few hundred
// empty seeks, never a second read of the records already read.
import type { KeyStore } from '../../store/index.js'
import { StoreCorruptError } from '../../store/index.js'
import { parseShareKey, SHARE_KEY_ALPHABET, SHARE_PREFIX } from '../new-user/share-store.js'
import type { UnreadableShare } from './findings.js'

export interface ShareAuditResult {
  /** Share records that opened (and hold JSON). */
  readable: number
  unreadable: UnreadableShare[]
}

/**
 * Prefixes, each under `prefix` and disjoint from the others, that together hold every key
 * after `recordKey` (in byte order) whose characters past SHARE_PREFIX are in `alphabet`:
 * the keys that extend `recordKey`, then, position by position from its end, those that
 * share its first i characters and continue with a greater one.
 */
export function prefixesAfter (recordKey: string, prefix: string, alphabet: string = SHARE_KEY_ALPHABET): string[] {
  const out = [...alphabet].map(c => recordKey + c)
  for (let i = recordKey.length - 1; i >= prefix.length; i--) {
    const at = recordKey[i]!
    for (const c of alphabet) if (c > at) out.push(recordKey.slice(0, i) + c)
  }
  return out
}

/** Reads every share record once; any failure but a share record that does not authenticate is thrown. */
export async function auditShares (store: KeyStore): Promise<ShareAuditResult> {
  const result: ShareAuditResult = { readable: 0, unreadable: [] }
  const pending = [SHARE_PREFIX]
  const decoder = new TextDecoder('utf-8', { fatal: true })
  while (pending.length > 0) {
    const prefix = pending.pop()!
    try {
      for await (const [recordKey, value] of store.iterate(prefix)) {
        try {
          JSON.parse(decoder.decode(value))
          result.readable++
        } catch {
          // It authenticates but is no share: written by something that is not ShareStore.
          const share = parseShareKey(recordKey)
          if (share !== undefined) result.unreadable.push({ ...share, recordKey })
        }
      }
    } catch (err) {
      if (!(err instanceof StoreCorruptError) || !err.recordKey.startsWith(prefix)) throw err
      const share = parseShareKey(err.recordKey)
      // A record under share/ with a key ShareStore never writes: not a share of any key; skip past it all the same.
      if (share !== undefined) result.unreadable.push({ ...share, recordKey: err.recordKey })
      pending.push(...prefixesAfter(err.recordKey, prefix))
    }
  }
  return result
}
