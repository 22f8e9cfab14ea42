// Typed refusals of update_node_set (docs/protocols/lifecycle.md); `code` is stable.
export type LifecycleCode =
  | 'no-operators' | 'wrong-network' | 'wrong-epoch' | 'not-an-operator' | 'bad-operator-signature'
  | 'wrong-quorum' | 'wrong-key' | 'bad-epoch-record' | 'bad-receipt' | 'unconfirmed'

export class LifecycleRejection extends Error {
  constructor (readonly code: LifecycleCode, reason: string) {
    super(reason)
    this.name = 'LifecycleRejection'
  }
}
