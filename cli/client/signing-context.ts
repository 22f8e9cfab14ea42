// What a client keeps across the requests it signs: the FROST it verifies signatures with,
// each key file's owner key as an OpenSSL key object, and the group keys it has checked.
// Made once per client and passed to every sign() call (bench, chaos and load clients);
// a single `shardsig sign` makes its own.
import { hexToBytes } from '@noble/hashes/utils.js'
import type { KeyObject } from 'node:crypto'
import { ownerSigningKey } from '../../protocols/crypto/owner-auth.js'
import { createFrost, selectBackend, type Frost } from '../../protocols/frost/index.js'
import { pointFromHex, type Point, type CurveName } from '../../protocols/sharing/index.js'
import type { KeyFile } from '../key-file.js'

/** Group keys a context keeps checked at most (the oldest goes first). */
const CHECKED_GROUP_KEYS = 64

export class SigningContext {
  private readonly ownerKeys = new WeakMap<KeyFile, { secretKey: string, key: KeyObject }>()
  private readonly groupKeys = new Map<string, Point>()

  /** `frost` verifies returned signatures; default: one on the `auto` backend (decisions/0005). */
  constructor (readonly frost: Frost = createFrost(selectBackend('auto'))) {}

  /** The key file's owner key, made once per file (again if the file's secret changed). */
  ownerKey (file: KeyFile): KeyObject {
    const kept = this.ownerKeys.get(file)
    if (kept !== undefined && kept.secretKey === file.owner.secretKey) return kept.key
    const secret = hexToBytes(file.owner.secretKey)
    try {
      const key = ownerSigningKey(secret)
      this.ownerKeys.set(file, { secretKey: file.owner.secretKey, key })
      return key
    } finally {
      secret.fill(0)
    }
  }

  /**
   * A group key, decoded and checked once (a point off the curve or of small order throws):
   * the same point object each time, whose encoding the verifier also keeps.
   */
  groupKey (scheme: CurveName, hex: string): Point {
    const id = `${scheme}:${hex}`
    const kept = this.groupKeys.get(id)
    if (kept !== undefined) return kept
    const point = pointFromHex(scheme, hex)
    if (this.groupKeys.size >= CHECKED_GROUP_KEYS) this.groupKeys.delete(this.groupKeys.keys().next().value as string)
    this.groupKeys.set(id, point)
    return point
  }
}
