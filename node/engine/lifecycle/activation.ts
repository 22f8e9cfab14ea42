// The second phase of update_node_set (docs/protocols/lifecycle.md,
// decisions/0008): once this node holds a confirmed epoch entry for every key
// that can sign at the active epoch, it moves its store to the pending epoch
// in one synced batch — the update becomes the next link of the genesis
// chain, its pending shares of confirmed keys become active, and every share
// of an earlier epoch is erased (all of them at a node that is not in the new
// epoch). The node then restarts its services on the new genesis.
import { keysNotReshared } from '../../../protocols/lifecycle/reshare.js'
import { epochRecordDigest } from '../../../protocols/lifecycle/reshare.js'
import type { BatchOp, KeyStore } from '../../store/index.js'
import type { Logger } from '../../log.js'
import { shareKey, type ShareStore } from '../new-user/share-store.js'
import { activatedUpdateKey } from './epoch-chain.js'
import type { KeyStates } from './key-state.js'
import { PENDING_UPDATE_KEY, type MembershipBook } from './membership-book.js'

export interface Activation {
  epoch: number
  /** Whether this node is a member of the new epoch; a node that is not erased every share and must stop. */
  member: boolean
  /** Shares of an earlier epoch erased. */
  erased: number
  /** Pending shares that became active. */
  activated: number
}

export class NotReadyToActivateError extends Error {
  constructor (readonly missing: string[]) {
    super(`${missing.length} keys have no confirmed epoch entry yet (first: ${missing[0] ?? '-'})`)
    this.name = 'NotReadyToActivateError'
  }
}

/** Keys that can sign now and still lack a confirmed entry for the pending epoch (empty: ready). */
export function keysWaitingForEntries (book: MembershipBook, keyStates: KeyStates): string[] {
  return book.pending === undefined ? [] : keysNotReshared(keyStates.usableKeyIds(), book.confirmedKeys())
}

export async function activatePendingEpoch (init: {
  store: KeyStore, shares: ShareStore, book: MembershipBook, keyStates: KeyStates, selfPeerId: string, log: Logger
}): Promise<Activation> {
  const pending = init.book.pending
  if (pending === undefined) throw new TypeError('no membership update is pending')
  const missing = keysWaitingForEntries(init.book, init.keyStates)
  if (missing.length > 0) throw new NotReadyToActivateError(missing)
  const epoch = pending.genesis.epoch
  const member = pending.genesis.nodes.some(n => n.peerId === init.selfPeerId)
  const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))
  const ops: BatchOp[] = [
    { type: 'put', key: activatedUpdateKey(epoch), value: encode(pending.update) },
    { type: 'del', key: PENDING_UPDATE_KEY }
  ]
  let erased = 0
  let activated = 0
  for (const share of await init.shares.all()) {
    if (share.epoch < epoch || !member) {
      ops.push({ type: 'del', key: shareKey(share.keyId, share.epoch) })
      erased++
      continue
    }
    const entry = init.book.entryOf(share.keyId)
    if (share.epoch === epoch && share.state === 'pending' && entry !== undefined && epochRecordDigest(entry.record) === share.recordDigest) {
      ops.push({ type: 'put', key: shareKey(share.keyId, share.epoch), value: encode({ ...share, state: 'active' }) })
      activated++
    }
  }
  // From here on a share of the active epoch may be gone: signers ask CMs to wait for the switch.
  init.keyStates.markLeaving(epoch)
  try {
    await init.store.batch(ops, { sync: true })
  } catch (err) {
    init.keyStates.markLeaving(undefined)
    throw err
  }
  init.log.info({ epoch, member, erased, activated }, member
    ? `epoch ${epoch} activated: reshared shares active, ${erased} shares of earlier epochs erased`
    : `this node is not in epoch ${epoch}: every share erased (${erased}); it stops`)
  return { epoch, member, erased, activated }
}
