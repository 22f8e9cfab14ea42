// A key named by its id instead of a key file (`shardsig verify --key KEY_ID`):
// its scheme and group key from a node's registry, which the client takes only
// if the key id is theirs (deriveKeyId), so a node cannot answer another key.
import { HTTP_API } from '../../protocols/wire/http-api.js'
import { deriveKeyId } from '../../protocols/wire/key-record.js'
import type { PublicKeyRef } from './check-signature.js'
import { callRoute } from './http.js'

export const KEY_ID = /^[0-9a-f]{32}$/

export class KeyIdMismatchError extends Error {
  constructor (readonly node: string, readonly keyId: string, readonly derived: string) {
    super(`${node} answered for key ${keyId} a record whose scheme and group key make key id ${derived}`)
    this.name = 'KeyIdMismatchError'
  }
}

export async function publicKeyFromNode (node: string, keyId: string, signal?: AbortSignal): Promise<PublicKeyRef & { keyId: string }> {
  const { record } = await callRoute(node, HTTP_API.keyInfo, { params: { keyId } }, { signal })
  const derived = deriveKeyId(record.scheme, record.groupPublicKey)
  if (derived !== keyId) throw new KeyIdMismatchError(node, keyId, derived)
  return { keyId, scheme: record.scheme, groupPublicKey: record.groupPublicKey }
}
