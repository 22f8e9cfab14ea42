// POST /blame/verify at this node: a blame record's evidence checked against
// this node's own copy of the key (its registry and key states at the active
// epoch), never against anything the record itself claims about the key.
import type { Frost } from '../../../protocols/frost/index.js'
import { checkBlameEvidence, type EvidenceKey, type EvidenceVerdict } from '../../../protocols/sign/blame-evidence.js'
import { SignRejection } from '../../../protocols/sign/check-request.js'
import type { BlameRecord } from '../../../protocols/wire/http.js'
import type { KeyMaterials } from './key-material.js'

export function blameChecker (frost: Frost, keys: KeyMaterials): (record: BlameRecord) => EvidenceVerdict {
  const keyOf = (keyId: string): EvidenceKey | undefined => {
    try {
      const m = keys.get(keyId)
      return { record: m.record, nested: m.nested, params: m.params, epoch: m.state.epoch }
    } catch (err) {
      // Unknown, deleted, not usable here: the evidence cannot be checked against it.
      if (err instanceof SignRejection) return undefined
      throw err
    }
  }
  return record => checkBlameEvidence(frost, record, record.evidence?.kind === 'invalid-share' ? keyOf(record.evidence.request.keyId) : undefined)
}
